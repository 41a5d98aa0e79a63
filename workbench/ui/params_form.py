"""The session parameters form, generated from the protocol's parameter schema.

One row per ``ParamSpec`` of the scope (SET-PARAMS by default), in the schema's order, so a new
parameter in ``workbench.protocol.params`` appears here without touching the UI. The form sends
nothing: the window asks :meth:`ParamsForm.values` for a SET-PARAMS and passes the headers of a
DEFAULT-PARAMS reply to :meth:`ParamsForm.set_values`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.protocol.params import ParamScope, ParamValue, specs_for_scope
from workbench.ui.param_field import ParamField, ParamFieldsWidget, value_text

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["ParamsForm"]


class ParamsForm(ParamFieldsWidget):
    """Every parameter of ``scope`` with an editor by kind, its range, default and help.

    Signals (from :class:`ParamFieldsWidget`): ``validity_changed(bool)`` when the form flips
    between valid and invalid, ``values_changed()`` after any edit. Changed parameters have a
    bold label; "Show changed only" hides the rest. Values the reply of GET-PARAMS carries for
    names the schema does not know are listed read-only under "Other parameters from the server".
    """

    def __init__(
        self, scope: ParamScope = ParamScope.SET_PARAMS, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._scope = scope
        self._labels: dict[str, QLabel] = {}
        self._other: dict[str, tuple[object, str]] = {}

        self.changed_only_box = QCheckBox("Show changed only", self)
        self.changed_only_box.setToolTip("Hide the parameters that hold their default value.")
        self.changed_only_box.toggled.connect(self._apply_filter)
        self.reset_all_button = QPushButton("Reset all", self)
        self.reset_all_button.setToolTip("Put every parameter back to its default.")
        self.reset_all_button.clicked.connect(self.reset_all)
        self.summary_label = QLabel(self)
        self.summary_label.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.changed_only_box)
        top.addStretch(1)
        top.addWidget(self.reset_all_button)

        self._form = QFormLayout()
        for spec in specs_for_scope(scope):
            field = ParamField(spec, self)
            label = QLabel(spec.name, self)
            label.setToolTip(spec.help)
            label.setBuddy(field.editor)
            self._labels[spec.name] = label
            self._form.addRow(label, field)
            self._adopt(field)

        self.other_table = QTableWidget(0, 3, self)
        self.other_table.setHorizontalHeaderLabels(["Name", "Value", "Note"])
        self.other_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.other_table.verticalHeader().hide()
        self.other_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.other_table.horizontalHeader().setStretchLastSection(True)
        self.other_box = QGroupBox("Other parameters from the server", self)
        self.other_box.setToolTip(
            "Names or values the server reported that this form cannot show; they are not sent."
        )
        QVBoxLayout(self.other_box).addWidget(self.other_table)
        self.other_box.hide()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(self._form)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.other_box)
        layout.addStretch(1)
        self._fields_changed()

    @property
    def scope(self) -> ParamScope:
        """The scope whose parameters this form edits."""
        return self._scope

    def label(self, name: str) -> QLabel:
        """The label of parameter ``name`` (bold while its value is not the default)."""
        return self._labels[name]

    def changed_names(self) -> tuple[str, ...]:
        """The parameters whose value differs from the default (invalid ones included)."""
        return tuple(name for name, field in self._fields.items() if not field.is_default)

    def values(self, *, changed_only: bool = True) -> dict[str, ParamValue]:
        """The headers to send: only the changed parameters, or all of them.

        Raises :class:`~workbench.ui.param_field.InvalidParamsError` while any field is invalid,
        so a refused value can never leave the form.
        """
        names = self.changed_names() if changed_only else tuple(self._fields)
        return self._checked_values(list(names))

    def set_values(self, values: Mapping[str, object]) -> dict[str, str]:
        """Fill the form from ``values`` (the headers of DEFAULT-PARAMS); return what was left out.

        Known parameters are shown even when their value is out of range (then marked invalid);
        unknown names, parameters of another scope and values no editor can hold are listed in
        the read-only "other parameters" table, which this call replaces. Parameters missing
        from ``values`` keep their current value. The result maps each left-out name to why.
        """
        other: dict[str, tuple[object, str]] = {}
        for name, value in values.items():
            field = self._fields.get(name)
            if field is None:
                other[name] = (value, f"not a {self._scope.label} parameter of this workbench")
                continue
            problem = field.set_value(value)
            if problem is not None:
                other[name] = (value, problem)
        self._show_other(other)
        self._apply_filter()
        return {name: note for name, (_, note) in other.items()}

    def other_values(self) -> dict[str, object]:
        """The values listed under "Other parameters from the server", by name."""
        return {name: value for name, (value, _) in self._other.items()}

    def reset_all(self) -> None:
        """Put every parameter back to its default."""
        for field in self._fields.values():
            field.reset()
        self._apply_filter()

    def is_row_shown(self, name: str) -> bool:
        """Whether the row of ``name`` is shown (not filtered out by "Show changed only")."""
        return self._form.isRowVisible(self._fields[name])

    def _show_other(self, other: dict[str, tuple[object, str]]) -> None:
        self._other = other
        self.other_table.setRowCount(len(other))
        for row, (name, (value, note)) in enumerate(other.items()):
            for column, text in enumerate((name, value_text(value), note)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.other_table.setItem(row, column, item)
        self.other_box.setVisible(bool(other))

    def _apply_filter(self) -> None:
        # Filtering only when asked (toggle, reset, reply) keeps a row from vanishing while the
        # user edits it back to its default.
        only_changed = self.changed_only_box.isChecked()
        for field in self._fields.values():
            self._form.setRowVisible(field, not only_changed or not field.is_default)

    def _fields_changed(self) -> None:
        changed = self.changed_names()
        for name, label in self._labels.items():
            font = label.font()
            font.setBold(name in changed)
            label.setFont(font)
        self.summary_label.setText(
            f"Changed from the defaults: {', '.join(changed)}"
            if changed
            else "Every parameter holds its default."
        )
