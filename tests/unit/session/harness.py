"""A client protocol core and a timeline driven together, the way the controller will.

Every frame is real: commands stamped and encoded by ``ClientProtocol.send``, events encoded
by ``encode_event`` and judged by ``ClientProtocol.receive``. Times are set by the test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from workbench.protocol.causes import CompletionCause
from workbench.protocol.client_role import ClientProtocol
from workbench.protocol.codec import dumps, encode_event
from workbench.protocol.messages import (
    Command,
    Event,
    Interpretation,
    RecognitionComplete,
    RecognitionResult,
    Transcript,
)
from workbench.session import Timeline, TimelineEntry

WALL0 = 1_700_000_000.0
"""Wall clock at monotonic time 0 in these tests."""


@dataclass
class Harness:
    """One connection: its client core, the timeline it feeds, and the test's clock."""

    timeline: Timeline = field(default_factory=Timeline)
    client: ClientProtocol = field(default_factory=ClientProtocol)
    mono: float = 0.0

    def at(self, mono: float | None) -> float:
        if mono is not None:
            self.mono = mono
        return self.mono

    def send(self, command: Command, *, at: float | None = None) -> TimelineEntry:
        mono = self.at(at)
        outgoing = self.client.send(command)
        return self.timeline.command_sent(outgoing.command, outgoing.text, WALL0 + mono, mono)

    def send_raw(self, text: str, *, at: float | None = None) -> TimelineEntry:
        mono = self.at(at)
        command = self.client.send_raw(text)
        return self.timeline.command_sent(command, text, WALL0 + mono, mono)

    def receive(self, event: Event, *, at: float | None = None) -> TimelineEntry:
        return self.receive_raw(encode_event(event), at=at)

    def receive_raw(self, raw: str | bytes, *, at: float | None = None) -> TimelineEntry:
        mono = self.at(at)
        return self.timeline.frame_received(raw, self.client.receive(raw), WALL0 + mono, mono)

    def reconnect(self) -> None:
        """A new connection: a fresh protocol core (request ids start again at 1)."""
        self.client = ClientProtocol()


def result(
    transcript: str | None = "yes",
    value: Any = True,
    *,
    grammar: str = "builtin:speech/boolean",
    asr_confidence: float = 0.88,
    confidence: float = 0.93,
    alternatives: tuple[RecognitionResult, ...] = (),
) -> RecognitionResult:
    """A recognition result; ``value=None`` means no interpretation, ``transcript=None`` no asr."""
    asr = (
        None
        if transcript is None
        else Transcript(
            transcript=transcript,
            confidence=asr_confidence,
            start=1_700_000_000_120,
            end=1_700_000_000_940,
        )
    )
    nlu = (
        None
        if value is None
        else Interpretation(type=grammar.partition("?")[0], value=value, confidence=confidence)
    )
    return RecognitionResult(
        asr=asr,
        nlu=nlu,
        grammar_uri=grammar if nlu is not None else "",
        alternatives=alternatives,
        version="test",
        asr_model="en.basic",
    )


def complete(
    request_id: int,
    cause: CompletionCause = CompletionCause.SUCCESS,
    body: RecognitionResult | None = None,
    *,
    channel_id: str = "chan-1",
    reason: str | None = None,
) -> RecognitionComplete:
    """A RECOGNITION-COMPLETE (a success with 'yes' → true unless told otherwise)."""
    if body is None and cause is CompletionCause.SUCCESS:
        body = result()
    if body is None:
        body = RecognitionResult()
    return RecognitionComplete(
        request_id=request_id,
        channel_id=channel_id,
        completion_cause=cause,
        completion_reason=reason,
        body=body,
    )


def without(event: Event, key: str) -> str:
    """The frame of ``event`` with one envelope key left out (a broken server)."""
    frame = json.loads(encode_event(event))
    del frame[key]
    return dumps(frame)
