"""The status area: what the workbench wants the user to know, in plain words, never a traceback.

Two parts, one model:

* the window's **status bar**: the latest message (errors stay until something replaces them,
  information fades after a while), plus two permanent labels on the right: the local server
  (engine and model, or why it is not running) and the connection;
* the **message log** (:class:`MessageLog`, shown in a dock): every message with its time and
  level, newest last, capped at :data:`MAX_MESSAGES`.

Whatever is posted is reduced to one line first (:func:`plain`): a multi-line text keeps its
first line, a traceback only the error it ends with, cut to :data:`MAX_CHARS` characters. The full
details of an unexpected error go to the log file (the application's excepthook does that);
the user reads a sentence.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Final, Literal

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from workbench.ui import pyside_fixes  # noqa: F401  (PySide6 6.12.0 bug: see the module)

Level = Literal["info", "warning", "error"]
LEVELS: Final[tuple[Level, ...]] = ("info", "warning", "error")
MAX_MESSAGES: Final = 500
MAX_CHARS: Final = 300
INFO_TIMEOUT_MS: Final = 8000
_MARKS: Final[dict[str, str]] = {"info": "ℹ", "warning": "⚠", "error": "✖"}
_COLOURS: Final[dict[str, str]] = {"warning": "#e37400", "error": "#d93025"}


@dataclass(frozen=True, slots=True)
class StatusMessage:
    """One posted message."""

    text: str
    level: Level
    wall: float

    def line(self) -> str:
        """``12:03:04 ⚠ text``."""
        clock = time.strftime("%H:%M:%S", time.localtime(self.wall))
        return f"{clock} {_MARKS[self.level]} {self.text}"


def plain(text: object) -> str:
    """One line for people: the first non-empty line (of a traceback, its last: the error
    itself), capped at :data:`MAX_CHARS`."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    if lines and lines[0].startswith("Traceback (most recent call last)"):
        lines = lines[-1:]
    first = lines[0] if lines else "Something went wrong (no details)."
    return first if len(first) <= MAX_CHARS else first[: MAX_CHARS - 1] + "…"


class MessageLog(QWidget):
    """Every message, newest last, errors and warnings coloured (the status dock's content)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Messages")
        self.list.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)

    def add(self, message: StatusMessage) -> None:
        item = QListWidgetItem(message.line())
        colour = _COLOURS.get(message.level)
        if colour is not None:
            item.setForeground(QColor(colour))
        self.list.addItem(item)
        while self.list.count() > MAX_MESSAGES:
            self.list.takeItem(0)
        self.list.scrollToBottom()


class StatusArea(QObject):
    """Posts messages to a status bar and a :class:`MessageLog`; see the module docstring.

    ``posted(StatusMessage)`` is emitted after each :meth:`post` (tests and benchmarks wait on
    it; the window does not need it).
    """

    posted = Signal(object)

    def __init__(self, bar: QStatusBar, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bar = bar
        self.log = MessageLog()
        self.server_label = QLabel("Local server: not started")
        self.server_label.setAccessibleName("Local server status")
        self.connection_label = QLabel("Disconnected")
        self.connection_label.setAccessibleName("Connection status")
        bar.addPermanentWidget(self.server_label)
        bar.addPermanentWidget(self.connection_label)
        self.messages: list[StatusMessage] = []

    def post(self, text: object, level: str = "info") -> StatusMessage:
        """Show ``text`` (reduced to one plain line) in the bar and the log."""
        checked: Level = level if level in LEVELS else "info"
        message = StatusMessage(plain(text), checked, time.time())
        self.messages.append(message)
        del self.messages[:-MAX_MESSAGES]
        self.log.add(message)
        shown = f"{_MARKS[checked]} {message.text}" if checked != "info" else message.text
        self.bar.showMessage(shown, INFO_TIMEOUT_MS if checked == "info" else 0)
        self.posted.emit(message)
        return message

    def set_server(self, text: str, tooltip: str = "") -> None:
        """The permanent local-server label (engine and model, or why it is not running)."""
        self.server_label.setText(text)
        self.server_label.setToolTip(tooltip or text)

    def set_connection(self, text: str, tooltip: str = "") -> None:
        """The permanent connection label."""
        self.connection_label.setText(text)
        self.connection_label.setToolTip(tooltip or text)

    def texts(self, level: str | None = None) -> list[str]:
        """The messages posted so far (of one level, or all)."""
        return [m.text for m in self.messages if level is None or m.level == level]
