"""What the transport tells its observer, so the timeline can show auth and connection steps.

The observer is a plain callable (no Qt, no asyncio): the controller turns each
:class:`ConnectionNote` into a timeline entry of kind ``auth`` or ``connection``. Notes are
written from our own words only: they never hold a secret or a token.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

log = logging.getLogger(__name__)

NoteKind = Literal["auth", "connection"]


@dataclass(frozen=True, slots=True)
class ConnectionNote:
    """One step: ``kind`` is the timeline kind, ``text`` one line, ``name`` a short title.

    ``name`` is one of: "token requested", "token obtained", "connecting", "connected",
    "failed", "closed", "dropped", "reconnecting", "reconnected", "gave up". ``data`` holds
    extras (attempt number, delay, close code…).
    """

    kind: NoteKind
    text: str
    wall: float
    """Epoch seconds."""
    mono: float
    """Monotonic seconds."""
    name: str = ""
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


Observer = Callable[[ConnectionNote], None]


class Notifier:
    """Stamps notes with both clocks and hands them to the observer (if any).

    An observer that raises is logged and otherwise ignored: a bug in a view must not take the
    connection down with it.
    """

    def __init__(
        self,
        observer: Observer | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.observer = observer
        self.clock = clock
        self.wall = wall

    def __call__(self, kind: NoteKind, name: str, text: str, **data: Any) -> None:
        log.info("%s: %s", name, text)
        if self.observer is None:
            return
        note = ConnectionNote(kind, text, self.wall(), self.clock(), name, MappingProxyType(data))
        try:
            self.observer(note)
        except Exception:
            log.exception("the connection observer failed on %r", name)
