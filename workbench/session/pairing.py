"""Request ↔ answer pairing: the indexes that make pairing and lookups O(1).

An answer pairs with the *latest* command sent with its ``request_id``: the official SDK and
our client core never reuse an id on one connection, but a new connection starts again at 1,
and an expert's hand-written frame may reuse any id. Each command has three answer slots
(roles): its direct ``reply`` (success or error event), and for RECOGNIZE its
``start_of_input`` and ``complete`` events. The first frame to fill a slot counts for the
latencies; later ones are marked ``duplicate``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.session import frames
from workbench.session.entries import Latencies, TimelineEntry

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["RequestIndex"]


class RequestIndex:
    """Indexes over a timeline's entries, kept up to date by :meth:`add` (one call per entry)."""

    def __init__(self, entries: Sequence[TimelineEntry]) -> None:
        self._entries = entries
        self._latest_command: dict[int, int] = {}  # request_id → seq of the last such command
        self._by_request: dict[int, list[int]] = {}  # request_id → seqs carrying it
        self._answers: dict[int, list[int]] = {}  # command seq → seqs paired with it
        self._roles: dict[int, dict[str, int]] = {}  # command seq → role → first seq in it

    def add(self, entry: TimelineEntry) -> None:
        """Index ``entry``, just appended (its ``pairs`` was decided by :meth:`pair`)."""
        seq = entry.seq
        if entry.request_id is not None:
            self._by_request.setdefault(entry.request_id, []).append(seq)
            if entry.kind == "command":
                self._latest_command[entry.request_id] = seq
        if entry.pairs is not None:
            self._answers.setdefault(entry.pairs, []).append(seq)
            role = frames.role_of(entry.name) if entry.is_received else None
            if role is not None:
                self._roles.setdefault(entry.pairs, {}).setdefault(role, seq)

    def pair(
        self, name: str, request_id: int | None
    ) -> tuple[TimelineEntry | None, dict[str, Any]]:
        """The command a received frame called ``name`` answers, and notes on anything odd.

        The notes go into the entry's ``data``: ``unpaired`` (no such command), ``duplicate``
        (the command's slot for this kind of answer is already filled), ``mismatch`` (this
        event cannot answer that command, e.g. START-OF-INPUT for a GET-PARAMS).
        """
        if request_id is None:
            return None, {"unpaired": "no request_id could be read: it answers no command"}
        seq = self._latest_command.get(request_id)
        if seq is None:
            return None, {"unpaired": f"no command with request_id {request_id} was sent"}
        command = self._entries[seq]
        notes: dict[str, Any] = {}
        role = frames.role_of(name)
        if role is not None:
            first = self._roles.get(seq, {}).get(role)
            if first is not None:
                notes["duplicate"] = (
                    f"{command.name} #{request_id} already had its "
                    f"{frames.ROLE_WORDS[role]} (entry {first})"
                )
            odd = frames.mismatch(name, role, command.name, request_id)
            if odd is not None:
                notes["mismatch"] = odd
        return command, notes

    def command_seq(self, request_id: int) -> int | None:
        """The seq of the latest command sent with ``request_id``."""
        return self._latest_command.get(request_id)

    def answers(self, command_seq: int) -> Sequence[int]:
        """The seqs paired with the command at ``command_seq``, in order."""
        return self._answers.get(command_seq, ())

    def carrying(self, request_id: int) -> Sequence[int]:
        """The seqs of every entry carrying ``request_id``, in order."""
        return self._by_request.get(request_id, ())

    def latencies(self, request_id: int) -> Latencies | None:
        """The latencies of the latest command sent with ``request_id`` (first answers count)."""
        seq = self._latest_command.get(request_id)
        if seq is None:
            return None
        roles = self._roles.get(seq, {})

        def latency(role: str) -> float | None:
            index = roles.get(role)
            return None if index is None else self._entries[index].latency_ms

        return Latencies(
            request_id=request_id,
            command=self._entries[seq].name,
            command_seq=seq,
            reply_ms=latency("reply"),
            start_of_input_ms=latency("start_of_input"),
            complete_ms=latency("complete"),
        )
