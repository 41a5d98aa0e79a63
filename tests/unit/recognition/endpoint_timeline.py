"""Feeding synthetic timelines to the end-pointer: runs of speech or silence, verdicts, ticks.

A timeline is a list of steps: ``("speech", ms)`` / ``("silence", ms)`` (cut into frames of
``STEP_MS``), ``("match", MatchKind)``, ``("start_timers",)`` and ``("tick", absolute_ms)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.recognition.endpointer import (
    Completed,
    Endpointer,
    EndpointEvent,
    SpeechStarted,
)

STEP_MS = 10


@dataclass(frozen=True)
class Frame:
    """A minimal VAD frame."""

    start_ms: int
    end_ms: int
    speech: bool


@dataclass
class Run:
    """Feeds a timeline to an end-pointer and keeps the events with their audio position."""

    endpointer: Endpointer
    position: int = field(init=False)
    events: list[EndpointEvent] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.position = self.endpointer.now_ms

    def take(self, events: list[EndpointEvent]) -> None:
        self.events.extend(events)

    def audio(self, speech: bool, duration_ms: int, step_ms: int = STEP_MS) -> None:
        end = self.position + duration_ms
        while self.position < end:
            stop = min(end, self.position + step_ms)
            self.take(self.endpointer.on_frame(Frame(self.position, stop, speech)))
            self.position = stop

    def play(self, *steps: tuple[Any, ...]) -> None:
        for step in steps:
            match step:
                case ("speech", duration):
                    self.audio(True, duration)
                case ("silence", duration):
                    self.audio(False, duration)
                case ("match", kind):
                    self.take(self.endpointer.set_match(kind))
                case ("start_timers",):
                    self.take(self.endpointer.start_input_timers(self.position))
                case ("tick", at):
                    self.position = max(self.position, at)
                    self.take(self.endpointer.tick(at))
                case _:
                    raise AssertionError(f"bad step {step}")

    @property
    def completions(self) -> list[Completed]:
        return [event for event in self.events if isinstance(event, Completed)]

    @property
    def starts(self) -> list[SpeechStarted]:
        return [event for event in self.events if isinstance(event, SpeechStarted)]


def run(*steps: tuple[Any, ...], **config: Any) -> Run:
    timeline = Run(Endpointer(**config))
    timeline.play(*steps)
    return timeline
