"""Timelines for the timeline view's tests and benchmarks, made of real frames.

:func:`connection_block` records one connection through a client protocol core and the
timeline, as the controller does (``tests/unit/session/harness.py``): a note, OPEN, SET-PARAMS,
then recognitions (RECOGNIZE, RECOGNITION-IN-PROGRESS, START-OF-INPUT, RECOGNITION-COMPLETE),
a refused parameter now and then, an audio entry, and one frame the official SDK would reject.

:func:`big_timeline` repeats such a block as many times as asked, as that many connections one
after the other (request ids start again at 1 on each, as on the wire), and reads the whole
thing back with ``Timeline.load_jsonl``: what a support engineer does with a long export, and
faster than judging 100 000 frames one by one (about 7 s against 10 on a CI machine).
"""

from __future__ import annotations

import dataclasses
import io
from functools import cache

from tests.unit.session.harness import WALL0, Harness, complete, result, without
from workbench.protocol.causes import CompletionCause
from workbench.protocol.messages import (
    InvalidParamValue,
    Open,
    Opened,
    ParamsSet,
    RecognitionInProgress,
    Recognize,
    SetParams,
    StartOfInput,
)
from workbench.session import Timeline, TimelineEntry
from workbench.session.jsonl import write_jsonl

CHANNEL = "chan-1"
WORDS = ("yes", "no", "forty two", "maybe", "call me back")


def open_session(h: Harness, *, at: float) -> None:
    h.timeline.note("connection", "connected", "connected to ws://127.0.0.1", WALL0 + at, at)
    opened = h.send(Open(), at=at + 0.001)
    assert opened.request_id is not None
    h.receive(Opened(request_id=opened.request_id, channel_id=CHANNEL), at=at + 0.004)


def recognition(h: Harness, n: int, *, at: float) -> int:
    """One recognition of words ``n``; returns its request id."""
    command = h.send(Recognize(grammars=("builtin:speech/boolean",)), at=at)
    request_id = command.request_id
    assert request_id is not None
    h.receive(RecognitionInProgress(request_id=request_id, channel_id=CHANNEL), at=at + 0.003)
    h.receive(StartOfInput(request_id=request_id, channel_id=CHANNEL), at=at + 0.4 + n % 7 / 10)
    words = WORDS[n % len(WORDS)]
    body = result(words, words != "maybe", confidence=0.5 + n % 5 / 10)
    cause = CompletionCause.SUCCESS if words != "maybe" else CompletionCause.NO_MATCH
    event = complete(request_id, cause, body if cause is CompletionCause.SUCCESS else None)
    h.receive(event, at=at + 1.2 + n % 3 / 10)
    return request_id


def connection_block(entries: int) -> list[TimelineEntry]:
    """About ``entries`` entries of one connection (see the module docstring)."""
    h = Harness()
    open_session(h, at=0.0)
    h.timeline.audio_started("linear", "TTS: words", WALL0 + 0.01, 0.01)
    n, at = 0, 1.0
    while len(h.timeline) < entries - 6:
        if n % 40 in (7, 23):
            sent = h.send(SetParams(params={"speech_language": "en"}), at=at)
            assert sent.request_id is not None
            if n % 40 == 7:  # refused
                answer = InvalidParamValue(request_id=sent.request_id, channel_id=CHANNEL)
                h.receive(answer, at=at + 0.002)
            else:  # accepted, by a server that forgets a key the SDK needs
                reply = ParamsSet(request_id=sent.request_id, channel_id=CHANNEL)
                h.receive_raw(without(reply, "completion_reason"), at=at + 0.002)
        else:
            recognition(h, n, at=at)
        h.timeline.audio_progress(30, 9600, WALL0 + at + 1.5, at + 1.5)
        n, at = n + 1, at + 2.0
    h.timeline.audio_stopped(WALL0 + at, at, "the session closed")
    return list(h.timeline.entries)


@cache
def _block(entries: int) -> tuple[TimelineEntry, ...]:
    return tuple(connection_block(entries))


def big_timeline(count: int, *, block: int = 1000) -> Timeline:
    """A timeline of exactly ``count`` entries: blocks of real frames, loaded from JSON Lines."""
    base = _block(block)
    span = base[-1].mono + 1.0
    entries: list[TimelineEntry] = []
    copy = 0
    while len(entries) < count:
        offset, shift = len(entries), copy * span
        for entry in base[: count - len(entries)]:
            entries.append(
                dataclasses.replace(
                    entry,
                    seq=entry.seq + offset,
                    pairs=None if entry.pairs is None else entry.pairs + offset,
                    wall=entry.wall + shift,
                    mono=entry.mono + shift,
                )
            )
        copy += 1
    text = io.StringIO()
    write_jsonl(entries, text)
    text.seek(0)
    return Timeline.load_jsonl(text)
