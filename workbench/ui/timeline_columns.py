"""The timeline table's columns and the text of each cell: shared by the table and the CSV.

Pure functions of an entry (no Qt), so that what the table shows, what the CSV export writes
and what the tests expect are one and the same text.
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Final

from workbench.session.entries import TimelineEntry

__all__ = [
    "COLUMN_TIPS",
    "COLUMN_TITLES",
    "NUMERIC_COLUMNS",
    "WIDEST",
    "Column",
    "cell_texts",
    "entry_tooltip",
    "latency_text",
    "sdk_text",
    "wall_text",
]


class Column(IntEnum):
    """The table's columns, in order."""

    SEQ = 0
    TIME = 1
    SINCE = 2
    DIRECTION = 3
    KIND = 4
    NAME = 5
    REQUEST = 6
    CHANNEL = 7
    CAUSE = 8
    LATENCY = 9
    SDK = 10
    SUMMARY = 11


COLUMN_TITLES: Final[tuple[str, ...]] = (
    "#", "Time", "+s", "Dir", "Kind", "Name", "Req", "Channel", "Cause", "Latency ms", "SDK",
    "Summary",
)  # fmt: skip
COLUMN_TIPS: Final[tuple[str, ...]] = (
    "The entry's position in the timeline (seq): other rows refer to it",
    "Wall-clock time, to the millisecond (local time)",
    "Seconds since the timeline's first entry (the session start)",
    "sent (by us), received (from the server) or local (a note, the audio)",
    "command, reply, event, error, violation, connection, auth, audio or note",
    "The command or event name as on the wire, or a note's title",
    "request_id",
    "channel_id",
    "completion_cause",
    "Time from the command to this answer, in milliseconds",
    "✗ when the official SDK (uhlive 2.1.0) would reject this frame, and why",
    "What the entry says, on one line (the detail pane has the frame)",
)
NUMERIC_COLUMNS: Final = frozenset({Column.SEQ, Column.SINCE, Column.REQUEST, Column.LATENCY})
"""Right-aligned columns (numbers)."""
WIDEST: Final = (
    "000000", "00:00:00.000", "0000.000", "received", "violation", "RECOGNITION-COMPLETE",
    "000", "channel-000", "NoInputTimeout", "00000.0", "✗ missing key",
)  # fmt: skip
"""The text each column but the summary is first sized for (the user may resize them)."""
_TOOLTIP_CHARS: Final = 1500
_FLAGS: Final = ("unpaired", "duplicate", "mismatch")


def wall_text(wall: float) -> str:
    """``14:03:27.125``: local wall-clock time, milliseconds truncated (as log files do)."""
    return datetime.fromtimestamp(wall).strftime("%H:%M:%S.%f")[:-3]


def latency_text(latency_ms: float | None) -> str:
    """``1234.5`` (ms, one decimal) or empty: what the Latency column shows."""
    return "" if latency_ms is None else f"{latency_ms:.1f}"


def sdk_text(entry: TimelineEntry) -> str:
    """``✗ <why>`` for a frame the official SDK would reject, else empty."""
    return f"✗ {entry.sdk_reason or 'rejected'}" if entry.sdk_ok is False else ""


def cell_texts(entry: TimelineEntry, start_mono: float) -> tuple[str, ...]:
    """Every column's text for ``entry`` (times since ``start_mono``): the table and the CSV."""
    return (
        str(entry.seq),
        wall_text(entry.wall),
        f"{entry.mono - start_mono:.3f}",
        entry.direction,
        entry.kind,
        entry.name,
        "" if entry.request_id is None else str(entry.request_id),
        entry.channel_id,
        entry.completion_cause or "",
        latency_text(entry.latency_ms),
        sdk_text(entry),
        entry.summary,
    )


def entry_tooltip(entry: TimelineEntry) -> str:
    """The row's tooltip: the summary, then whatever is wrong with the entry, in words."""
    lines = [entry.summary or entry.name]
    if entry.sdk_ok is False:
        lines.append(f"The official SDK (uhlive 2.1.0) would reject this frame: {entry.sdk_reason}")
    if entry.kind == "violation" and "reason" in entry.data:
        lines.append(f"Protocol violation: {entry.data['reason']}")
    lines.extend(
        f"{flag.capitalize()}: {entry.data[flag]}" for flag in _FLAGS if flag in entry.data
    )
    text = "\n".join(lines)
    return text if len(text) <= _TOOLTIP_CHARS else text[: _TOOLTIP_CHARS - 1] + "…"
