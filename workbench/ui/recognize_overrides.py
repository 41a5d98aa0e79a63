"""Per-RECOGNIZE parameter overrides: a compact list the user adds rows to.

A RECOGNIZE usually overrides one or two session parameters (a longer ``no_input_timeout`` for
a spelled number, ``hotword`` mode for a wake word), so unlike the session form this one starts
empty and grows through a "+ override" picker. An override equal to the schema default is still
sent: the session default it overrides may differ.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.protocol.params import ParamScope, ParamValue, specs_for_scope
from workbench.ui.param_field import ParamField, ParamFieldsWidget

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = ["RecognizeOverrides"]

_PICK = "+ override…"


class RecognizeOverrides(ParamFieldsWidget):
    """The parameters this RECOGNIZE overrides; rows are added from a picker and removed again.

    ``exclude`` names parameters the window sets elsewhere; ``content_type`` is excluded by
    default because it has a single allowed value. Signals as :class:`ParamFieldsWidget`.
    """

    def __init__(
        self,
        scope: ParamScope = ParamScope.RECOGNIZE,
        *,
        exclude: Iterable[str] = ("content_type",),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        excluded = set(exclude)
        self._specs = {s.name: s for s in specs_for_scope(scope) if s.name not in excluded}
        self._rows: dict[str, QWidget] = {}

        self.picker = QComboBox(self)
        self.picker.setToolTip("Add a parameter that applies to this recognition only.")
        self.picker.currentIndexChanged.connect(self._on_picker_current_index_changed)
        self.empty_label = QLabel("No overrides: the session parameters apply.", self)
        self._form = QFormLayout()
        layout = QVBoxLayout(self)
        layout.addWidget(self.picker)
        layout.addWidget(self.empty_label)
        layout.addLayout(self._form)
        layout.addWidget(self.problems_label)
        self._refill_picker()

    def available(self) -> tuple[str, ...]:
        """The parameters that can still be added, in schema order."""
        return tuple(name for name in self._specs if name not in self._rows)

    def overrides(self) -> tuple[str, ...]:
        """The overridden parameters, in the order they were added."""
        return tuple(self._rows)

    def add_override(self, name: str, value: object = None) -> ParamField:
        """Add a row for ``name`` (default value unless ``value`` is given) and return its field.

        Raises KeyError for a name that cannot be overridden here. Adding a name twice returns
        the existing field, with ``value`` applied.
        """
        if name not in self._specs:
            raise KeyError(f"{name} cannot be overridden in RECOGNIZE here")
        if name not in self._rows:
            field = ParamField(self._specs[name], self)
            remove = QToolButton(self)
            remove.setText("✕")
            remove.setToolTip(f"Stop overriding {name}")
            remove.clicked.connect(lambda: self.remove_override(name))
            row = QWidget(self)
            row_layout = QHBoxLayout(row)
            row_layout.setContentsMargins(0, 0, 0, 0)
            row_layout.addWidget(field, 1)
            row_layout.addWidget(remove)
            label = QLabel(name, self)
            label.setToolTip(self._specs[name].help)
            label.setBuddy(field.editor)
            self._form.addRow(label, row)
            label.show()  # added to a visible parent: show explicitly, not later from the loop
            row.show()
            self._rows[name] = row
            self._adopt(field)
            self._refill_picker()
        field = self._fields[name]
        if value is not None:
            field.set_value(value)
        self._on_field_changed()
        return field

    def remove_override(self, name: str) -> None:
        """Drop the row of ``name``; nothing happens when it is not overridden."""
        row = self._rows.pop(name, None)
        if row is None:
            return
        self._forget(name)
        self._form.removeRow(row)  # deletes the label, the field and its button
        self._refill_picker()
        self._on_field_changed()

    def clear(self) -> None:
        """Remove every override."""
        for name in list(self._rows):
            self.remove_override(name)

    def values(self) -> dict[str, ParamValue]:
        """Every override, to be merged into the RECOGNIZE headers.

        Raises :class:`~workbench.ui.param_field.InvalidParamsError` while any row is invalid.
        """
        return self._checked_values(list(self._rows))

    def set_values(self, values: Mapping[str, object]) -> dict[str, str]:
        """Replace the overrides by ``values``; return the names left out and why."""
        self.clear()
        refused: dict[str, str] = {}
        for name, value in values.items():
            if name not in self._specs:
                refused[name] = f"{name} cannot be overridden in RECOGNIZE here"
                continue
            problem = self.add_override(name).set_value(value)
            if problem is not None:
                self.remove_override(name)
                refused[name] = problem
        return refused

    def _refill_picker(self) -> None:
        with QSignalBlocker(self.picker):
            self.picker.clear()
            self.picker.addItem(_PICK)
            for name in self.available():
                self.picker.addItem(name)
                self.picker.setItemData(
                    self.picker.count() - 1, self._specs[name].help, Qt.ItemDataRole.ToolTipRole
                )
            self.picker.setCurrentIndex(0)
        self.picker.setEnabled(bool(self.available()))
        self.empty_label.setVisible(not self._rows)

    def _on_picker_current_index_changed(self, index: int) -> None:
        if index > 0:
            self.add_override(self.picker.itemText(index))
