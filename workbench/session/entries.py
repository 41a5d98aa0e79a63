"""The values a timeline is made of: entries, change notices and latencies.

Entries are immutable so that a view can hold on to them and compare them cheaply; an update
(the audio summary growing, a late secret being masked) replaces the entry at the same ``seq``
and says so in a :class:`TimelineChange`. ``data`` is frozen too (read-only mappings, tuples),
which keeps an entry equal to itself after a JSON Lines round trip.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, TypeAlias, get_args, overload

__all__ = [
    "FRAME_KINDS",
    "KINDS",
    "NOTE_KINDS",
    "RECEIVED_KINDS",
    "Direction",
    "EntriesView",
    "EntryKind",
    "JsonValue",
    "Latencies",
    "NoteKind",
    "TimelineChange",
    "TimelineEntry",
    "freeze",
    "thaw",
]

JsonValue: TypeAlias = Any
"""Any value JSON can carry (data values are small and open-ended)."""

EntryKind: TypeAlias = Literal[
    "command", "reply", "event", "error", "violation", "connection", "auth", "audio", "note"
]
"""What an entry records: a frame (the first five), or something that happened locally."""

NoteKind: TypeAlias = Literal["connection", "auth", "note"]
"""The kinds :meth:`Timeline.note` may append (frames and audio have their own methods)."""

Direction: TypeAlias = Literal["sent", "received", "local"]

KINDS: tuple[EntryKind, ...] = get_args(EntryKind)
NOTE_KINDS: frozenset[str] = frozenset(get_args(NoteKind))
RECEIVED_KINDS: frozenset[str] = frozenset({"reply", "event", "error", "violation"})
FRAME_KINDS: frozenset[str] = RECEIVED_KINDS | {"command"}
DIRECTIONS: tuple[Direction, ...] = get_args(Direction)


def freeze(value: JsonValue) -> JsonValue:
    """A read-only copy of a JSON-like value: mappings become read-only, lists tuples.

    Anything JSON cannot hold (a datetime, an exception, a dataclass) becomes its ``str``, so
    that an export can never fail on what a caller put in ``data``.
    """
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, Mapping):
        return MappingProxyType({str(key): freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    return str(value)


def thaw(value: JsonValue) -> JsonValue:
    """The plain ``dict``/``list`` form of a frozen value, for ``json.dumps``."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [thaw(item) for item in value]
    return value


_EMPTY: Mapping[str, JsonValue] = MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineEntry:
    """One line of the timeline: a frame sent or received, or a local happening.

    Times are the caller's: ``wall`` in epoch seconds (for people), ``mono`` in monotonic
    seconds (for latencies). ``pairs`` is the ``seq`` of the command a reply, event or note
    belongs to, and ``latency_ms`` the time since that command. ``sdk_ok``/``sdk_reason`` say
    whether the official SDK would accept a received frame (None for anything not received).
    ``audio_sample`` is where the outgoing audio stream stood when the entry was recorded: the
    stream position (8 kHz samples since the stream started) just after the last audio frame
    written to the socket, None when no audio had been sent. It places the entry on the audio
    history exactly: a command is preceded on the wire by that much audio, a received frame
    arrived when that much had gone out. Every text field has been redacted before the entry
    was built.
    """

    seq: int
    kind: EntryKind
    direction: Direction
    name: str
    request_id: int | None = None
    channel_id: str = ""
    completion_cause: str | None = None
    summary: str = ""
    raw: str = ""
    wall: float
    mono: float
    pairs: int | None = None
    latency_ms: float | None = None
    sdk_ok: bool | None = None
    sdk_reason: str | None = None
    audio_sample: int | None = None
    data: Mapping[str, JsonValue] = field(default_factory=lambda: _EMPTY, hash=False)

    def __post_init__(self) -> None:
        # Always a fresh copy: a caller's mapping (even a read-only view of it) stays theirs.
        if self.data is not _EMPTY:
            object.__setattr__(self, "data", freeze(self.data) if self.data else _EMPTY)

    @property
    def is_frame(self) -> bool:
        """True for what went over the WebSocket as text (commands and everything received)."""
        return self.kind in FRAME_KINDS

    @property
    def is_received(self) -> bool:
        """True for frames the server sent."""
        return self.kind in RECEIVED_KINDS

    @property
    def unpaired(self) -> bool:
        """True for a received frame that answers no command of this timeline."""
        return "unpaired" in self.data

    @property
    def duplicate(self) -> bool:
        """True for a second reply (or START-OF-INPUT, RECOGNITION-COMPLETE) to one command."""
        return "duplicate" in self.data


@dataclass(frozen=True, slots=True)
class TimelineChange:
    """What a subscriber is told: an entry was appended, or replaced at the same ``seq``."""

    kind: Literal["appended", "updated"]
    entry: TimelineEntry
    previous: TimelineEntry | None = None
    """The entry that was replaced (only for ``updated``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Latencies:
    """How long the server took to answer one command, in milliseconds (None: not yet/never).

    ``reply_ms`` is command → direct reply (success or error event); for RECOGNIZE,
    ``start_of_input_ms`` and ``complete_ms`` are RECOGNIZE → START-OF-INPUT and
    RECOGNIZE → RECOGNITION-COMPLETE. Duplicates are ignored: the first answer counts.
    """

    request_id: int
    command: str
    command_seq: int
    reply_ms: float | None = None
    start_of_input_ms: float | None = None
    complete_ms: float | None = None


class EntriesView(Sequence[TimelineEntry]):
    """A read-only window on the entry list (O(1) ``len`` and indexing, no copy)."""

    __slots__ = ("_entries",)

    def __init__(self, entries: list[TimelineEntry]) -> None:
        self._entries = entries

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, index: int) -> TimelineEntry: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[TimelineEntry]: ...
    def __getitem__(self, index: int | slice) -> TimelineEntry | Sequence[TimelineEntry]:
        if isinstance(index, slice):
            return tuple(self._entries[index])
        return self._entries[index]

    def __iter__(self) -> Iterator[TimelineEntry]:
        return iter(self._entries)
