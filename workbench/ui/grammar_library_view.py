"""The grammar preset library as a list: shipped presets marked, user presets saved and deleted.

The view edits a :class:`~workbench.session.grammar_library.GrammarLibrary` (plain Python) and
emits ``library_changed(json)`` after each change so the window can persist the user presets;
it writes no file itself. What to save comes from the grammar editor through
:meth:`GrammarLibraryView.set_current`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from workbench.session.grammar_library import GrammarLibrary, GrammarPreset, PresetError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["GrammarLibraryView"]

_COLUMNS = ("Name", "Origin", "Alias", "URI")
_NAME_ROLE = Qt.ItemDataRole.UserRole


class GrammarLibraryView(QWidget):
    """Presets with their origin (shipped, read-only / saved); load, save, rename, delete.

    Signals: ``load_requested(GrammarPreset)`` (double-click or Load), ``library_changed(str)``
    with :meth:`GrammarLibrary.to_json` after every change.
    """

    load_requested = Signal(object)
    library_changed = Signal(str)

    def __init__(self, library: GrammarLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._library = library
        self._current: tuple[str, str | None] | None = None
        self._current_problem = "There is no grammar to save yet."

        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(len(_COLUMNS))
        self.tree.setHeaderLabels(list(_COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for column in range(len(_COLUMNS) - 1):  # the URI column takes the rest
            self.tree.header().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText("preset name")
        self.description_edit = QLineEdit(self)
        self.description_edit.setPlaceholderText("what it is for (optional)")
        self.load_button = QPushButton("Load", self)
        self.save_button = QPushButton("Save current", self)
        self.rename_button = QPushButton("Rename", self)
        self.delete_button = QPushButton("Delete", self)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)

        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree, 0, 0, 1, 4)
        layout.addWidget(self.name_edit, 1, 0, 1, 2)
        layout.addWidget(self.description_edit, 1, 2, 1, 2)
        for column, button in enumerate(
            (self.load_button, self.save_button, self.rename_button, self.delete_button)
        ):
            layout.addWidget(button, 2, column)
        layout.addWidget(self.status_label, 3, 0, 1, 4)

        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.itemActivated.connect(lambda *_: self.load_selected())
        self.name_edit.textChanged.connect(self._update_buttons)
        self.load_button.clicked.connect(self.load_selected)
        self.save_button.clicked.connect(self.save_current)
        self.rename_button.clicked.connect(self.rename_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self._refill()

    @property
    def library(self) -> GrammarLibrary:
        """The library this view edits."""
        return self._library

    def names(self) -> list[str]:
        """The preset names in display order."""
        return [item.text(0) for item in self._items()]

    def select(self, name: str) -> None:
        """Select the preset called ``name`` (KeyError when there is none)."""
        for item in self._items():
            if item.data(0, _NAME_ROLE) == name:
                self.tree.setCurrentItem(item)
                return
        raise KeyError(name)

    def selected(self) -> GrammarPreset | None:
        """The selected preset, or None."""
        item = self.tree.currentItem()
        if item is None or not item.isSelected():
            return None
        return self._library.get(str(item.data(0, _NAME_ROLE)))

    def set_current(self, uri: str, alias: str | None, problem: str | None) -> None:
        """What "Save current" saves: the editor's URI and alias, or why it cannot be saved."""
        self._current = (uri, alias) if problem is None else None
        self._current_problem = problem or ""
        self._update_buttons()

    def load_selected(self) -> None:
        """Ask for the selected preset to be loaded into the editor."""
        preset = self.selected()
        if preset is not None:
            self.load_requested.emit(preset)
            self._say(f"Loaded '{preset.name}'. {preset.description}".strip())

    def save_current(self) -> None:
        """Save the editor's grammar under the typed name (replacing a user preset of that name)."""
        if self._current is None:
            return
        uri, alias = self._current
        preset = GrammarPreset(self.name_edit.text().strip(), uri, alias, self._description())
        self._change(lambda: self._library.add(preset, replace_existing=True), "Saved")

    def rename_selected(self) -> None:
        """Give the selected user preset the typed name."""
        preset = self.selected()
        if preset is not None:
            new_name = self.name_edit.text().strip()
            self._change(lambda: self._library.rename(preset.name, new_name), "Renamed")

    def delete_selected(self) -> None:
        """Delete the selected user preset."""
        preset = self.selected()
        if preset is not None:
            self._change(lambda: self._library.remove(preset.name), "Deleted", select=False)

    def _items(self) -> list[QTreeWidgetItem]:
        items = (self.tree.topLevelItem(row) for row in range(self.tree.topLevelItemCount()))
        return [item for item in items if item is not None]

    def _description(self) -> str:
        return self.description_edit.text().strip()

    def _change(
        self, action: Callable[[], GrammarPreset], verb: str, *, select: bool = True
    ) -> None:
        try:
            preset = action()
        except PresetError as error:
            self._say(str(error), error=True)
            return
        self._refill()
        if select:
            self.select(preset.name)
        self._say(f"{verb} '{preset.name}'.")
        self.library_changed.emit(self._library.to_json())

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet("color: #d32f2f;" if error else "")

    def _refill(self) -> None:
        self.tree.clear()
        for preset in self._library:
            origin = "shipped" if preset.shipped else "saved"
            item = QTreeWidgetItem([preset.name, origin, preset.alias or "", preset.uri])
            item.setData(0, _NAME_ROLE, preset.name)
            problems = preset.problems()
            tip = preset.description or preset.uri
            if preset.shipped:
                tip += "\nShips with the workbench: read-only (save a copy to change it)."
                font = item.font(0)
                font.setItalic(True)
                for column in range(len(_COLUMNS)):
                    item.setFont(column, font)
            if problems:
                tip = "Problems: " + "; ".join(problems) + "\n" + tip
                item.setForeground(0, QBrush(QColor("#d32f2f")))
            for column in range(len(_COLUMNS)):
                item.setToolTip(column, tip)
            self.tree.addTopLevelItem(item)
        self._update_buttons()

    def _update_buttons(self) -> None:
        preset = self.selected()
        name = self.name_edit.text().strip()
        self.load_button.setEnabled(preset is not None)
        self.save_button.setEnabled(self._current is not None and bool(name))
        self.save_button.setToolTip(
            self._current_problem
            or ("Type a name for the preset." if not name else f"Save the grammar as '{name}'.")
        )
        read_only = "Shipped presets are read-only."
        user = preset is not None and not preset.shipped
        self.delete_button.setEnabled(user)
        self.delete_button.setToolTip(
            read_only if preset is not None and preset.shipped else "Delete the selected preset."
        )
        self.rename_button.setEnabled(user and bool(name))
        self.rename_button.setToolTip(
            read_only
            if preset is not None and preset.shipped
            else "Rename the selected preset to the typed name."
        )
