"""One editor per protocol parameter, generated from its ``ParamSpec``, and what forms share.

Every value a field reports goes through ``ParamSpec.parse_text`` (the same reading the CLI's
``--param`` and the local server use), so the form can never disagree with the protocol core
about what is valid. Number boxes deliberately accept values outside the schema's range: those
ranges are our own guesses (the official limits are unknown, H2B.md §16) and a support engineer
may want to see what a server says to 700000 ms. Such a value is marked invalid with the core's
reason instead of being silently clamped, and the form refuses to hand it out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeGuard

from PySide6.QtCore import QLocale, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QWidget,
)

from workbench.protocol.params import ParamError, ParamKind, ParamSpec, ParamValue

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["InvalidParamsError", "ParamField", "ParamFieldsWidget", "mark_invalid", "value_text"]

_INT_LIMIT = 2**31 - 1  # QSpinBox holds a C int
_FLOAT_LIMIT = 1e9
_FLOAT_DECIMALS = 3
_INVALID_BORDER = "border: 1px solid #d32f2f; border-radius: 2px;"


class InvalidParamsError(ValueError):
    """Values were asked for while some field is invalid; ``problems`` maps name → reason."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = dict(problems)


def value_text(value: object) -> str:
    """A value as a user types it: JSON spelling for booleans, Python's for numbers."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def mark_invalid(widget: QWidget, problem: str | None, tooltip: str = "") -> None:
    """Show ``problem`` on ``widget``: a red border, the reason first in the tooltip.

    The dynamic property ``invalid`` lets a theme restyle invalid editors; the local style sheet
    is only set while invalid, so a valid editor keeps its native look.
    """
    invalid = problem is not None
    widget.setProperty("invalid", invalid)
    widget.setStyleSheet(f"{type(widget).__name__} {{ {_INVALID_BORDER} }}" if invalid else "")
    widget.setToolTip(f"{problem}\n\n{tooltip}".strip() if invalid else tooltip)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bounds(spec: ParamSpec, limit: float) -> tuple[float, float]:
    """The editor's range: non-negative when the schema says so, otherwise wide (see module)."""
    low = 0.0 if spec.minimum is not None and spec.minimum >= 0 else -limit
    return low, limit


class ParamField(QWidget):
    """The editor of one parameter (by kind), its range hint and a reset-to-default button.

    ``value`` is what ``spec.parse_text`` reads from the editor, or None when it refuses the
    text; ``problem`` is then the core's message. ``changed`` fires after every edit.
    """

    changed = Signal()

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._spec = spec
        self._value: ParamValue | None = spec.default
        self._problem: str | None = None
        default = value_text(spec.default) or "(empty)"
        self._tooltip = f"{spec.help}\nAllowed: {spec.describe()}\nDefault: {default}"
        self.editor = self._make_editor()
        self.editor.setObjectName(f"param_{spec.name}")
        self._connect_editor()
        self.reset_button = QToolButton(self)
        self.reset_button.setText("↺")
        self.reset_button.setToolTip(f"Reset {spec.name} to its default: {default}")
        self.reset_button.clicked.connect(self.reset)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.editor, 1)
        self.hint: QLabel | None = None
        if self._range_hint():
            self.hint = QLabel(self._range_hint(), self)
            self.hint.setToolTip(self._tooltip)
            layout.addWidget(self.hint)
        layout.addWidget(self.reset_button)
        self._on_edited()

    @property
    def spec(self) -> ParamSpec:
        """The schema entry this field edits."""
        return self._spec

    @property
    def name(self) -> str:
        """The parameter's wire name."""
        return self._spec.name

    @property
    def value(self) -> ParamValue | None:
        """The checked value, or None while the editor holds something the core refuses."""
        return self._value

    @property
    def problem(self) -> str | None:
        """Why the editor's content is refused, or None."""
        return self._problem

    @property
    def is_default(self) -> bool:
        """True when the field holds exactly the schema default."""
        value = self._value
        return (
            self._problem is None
            and type(value) is type(self._spec.default)
            and value == self._spec.default
        )

    def text(self) -> str:
        """The editor's content as text, the way ``parse_text`` reads it."""
        editor = self.editor
        if isinstance(editor, QSpinBox | QDoubleSpinBox):
            return editor.cleanText()
        if isinstance(editor, QCheckBox):
            return value_text(editor.isChecked())
        if isinstance(editor, QComboBox):
            return editor.currentText()
        assert isinstance(editor, QLineEdit)
        return editor.text()

    def set_value(self, value: object) -> str | None:
        """Show ``value`` in the editor; return why it cannot be shown, or None.

        A string for a non-string parameter is read with ``parse_text`` (a server may write
        numbers as text). A value of the right type but outside the schema's range is shown and
        marked invalid; one the editor cannot hold at all (wrong type, unknown choice, beyond
        the editor's range) leaves the editor unchanged and is reported to the caller.
        """
        spec = self._spec
        if isinstance(value, str) and spec.kind is not ParamKind.STRING:
            try:
                value = spec.parse_text(value)
            except ParamError as error:
                return error.message
        cannot = spec.validate(value) or f"{spec.name}={value!r} cannot be shown"
        editor = self.editor
        if isinstance(editor, QCheckBox):
            if not isinstance(value, bool):
                return cannot
            editor.setChecked(value)
        elif isinstance(editor, QComboBox):
            if not isinstance(value, str) or editor.findText(value) < 0:
                return cannot
            editor.setCurrentIndex(editor.findText(value))
        elif isinstance(editor, QLineEdit):
            if not isinstance(value, str):
                return cannot
            editor.setText(value)
        elif isinstance(editor, QSpinBox):
            if not _is_int(value) or not editor.minimum() <= value <= editor.maximum():
                return cannot
            editor.setValue(value)
        elif isinstance(editor, QDoubleSpinBox):
            if not _is_number(value) or not editor.minimum() <= value <= editor.maximum():
                return cannot  # NaN fails the comparison as well
            editor.setValue(float(value))
        self._on_edited()
        return None

    def reset(self) -> None:
        """Put the schema default back."""
        self.set_value(self._spec.default)

    # --- building -----------------------------------------------------------------------------

    def _make_editor(self) -> QWidget:
        spec = self._spec
        match spec.kind:
            case ParamKind.INT:
                spin = QSpinBox(self)
                low, high = _bounds(spec, _INT_LIMIT)
                spin.setRange(int(low), int(high))
                spin.setSingleStep(100 if spec.unit == "ms" else 1)
                self._setup_number(spin)
                spin.setValue(int(spec.default))
                return spin
            case ParamKind.FLOAT:
                double = QDoubleSpinBox(self)
                double.setDecimals(_FLOAT_DECIMALS)
                double.setRange(*_bounds(spec, _FLOAT_LIMIT))
                if spec.minimum is not None and spec.maximum is not None:
                    double.setSingleStep((spec.maximum - spec.minimum) / 20)
                self._setup_number(double)
                double.setValue(float(spec.default))
                return double
            case ParamKind.BOOL:
                box = QCheckBox(self)
                box.setChecked(bool(spec.default))
                return box
            case ParamKind.CHOICE:
                combo = QComboBox(self)
                combo.addItems(list(spec.choices))
                combo.setCurrentText(str(spec.default))
                return combo
            case ParamKind.STRING:
                line = QLineEdit(str(spec.default), self)
                line.setPlaceholderText(f"default: {spec.default}" if spec.default else "empty")
                line.setClearButtonEnabled(True)
                return line

    def _setup_number(self, box: QSpinBox | QDoubleSpinBox) -> None:
        # The C locale writes what parse_text reads ("0.5", never "0,5" or "5 000").
        box.setLocale(QLocale.c())
        box.setGroupSeparatorShown(False)
        box.setAccelerated(True)
        if self._spec.unit:
            box.setSuffix(f" {self._spec.unit}")

    def _connect_editor(self) -> None:
        editor = self.editor
        if isinstance(editor, QCheckBox):
            editor.toggled.connect(self._on_edited)
        elif isinstance(editor, QComboBox):
            editor.currentIndexChanged.connect(self._on_edited)
        elif isinstance(editor, QSpinBox | QDoubleSpinBox):
            # The box's own textChanged skips text it cannot read (empty, "-"); its line edit's
            # does not, and such text must be marked too.
            editor.lineEdit().textChanged.connect(self._on_edited)
        elif isinstance(editor, QLineEdit):
            editor.textChanged.connect(self._on_edited)

    def _range_hint(self) -> str:
        spec = self._spec
        if spec.kind not in (ParamKind.INT, ParamKind.FLOAT) or spec.maximum is None:
            return ""
        low = "" if spec.minimum is None else value_text(spec.minimum)
        return f"{low}–{value_text(spec.maximum)}"

    def _on_edited(self) -> None:
        try:
            self._value, self._problem = self._spec.parse_text(self.text()), None
        except ParamError as error:
            self._value, self._problem = None, error.message
        mark_invalid(self.editor, self._problem, self._tooltip)
        self.reset_button.setEnabled(not self.is_default)
        self.changed.emit()


class ParamFieldsWidget(QWidget):
    """What the session form and the RECOGNIZE overrides share: fields, problems and validity.

    ``validity_changed(bool)`` fires only when the form flips between valid and invalid, so a
    send button can follow it; ``values_changed`` fires after every edit.
    """

    validity_changed = Signal(bool)
    values_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fields: dict[str, ParamField] = {}
        self._valid = True
        self.problems_label = QLabel(self)
        self.problems_label.setObjectName("problems")
        self.problems_label.setWordWrap(True)
        self.problems_label.setStyleSheet("color: #d32f2f;")
        self.problems_label.hide()

    def field(self, name: str) -> ParamField:
        """The field of parameter ``name``; KeyError when this form has none."""
        return self._fields[name]

    def fields(self) -> tuple[ParamField, ...]:
        """Every field, in display order."""
        return tuple(self._fields.values())

    def problems(self) -> dict[str, str]:
        """Parameter name → the core's reason, for every field holding a refused value."""
        return {name: f.problem for name, f in self._fields.items() if f.problem is not None}

    @property
    def valid(self) -> bool:
        """True when every field holds a value the protocol core accepts."""
        return not self.problems()

    def _checked_values(self, names: list[str]) -> dict[str, ParamValue]:
        problems = self.problems()
        if problems:
            raise InvalidParamsError(problems)
        values: dict[str, ParamValue] = {}
        for name in names:
            value = self._fields[name].value
            assert value is not None  # no problems: every field holds a value
            values[name] = value
        return values

    def _adopt(self, field: ParamField) -> None:
        self._fields[field.name] = field
        field.changed.connect(self._on_field_changed)

    def _forget(self, name: str) -> None:
        self._fields.pop(name).changed.disconnect(self._on_field_changed)

    def _on_field_changed(self) -> None:
        problems = self.problems()
        self.problems_label.setText("\n".join(problems.values()))
        self.problems_label.setVisible(bool(problems))
        self._fields_changed()
        self.values_changed.emit()
        if self._valid != (not problems):
            self._valid = not problems
            self.validity_changed.emit(self._valid)

    def _fields_changed(self) -> None:
        """Hook for subclasses: called after any field changed, before the signals."""
