"""The one-line summaries people read instead of the raw JSON."""

from __future__ import annotations

import pytest

from tests.unit.session.harness import Harness, complete, result
from workbench.protocol.causes import CompletionCause
from workbench.protocol.codec import encode_command, encode_event
from workbench.protocol.messages import (
    Close,
    Command,
    DefaultParams,
    DefineGrammar,
    Event,
    GetParams,
    InvalidParamValue,
    MethodFailed,
    Open,
    Opened,
    RecognitionComplete,
    RecognitionInProgress,
    Recognize,
    SetParams,
    StartOfInput,
)
from workbench.session import Timeline
from workbench.session.summaries import format_bytes, one_line

CHAN = "chan-1"


@pytest.mark.parametrize(
    ("command", "summary"),
    [
        (Open(request_id=1), "OPEN #1 linear"),
        (
            Open(request_id=1, channel_id="pref", custom_id="cust", audio_codec="g711a"),
            "OPEN #1 g711a (channel prefix 'pref', custom_id 'cust')",
        ),
        (
            SetParams(request_id=2, params={"no_input_timeout": 5000, "speech_language": "en"}),
            "SET-PARAMS #2 no_input_timeout=5000, speech_language='en'",
        ),
        (GetParams(request_id=3), "GET-PARAMS #3"),
        (
            DefineGrammar(request_id=4, alias="num", uri="builtin:speech/spelling/digits"),
            "DEFINE-GRAMMAR #4 session:num = builtin:speech/spelling/digits",
        ),
        (
            Recognize(
                request_id=5, grammars=("builtin:speech/boolean",), recognition_mode="hotword"
            ),
            "RECOGNIZE #5 builtin:speech/boolean (hotword)",
        ),
        (
            Recognize(
                request_id=6,
                grammars=("session:num", "builtin:speech/boolean"),
                start_input_timers=False,
                params={"no_input_timeout": 3000},
            ),
            "RECOGNIZE #6 session:num, builtin:speech/boolean "
            "(input timers deferred; no_input_timeout=3000)",
        ),
        (Close(request_id=8), "CLOSE #8"),
    ],
)
def test_command_summaries(command: Command, summary: str) -> None:
    entry = Timeline().command_sent(command, encode_command(command), 0.0, 0.0)
    assert entry.summary == summary


def _after(event: Event, *, command: Command, delay: float) -> str:
    """The summary of ``event`` received ``delay`` seconds after ``command`` was sent."""
    timeline = Timeline()
    timeline.command_sent(command, encode_command(command), 0.0, 10.0)
    raw = encode_event(event)
    return timeline.frame_received(raw, event, delay, 10.0 + delay).summary


RECOGNIZE_5 = Recognize(request_id=5, grammars=("builtin:speech/boolean",))


@pytest.mark.parametrize(
    ("event", "summary"),
    [
        (
            complete(5, reason="success", body=result("yes", True, confidence=0.93)),
            "RECOGNITION-COMPLETE #5 Success: 'yes' → true (conf 0.93) in 1.24 s",
        ),
        (
            complete(5, CompletionCause.NO_MATCH, result("blah", None), reason="no match"),
            "RECOGNITION-COMPLETE #5 NoMatch: 'blah' → no match (asr conf 0.88) in 1.24 s"
            " — no match",
        ),
        (
            complete(5, CompletionCause.NO_INPUT_TIMEOUT, reason="no voice"),
            "RECOGNITION-COMPLETE #5 NoInputTimeout: nothing heard in 1.24 s — no voice",
        ),
        (
            complete(
                5,
                body=result(
                    "le one two three",
                    "le123",
                    grammar="builtin:speech/spelling/mixed?regex=[a-z]{2}[0-9]{3}",
                    alternatives=(result("le one two", "le12"),),
                ),
            ),
            "RECOGNITION-COMPLETE #5 Success: 'le one two three' → 'le123' (conf 0.93), "
            "+1 alternative in 1.24 s",
        ),
        (
            RecognitionComplete(
                request_id=5, channel_id=CHAN, completion_cause=CompletionCause.ERROR
            ),
            "RECOGNITION-COMPLETE #5 Error: no result body in 1.24 s",
        ),
        (StartOfInput(request_id=5, channel_id=CHAN), "START-OF-INPUT #5 after 1.24 s"),
        (RecognitionInProgress(request_id=5, channel_id=CHAN), "RECOGNITION-IN-PROGRESS #5"),
        (
            MethodFailed(
                request_id=5,
                channel_id=CHAN,
                completion_cause=CompletionCause.GRAM_LOAD_FAILURE,
                completion_reason="unknown grammar 'toto'",
            ),
            "ERROR MethodFailed: unknown grammar 'toto' [GramLoadFailure] (RECOGNIZE #5)",
        ),
    ],
)
def test_event_summaries(event: Event, summary: str) -> None:
    assert _after(event, command=RECOGNIZE_5, delay=1.24) == summary


def test_other_replies() -> None:
    opened = Opened(request_id=1, channel_id="0x564765bd0cd8")
    assert (
        _after(opened, command=Open(request_id=1), delay=0.01) == "OPENED #1 channel 0x564765bd0cd8"
    )
    error = InvalidParamValue(
        request_id=2, channel_id=CHAN, completion_reason="no_input_timeout must be >= 0"
    )
    assert (
        _after(error, command=SetParams(request_id=2), delay=0.01)
        == "ERROR InvalidParamValue: no_input_timeout must be >= 0 (SET-PARAMS #2)"
    )
    defaults = DefaultParams(
        request_id=3, channel_id=CHAN, headers={"no_input_timeout": 5000, "speech_language": "en"}
    )
    assert (
        _after(defaults, command=GetParams(request_id=3), delay=0.01)
        == "DEFAULT-PARAMS #3 2 parameters: no_input_timeout=5000, speech_language='en'"
    )


def test_the_matching_grammar_is_named_when_several_were_asked_for() -> None:
    both = Recognize(request_id=5, grammars=("builtin:speech/date", "builtin:speech/boolean"))
    summary = _after(complete(5), command=both, delay=2.0)
    assert summary == (
        "RECOGNITION-COMPLETE #5 Success: 'yes' → true (conf 0.93) via builtin:speech/boolean"
        " in 2.00 s"
    )


def test_summaries_are_one_line_and_bounded() -> None:
    h = Harness()
    h.send(Open())
    h.receive(Opened(request_id=1, channel_id=CHAN))
    h.send(Recognize(grammars=("builtin:speech/transcribe",)))
    h.receive(RecognitionInProgress(request_id=2, channel_id=CHAN))
    long_text = "first line\nsecond line\t" + "word " * 200
    entry = h.receive(complete(2, body=result(long_text, long_text)), at=1.0)
    assert "\n" not in entry.summary
    assert "\t" not in entry.summary
    assert entry.summary.startswith("RECOGNITION-COMPLETE #2 Success: 'first line second line")
    assert len(entry.summary) <= 240
    assert entry.summary.endswith("…")


def test_helpers() -> None:
    assert format_bytes(960) == "960 B"
    assert format_bytes(197_760) == "197.8 kB"
    assert format_bytes(12_345_678) == "12.3 MB"
    assert one_line("a\r\n  b", limit=10) == "a b"
    assert one_line("abcdefghijkl", limit=5) == "abcd…"
