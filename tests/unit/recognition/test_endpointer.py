"""The end-pointer on synthetic timelines (no audio): every completion cause and the timer rules.

See ``endpoint_timeline`` for the step language; the property test is in its own module.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.recognition.endpoint_timeline import Frame, run
from workbench.protocol.causes import CompletionCause
from workbench.recognition.endpointer import (
    Completed,
    Endpointer,
    MatchKind,
    SpeechStarted,
)

C = CompletionCause
FULL, PARTIAL, NONE = MatchKind.FULL, MatchKind.PARTIAL, MatchKind.NONE


Case = tuple[str, dict[str, Any], list[tuple[Any, ...]], C, int, str, int | None, int | None]

# fmt: off
# (id, config, steps, cause, completion time, timer, speech start, speech end)
CASES: list[Case] = [
    ("no input", {}, [("silence", 6000)], C.NO_INPUT_TIMEOUT, 5000, "no_input_timeout", None, None),
    (
        "success after complete silence",
        {},
        [("silence", 500), ("speech", 300), ("match", PARTIAL), ("speech", 500),
         ("match", FULL), ("silence", 3000)],
        C.SUCCESS, 2300, "speech_complete_timeout", 500, 1300,
    ),
    (
        "partial match after incomplete silence",
        {},
        [("silence", 500), ("speech", 800), ("match", PARTIAL), ("silence", 3000)],
        C.PARTIAL_MATCH, 3300, "speech_incomplete_timeout", 500, 1300,
    ),
    (
        "no match after incomplete silence",
        {},
        [("silence", 500), ("speech", 800), ("silence", 3000)],
        C.NO_MATCH, 3300, "speech_incomplete_timeout", 500, 1300,
    ),
    (
        "no match by the nomatch timer",
        {},
        [("silence", 500), ("speech", 5000)],
        C.NO_MATCH, 3500, "speech_nomatch_timeout", 500, 3500,
    ),
    (
        "nomatch timer counts pauses too",
        {"speech_incomplete_timeout": 5000},
        [("silence", 500), ("speech", 1000), ("silence", 1000), ("speech", 5000)],
        C.NO_MATCH, 3500, "speech_nomatch_timeout", 500, 3500,
    ),
    (
        "success maxtime",
        {"recognition_timeout": 5000},
        [("silence", 500), ("speech", 100), ("match", FULL), ("speech", 9000)],
        C.SUCCESS_MAXTIME, 5500, "recognition_timeout", 500, 5500,
    ),
    (
        "partial match maxtime",
        {"recognition_timeout": 5000},
        [("silence", 500), ("speech", 100), ("match", PARTIAL), ("speech", 9000)],
        C.PARTIAL_MATCH_MAXTIME, 5500, "recognition_timeout", 500, 5500,
    ),
    (
        "no match maxtime",
        {"recognition_timeout": 2500},
        [("silence", 500), ("speech", 9000)],
        C.NO_MATCH_MAXTIME, 3000, "recognition_timeout", 500, 3000,
    ),
    (
        "maxtime counts from speech, not from the start",
        {"recognition_timeout": 2500, "speech_nomatch_timeout": 0},
        [("silence", 4000), ("speech", 9000)],
        C.NO_MATCH_MAXTIME, 6500, "recognition_timeout", 4000, 6500,
    ),
    (
        "late full match ends a long silence at once",
        {},
        [("speech", 500), ("match", PARTIAL), ("silence", 1500), ("match", FULL)],
        C.SUCCESS, 2000, "speech_complete_timeout", 0, 500,
    ),
    (
        "speech resuming restarts the silence timer",
        {"speech_nomatch_timeout": 0},
        [("speech", 500), ("silence", 1500), ("speech", 500), ("silence", 3000)],
        C.NO_MATCH, 4500, "speech_incomplete_timeout", 0, 2500,
    ),
    (
        "a match back to none re-arms the nomatch timer",
        {"speech_incomplete_timeout": 9000},
        [("speech", 2000), ("match", PARTIAL), ("speech", 2000), ("match", NONE), ("speech", 9000)],
        C.NO_MATCH, 7000, "speech_nomatch_timeout", 0, 7000,
    ),
    (
        "hotword maxtime",
        {"mode": "hotword", "hotword_max_duration": 4000},
        [("silence", 300), ("speech", 1000), ("match", PARTIAL), ("speech", 9000)],
        C.HOTWORD_MAXTIME, 4000, "hotword_max_duration", 300, 4000,
    ),
    (
        "hotword success on the first full match",
        {"mode": "hotword"},
        [("silence", 500), ("speech", 700), ("match", PARTIAL), ("speech", 200),
         ("match", FULL), ("speech", 500)],
        C.SUCCESS, 1400, "hotword_match", 500, 1400,
    ),
    (
        "hotword ignores silence after unmatched talk",
        {"mode": "hotword", "hotword_max_duration": 6000},
        [("speech", 500), ("silence", 4000), ("speech", 500), ("match", FULL)],
        C.SUCCESS, 5000, "hotword_match", 0, 5000,
    ),
    (
        "hotword no input",
        {"mode": "hotword"},
        [("silence", 12000)],
        C.NO_INPUT_TIMEOUT, 5000, "no_input_timeout", None, None,
    ),
    (
        "timers started late",
        {"start_input_timers": False},
        [("silence", 60000), ("start_timers",), ("silence", 6000)],
        C.NO_INPUT_TIMEOUT, 65000, "no_input_timeout", None, None,
    ),
    (
        "hotword timers started late",
        {"mode": "hotword", "start_input_timers": False, "hotword_max_duration": 3000},
        [("speech", 20000), ("start_timers",), ("speech", 6000)],
        C.HOTWORD_MAXTIME, 23000, "hotword_max_duration", 0, 23000,
    ),
    (
        "barge-in before the timers start",
        {"start_input_timers": False},
        [("silence", 800), ("speech", 600), ("match", FULL), ("silence", 1200)],
        C.SUCCESS, 2400, "speech_complete_timeout", 800, 1400,
    ),
    (
        "zero complete timeout ends on the first silent frame",
        {"speech_complete_timeout": 0},
        [("speech", 600), ("match", FULL), ("silence", 100)],
        C.SUCCESS, 600, "speech_complete_timeout", 0, 600,
    ),
    (
        "speech at the no-input deadline is too late",
        {},
        [("silence", 5000), ("speech", 100)],
        C.NO_INPUT_TIMEOUT, 5000, "no_input_timeout", None, None,
    ),
    (
        "speech just before the no-input deadline counts",
        {"speech_incomplete_timeout": 100},
        [("silence", 4990), ("speech", 10), ("silence", 200)],
        C.NO_MATCH, 5100, "speech_incomplete_timeout", 4990, 5000,
    ),
    (
        "ticks run timers without audio",
        {},
        [("silence", 100), ("tick", 7000)],
        C.NO_INPUT_TIMEOUT, 5000, "no_input_timeout", None, None,
    ),
    (
        "a start position other than zero",
        {"now_ms": 10_000},
        [("tick", 20_000)],
        C.NO_INPUT_TIMEOUT, 15_000, "no_input_timeout", None, None,
    ),
]
# fmt: on


@pytest.mark.parametrize("case", [pytest.param(case, id=case[0]) for case in CASES])
def test_endpoint_timelines(case: Case) -> None:
    _, config, steps, cause, at_ms, timer, speech_start, speech_end = case
    timeline = run(*steps, **config)
    assert timeline.completions == [Completed(cause, at_ms, timer, speech_start, speech_end)]
    assert timeline.events
    assert timeline.events[-1] == timeline.completions[0]
    normal = config.get("mode", "normal") == "normal"
    expected_starts = [SpeechStarted(speech_start)] if normal and speech_start is not None else []
    assert timeline.starts == expected_starts
    endpointer = timeline.endpointer
    assert endpointer.done
    assert endpointer.completion == timeline.completions[0]
    assert endpointer.deadlines() == {}


def test_endpoint_never_times_out_before_start_input_timers() -> None:
    timeline = run(("silence", 3_600_000), start_input_timers=False)
    endpointer = timeline.endpointer
    assert timeline.events == []
    assert not endpointer.done
    assert endpointer.input_timers_started_ms is None
    assert endpointer.deadlines() == {}
    timeline.play(("start_timers",))
    assert endpointer.deadlines() == {"no_input_timeout": 3_605_000}
    timeline.play(("start_timers",), ("tick", 3_604_999))  # a second call changes nothing
    assert timeline.events == []
    timeline.play(("tick", 3_605_000))
    assert [e.cause for e in timeline.completions] == [C.NO_INPUT_TIMEOUT]


def test_endpoint_zero_disables_the_bounds() -> None:
    zero = {
        "no_input_timeout": 0,
        "speech_nomatch_timeout": 0,
        "recognition_timeout": 0,
        "hotword_max_duration": 0,
    }
    assert run(("silence", 100_000), **zero).events == []
    assert run(("speech", 100_000), **zero).completions == []
    assert run(("speech", 100_000), mode="hotword", **zero).events == []


def test_endpoint_deadlines_follow_the_state() -> None:
    timeline = run(("silence", 200))
    endpointer = timeline.endpointer
    assert endpointer.deadlines() == {"no_input_timeout": 5000}
    timeline.play(("speech", 300))
    assert endpointer.deadlines() == {"speech_nomatch_timeout": 3200, "recognition_timeout": 20200}
    timeline.play(("match", PARTIAL), ("silence", 100))
    assert endpointer.deadlines() == {
        "speech_incomplete_timeout": 2500,
        "recognition_timeout": 20200,
    }
    timeline.play(("match", FULL))
    assert endpointer.deadlines() == {"speech_complete_timeout": 1500, "recognition_timeout": 20200}
    assert (endpointer.speech_start_ms, endpointer.speech_end_ms) == (200, 500)
    assert endpointer.in_speech is False
    assert endpointer.match is FULL
    hotword = Endpointer(mode="hotword", now_ms=100, hotword_max_duration=7000)
    assert hotword.deadlines() == {"no_input_timeout": 5100, "hotword_max_duration": 7100}


def test_endpoint_ignores_everything_once_done() -> None:
    timeline = run(("silence", 5000))
    endpointer = timeline.endpointer
    assert len(timeline.completions) == 1
    assert endpointer.on_frame(Frame(5000, 5010, True)) == []
    assert endpointer.set_match(FULL) == []
    assert endpointer.start_input_timers(6000) == []
    assert endpointer.tick(99_000) == []
    assert endpointer.speech_start_ms is None


def test_endpoint_time_never_goes_back() -> None:
    endpointer = Endpointer(speech_complete_timeout=500)
    assert endpointer.tick(1000) == []
    # A frame that claims an earlier start is taken as starting now.
    assert endpointer.on_frame(Frame(400, 420, True)) == [SpeechStarted(1000)]
    endpointer.set_match(FULL)
    assert endpointer.on_frame(Frame(420, 1600, False)) == [
        Completed(C.SUCCESS, 1500, "speech_complete_timeout", 1000, 1000)
    ]


def test_endpoint_from_params() -> None:
    params = {
        "recognition_mode": "hotword",
        "start_input_timers": False,
        "no_input_timeout": 1234,
        "hotword_max_duration": 4321,
        "speech_language": "en",
    }
    endpointer = Endpointer.from_params(params, now_ms=50, no_input_timeout=999)
    assert endpointer.mode == "hotword"
    assert endpointer.input_timers_started_ms is None
    assert endpointer.timeouts["no_input_timeout"] == 999
    assert endpointer.timeouts["hotword_max_duration"] == 4321
    assert endpointer.timeouts["recognition_timeout"] == 20000
    assert Endpointer.from_params({}).mode == "normal"
    with pytest.raises(TypeError, match="no_input_timeout"):
        Endpointer.from_params({"no_input_timeout": "5000"})
    with pytest.raises(ValueError, match="recognition_mode"):
        Endpointer.from_params({"recognition_mode": "dictation"})


def test_endpoint_rejects_bad_configuration() -> None:
    with pytest.raises(ValueError, match="speech_complete_timeout"):
        Endpointer(speech_complete_timeout=-1)
    with pytest.raises(ValueError, match="mode"):
        Endpointer(mode="dictation")  # type: ignore[arg-type]
