"""A compact live list of the timeline: one row per frame or note, newest at the bottom.

A stop-gap until the full timeline view: a :class:`QListView` over :class:`EventListModel`, a
small :class:`QAbstractListModel` fed by the timeline's change notifications through a
:class:`~workbench.ui.qt_bridge.QtBridge`. Each row reads ``+12.345 s  NAME  summary`` (time
since the timeline's first entry), coloured by kind, with the raw frame as its tooltip. The
audio entry that the timeline updates in place is updated in place here too. Only the last
``max_rows`` entries are kept (older rows are dropped from the top), so a session of hours
stays light; the timeline itself keeps everything.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Final

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QListView, QVBoxLayout, QWidget

from workbench.session.entries import TimelineChange, TimelineEntry
from workbench.session.timeline import Timeline
from workbench.ui.entry_style import KIND_COLOURS
from workbench.ui.qt_bridge import QtBridge

__all__ = ["DEFAULT_MAX_ROWS", "KIND_COLOURS", "EventList", "EventListModel", "row_text"]

DEFAULT_MAX_ROWS: Final = 2000
_TOOLTIP_CHARS: Final = 2000

Index = QModelIndex | QPersistentModelIndex


def row_text(entry: TimelineEntry, start: float) -> str:
    """``+1.234 s  RECOGNIZE  RECOGNIZE #5 …`` (the name once when the summary begins with it)."""
    summary = entry.summary or entry.name
    head = "" if summary.startswith(entry.name) else f"{entry.name}  "
    return f"+{entry.mono - start:.3f} s  {head}{summary}"


class EventListModel(QAbstractListModel):
    """The last ``max_rows`` timeline entries, in order; ``EntryRole`` gives the entry itself."""

    EntryRole: Final = Qt.ItemDataRole.UserRole + 1

    def __init__(self, max_rows: int = DEFAULT_MAX_ROWS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        self.max_rows = max_rows
        self._entries: list[TimelineEntry] = []
        self._start: float | None = None
        self._colours = {kind: QColor(colour) for kind, colour in KIND_COLOURS.items()}
        self.dropped = 0
        """How many rows were dropped from the top to stay within ``max_rows``."""

    # -- feeding -------------------------------------------------------------------------------

    def append(self, entry: TimelineEntry) -> None:
        """Add ``entry`` at the bottom (dropping the oldest rows beyond ``max_rows``)."""
        if self._start is None:
            self._start = entry.mono
        row = len(self._entries)
        self.beginInsertRows(QModelIndex(), row, row)
        self._entries.append(entry)
        self.endInsertRows()
        excess = len(self._entries) - self.max_rows
        if excess > 0:
            self.beginRemoveRows(QModelIndex(), 0, excess - 1)
            del self._entries[:excess]
            self.endRemoveRows()
            self.dropped += excess

    def update(self, entry: TimelineEntry) -> None:
        """Replace the row of the entry with ``entry.seq`` (an audio entry growing); else none."""
        row = self.row_of(entry.seq)
        if row is None:
            return
        self._entries[row] = entry
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def set_start(self, mono: float) -> None:
        """Count times from ``mono`` (the timeline's first entry)."""
        self._start = mono

    def clear(self) -> None:
        """Drop every row."""
        self.beginResetModel()
        self._entries.clear()
        self._start = None
        self.endResetModel()

    # -- reading -------------------------------------------------------------------------------

    def entry(self, row: int) -> TimelineEntry:
        """The entry shown at ``row``."""
        return self._entries[row]

    def entries(self) -> tuple[TimelineEntry, ...]:
        """Every entry shown, top to bottom."""
        return tuple(self._entries)

    def names(self) -> list[str]:
        """The names of the entries shown (what a test compares)."""
        return [entry.name for entry in self._entries]

    def row_of(self, seq: int) -> int | None:
        """The row showing the entry ``seq``, or None (dropped, or never shown)."""
        row = bisect.bisect_left(self._entries, seq, key=lambda entry: entry.seq)
        if row < len(self._entries) and self._entries[row].seq == seq:
            return row
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's names
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row_text(entry, self._start if self._start is not None else entry.mono)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colours.get(entry.kind)
        if role == Qt.ItemDataRole.ToolTipRole:
            raw = entry.raw or entry.summary
            return raw if len(raw) <= _TOOLTIP_CHARS else raw[:_TOOLTIP_CHARS] + "…"
        if role == self.EntryRole:
            return entry
        return None


class EventList(QWidget):
    """The compact live list of ``timeline`` (see the module docstring).

    "Follow" keeps the newest row in view; unticked, the list stays where the user scrolled.
    """

    def __init__(
        self,
        timeline: Timeline,
        parent: QWidget | None = None,
        *,
        max_rows: int = DEFAULT_MAX_ROWS,
    ) -> None:
        super().__init__(parent)
        self._bridge = QtBridge(self)
        self.model = EventListModel(max_rows, self)
        self.view = QListView(self)
        self.view.setObjectName("event_list")
        self.view.setModel(self.model)
        self.view.setUniformItemSizes(True)  # constant-time layout however many rows
        self.view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.view.setAccessibleName("Events")
        self.follow_box = QCheckBox("Follow", self)
        self.follow_box.setChecked(True)
        self.follow_box.setToolTip("Keep the newest event in view")
        self.count_label = QLabel(self)
        top = QHBoxLayout()
        top.addWidget(self.count_label, 1)
        top.addWidget(self.follow_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)

        entries = timeline.entries
        if len(entries):
            self.model.set_start(entries[0].mono)
        for entry in entries[max(0, len(entries) - max_rows) :]:
            self.model.append(entry)
        self.model.rowsInserted.connect(self._on_model_rows_inserted)
        self._unsubscribe: Callable[[], None] = timeline.subscribe(
            self._bridge.wrap(self._on_timeline_change)
        )
        self._show_count()
        self.view.scrollToBottom()

    def _on_timeline_change(self, change: TimelineChange) -> None:
        if change.kind == "appended":
            self.model.append(change.entry)
            self._show_count()
        else:
            self.model.update(change.entry)

    def _on_model_rows_inserted(self) -> None:
        if self.follow_box.isChecked():
            self.view.scrollToBottom()

    def _show_count(self) -> None:
        shown = self.model.rowCount()
        text = f"{shown} event{'s' if shown != 1 else ''}"
        if self.model.dropped:
            text += f" (the last {self.model.max_rows}; the timeline keeps them all)"
        self.count_label.setText(text)

    def shutdown(self) -> None:
        """Stop following the timeline (the window calls this when it closes)."""
        self._unsubscribe()
        self._bridge.close()
