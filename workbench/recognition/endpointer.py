"""The life of one recognition as a pure state machine: when speech starts, and why it ends.

The :class:`Endpointer` reads no clock and does no I/O. Time is the audio position in
milliseconds since the RECOGNIZE, passed in with every input: VAD frames (``on_frame``), the
recognizer's verdict on the running hypothesis (``set_match``), START-INPUT-TIMERS
(``start_input_timers``) and plain time passing (``tick``). Each input returns the events it
caused, in time order: at most one :class:`SpeechStarted`, then exactly one :class:`Completed`,
after which the machine is done and ignores everything.

Timer semantics (H2B.md §7, §9; MRCPv2 where H2B says nothing). Every timer fires when the
audio position reaches its deadline (``>=``); :meth:`Endpointer.deadlines` lists the armed ones.

``no_input_timeout``
    Runs from the input-timer start (construction with ``start_input_timers=True``, else the
    ``start_input_timers()`` call) until speech starts; expiry gives ``NoInputTimeout`` in both
    modes. Speech heard before the timers start (barge-in) disarms it for good.
``speech_complete_timeout`` / ``speech_incomplete_timeout``
    Normal mode, after speech started: trailing silence, counted from the end of the last
    speech frame, reaching the complete timeout while the match is FULL gives ``Success``;
    reaching the incomplete timeout gives ``PartialMatch`` (PARTIAL) or ``NoMatch`` (NONE).
    Which one applies follows the current match, so a late FULL can end a long silence at once.
``speech_nomatch_timeout``
    Normal mode: time since speech started (or since the match last fell back to NONE) during
    which nothing matched, speech or pauses alike; expiry gives ``NoMatch``. Any PARTIAL or FULL
    match disarms it.
``recognition_timeout``
    Normal mode, from the start of speech (the MRCPv1 name of its cause, too-much-speech, is
    about speech; before speech ``no_input_timeout`` is the bound). Expiry gives
    ``SuccessMaxtime``, ``PartialMatchMaxtime`` or ``NoMatchMaxtime`` after the current match.
``hotword_max_duration``
    Hotword mode, from the input-timer start like ``no_input_timeout`` (so a barge-in prompt
    does not eat the listening time); expiry gives ``HotwordMaxtime``. In hotword mode a FULL
    match ends the recognition with ``Success`` at once, PARTIAL and NONE change nothing, and the
    silence and no-match timers do not run.

A value of 0 disables the four bounds (``no_input_timeout``, ``speech_nomatch_timeout``,
``recognition_timeout``, ``hotword_max_duration``): read literally (MRCP allows 0 and says
nothing more), a 0 ms bound would end every recognition before anyone could speak, which no
caller can want; "no bound" is the useful reading. A recognition whose bounds are all disabled
ends only on a match, on silence after speech, or by STOP. For the two silence timers 0 keeps
its literal meaning: the utterance ends on the first non-speech frame.

Frames are applied at their start: a speech frame starting before a deadline prevents it, a
deadline at or before a frame's start fires first. :class:`SpeechStarted` is never emitted in
hotword mode (H2B forbids START-OF-INPUT there), so the server can forward every event as is;
``speech_start_ms`` still records the speech. When several deadlines coincide the order is
no-input, silence, no-match, recognition, hotword maximum.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol, TypeAlias

from workbench.protocol.causes import CompletionCause
from workbench.recognition.nlu import MatchKind

__all__ = [
    "Completed",
    "EndpointEvent",
    "Endpointer",
    "FrameLike",
    "MatchKind",
    "SpeechStarted",
]

Mode: TypeAlias = Literal["normal", "hotword"]

NO_INPUT = "no_input_timeout"
SPEECH_COMPLETE = "speech_complete_timeout"
SPEECH_INCOMPLETE = "speech_incomplete_timeout"
SPEECH_NOMATCH = "speech_nomatch_timeout"
RECOGNITION = "recognition_timeout"
HOTWORD_MAX = "hotword_max_duration"
HOTWORD_MATCH = "hotword_match"
_TIMERS = (
    NO_INPUT,
    SPEECH_COMPLETE,
    SPEECH_INCOMPLETE,
    SPEECH_NOMATCH,
    RECOGNITION,
    HOTWORD_MAX,
)


class FrameLike(Protocol):
    """What the end-pointer reads from a VAD frame (``vad.VadFrame`` fits)."""

    @property
    def start_ms(self) -> int:
        """Start of the window, in ms of audio since the recognition started."""
        ...

    @property
    def end_ms(self) -> int:
        """End of the window."""
        ...

    @property
    def speech(self) -> bool:
        """The smoothed speech decision."""
        ...


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """Speech began at ``at_ms`` (normal mode only): the server's START-OF-INPUT."""

    at_ms: int


@dataclass(frozen=True, slots=True)
class Completed:
    """The recognition ended at ``at_ms`` with ``cause``; ``timer`` names what ended it.

    ``timer`` is one of the parameter names, or ``hotword_match``. ``speech_start_ms`` is None
    when no speech was detected; ``speech_end_ms`` is the end of the last speech frame, or
    ``at_ms`` when the recognition ended during speech.
    """

    cause: CompletionCause
    at_ms: int
    timer: str
    speech_start_ms: int | None
    speech_end_ms: int | None


EndpointEvent: TypeAlias = SpeechStarted | Completed

_SILENCE_CAUSES = {
    MatchKind.FULL: CompletionCause.SUCCESS,
    MatchKind.PARTIAL: CompletionCause.PARTIAL_MATCH,
    MatchKind.NONE: CompletionCause.NO_MATCH,
}
_MAXTIME_CAUSES = {
    MatchKind.FULL: CompletionCause.SUCCESS_MAXTIME,
    MatchKind.PARTIAL: CompletionCause.PARTIAL_MATCH_MAXTIME,
    MatchKind.NONE: CompletionCause.NO_MATCH_MAXTIME,
}


@dataclass(frozen=True, slots=True)
class _Deadline:
    at_ms: int
    name: str
    cause: CompletionCause


class Endpointer:
    """Decides START-OF-INPUT and the completion cause of one recognition (see module doc)."""

    def __init__(
        self,
        *,
        mode: Mode = "normal",
        no_input_timeout: int = 5000,
        speech_complete_timeout: int = 1000,
        speech_incomplete_timeout: int = 2000,
        speech_nomatch_timeout: int = 3000,
        recognition_timeout: int = 20000,
        hotword_max_duration: int = 10000,
        start_input_timers: bool = True,
        now_ms: int = 0,
    ) -> None:
        if mode not in ("normal", "hotword"):
            raise ValueError(f"mode must be 'normal' or 'hotword', got {mode!r}")
        self.mode: Mode = mode
        self.timeouts: dict[str, int] = dict(
            zip(
                _TIMERS,
                (
                    no_input_timeout,
                    speech_complete_timeout,
                    speech_incomplete_timeout,
                    speech_nomatch_timeout,
                    recognition_timeout,
                    hotword_max_duration,
                ),
                strict=True,
            )
        )
        for name, value in self.timeouts.items():
            if value < 0:
                raise ValueError(f"{name} must not be negative, got {value}")
        self._now = now_ms
        self._timers_start: int | None = now_ms if start_input_timers else None
        self._match = MatchKind.NONE
        self._in_speech = False
        self._speech_start: int | None = None
        self._speech_end: int | None = None
        self._nomatch_since: int | None = None
        self._completed: Completed | None = None

    @classmethod
    def from_params(
        cls, params: Mapping[str, object], *, now_ms: int = 0, **overrides: object
    ) -> Endpointer:
        """Build from H2B parameters (validated ones, e.g. the server's effective headers).

        Missing keys take the constructor defaults; ``overrides`` win over ``params``.
        """
        merged = {**params, **overrides}
        kwargs: dict[str, int] = {}
        for name in _TIMERS:
            value = merged.get(name)
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise TypeError(f"{name} must be an integer, got {value!r}")
                kwargs[name] = value
        mode = merged.get("recognition_mode", "normal")
        if mode not in ("normal", "hotword"):
            raise ValueError(f"recognition_mode must be 'normal' or 'hotword', got {mode!r}")
        return cls(
            mode="hotword" if mode == "hotword" else "normal",
            start_input_timers=bool(merged.get("start_input_timers", True)),
            now_ms=now_ms,
            **kwargs,
        )

    # --- what the server reads -------------------------------------------------------------

    @property
    def now_ms(self) -> int:
        """The latest audio position seen (it never goes back)."""
        return self._now

    @property
    def done(self) -> bool:
        """True once :class:`Completed` was emitted."""
        return self._completed is not None

    @property
    def completion(self) -> Completed | None:
        """The :class:`Completed` event, once emitted."""
        return self._completed

    @property
    def match(self) -> MatchKind:
        """The latest verdict passed to :meth:`set_match`."""
        return self._match

    @property
    def in_speech(self) -> bool:
        """The speech decision of the last frame."""
        return self._in_speech

    @property
    def speech_start_ms(self) -> int | None:
        """Start of the first speech frame, or None before speech (in both modes)."""
        return self._speech_start

    @property
    def speech_end_ms(self) -> int | None:
        """End of the latest speech frame so far, or None before speech."""
        return self._speech_end

    @property
    def input_timers_started_ms(self) -> int | None:
        """When the input timers started, or None while they wait for START-INPUT-TIMERS."""
        return self._timers_start

    def deadlines(self) -> dict[str, int]:
        """The armed timers: parameter name → absolute deadline in ms (empty once done)."""
        return {deadline.name: deadline.at_ms for deadline in self._armed()}

    # --- inputs --------------------------------------------------------------------------

    def on_frame(self, frame: FrameLike) -> list[EndpointEvent]:
        """Apply a VAD frame: time runs to its start, its decision applies, time runs to its end."""
        events: list[EndpointEvent] = []
        if self.done:
            return events
        self._advance(frame.start_ms, events)
        if self.done:
            return events
        at = self._now
        if frame.speech and not self._in_speech:
            self._in_speech = True
            if self._speech_start is None:
                self._speech_start = at
                if self._match is MatchKind.NONE:
                    self._nomatch_since = at
                if self.mode == "normal":
                    events.append(SpeechStarted(at))
        elif not frame.speech and self._in_speech:
            self._in_speech = False
            self._speech_end = at
        self._advance(frame.end_ms, events)
        if frame.speech and not self.done:
            self._speech_end = self._now
        return events

    def set_match(self, kind: MatchKind) -> list[EndpointEvent]:
        """Record the NLU verdict on the running hypothesis, at the current position."""
        events: list[EndpointEvent] = []
        if self.done:
            return events
        kind = MatchKind(kind)
        if self.mode == "hotword":
            self._match = kind
            if kind is MatchKind.FULL:
                self._complete(CompletionCause.SUCCESS, self._now, HOTWORD_MATCH, events)
            return events
        if self._speech_start is not None and kind is not self._match:
            if kind is MatchKind.NONE:
                self._nomatch_since = self._now
            elif self._match is MatchKind.NONE:
                self._nomatch_since = None
        self._match = kind
        self._advance(self._now, events)
        return events

    def start_input_timers(self, now_ms: int) -> list[EndpointEvent]:
        """START-INPUT-TIMERS at ``now_ms``: arm the input timers if they were not running."""
        events: list[EndpointEvent] = []
        self._advance(now_ms, events)
        if not self.done and self._timers_start is None:
            self._timers_start = self._now
        return events

    def tick(self, now_ms: int) -> list[EndpointEvent]:
        """Let time pass without audio; the speech decision stays what the last frame said."""
        events: list[EndpointEvent] = []
        self._advance(now_ms, events)
        return events

    # --- the machine -----------------------------------------------------------------------

    def _armed(self) -> list[_Deadline]:
        if self.done:
            return []
        timeouts = self.timeouts
        armed: list[_Deadline] = []
        if self._timers_start is not None and self._speech_start is None and timeouts[NO_INPUT]:
            at = self._timers_start + timeouts[NO_INPUT]
            armed.append(_Deadline(at, NO_INPUT, CompletionCause.NO_INPUT_TIMEOUT))
        if self.mode == "hotword":
            if self._timers_start is not None and timeouts[HOTWORD_MAX]:
                at = self._timers_start + timeouts[HOTWORD_MAX]
                armed.append(_Deadline(at, HOTWORD_MAX, CompletionCause.HOTWORD_MAXTIME))
            return armed
        if self._speech_start is None:
            return armed
        if not self._in_speech and self._speech_end is not None:
            name = SPEECH_COMPLETE if self._match is MatchKind.FULL else SPEECH_INCOMPLETE
            cause = _SILENCE_CAUSES[self._match]
            armed.append(_Deadline(self._speech_end + timeouts[name], name, cause))
        if self._nomatch_since is not None and timeouts[SPEECH_NOMATCH]:
            at = self._nomatch_since + timeouts[SPEECH_NOMATCH]
            armed.append(_Deadline(at, SPEECH_NOMATCH, CompletionCause.NO_MATCH))
        if timeouts[RECOGNITION]:
            cause = _MAXTIME_CAUSES[self._match]
            armed.append(_Deadline(self._speech_start + timeouts[RECOGNITION], RECOGNITION, cause))
        return armed

    def _advance(self, now_ms: int, events: list[EndpointEvent]) -> None:
        """Move time forward to ``now_ms``, firing the first deadline that falls on the way."""
        if self.done:
            return
        armed = self._armed()
        if armed:
            # min() keeps the first of equal deadlines, and _armed lists them by priority.
            first = min(armed, key=lambda deadline: deadline.at_ms)
            if first.at_ms <= now_ms:
                # A deadline that became due through a state change fires when the change did.
                at = max(first.at_ms, self._now)
                self._now = at
                self._complete(first.cause, at, first.name, events)
                return
        self._now = max(self._now, now_ms)

    def _complete(
        self, cause: CompletionCause, at_ms: int, timer: str, events: list[EndpointEvent]
    ) -> None:
        speech_end = at_ms if self._in_speech else self._speech_end
        if speech_end is not None:
            speech_end = min(speech_end, at_ms)
        self._completed = Completed(cause, at_ms, timer, self._speech_start, speech_end)
        events.append(self._completed)
