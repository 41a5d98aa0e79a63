"""Interop with the official SDK (uhlive 2.1.0), used as an independent oracle.

Our client frames must equal what ``Recognizer`` builds for the same calls; every event our
server side encodes must parse with ``Recognizer.receive`` into the matching class with equal
fields.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from uhlive.stream.recognition import Recognizer
from uhlive.stream.recognition import events as sdk_events

from tests.unit.protocol.strategies import events, recognition_results
from tests.unit.protocol.test_wire_vectors import EVENT_VECTORS
from workbench.protocol.client_role import ClientProtocol
from workbench.protocol.codec import encode_event
from workbench.protocol.messages import (
    Close,
    DefineGrammar,
    Event,
    GetParams,
    Open,
    Opened,
    RecognitionInProgress,
    RecognitionResult,
    Recognize,
    SetParams,
    StartInputTimers,
    Stop,
)


def _same_frame(ours: str, theirs: str) -> None:
    assert ours == theirs
    assert json.loads(ours) == json.loads(theirs)


def test_every_command_frame_equals_the_sdk_frame() -> None:
    sdk = Recognizer()
    client = ClientProtocol()
    _same_frame(
        client.send(
            Open(channel_id="pref", custom_id="cust", session_id="sess", audio_codec="g711u")
        ).text,
        sdk.open(custom_id="cust", channel_id="pref", session_id="sess", audio_codec="g711u"),
    )
    opened = encode_event(Opened(request_id=1, channel_id="pref-abc"))
    sdk.receive(opened)
    client.receive(opened)
    assert client.channel_id == sdk.channel_id == "pref-abc"

    params = {"speech_language": "fr", "no_input_timeout": 5000, "logging_tag": "tag é"}
    _same_frame(client.send(SetParams(params=params)).text, sdk.set_params(**params))
    _same_frame(client.send(SetParams()).text, sdk.set_params())
    _same_frame(client.send(GetParams()).text, sdk.get_params())
    builtin = "speech/keywords?alternatives=adresse|arrêt|allo\\-media"
    _same_frame(
        client.send(DefineGrammar(alias="menu", uri=f"builtin:{builtin}")).text,
        sdk.define_grammar(builtin, "menu"),
    )
    grammars = ("session:menu", "builtin:speech/boolean")
    overrides = {"hotword_max_duration": 5000, "no_input_timeout": 7000}
    _same_frame(
        client.send(
            Recognize(
                grammars=grammars,
                recognition_mode="hotword",
                start_input_timers=False,
                params=overrides,
            )
        ).text,
        sdk.recognize(*grammars, start_timers=False, recognition_mode="hotword", **overrides),
    )
    in_progress = encode_event(RecognitionInProgress(request_id=6, channel_id="pref-abc"))
    sdk.receive(in_progress)
    client.receive(in_progress)
    _same_frame(client.send(StartInputTimers()).text, sdk.start_input_timers())
    _same_frame(client.send(Stop()).text, sdk.stop())
    stopped = '{"event":"STOPPED","request_id":8,"channel_id":"pref-abc","headers":{},'
    stopped += '"completion_cause":null,"completion_reason":null,"body":""}'
    sdk.receive(stopped)
    client.receive(stopped)
    _same_frame(
        client.send(Recognize(grammars=("builtin:speech/boolean",))).text,
        sdk.recognize("builtin:speech/boolean"),
    )


def test_close_and_reopen_frames_equal_the_sdk_frames() -> None:
    sdk = Recognizer()
    client = ClientProtocol()
    for text in (client.send(Open()).text, sdk.open()):
        assert '"request_id":1' in text
    opened = encode_event(Opened(request_id=1, channel_id="abc"))
    sdk.receive(opened)
    client.receive(opened)
    _same_frame(client.send(Close()).text, sdk.close())
    closed = opened.replace("OPENED", "CLOSED").replace('"request_id":1', '"request_id":2')
    sdk.receive(closed)
    client.receive(closed)
    # The SDK never resets its counter and re-sends its own channel_id argument on OPEN.
    _same_frame(client.send(Open(audio_codec="g711a")).text, sdk.open(audio_codec="g711a"))


# ---------------------------------------------------------------------------------------------
# Events


def _epoch_ms_to_naive_utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000.0, tz=UTC).replace(tzinfo=None)


def _assert_result_equal(sdk_result: Any, ours: RecognitionResult) -> None:
    assert sdk_result.grammar_uri == ours.grammar_uri
    if ours.asr is None:
        assert sdk_result.asr is None
    else:
        assert sdk_result.asr.transcript == ours.asr.transcript
        assert sdk_result.asr.confidence == pytest.approx(ours.asr.confidence)
        assert sdk_result.asr.start == _epoch_ms_to_naive_utc(ours.asr.start)
        assert sdk_result.asr.end == _epoch_ms_to_naive_utc(ours.asr.end)
        assert sdk_result.asr.phones == (ours.asr.phones or "")
    if ours.nlu is None:
        assert sdk_result.nlu is None
    else:
        assert sdk_result.nlu.type == ours.nlu.type
        assert sdk_result.nlu.value == ours.nlu.value
        assert sdk_result.nlu.confidence == pytest.approx(ours.nlu.confidence)
    assert len(sdk_result.alternatives) == len(ours.alternatives)
    for sdk_alt, our_alt in zip(sdk_result.alternatives, ours.alternatives, strict=True):
        _assert_result_equal(sdk_alt, our_alt)


def assert_sdk_parses_like_us(event: Event) -> None:
    """Parse our encoding with the SDK and compare every field."""
    parsed = Recognizer().receive(encode_event(event))
    assert type(parsed) is sdk_events.EVENT_MAP[event.name]
    assert type(parsed).__name__ == type(event).__name__
    assert parsed.request_id == event.request_id
    assert parsed.channel_id == event.channel_id
    assert parsed.headers == event.headers
    cause = event.completion_cause.value if event.completion_cause else None
    assert (parsed.completion_cause.value if parsed.completion_cause else None) == cause
    assert parsed.completion_reason == (event.completion_reason or None)
    body = getattr(event, "body", None)
    if body is None:
        assert parsed.body is None
    else:
        _assert_result_equal(parsed.body, body)


@pytest.mark.parametrize("event", [e for e, _ in EVENT_VECTORS], ids=lambda e: e.name)
def test_every_event_vector_parses_with_the_sdk(event: Event) -> None:
    assert_sdk_parses_like_us(event)


@given(events())
def test_any_event_we_encode_parses_with_the_sdk(event: Event) -> None:
    assert_sdk_parses_like_us(event)


@given(recognition_results(), st.integers(min_value=0, max_value=2**63))
def test_results_keep_their_values_through_the_sdk(result: RecognitionResult, rid: int) -> None:
    from workbench.protocol.messages import RecognitionComplete

    assert_sdk_parses_like_us(RecognitionComplete(request_id=rid, body=result))
