"""The timeline view's toolbar: filters, search, pause, clear, export, and the row count.

The filter controls act on the :class:`~workbench.ui.timeline_filter.TimelineFilter` directly
and follow its ``criteria_changed`` signal, so the buttons say what is filtered whoever set it
(a test, a future saved layout). Pause, Clear and Export are only buttons and actions here: the
:class:`~workbench.ui.timeline_view.TimelineView` connects them to what they do.

* Kinds: a checkable menu, every kind ticked by default (all ticked = no kind filter).
* Names: a checkable menu of the names seen so far, rebuilt when it opens; none ticked = all.
* Search: the filter runs :data:`SEARCH_DEBOUNCE_MS` after the last keystroke (or on Enter),
  since a search over 100 000 entries takes a noticeable fraction of a second.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QMenu, QToolButton, QWidget

from workbench.session.entries import KINDS
from workbench.ui.timeline_filter import TimelineFilter
from workbench.ui.timeline_model import TimelineModel

__all__ = ["CLEAR_TIP", "SEARCH_DEBOUNCE_MS", "TimelineToolbar"]

SEARCH_DEBOUNCE_MS: Final = 250
CLEAR_TIP: Final = (
    "Hide the rows shown so far: the view starts again from the next entry.\n"
    "The timeline itself is not cleared: it is the session's record, and its pairing, "
    "latencies, exports and bundles still hold every entry ('Show all entries again')."
)


def _menu_button(parent: QWidget, tip: str) -> QToolButton:
    button = QToolButton(parent)
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    button.setToolTip(tip)
    return button


class TimelineToolbar(QWidget):
    """The controls above the timeline table (see the module docstring)."""

    def __init__(
        self, model: TimelineModel, rows: TimelineFilter, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._filter = rows
        self._build_filters()
        self._build_actions()
        self.count_label = QLabel(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.kinds_button)
        layout.addWidget(self.names_button)
        layout.addWidget(self.search_edit, 1)
        for button in (self.pause_button, self.clear_button, self.export_button):
            layout.addWidget(button)
        layout.addWidget(self.count_label)
        rows.criteria_changed.connect(self.on_filter_criteria_changed)
        rows.rowsInserted.connect(self.show_count)
        rows.modelReset.connect(self.show_count)
        self.on_filter_criteria_changed()
        self.show_count()

    def _build_filters(self) -> None:
        self.kinds_button = _menu_button(self, "Show only some kinds of entries")
        kinds_menu = QMenu(self.kinds_button)
        self.all_kinds_action = kinds_menu.addAction("All kinds")
        self.all_kinds_action.triggered.connect(self.on_all_kinds_action_triggered)
        kinds_menu.addSeparator()
        self.kind_actions: dict[str, QAction] = {}
        for kind in KINDS:
            action = kinds_menu.addAction(kind)
            action.setCheckable(True)
            action.setChecked(True)
            action.toggled.connect(self.on_kind_action_toggled)
            self.kind_actions[kind] = action
        self.kinds_button.setMenu(kinds_menu)

        self.names_button = _menu_button(
            self, "Show only some command and event names (none ticked: all)"
        )
        self.names_menu = QMenu(self.names_button)
        self.names_menu.aboutToShow.connect(self.refresh_names_menu)
        self.names_button.setMenu(self.names_menu)
        self.refresh_names_menu()

        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText("Search names, summaries, raw frames…")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName("Search the timeline")
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search_edit.textChanged.connect(self._search_timer.start)
        self.search_edit.returnPressed.connect(self.apply_search)

    def _build_actions(self) -> None:
        self.pause_button = QToolButton(self)
        self.pause_button.setText("Pause scrolling")
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip(
            "Keep the table where it is while new rows arrive (off: follow the newest row)"
        )
        self.clear_button = QToolButton(self)
        self.clear_button.setText("Clear")
        self.clear_button.setToolTip(CLEAR_TIP)
        self.clear_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        clear_menu = QMenu(self.clear_button)
        self.show_all_action = clear_menu.addAction("Show all entries again")
        self.clear_button.setMenu(clear_menu)
        self.export_button = _menu_button(self, "Write the visible rows, in order, to a file")
        self.export_button.setText("Export")
        export_menu = QMenu(self.export_button)
        self.export_jsonl_action = export_menu.addAction("Visible rows as JSON Lines…")
        self.export_csv_action = export_menu.addAction("Visible rows as CSV…")
        self.export_button.setMenu(export_menu)

    # -- names ---------------------------------------------------------------------------------

    def refresh_names_menu(self) -> None:
        """Offer every name seen so far (the menu is rebuilt each time it opens)."""
        menu, chosen = self.names_menu, self._filter.criteria.names
        menu.clear()
        self.all_names_action = menu.addAction("All names")
        self.all_names_action.setCheckable(True)
        self.all_names_action.setChecked(chosen is None)
        self.all_names_action.triggered.connect(lambda: self.set_names(None))
        menu.addSeparator()
        for name in sorted(self._model.names | (chosen or frozenset())):
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(chosen is not None and name in chosen)
            action.toggled.connect(lambda on, name=name: self._toggle_name(name, on))

    def name_actions(self) -> dict[str, QAction]:
        """The names menu's entries, by name (rebuilt first, as when it opens)."""
        self.refresh_names_menu()
        actions = self.names_menu.actions()
        return {a.text(): a for a in actions if a.isCheckable() and a is not self.all_names_action}

    def set_names(self, names: set[str] | frozenset[str] | None) -> None:
        """Show only entries with these names (None or empty: every name)."""
        self._filter.set_names(names or None)

    def _toggle_name(self, name: str, on: bool) -> None:
        names = set(self._filter.criteria.names or ())
        if on:
            names.add(name)
        else:
            names.discard(name)
        self.set_names(names)

    # -- slots ---------------------------------------------------------------------------------

    def apply_search(self) -> None:
        """Filter on the search box's text now (the box waits for a pause in typing)."""
        self._search_timer.stop()
        self._filter.set_text(self.search_edit.text())

    def on_kind_action_toggled(self, _checked: bool) -> None:
        kinds = {kind for kind, action in self.kind_actions.items() if action.isChecked()}
        self._filter.set_kinds(None if len(kinds) == len(self.kind_actions) else kinds)

    def on_all_kinds_action_triggered(self) -> None:
        self._filter.set_kinds(None)

    def on_filter_criteria_changed(self) -> None:
        """Whoever changed the filter, the buttons say what it is."""
        kinds, names = self._filter.criteria.kinds, self._filter.criteria.names
        for kind, action in self.kind_actions.items():
            action.blockSignals(True)
            action.setChecked(kinds is None or kind in kinds)
            action.blockSignals(False)
        self.kinds_button.setText(
            "Kinds: all" if kinds is None else f"Kinds: {len(kinds)} of {len(KINDS)}"
        )
        self.names_button.setText("Names: all" if names is None else f"Names: {len(names)}")

    def show_count(self) -> None:
        """``12 of 40 rows (cleared: from #30)``."""
        shown, total = self._filter.rowCount(), self._model.rowCount()
        text = f"{shown} rows" if shown == total else f"{shown} of {total} rows"
        if self._model.first_seq:
            text += f" (cleared: from #{self._model.first_seq})"
        self.count_label.setText(text)

    def shutdown(self) -> None:
        self._search_timer.stop()
