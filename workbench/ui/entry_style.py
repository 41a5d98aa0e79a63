"""How timeline entries look wherever they are listed: one table, so the views agree.

The compact event list and the timeline view both colour an entry's text by its kind
(:data:`KIND_COLOURS`, mid tones readable on light and dark backgrounds). The timeline view
also tints whole rows, which needs a colour per scheme (a pale red is unreadable under light
text): :data:`ROW_TINTS`. The detail pane's JSON colouring follows the scheme too
(:data:`JSON_COLOURS`). The scheme is the one :mod:`workbench.ui.theme` reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from workbench.ui.theme import Scheme

__all__ = ["JSON_COLOURS", "KIND_COLOURS", "ROW_TINTS", "JsonColours", "RowTints"]

KIND_COLOURS: Final[dict[str, str]] = {
    "command": "#4285f4",
    "reply": "#34a853",
    "event": "#a142f4",
    "error": "#ea4335",
    "violation": "#fa7b17",
    "connection": "#80868b",
    "auth": "#80868b",
    "audio": "#80868b",
    "note": "#80868b",
}
"""Text colour per entry kind: mid tones, readable on light and dark backgrounds."""


@dataclass(frozen=True, slots=True)
class RowTints:
    """Row backgrounds (``#rrggbb``): what must stand out in a long table."""

    error: str
    """An error event (METHOD-FAILED, INVALID-PARAM-VALUE…)."""
    violation: str
    """A protocol violation, or a frame the official SDK would reject."""
    related: str
    """The rows paired with the selected one (its command, replies and events)."""


ROW_TINTS: Final[dict[Scheme, RowTints]] = {
    "light": RowTints(error="#fce8e6", violation="#feefe3", related="#fef7cd"),
    "dark": RowTints(error="#5c2b29", violation="#5b3a1e", related="#4a4322"),
}


@dataclass(frozen=True, slots=True)
class JsonColours:
    """Syntax colours of pretty-printed JSON (``#rrggbb``)."""

    key: str
    string: str
    number: str
    literal: str
    """``true``, ``false`` and ``null``."""


JSON_COLOURS: Final[dict[Scheme, JsonColours]] = {
    "light": JsonColours(key="#0b57d0", string="#188038", number="#b06000", literal="#a142f4"),
    "dark": JsonColours(key="#8ab4f8", string="#81c995", number="#fdd663", literal="#d7aefb"),
}
