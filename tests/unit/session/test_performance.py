"""Appending is O(1): 100 000 entries go in quickly and the work per append does not grow.

No timed assertions (machines differ); instead the number of function calls one append makes
is counted, and must be the same with ten entries behind it as with a hundred thousand.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

from workbench.protocol.codec import encode_command, encode_event
from workbench.protocol.messages import (
    DefaultParams,
    GetParams,
    RecognitionInProgress,
    Recognize,
)
from workbench.session import Timeline

CHAN = "chan-1"
HEADERS = {"no_input_timeout": 5000, "speech_language": "en"}


def _exchange(timeline: Timeline, request_id: int, mono: float) -> None:
    """One command and its reply, with real frames (encoded outside the counted work)."""
    command = GetParams(request_id=request_id, channel_id=CHAN)
    reply = DefaultParams(request_id=request_id, channel_id=CHAN, headers=HEADERS)
    timeline.command_sent(command, encode_command(command), 1e9 + mono, mono)
    timeline.frame_received(encode_event(reply), reply, 1e9 + mono, mono + 0.004)


def _calls_made_by(action: Callable[[], object]) -> int:
    count = 0

    def profiler(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profiler)
    try:
        action()
    finally:
        sys.setprofile(None)
    return count


def _append_cost(timeline: Timeline) -> int:
    """Function calls made by one RECOGNIZE + RECOGNITION-IN-PROGRESS append pair."""
    request_id = 10**9 + len(timeline)  # an id no exchange uses
    command = Recognize(
        request_id=request_id, channel_id=CHAN, grammars=("builtin:speech/boolean",)
    )
    reply = RecognitionInProgress(request_id=request_id, channel_id=CHAN)
    command_text, reply_text = encode_command(command), encode_event(reply)

    def append() -> None:
        timeline.command_sent(command, command_text, 1.0, 1.0)
        timeline.frame_received(reply_text, reply, 1.0, 1.1)

    return _calls_made_by(append)


def test_a_hundred_thousand_appends() -> None:
    timeline = Timeline()
    timeline.register_secret("s3cr3t-never-seen")
    notified = 0

    def count(change: object) -> None:
        nonlocal notified
        notified += 1

    timeline.subscribe(count)
    for index in range(5):
        _exchange(timeline, index + 1, float(index))
    _append_cost(timeline)  # warm up: first calls fill caches (regex, dataclass machinery)
    small = _append_cost(timeline)

    for index in range(50_000):
        _exchange(timeline, index + 10, float(index))
    large = _append_cost(timeline)

    assert len(timeline) == 10 + 4 + 100_000 + 2
    assert notified == len(timeline)
    assert small == large
    last = timeline.entry(len(timeline) - 1)
    assert last.pairs == len(timeline) - 2
    assert timeline.latencies(50_009) is not None
