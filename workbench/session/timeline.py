"""The timeline: every frame of a session, paired, timed, redacted, observable, exportable.

Theory of operation
-------------------
The controller appends; views, exports and the lab read. One entry per text frame sent or
received (commands, replies, events, errors, protocol violations), plus local entries for the
connection, authentication, and audio (one entry per stream, updated in place as chunks go
out: never one entry per chunk). ``seq`` is the position, so lookups are list indexing.

Appending is O(1): pairing uses dictionaries keyed by request id and command ``seq``, and the
only per-entry work is redaction, the SDK verdict and a one-line summary. Pairing is by
``request_id`` alone, to the latest command sent with that id (ids restart when a new
connection starts a new protocol core). A reply whose id matches no command is still appended,
marked ``unpaired`` in ``data``; a second reply to one command is marked ``duplicate``.

Nothing reads a clock: every method takes ``wall`` (epoch seconds) and ``mono`` (monotonic
seconds). Not thread-safe: append from one thread (the event loop).

Every new entry is also stamped with :attr:`Timeline.audio_position`, which whoever writes the
audio frames keeps up to date (the controller's audio forwarder, just before each write): the
outgoing stream's position after the last audio frame written. That puts commands and events
on the audio history without any clock arithmetic (``workbench.session.audio_markers``).

Every entry passes one choke point, :meth:`Timeline._scrubbed`, which redacts all of its text
before it is stored or shown to an observer, so secrets never enter.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Self, cast

from workbench.protocol.codec import decode_command
from workbench.protocol.conformance import sdk_verdict
from workbench.protocol.messages import Command, Event, ProtocolViolation
from workbench.session import frames, summaries
from workbench.session.audio import AudioRun
from workbench.session.entries import (
    NOTE_KINDS,
    EntriesView,
    EntryKind,
    JsonValue,
    Latencies,
    NoteKind,
    TimelineChange,
    TimelineEntry,
)
from workbench.session.jsonl import PathOrFile, TimelineHeader, read_jsonl, write_jsonl
from workbench.session.pairing import RequestIndex
from workbench.session.redaction import SecretSet, redact

__all__ = ["Observer", "Timeline"]

logger = logging.getLogger(__name__)

Observer = Callable[[TimelineChange], object]
"""A change callback: called after each append or in-place update, on the appending thread."""

_TEXT_FIELDS = ("name", "channel_id", "summary", "raw", "sdk_reason", "completion_cause")


class Timeline:
    """The model behind the timeline view: see the module docstring."""

    def __init__(self) -> None:
        self._entries: list[TimelineEntry] = []
        self._view = EntriesView(self._entries)
        self._secrets = SecretSet()
        self._observers: list[Observer] = []
        self._index = RequestIndex(self._entries)
        self._audio: AudioRun | None = None
        self.header: TimelineHeader | None = None
        """The header of the file this timeline was loaded from (None when recorded live)."""
        self.audio_position: int | None = None
        """Stream position (8 kHz samples) just after the last audio frame written, stamped on
        every new entry as ``audio_sample``; None until audio has been sent."""

    # -- secrets -------------------------------------------------------------------------------

    def register_secret(self, value: str) -> None:
        """Mask ``value`` wherever it appears, from now on and in the entries already there.

        The controller registers the client secret and each access token as soon as it has
        them; a late registration still scrubs what came before (each change is notified).
        """
        if not self._secrets.add(value):
            return
        for entry in list(self._entries):
            cleaned = self._scrubbed(entry)
            if cleaned is not entry:
                self._replace(cleaned)

    def redact(self, text: str) -> str:
        """``text`` as the timeline would store it (rules plus the registered secrets)."""
        return redact(text, self._secrets)

    # -- appending -----------------------------------------------------------------------------

    def command_sent(
        self, command: Command | None, text: str, wall: float, mono: float
    ) -> TimelineEntry:
        """Record a command frame sent: ``text`` exactly as sent, ``command`` as stamped.

        ``command`` may be None for an expert's hand-written frame that holds no valid command
        (``ClientProtocol.send_raw`` returned None): it is recorded with whatever it claims.
        """
        problem = ""
        request_id: int | None
        if command is None:
            decoded = decode_command(text)
            if isinstance(decoded, ProtocolViolation):
                problem = decoded.reason
            else:
                command = decoded
        if command is not None:
            name, request_id = command.name, command.request_id
            channel_id, summary = command.channel_id, summaries.command_summary(command)
            data = frames.command_data(command)
        else:
            claimed = frames.peek(text)
            name, request_id, channel_id = claimed.name or "RAW", claimed.request_id, ""
            summary = summaries.raw_command_summary(claimed.name, request_id, problem)
            data = {"problem": problem}
        entry = TimelineEntry(
            seq=len(self._entries),
            kind="command",
            direction="sent",
            name=name,
            request_id=request_id,
            channel_id=channel_id,
            summary=summary,
            raw=text,
            wall=wall,
            mono=mono,
            audio_sample=self.audio_position,
            data=data,
        )
        return self._append(entry)

    def frame_received(
        self, raw: str | bytes, decoded: Event | ProtocolViolation, wall: float, mono: float
    ) -> TimelineEntry:
        """Record a frame from the server with what the protocol core made of it.

        Pairs it with its command by request id (a violation too, when its request id or
        decoded event is known), measures the latency from the command, and stores whether
        the official SDK would accept the frame.
        """
        verdict = sdk_verdict(raw)
        text = raw if isinstance(raw, str) else frames.binary_placeholder(raw)
        violation = decoded if isinstance(decoded, ProtocolViolation) else None
        event = decoded.event if isinstance(decoded, ProtocolViolation) else decoded
        claimed = frames.peek(text) if event is None else frames.Peek()
        name = event.name if event is not None else claimed.name or "VIOLATION"
        request_id = event.request_id if event is not None else claimed.request_id
        if violation is not None and violation.request_id is not None:
            request_id = violation.request_id
        command, data = self._index.pair(name, request_id)
        latency = None if command is None else (mono - command.mono) * 1000.0
        summary = ""
        if event is not None:
            data.update(frames.event_data(event))
            grammars = command.data.get("grammars", ()) if command is not None else ()
            summary = summaries.event_summary(
                event,
                latency_ms=latency,
                command_name=command.name if command is not None else None,
                grammar_count=len(grammars),
            )
        kind: EntryKind = "violation" if event is None else frames.event_kind(event)
        if violation is not None:
            kind = "violation"
            data["reason"] = violation.reason
            summary = summaries.violation_summary(name, request_id, violation.reason, summary)
        summary += "".join(
            f" [{flag}]" for flag in ("unpaired", "duplicate", "mismatch") if flag in data
        )
        cause = event.completion_cause if event is not None else None
        entry = TimelineEntry(
            seq=len(self._entries),
            kind=kind,
            direction="received",
            name=name,
            request_id=request_id,
            channel_id=event.channel_id if event is not None else claimed.channel_id,
            completion_cause=cause.value if cause is not None else claimed.completion_cause,
            summary=summary,
            raw=text,
            wall=wall,
            mono=mono,
            pairs=None if command is None else command.seq,
            latency_ms=latency,
            sdk_ok=verdict.accepted,
            sdk_reason=verdict.reason,
            audio_sample=self.audio_position,
            data=data,
        )
        return self._append(entry)

    def note(
        self,
        kind: str,
        name: str,
        text: str,
        wall: float,
        mono: float,
        *,
        request_id: int | None = None,
        **data: JsonValue,
    ) -> TimelineEntry:
        """Record something that happened locally: ``kind`` is connection, auth or note.

        ``name`` is a short title ("connected", "token obtained"), ``text`` the line shown.
        With ``request_id`` the note joins that command's related entries (e.g. "recognition
        #5 lost: the connection dropped").
        """
        if kind not in NOTE_KINDS:
            raise ValueError(f"note kind must be one of {sorted(NOTE_KINDS)}, got {kind!r}")
        command_seq = self._index.command_seq(request_id) if request_id is not None else None
        entry = TimelineEntry(
            seq=len(self._entries),
            kind=cast("NoteKind", kind),
            direction="local",
            name=name,
            request_id=request_id,
            summary=summaries.one_line(text or name),
            wall=wall,
            mono=mono,
            pairs=command_seq,
            audio_sample=self.audio_position,
            data=data,
        )
        return self._append(entry)

    def audio_started(
        self,
        codec: str,
        source_label: str,
        wall: float,
        mono: float,
        *,
        first_sample: int | None = None,
    ) -> TimelineEntry:
        """Open the audio entry of a new stream (a running one is closed first, as switched).

        ``first_sample`` is the stream position of the run's first sample (its ``audio_sample``;
        :attr:`audio_position` when not given).
        """
        if self._audio is not None:
            self.audio_stopped(wall, mono, "another audio stream started")
        run = AudioRun(
            seq=len(self._entries),
            codec=codec,
            source=source_label,
            wall=wall,
            mono=mono,
            first_sample=self.audio_position if first_sample is None else first_sample,
        )
        self._audio = run
        return self._append(run.entry())

    def audio_progress(self, chunks: int, bytes: int, wall: float, mono: float) -> TimelineEntry:
        """Add ``chunks`` chunks of ``bytes`` bytes just sent to the current audio entry.

        Counts are increments (call it per chunk, or per batch of chunks); the entry is
        replaced at the same ``seq`` and observers get an ``updated`` change. Progress with
        no audio entry open starts one with an unknown codec and source.
        """
        if chunks < 0 or bytes < 0:
            raise ValueError(f"audio_progress takes increments >= 0, got {chunks}, {bytes}")
        run = self._audio
        if run is None:
            self.audio_started("", "", wall, mono)
            run = self._audio
            assert run is not None
        run.add(chunks, bytes, wall, mono)
        return self._replace(run.entry())

    def audio_stopped(self, wall: float, mono: float, reason: str = "") -> TimelineEntry | None:
        """Close the current audio entry (``reason`` says why); None when none is open."""
        run = self._audio
        if run is None:
            return None
        self._audio = None
        run.stop(wall, mono, reason)
        return self._replace(run.entry())

    # -- queries -------------------------------------------------------------------------------

    @property
    def entries(self) -> Sequence[TimelineEntry]:
        """All entries in ``seq`` order (a live read-only view: O(1) length and indexing)."""
        return self._view

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[TimelineEntry]:
        return iter(self._entries)

    def entry(self, seq: int) -> TimelineEntry:
        """The entry at ``seq``; IndexError if there is none."""
        if not 0 <= seq < len(self._entries):
            raise IndexError(f"no timeline entry {seq} (there are {len(self._entries)})")
        return self._entries[seq]

    def related(self, seq: int) -> tuple[TimelineEntry, ...]:
        """The command ``seq`` belongs to (or is) and everything paired with it, in order."""
        entry = self.entry(seq)
        anchor = entry.seq if entry.kind == "command" else entry.pairs
        if anchor is None:
            return (entry,)
        answers = self._index.answers(anchor)
        return (self._entries[anchor], *(self._entries[index] for index in answers))

    def by_request(self, request_id: int) -> tuple[TimelineEntry, ...]:
        """Every entry carrying ``request_id`` (across sessions and reconnections), in order."""
        return tuple(self._entries[index] for index in self._index.carrying(request_id))

    def command_for(self, request_id: int) -> TimelineEntry | None:
        """The latest command sent with ``request_id``: the one its answers pair with."""
        seq = self._index.command_seq(request_id)
        return None if seq is None else self._entries[seq]

    def latencies(self, request_id: int) -> Latencies | None:
        """Command → reply, RECOGNIZE → START-OF-INPUT and → RECOGNITION-COMPLETE, in ms.

        None when no command was sent with ``request_id``; a field is None until its answer
        arrives (and stays None when none comes: START-OF-INPUT in hotword mode).
        """
        return self._index.latencies(request_id)

    # -- notifications -------------------------------------------------------------------------

    def subscribe(self, callback: Observer) -> Callable[[], None]:
        """Call ``callback`` with every change from now on; returns the unsubscribe function.

        An observer that raises is logged and skipped: it never breaks appending.
        """
        self._observers.append(callback)
        subscribed = True

        def unsubscribe() -> None:
            nonlocal subscribed
            if subscribed:
                subscribed = False
                self._observers.remove(callback)

        return unsubscribe

    def _notify(self, change: TimelineChange) -> None:
        for observer in tuple(self._observers):
            try:
                observer(change)
            except Exception:
                logger.exception("timeline observer %r failed on %s", observer, change.kind)

    # -- export --------------------------------------------------------------------------------

    def export_jsonl(self, target: PathOrFile, *, created: float | None = None) -> int:
        """Write the timeline as JSON Lines (see :mod:`workbench.session.jsonl`).

        ``created`` is the export time in epoch seconds (the caller reads the clock); without
        it the header carries the newest entry's wall time. Returns the number of entries.
        """
        if created is None and self._entries:
            created = max(entry.wall for entry in self._entries)
        return write_jsonl(self._entries, target, created=created)

    @classmethod
    def load_jsonl(cls, source: PathOrFile) -> Self:
        """A timeline holding an export's entries, indexes rebuilt, ready for more appends."""
        loaded = read_jsonl(source)
        timeline = cls()
        timeline.header = loaded.header
        for entry in loaded.entries:
            timeline._append(entry)
        return timeline

    # -- internals -----------------------------------------------------------------------------

    def _scrubbed(self, entry: TimelineEntry) -> TimelineEntry:
        """``entry`` with every text redacted (the same object when nothing had to change)."""
        changes: dict[str, Any] = {}
        for field_name in _TEXT_FIELDS:
            value = getattr(entry, field_name)
            if value:
                cleaned = redact(value, self._secrets)
                if cleaned != value:
                    changes[field_name] = cleaned
        if entry.data:
            data = _redact_value(entry.data, self._secrets)
            if data != entry.data:
                changes["data"] = data
        return dataclasses.replace(entry, **changes) if changes else entry

    def _append(self, entry: TimelineEntry) -> TimelineEntry:
        seq = len(self._entries)
        if entry.seq != seq:
            raise ValueError(f"entry seq {entry.seq} appended at position {seq}")
        entry = self._scrubbed(entry)
        self._entries.append(entry)
        self._index.add(entry)
        self._notify(TimelineChange("appended", entry))
        return entry

    def _replace(self, entry: TimelineEntry) -> TimelineEntry:
        """Put ``entry`` in place of the one at its ``seq`` (indexes are not affected)."""
        entry = self._scrubbed(entry)
        previous = self._entries[entry.seq]
        self._entries[entry.seq] = entry
        self._notify(TimelineChange("updated", entry, previous))
        return entry


def _redact_value(value: JsonValue, secrets: SecretSet) -> JsonValue:
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, Mapping):
        return {redact(key, secrets): _redact_value(item, secrets) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(_redact_value(item, secrets) for item in value)
    if isinstance(value, list):
        return [_redact_value(item, secrets) for item in value]
    return value
