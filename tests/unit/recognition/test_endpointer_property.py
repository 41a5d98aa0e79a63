"""A property of the end-pointer: whatever happens, one completion at most, events in time order,
and exactly one completion once time runs past every enabled bound."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.recognition.endpoint_timeline import Run
from workbench.protocol.causes import CompletionCause as C
from workbench.recognition.endpointer import Endpointer, MatchKind

_steps = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["speech", "silence"]), st.integers(1, 1500)),
        st.tuples(st.just("match"), st.sampled_from(list(MatchKind))),
        st.tuples(st.just("start_timers")),
        st.tuples(st.just("gap"), st.integers(0, 3000)),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(
    steps=_steps,
    mode=st.sampled_from(["normal", "hotword"]),
    timers=st.lists(st.integers(0, 6000), min_size=6, max_size=6),
    start_input_timers=st.booleans(),
    frame_ms=st.sampled_from([10, 32]),
)
def test_endpoint_property_one_completion_in_time_order(
    steps: list[tuple[Any, ...]],
    mode: str,
    timers: list[int],
    start_input_timers: bool,
    frame_ms: int,
) -> None:
    names = [
        "no_input_timeout",
        "speech_complete_timeout",
        "speech_incomplete_timeout",
        "speech_nomatch_timeout",
        "recognition_timeout",
        "hotword_max_duration",
    ]
    config = dict(zip(names, timers, strict=True))
    endpointer = Endpointer(
        mode="hotword" if mode == "hotword" else "normal",
        no_input_timeout=timers[0],
        speech_complete_timeout=timers[1],
        speech_incomplete_timeout=timers[2],
        speech_nomatch_timeout=timers[3],
        recognition_timeout=timers[4],
        hotword_max_duration=timers[5],
        start_input_timers=start_input_timers,
    )
    timeline = Run(endpointer)
    for step in steps:
        if step[0] in ("speech", "silence"):
            timeline.audio(step[0] == "speech", step[1], frame_ms)
        elif step[0] == "gap":  # time passes without audio
            timeline.play(("tick", timeline.position + step[1]))
        else:
            timeline.play(step)
        events = timeline.events
        assert len(timeline.completions) <= 1
        assert all(e.at_ms <= endpointer.now_ms for e in events)
    # Let time run far past every bound, with the input timers started.
    horizon = timeline.position + sum(timers) + 1
    timeline.play(("start_timers",), ("tick", horizon))
    events = timeline.events
    times = [event.at_ms for event in events]
    assert times == sorted(times)
    assert len(timeline.completions) <= 1
    assert len(timeline.starts) <= 1
    if timeline.completions:
        assert events[-1] is timeline.completions[0]
        done = timeline.completions[0]
        if done.speech_start_ms is not None:
            assert done.speech_start_ms <= (done.speech_end_ms or 0) <= done.at_ms
    if mode == "hotword":
        assert timeline.starts == []
        allowed = {C.SUCCESS, C.HOTWORD_MAXTIME, C.NO_INPUT_TIMEOUT}
    else:
        assert [s.at_ms for s in timeline.starts] == (
            [endpointer.speech_start_ms] if endpointer.speech_start_ms is not None else []
        )
        allowed = set(C) - {C.HOTWORD_MAXTIME}
    assert {c.cause for c in timeline.completions} <= allowed
    if any(c.cause is C.NO_INPUT_TIMEOUT for c in timeline.completions):
        assert timeline.starts == []
    # With every bound enabled, something must have ended the recognition by now.
    bounds = (
        ["no_input_timeout", "hotword_max_duration"]
        if mode == "hotword"
        else ["no_input_timeout", "recognition_timeout"]
    )
    if all(config[name] > 0 for name in bounds):
        assert len(timeline.completions) == 1
