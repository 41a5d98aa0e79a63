"""Where a request's moments fall in the audio sent: the markers of the audio history view.

Every timeline entry carries ``audio_sample``, the outgoing stream's position when it was
recorded (see :attr:`workbench.session.timeline.Timeline.audio_position`). That alone places
what the client did and saw, exactly and without clock arithmetic:

* a command (RECOGNIZE, START-INPUT-TIMERS, STOP) at the end of the audio written before it:
  on the wire it follows exactly that audio, so the server's recognition starts there;
* a received event (START-OF-INPUT, RECOGNITION-COMPLETE) at the audio sent when it arrived:
  the server decided a little earlier (its VAD's delay, the network), never later.

Two more kinds of marker are derived:

* ``speech``: where the server says the speech began and ended (the result's ``asr.start`` and
  ``asr.end``, epoch milliseconds). The server's recognition starts at the RECOGNIZE's audio
  position at its own wall-clock time, so an epoch time maps to RECOGNIZE's position plus the
  time since the RECOGNIZE was sent. Exact on the embedded server (same clock, loopback); on
  the real service off by the two machines' clock difference, which the tooltip says.
* ``deadline``: when each timer of the request would fire, from the values it ran with
  (:mod:`workbench.session.recognition_params`) and the timer semantics of H2B.md §7, as the
  local server implements them (``workbench.recognition.endpointer``): no-input and
  hotword-max from the input-timer start (the RECOGNIZE, or START-INPUT-TIMERS when it was
  sent with ``start_input_timers`` false); recognition and no-match timeouts from the start of
  speech; speech-complete and speech-incomplete from its end. A deadline the recognition did
  not live to see, or that speech disarmed, is kept but marked not ``reached``.

Positions are stream positions in 8 kHz samples, the index of
:class:`workbench.audio.sent_history.SentAudioHistory`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from workbench.session.entries import TimelineEntry
from workbench.session.recognition_params import ParamValue, recognition_params
from workbench.session.timeline import Timeline

__all__ = ["RATE", "AudioMarker", "MarkerKind", "MarkerSet", "markers_for"]

RATE = 8000
"""Protocol audio: 8 kHz, so a millisecond is 8 samples."""

MarkerKind: TypeAlias = Literal["command", "event", "speech", "deadline"]

_MARGIN = RATE // 2
"""Audio shown before the first marker and after the last one."""

_SHOWN_EVENTS = frozenset(
    {"START-OF-INPUT", "RECOGNITION-COMPLETE", "STOPPED", "INPUT-TIMERS-STARTED"}
)


@dataclass(frozen=True, slots=True)
class AudioMarker:
    """One moment of a request placed in the audio sent."""

    sample: int
    """Stream position, 8 kHz samples."""
    label: str
    kind: MarkerKind
    seq: int | None = None
    """The timeline entry the marker stands for (None for speech and deadlines)."""
    detail: str = ""
    """How the position was obtained, in words (the tooltip)."""
    reached: bool = True
    """For a deadline: whether the recognition was still waiting for it when it came."""


@dataclass(frozen=True, slots=True)
class MarkerSet:
    """The markers of one request and the stretch of audio worth showing around them."""

    title: str
    request_id: int | None
    origin: int
    """The stream position shown as time 0: the request's command."""
    start: int
    stop: int
    markers: tuple[AudioMarker, ...]
    """Sorted by position."""
    running: bool = False
    """The recognition has not completed yet: the view should follow the audio as it goes."""

    def seconds(self, sample: int) -> float:
        """``sample`` as seconds since :attr:`origin`."""
        return (sample - self.origin) / RATE


def markers_for(timeline: Timeline, seq: int, *, now_sample: int | None = None) -> MarkerSet | None:
    """The markers of the request entry ``seq`` belongs to; None when no audio places it.

    A RECOGNIZE (or any frame paired with one, or a START-INPUT-TIMERS or STOP sent during
    it) gives the recognition's full set; any other command its own frames; an entry paired
    with nothing just itself. ``now_sample`` (the stream's current end) bounds the view while
    a recognition is still running.
    """
    entry = timeline.entry(seq)
    related = timeline.related(seq)
    command = related[0] if related[0].kind == "command" else None
    if command is not None and command.name in ("START-INPUT-TIMERS", "STOP"):
        recognize = _running_recognize(timeline, command.seq)
        if recognize is not None:
            command = recognize
    if command is not None and command.name == "RECOGNIZE":
        return _recognition_markers(timeline, command, now_sample)
    placed = _frame_markers(related)
    if not placed:
        return None
    anchor = command if command is not None else entry
    origin = anchor.audio_sample if anchor.audio_sample is not None else placed[0].sample
    return _marker_set(_label(anchor), anchor.request_id, origin, placed, running=False)


# -- recognitions ------------------------------------------------------------------------------


def _recognition_markers(
    timeline: Timeline, recognize: TimelineEntry, now_sample: int | None
) -> MarkerSet | None:
    origin = recognize.audio_sample
    if origin is None:
        return None
    frames = _recognition_frames(timeline, recognize)
    markers = _frame_markers(frames)
    complete = next((e for e in frames if e.name == "RECOGNITION-COMPLETE"), None)
    stopped = next((e for e in frames if e.name == "STOPPED"), None)
    ended = complete or stopped
    end = ended.audio_sample if ended is not None else None
    speech = _reported_speech(recognize, complete)
    markers += speech
    params = recognition_params(timeline, recognize.seq)
    timers_start = _timers_start(recognize, frames)
    soi = next((e for e in frames if e.name == "START-OF-INPUT"), None)
    speech_start = speech[0].sample if speech else (soi.audio_sample if soi is not None else None)
    speech_end = speech[1].sample if len(speech) > 1 else None
    cause = complete.completion_cause if complete is not None else None
    markers += _deadlines(
        params,
        timers_start,
        speech_start,
        speech_end,
        end if end is not None else now_sample,
        fired=_FIRED_BY.get(cause or ""),
    )
    title = f"RECOGNIZE #{recognize.request_id}"
    if complete is not None and complete.completion_cause:
        title += f" → {complete.completion_cause}"
    return _marker_set(title, recognize.request_id, origin, markers, running=ended is None)


def _recognition_frames(timeline: Timeline, recognize: TimelineEntry) -> list[TimelineEntry]:
    """The RECOGNIZE, what answered it, and the START-INPUT-TIMERS/STOP sent while it ran."""
    answers = list(timeline.related(recognize.seq))
    last = max((e.seq for e in answers if e.name == "RECOGNITION-COMPLETE"), default=None)
    entries = timeline.entries
    stop = last if last is not None else len(entries) - 1
    for seq in range(recognize.seq + 1, stop + 1):
        entry = entries[seq]
        if entry.kind == "command" and entry.name in ("START-INPUT-TIMERS", "STOP"):
            answers += timeline.related(seq)
        elif entry.kind == "command" and entry.name == "RECOGNIZE":
            break
    shown = [
        e for e in answers if e.kind == "command" or e.name in _SHOWN_EVENTS or e.kind == "error"
    ]
    return sorted({e.seq: e for e in shown}.values(), key=lambda e: e.seq)


def _running_recognize(timeline: Timeline, seq: int) -> TimelineEntry | None:
    entries = timeline.entries
    for index in range(seq - 1, -1, -1):
        entry = entries[index]
        if entry.kind == "command" and entry.name == "RECOGNIZE":
            return entry
        if entry.name == "RECOGNITION-COMPLETE":
            return None
    return None


def _timers_start(recognize: TimelineEntry, frames: list[TimelineEntry]) -> int | None:
    if recognize.data.get("start_input_timers", True) is not False:
        return recognize.audio_sample
    started = next((e for e in frames if e.name == "START-INPUT-TIMERS"), None)
    return started.audio_sample if started is not None else None


def _reported_speech(recognize: TimelineEntry, complete: TimelineEntry | None) -> list[AudioMarker]:
    """The result's asr start and end, placed through the server's clock (module docstring)."""
    if complete is None or recognize.audio_sample is None:
        return []
    asr = _asr(complete)
    if asr is None:
        return []
    markers = []
    for key, label in (("start", "speech start"), ("end", "speech end")):
        epoch_ms = asr.get(key)
        if not isinstance(epoch_ms, int | float) or isinstance(epoch_ms, bool):
            return []
        offset_s = epoch_ms / 1000 - recognize.wall
        sample = recognize.audio_sample + max(0, round(offset_s * RATE))
        detail = (
            f"asr.{key} of the result, {offset_s * 1000:.0f} ms after RECOGNIZE was sent by the "
            "server's clock (exact on the local server; on a remote one, off by the difference "
            "between the two machines' clocks)"
        )
        markers.append(AudioMarker(sample, label, "speech", complete.seq, detail))
    return markers


def _asr(complete: TimelineEntry) -> dict[str, Any] | None:
    try:
        frame = json.loads(complete.raw)
    except ValueError:
        return None
    body = frame.get("body") if isinstance(frame, dict) else None
    asr = body.get("asr") if isinstance(body, dict) else None
    return asr if isinstance(asr, dict) else None


_FROM_TIMERS = "the input-timer start"
_FROM_SPEECH = "the start of speech"
_FROM_SILENCE = "the end of speech"
_SILENCE_TIMERS = frozenset({"speech_complete_timeout", "speech_incomplete_timeout"})


_FIRED_BY = {
    "NoInputTimeout": "no_input_timeout",
    "Success": "speech_complete_timeout",
    "PartialMatch": "speech_incomplete_timeout",
    "SuccessMaxtime": "recognition_timeout",
    "PartialMatchMaxtime": "recognition_timeout",
    "NoMatchMaxtime": "recognition_timeout",
    "HotwordMaxtime": "hotword_max_duration",
}
"""Completion cause → the timer that ended the recognition, where the cause names one timer
(normal mode; NoMatch may be the incomplete or the no-match timer, so it names none; a hotword
Success is a match, not a timer, and its mode has no speech-complete deadline)."""


def _deadlines(
    params: dict[str, ParamValue],
    timers_start: int | None,
    speech_start: int | None,
    speech_end: int | None,
    end: int | None,
    *,
    fired: str | None,
) -> list[AudioMarker]:
    """Each timer's deadline: (parameter, counted from, label) per mode, see the docstring.

    The timer the completion cause names (``fired``) was reached whatever the positions say:
    deadlines counted from the reported speech are placed through the server's clock, which
    may be off by more than the server took to decode (a busy machine, a remote server).
    """
    mode = params.get("recognition_mode", ParamValue("normal", "")).value
    plan: list[tuple[str, int | None, str, str]]
    if mode == "hotword":
        plan = [
            ("no_input_timeout", timers_start, _FROM_TIMERS, "no-input"),
            ("hotword_max_duration", timers_start, _FROM_TIMERS, "hotword max"),
        ]
    else:
        plan = [
            ("no_input_timeout", timers_start, _FROM_TIMERS, "no-input"),
            ("recognition_timeout", speech_start, _FROM_SPEECH, "recognition max"),
            ("speech_nomatch_timeout", speech_start, _FROM_SPEECH, "no-match"),
            ("speech_complete_timeout", speech_end, _FROM_SILENCE, "speech complete"),
            ("speech_incomplete_timeout", speech_end, _FROM_SILENCE, "speech incomplete"),
        ]
    markers = []
    for name, base, base_words, label in plan:
        param = params.get(name)
        if base is None or param is None or not _usable_ms(param.value, name):
            continue
        ms = int(param.value)  # type: ignore[call-overload]  # an int, checked by _usable_ms
        sample = base + ms * RATE // 1000
        speech_first = (
            name == "no_input_timeout" and speech_start is not None and speech_start < sample
        )
        reached = name == fired or (not speech_first and (end is None or sample <= end))
        detail = f"{name} = {ms} ms, {param.origin}; counted from {base_words}"
        if name == fired:
            detail += "; this timer ended the recognition (its completion cause says so)"
        elif speech_first:
            detail += "; disarmed: speech started before it"
        elif not reached:
            detail += "; not reached: the recognition had ended"
        markers.append(AudioMarker(sample, f"{label} {ms} ms", "deadline", None, detail, reached))
    return markers


def _usable_ms(value: object, name: str) -> bool:
    """An int timer value that arms the timer: 0 disables the bounds, not the silence timers."""
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    return value >= 0 if name in _SILENCE_TIMERS else value > 0


# -- plumbing ----------------------------------------------------------------------------------


def _frame_markers(entries: Sequence[TimelineEntry]) -> list[AudioMarker]:
    return [
        AudioMarker(
            entry.audio_sample, _label(entry), _kind(entry), entry.seq, _frame_detail(entry)
        )
        for entry in entries
        if entry.audio_sample is not None
    ]


def _label(entry: TimelineEntry) -> str:
    request = f" #{entry.request_id}" if entry.request_id is not None else ""
    cause = f" ({entry.completion_cause})" if entry.completion_cause else ""
    return f"{entry.name}{request}{cause}"


def _kind(entry: TimelineEntry) -> MarkerKind:
    return "command" if entry.kind == "command" else "event"


def _frame_detail(entry: TimelineEntry) -> str:
    if entry.direction == "sent":
        return "sent after this much audio: the frame followed it on the wire"
    if entry.direction == "received":
        return "received when this much audio had been sent (the server decided a little earlier)"
    return "recorded when this much audio had been sent"


def _marker_set(
    title: str, request_id: int | None, origin: int, markers: list[AudioMarker], *, running: bool
) -> MarkerSet:
    ordered = tuple(sorted(markers, key=lambda m: (m.sample, m.kind != "command")))
    reached = [m.sample for m in ordered if m.reached] or [origin]
    start = max(0, min(origin, *reached) - _MARGIN)
    stop = max(origin, *reached) + _MARGIN
    return MarkerSet(title, request_id, origin, start, stop, ordered, running)
