"""Golden wire vectors, checked both ways: encode gives the exact text, decode gives the value."""

from __future__ import annotations

import json

import pytest

from workbench.protocol.causes import CompletionCause
from workbench.protocol.codec import decode_command, decode_event, encode_command, encode_event
from workbench.protocol.messages import (
    Close,
    Closed,
    Command,
    DefaultParams,
    DefineGrammar,
    Event,
    GetParams,
    GrammarDefined,
    InputTimersStarted,
    Interpretation,
    InvalidParamValue,
    MethodFailed,
    MethodNotAllowed,
    MethodNotValid,
    MissingParam,
    Open,
    Opened,
    ParamsSet,
    RecognitionComplete,
    RecognitionInProgress,
    RecognitionResult,
    Recognize,
    SetParams,
    StartInputTimers,
    StartOfInput,
    Stop,
    Stopped,
    Transcript,
)

# Frames as the official SDK 2.1.0 writes them (H2B.md §4), after OPENED with "pref-abc".
COMMAND_VECTORS: list[tuple[Command, str]] = [
    (
        Open(request_id=1),
        '{"command":"OPEN","request_id":1,"channel_id":"",'
        '"headers":{"custom_id":"","audio_codec":"linear","session_id":""},"body":""}',
    ),
    (
        Open(
            request_id=1,
            channel_id="pref",
            custom_id="cust",
            session_id="sess",
            audio_codec="g711a",
        ),
        '{"command":"OPEN","request_id":1,"channel_id":"pref",'
        '"headers":{"custom_id":"cust","audio_codec":"g711a","session_id":"sess"},"body":""}',
    ),
    (
        SetParams(
            request_id=3,
            channel_id="pref-abc",
            params={
                "speech_language": "fr",
                "no_input_timeout": 5000,
                "n_best_list_length": 3,
                "logging_tag": "x",
            },
        ),
        '{"command":"SET-PARAMS","request_id":3,"channel_id":"pref-abc","headers":'
        '{"speech_language":"fr","no_input_timeout":5000,"n_best_list_length":3,'
        '"logging_tag":"x"},"body":""}',
    ),
    (
        GetParams(request_id=4, channel_id="pref-abc"),
        '{"command":"GET-PARAMS","request_id":4,"channel_id":"pref-abc","headers":{},"body":""}',
    ),
    (
        DefineGrammar(
            request_id=5,
            channel_id="pref-abc",
            alias="parcel",
            uri="builtin:speech/spelling/mixed?regex=[a-z]{2}",
        ),
        '{"command":"DEFINE-GRAMMAR","request_id":5,"channel_id":"pref-abc",'
        '"headers":{"content_id":"parcel","content_type":"text/uri-list"},'
        '"body":"builtin:speech/spelling/mixed?regex=[a-z]{2}"}',
    ),
    (
        DefineGrammar(
            request_id=6,
            channel_id="c",
            alias="menu",
            uri="builtin:speech/keywords?alternatives=adresse|multi|arrêt|allo\\-media",
        ),
        '{"command":"DEFINE-GRAMMAR","request_id":6,"channel_id":"c",'
        '"headers":{"content_id":"menu","content_type":"text/uri-list"},'
        '"body":"builtin:speech/keywords?alternatives=adresse|multi|arrêt|allo\\\\-media"}',
    ),
    (
        Recognize(
            request_id=6,
            channel_id="pref-abc",
            grammars=("session:parcel", "builtin:speech/boolean"),
        ),
        '{"command":"RECOGNIZE","request_id":6,"channel_id":"pref-abc","headers":'
        '{"recognition_mode":"normal","content_type":"text/uri-list","start_input_timers":true},'
        '"body":"session:parcel\\nbuiltin:speech/boolean"}',
    ),
    (
        Recognize(
            request_id=7,
            channel_id="pref-abc",
            grammars=("builtin:speech/boolean",),
            recognition_mode="hotword",
            start_input_timers=False,
            params={"hotword_max_duration": 5000},
        ),
        '{"command":"RECOGNIZE","request_id":7,"channel_id":"pref-abc","headers":'
        '{"recognition_mode":"hotword","content_type":"text/uri-list","start_input_timers":false,'
        '"hotword_max_duration":5000},"body":"builtin:speech/boolean"}',
    ),
    (
        StartInputTimers(request_id=9, channel_id="pref-abc"),
        '{"command":"START-INPUT-TIMERS","request_id":9,"channel_id":"pref-abc",'
        '"headers":{},"body":""}',
    ),
    (
        Stop(request_id=10, channel_id="pref-abc"),
        '{"command":"STOP","request_id":10,"channel_id":"pref-abc","headers":{},"body":""}',
    ),
    (
        Close(request_id=8, channel_id="pref-abc"),
        '{"command":"CLOSE","request_id":8,"channel_id":"pref-abc","headers":{},"body":""}',
    ),
]


def _envelope(name: str, rid: int, cause: str | None = None, reason: str | None = None) -> str:
    cause_json = json.dumps(cause)
    reason_json = json.dumps(reason, ensure_ascii=False)
    return (
        f'{{"event":"{name}","request_id":{rid},"channel_id":"pref-abc",'
        f'"completion_cause":{cause_json},"completion_reason":{reason_json},'
        '"headers":{},"body":""}'
    )


SUCCESS_RESULT = RecognitionResult(
    asr=Transcript(
        transcript="oui bien sûr", confidence=0.93, start=1700000000120, end=1700000000940
    ),
    nlu=Interpretation(type="builtin:speech/boolean", value=True, confidence=0.91),
    grammar_uri="builtin:speech/boolean",
    version="1.38.0",
    asr_model="fr.basic",
)

NBEST_RESULT = RecognitionResult(
    asr=Transcript(transcript="forty two", confidence=0.8, start=10, end=20, phones="f ao r"),
    nlu=Interpretation(type="builtin:speech/spelling/digits", value="42", confidence=0.8),
    grammar_uri="session:num",
    alternatives=(
        RecognitionResult(
            asr=Transcript(transcript="forty", confidence=0.4, start=10, end=20),
            nlu=Interpretation(type="builtin:speech/spelling/digits", value="40", confidence=0.4),
            grammar_uri="session:num",
        ),
    ),
)

EVENT_VECTORS: list[tuple[Event, str]] = [
    (Opened(request_id=1, channel_id="pref-abc"), _envelope("OPENED", 1)),
    (ParamsSet(request_id=2, channel_id="pref-abc"), _envelope("PARAMS-SET", 2)),
    (GrammarDefined(request_id=3, channel_id="pref-abc"), _envelope("GRAMMAR-DEFINED", 3)),
    (
        RecognitionInProgress(
            request_id=4, channel_id="pref-abc", completion_cause=CompletionCause.SUCCESS
        ),
        _envelope("RECOGNITION-IN-PROGRESS", 4, "Success"),
    ),
    (
        InputTimersStarted(request_id=5, channel_id="pref-abc"),
        _envelope("INPUT-TIMERS-STARTED", 5),
    ),
    (StartOfInput(request_id=4, channel_id="pref-abc"), _envelope("START-OF-INPUT", 4)),
    (Stopped(request_id=6, channel_id="pref-abc"), _envelope("STOPPED", 6)),
    (Closed(request_id=7, channel_id="pref-abc"), _envelope("CLOSED", 7)),
    (
        MethodNotValid(request_id=8, channel_id="pref-abc", completion_reason="unknown command"),
        _envelope("METHOD-NOT-VALID", 8, None, "unknown command"),
    ),
    (
        MethodFailed(
            request_id=3,
            channel_id="pref-abc",
            completion_cause=CompletionCause.GRAM_LOAD_FAILURE,
            completion_reason="unknown grammar 'toto'",
        ),
        _envelope("METHOD-FAILED", 3, "GramLoadFailure", "unknown grammar 'toto'"),
    ),
    (
        InvalidParamValue(request_id=9, channel_id="pref-abc", completion_reason="bad é"),
        _envelope("INVALID-PARAM-VALUE", 9, None, "bad é"),
    ),
    (MissingParam(request_id=10, channel_id="pref-abc"), _envelope("MISSING-PARAM", 10)),
    (MethodNotAllowed(request_id=11, channel_id="pref-abc"), _envelope("METHOD-NOT-ALLOWED", 11)),
    (
        DefaultParams(request_id=12, channel_id="c", headers={"no_input_timeout": 5000}),
        '{"event":"DEFAULT-PARAMS","request_id":12,"channel_id":"c","completion_cause":null,'
        '"completion_reason":null,"headers":{"no_input_timeout":5000},"body":""}',
    ),
    (
        RecognitionComplete(
            request_id=6,
            channel_id="pref-abc",
            completion_cause=CompletionCause.SUCCESS,
            completion_reason="success",
            body=SUCCESS_RESULT,
        ),
        '{"event":"RECOGNITION-COMPLETE","request_id":6,"channel_id":"pref-abc",'
        '"completion_cause":"Success","completion_reason":"success","headers":{},'
        '"body":{"asr":{"transcript":"oui bien sûr","confidence":0.93,"start":1700000000120,'
        '"end":1700000000940},"nlu":{"type":"builtin:speech/boolean","value":true,'
        '"confidence":0.91},"grammar_uri":"builtin:speech/boolean","version":"1.38.0",'
        '"asr_model":"fr.basic"}}',
    ),
    (
        RecognitionComplete(
            request_id=6,
            channel_id="c",
            completion_cause=CompletionCause.NO_INPUT_TIMEOUT,
            completion_reason="no voice",
            body=RecognitionResult(),
        ),
        '{"event":"RECOGNITION-COMPLETE","request_id":6,"channel_id":"c",'
        '"completion_cause":"NoInputTimeout","completion_reason":"no voice","headers":{},'
        '"body":{"asr":null,"nlu":null,"grammar_uri":""}}',
    ),
    (
        RecognitionComplete(
            request_id=2,
            channel_id="c",
            completion_cause=CompletionCause.SUCCESS,
            body=NBEST_RESULT,
        ),
        '{"event":"RECOGNITION-COMPLETE","request_id":2,"channel_id":"c",'
        '"completion_cause":"Success","completion_reason":null,"headers":{},"body":'
        '{"asr":{"transcript":"forty two","confidence":0.8,"start":10,"end":20,"phones":"f ao r"},'
        '"nlu":{"type":"builtin:speech/spelling/digits","value":"42","confidence":0.8},'
        '"grammar_uri":"session:num","alternatives":[{"asr":{"transcript":"forty",'
        '"confidence":0.4,"start":10,"end":20},"nlu":{"type":"builtin:speech/spelling/digits",'
        '"value":"40","confidence":0.4},"grammar_uri":"session:num"}]}}',
    ),
]


@pytest.mark.parametrize(("command", "text"), COMMAND_VECTORS, ids=lambda v: getattr(v, "name", ""))
def test_command_vectors_both_ways(command: Command, text: str) -> None:
    assert encode_command(command) == text
    assert decode_command(text) == command


@pytest.mark.parametrize(("event", "text"), EVENT_VECTORS, ids=lambda v: getattr(v, "name", ""))
def test_event_vectors_both_ways(event: Event, text: str) -> None:
    assert encode_event(event) == text
    assert decode_event(text) == event


def test_every_command_and_event_has_a_vector() -> None:
    from workbench.protocol.messages import COMMAND_TYPES, EVENT_TYPES

    assert {type(c) for c, _ in COMMAND_VECTORS} == set(COMMAND_TYPES.values())
    assert {type(e) for e, _ in EVENT_VECTORS} == set(EVENT_TYPES.values())


def test_decoding_accepts_any_formatting_and_empty_body_spellings() -> None:
    spaced = (
        '{ "body": null, "headers": {}, "completion_reason": "", "completion_cause": "",\n'
        '  "channel_id": "x", "request_id": 3, "event": "OPENED" }'
    )
    assert decode_event(spaced) == Opened(request_id=3, channel_id="x")
    for empty in ('""', "null", "{}"):
        frame = _envelope("STOPPED", 2).replace('"body":""', f'"body":{empty}')
        assert decode_event(frame) == Stopped(request_id=2, channel_id="pref-abc")


def test_server_decodes_a_minimal_hand_written_command() -> None:
    decoded = decode_command('{"command":"RECOGNIZE","request_id":5,"body":"a\\r\\n\\r\\nb"}')
    assert decoded == Recognize(request_id=5, grammars=("a", "b"))
