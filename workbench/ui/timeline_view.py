"""The timeline view: every request, response, event and note of the session, live.

A toolbar, a table (:class:`~workbench.ui.timeline_model.TimelineModel` through a
:class:`~workbench.ui.timeline_filter.TimelineFilter`) and the
:class:`~workbench.ui.timeline_detail.TimelineDetail` pane beside it.

* Rows arrive in batches (every ~50 ms) and the table follows the newest one unless
  "Pause scrolling" is on.
* Selecting a row shows the entry in the detail pane, tints the rows paired with it (its
  command, the command's replies, events and notes: ``Timeline.related``) and emits
  ``entry_selected(seq)``: the audio history's markers follow it; :meth:`select_seq` goes the
  other way.
* Filters: kinds and names (checkable menus), free text (debounced) over name, summary and raw
  frame. Clear hides the rows so far; the timeline itself keeps every entry.
* Export writes the visible rows, in order: JSON Lines through the timeline's own writer
  (every field of every entry; an unfiltered export reopens as a timeline), or CSV with the
  visible columns, as shown.

Speed at 100 000 rows: fixed row heights (the vertical header never measures a row), no
column sized to its contents, no word wrap; only visible cells are ever asked for.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QMenu,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.session.entries import TimelineEntry
from workbench.session.jsonl import write_jsonl
from workbench.session.timeline import Timeline
from workbench.ui.theme import Theme, theme_watcher
from workbench.ui.timeline_columns import COLUMN_TITLES, WIDEST, Column, cell_texts
from workbench.ui.timeline_detail import TimelineDetail
from workbench.ui.timeline_filter import TimelineFilter
from workbench.ui.timeline_model import DEFAULT_BATCH_MS, TimelineModel
from workbench.ui.timeline_toolbar import TimelineToolbar

__all__ = ["TimelineView"]


class TimelineView(QWidget):
    """The timeline pane of ``timeline`` (see the module docstring).

    Signals: ``entry_selected(seq)`` when a row is selected (by the user or :meth:`select_seq`);
    ``status_message(text, level)`` after an export, for the window's status area.
    """

    entry_selected = Signal(int)
    status_message = Signal(str, str)

    def __init__(
        self,
        timeline: Timeline,
        parent: QWidget | None = None,
        *,
        batch_ms: int = DEFAULT_BATCH_MS,
    ) -> None:
        super().__init__(parent)
        self._timeline = timeline
        self._selected: int | None = None
        self.model = TimelineModel(timeline, self, batch_ms=batch_ms)
        self.filter = TimelineFilter(self.model, self)
        self.detail = TimelineDetail(timeline, self)
        self.table = QTableView(self)
        self.toolbar = TimelineToolbar(self.model, self.filter, self)
        self._build_table()
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.splitter, 1)

        self.model.rowsInserted.connect(self.on_model_rows_inserted)
        self.model.entry_updated.connect(self.on_model_entry_updated)
        self.filter.rowsInserted.connect(self.on_filter_rows_inserted)
        self.filter.modelReset.connect(self.on_filter_model_reset)
        toolbar = self.toolbar
        toolbar.pause_button.toggled.connect(self.on_pause_button_toggled)
        toolbar.clear_button.clicked.connect(self.clear)
        toolbar.show_all_action.triggered.connect(self.show_all)
        toolbar.export_jsonl_action.triggered.connect(lambda: self._ask_path("jsonl"))
        toolbar.export_csv_action.triggered.connect(lambda: self._ask_path("csv"))
        selection = self.table.selectionModel()
        selection.currentRowChanged.connect(self.on_selection_current_row_changed)
        watcher = theme_watcher()
        watcher.changed.connect(self.apply_theme)
        self.table.scrollToBottom()

    # -- building ------------------------------------------------------------------------------

    def _build_table(self) -> None:
        table = self.table
        table.setObjectName("timeline_table")
        table.setAccessibleName("Timeline")
        table.setModel(self.filter)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        table.setShowGrid(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        rows = table.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # uniform heights: O(1) layout
        rows.setDefaultSectionSize(table.fontMetrics().height() + 6)
        columns = table.horizontalHeader()
        columns.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # never by contents
        columns.setStretchLastSection(True)
        columns.setHighlightSections(False)
        cells, titles = table.fontMetrics(), columns.fontMetrics()
        for column, sample in enumerate(WIDEST):
            title = COLUMN_TITLES[column]
            width = max(cells.horizontalAdvance(sample), titles.horizontalAdvance(title) + 8)
            table.setColumnWidth(column, width + 16)
        columns.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        columns.customContextMenuRequested.connect(self.on_columns_context_menu_requested)

    # -- public API ----------------------------------------------------------------------------

    @property
    def timeline(self) -> Timeline:
        return self._timeline

    @property
    def selected_seq(self) -> int | None:
        """The ``seq`` of the entry shown in the detail pane (None: nothing selected)."""
        return self._selected

    @property
    def paused(self) -> bool:
        """Whether "Pause scrolling" is on (the table stays where the user left it)."""
        return self.toolbar.pause_button.isChecked()

    def select_seq(self, seq: int) -> bool:
        """Select the row of entry ``seq`` and bring it into view; False when it is not shown.

        An entry still waiting for its batch is shown first (the audio markers may point at
        an entry appended a moment ago).
        """
        self.model.flush()
        row = self.filter.row_of(seq)
        if row is None:
            return False
        index = self.filter.index(row, 0)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def visible_entries(self) -> list[TimelineEntry]:
        """The rows shown, top to bottom (what the exports write)."""
        return self.filter.visible_entries()

    def visible_columns(self) -> list[int]:
        """The columns not hidden by the user, in order."""
        return [c for c in range(len(COLUMN_TITLES)) if not self.table.isColumnHidden(c)]

    def export_jsonl(self, path: str | Path, *, created: float | None = None) -> int:
        """Write the visible entries as a timeline JSON Lines file; returns how many.

        ``created`` is the header's export time (epoch s; default: now). Each line keeps its
        entry's ``seq``, so "entry 12" in a summary still means line 12's entry. That is why
        only an unfiltered, uncleared export reopens with ``Timeline.load_jsonl``: the reader
        wants seqs 0, 1, 2… with no gap.
        """
        entries = self.visible_entries()
        return write_jsonl(entries, path, created=time.time() if created is None else created)

    def export_csv(self, path: str | Path) -> int:
        """Write the visible rows with the visible columns, as shown, to a CSV file."""
        entries = self.visible_entries()
        columns = self.visible_columns()
        start = self.model.start_mono
        target = Path(path)
        temporary = target.with_name(target.name + ".part")
        try:
            with temporary.open("w", encoding="utf-8", newline="") as file:
                writer = csv.writer(file)
                writer.writerow([COLUMN_TITLES[c] for c in columns])
                for entry in entries:
                    texts = cell_texts(entry, start)
                    writer.writerow([texts[c] for c in columns])
            temporary.replace(target)
        finally:
            temporary.unlink(missing_ok=True)
        return len(entries)

    def clear(self) -> None:
        """Hide every row so far (the timeline keeps them: see ``CLEAR_TIP``)."""
        self.model.clear()

    def show_all(self) -> None:
        """Show every entry of the timeline again (undoes Clear)."""
        self.model.show_from(0)
        self.table.scrollToBottom()

    def apply_theme(self, theme: Theme) -> None:
        self.model.set_scheme(theme.scheme)
        self.detail.apply_scheme(theme.scheme)

    def shutdown(self) -> None:
        """Stop following the timeline (the window calls this when it closes)."""
        self.toolbar.shutdown()
        self.model.shutdown()

    # -- slots ---------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.ApplicationPaletteChange:
            theme_watcher().refresh()
        super().changeEvent(event)

    def on_pause_button_toggled(self, paused: bool) -> None:
        if not paused:
            self.table.scrollToBottom()

    def on_model_rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        """New answers to the selected entry's command join the highlight and the detail."""
        if self._selected is None:
            return
        anchor = self._anchor(self._selected)
        if anchor is None:
            return
        entries, base = self._timeline.entries, self.model.first_seq
        if any(entries[base + row].pairs == anchor for row in range(first, last + 1)):
            self._show_selected(self._selected)

    def on_model_entry_updated(self, seq: int) -> None:
        if seq == self._selected:
            self.detail.show_entry(self._timeline.entry(seq))

    def on_filter_rows_inserted(self) -> None:
        if not self.paused:
            self.table.scrollToBottom()

    def on_filter_model_reset(self) -> None:
        if self._selected is not None and self.filter.row_of(self._selected) is not None:
            self.select_seq(self._selected)
        elif not self.paused:
            self.table.scrollToBottom()

    def on_selection_current_row_changed(self, current: QModelIndex, _previous: object) -> None:
        if not current.isValid():
            return
        seq = self.filter.entry(current.row()).seq
        if seq != self._selected:
            self._show_selected(seq)
            self.entry_selected.emit(seq)

    def on_columns_context_menu_requested(self, position: QPoint) -> None:
        menu = QMenu(self)
        for column, title in enumerate(COLUMN_TITLES):
            action = menu.addAction(title)
            action.setCheckable(True)
            action.setChecked(not self.table.isColumnHidden(column))
            action.setEnabled(column != Column.NAME)  # something must stay to click on
            action.toggled.connect(
                lambda on, column=column: self.table.setColumnHidden(column, not on)
            )
        menu.popup(self.table.horizontalHeader().mapToGlobal(position))

    # -- internals -----------------------------------------------------------------------------

    def _anchor(self, seq: int) -> int | None:
        entry = self._timeline.entry(seq)
        return seq if entry.kind == "command" else entry.pairs

    def _show_selected(self, seq: int) -> None:
        self._selected = seq
        self.model.set_related(entry.seq for entry in self._timeline.related(seq))
        self.detail.show_entry(self._timeline.entry(seq))

    def _ask_path(self, kind: str) -> None:
        """A non-blocking save dialog; the export runs when a file is chosen."""
        title, pattern = (
            ("Export the visible rows as JSON Lines", "JSON Lines (*.jsonl)")
            if kind == "jsonl"
            else ("Export the visible rows as CSV", "CSV (*.csv)")
        )
        dialog = QFileDialog(self, title, str(Path.home() / f"timeline.{kind}"), pattern)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(kind)
        dialog.fileSelected.connect(lambda path: self._export_to(kind, path))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _export_to(self, kind: str, path: str) -> None:
        try:
            count = self.export_jsonl(path) if kind == "jsonl" else self.export_csv(path)
        except OSError as exc:
            self.status_message.emit(f"Could not export the timeline to {path}: {exc}", "error")
            return
        self.status_message.emit(f"Exported {count} timeline rows to {path}.", "info")
