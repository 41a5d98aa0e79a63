"""Editors for the query parameters of a builtin grammar, one per parameter kind.

``regex=`` gets a pattern field checked as the user types (the compile error is shown before
anything is sent) with strings the pattern accepts; ``alternatives=`` gets a keyword list whose
escaping is the protocol core's (``join_alternatives`` / ``split_alternatives``), so a keyword
such as ``allo-media`` is written ``allo\\-media`` on the wire without the user thinking of it.
Both speak raw wire values: :meth:`value` gives what follows ``name=`` (None to leave the
parameter out) and :meth:`set_value` takes it back.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.protocol.grammars import (
    GrammarError,
    GrammarParam,
    join_alternatives,
    regex_error,
    regex_examples,
    split_alternatives,
)
from workbench.ui.param_field import mark_invalid

__all__ = ["KeywordsEditor", "QueryParamEditor", "RegexEditor", "make_param_editor"]

_EXAMPLE_COUNT = 6
_ERROR_STYLE = "color: #d32f2f;"


class QueryParamEditor(QWidget):
    """Base of the query parameter editors: ``changed`` fires after every edit."""

    changed = Signal()

    def __init__(self, param: GrammarParam, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.param = param
        self.setToolTip(param.help)

    def value(self) -> str | None:
        """The raw wire value, or None to leave the parameter out."""
        raise NotImplementedError

    def set_value(self, raw: str | None) -> str | None:
        """Show the raw wire value ``raw`` (None: absent); return why it cannot be shown."""
        raise NotImplementedError


class RegexEditor(QueryParamEditor):
    """A ``regex=`` pattern with its live compile check and examples of accepted strings.

    Python ``re`` is the reference (the server's dialect is undocumented), as in the core.
    An empty field leaves an optional parameter out.
    """

    def __init__(self, param: GrammarParam, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.line_edit = QLineEdit(self)
        self.line_edit.setObjectName(f"query_{param.name}")
        self.line_edit.setPlaceholderText("optional" if not param.required else "required")
        self.line_edit.setClearButtonEnabled(True)
        self.error_label = QLabel(self)
        self.error_label.setStyleSheet(_ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.examples_label = QLabel(self)
        self.examples_label.setWordWrap(True)
        self.examples_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line_edit)
        layout.addWidget(self.error_label)
        layout.addWidget(self.examples_label)
        self.line_edit.textChanged.connect(self._on_line_edit_text_changed)
        self._on_line_edit_text_changed(self.line_edit.text())

    def value(self) -> str | None:
        """The pattern as typed; None when the field is empty and the parameter optional."""
        text = self.line_edit.text()
        return text if text or self.param.required else None

    def set_value(self, raw: str | None) -> str | None:
        """Show ``raw``; any text can be shown (a bad pattern is shown with its error)."""
        self.line_edit.setText(raw or "")
        return None

    def problem(self) -> str | None:
        """The compile error of the pattern, or None (an empty optional field is fine)."""
        value = self.value()
        if value is None:
            return None
        error = regex_error(value)
        return None if error is None else f"{self.param.name} '{value}' {error}"

    def examples(self) -> list[str]:
        """A few strings the pattern fully matches ([] when it is empty or invalid)."""
        value = self.value()
        if not value or self.problem() is not None:
            return []
        return regex_examples(value, _EXAMPLE_COUNT)

    def _on_line_edit_text_changed(self, _text: str) -> None:
        problem = self.problem()
        mark_invalid(self.line_edit, problem, self.param.help)
        self.error_label.setText(problem or "")
        self.error_label.setVisible(problem is not None)
        examples = self.examples()
        if examples:
            self.examples_label.setText("Accepts e.g.: " + "   ".join(examples))
        elif self.value() and problem is None:
            self.examples_label.setText("No examples: the pattern is beyond the example maker.")
        else:
            self.examples_label.setText("")
        self.examples_label.setVisible(bool(self.examples_label.text()))
        self.changed.emit()


class KeywordsEditor(QueryParamEditor):
    """An ``alternatives=`` keyword list: add (several at once with ``|``), edit, remove.

    The add field reads the wire syntax (``|`` separates, ``\\`` escapes), so pasting
    ``oui|non`` adds two keywords; the list holds plain keywords, escaped when joined.
    """

    def __init__(self, param: GrammarParam, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.list_widget = QListWidget(self)
        self.list_widget.setObjectName(f"query_{param.name}")
        self.list_widget.setToolTip("Double-click a keyword to edit it.")
        self.new_keyword_edit = QLineEdit(self)
        self.new_keyword_edit.setPlaceholderText("keyword, or several separated by |")
        self.add_button = QPushButton("Add", self)
        self.remove_button = QPushButton("Remove", self)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list_widget, 0, 0, 1, 3)
        layout.addWidget(self.new_keyword_edit, 1, 0)
        layout.addWidget(self.add_button, 1, 1)
        layout.addWidget(self.remove_button, 1, 2)
        self.new_keyword_edit.textChanged.connect(self._update_buttons)
        self.new_keyword_edit.returnPressed.connect(self.add_typed_keywords)
        self.add_button.clicked.connect(self.add_typed_keywords)
        self.remove_button.clicked.connect(self.remove_selected)
        self.list_widget.itemSelectionChanged.connect(self._update_buttons)
        self.list_widget.itemChanged.connect(self._on_list_widget_item_changed)
        self._update_buttons()

    def keywords(self) -> list[str]:
        """The keywords, unescaped, in order."""
        items = (self.list_widget.item(row) for row in range(self.list_widget.count()))
        return [item.text() for item in items]

    def set_keywords(self, keywords: list[str]) -> None:
        """Replace the list by ``keywords`` (empty ones are dropped)."""
        self.list_widget.blockSignals(True)
        self.list_widget.clear()
        for keyword in keywords:
            if keyword:
                self._append(keyword)
        self.list_widget.blockSignals(False)
        self._update_buttons()
        self.changed.emit()

    def value(self) -> str | None:
        """The escaped ``|``-joined keywords, or None when the list is empty."""
        keywords = self.keywords()
        return join_alternatives(keywords) if keywords else None

    def set_value(self, raw: str | None) -> str | None:
        """Show the keywords of ``raw``; a malformed list is not shown and its error returned."""
        if raw is None:
            self.set_keywords([])
            return None
        try:
            keywords = split_alternatives(raw)
        except GrammarError as error:
            return str(error)
        self.set_keywords(list(keywords))
        return None

    def add_typed_keywords(self) -> None:
        """Add the keywords typed in the add field and empty it."""
        keywords = self._typed_keywords()
        if isinstance(keywords, str):
            return
        self.set_keywords([*self.keywords(), *keywords])
        self.new_keyword_edit.clear()

    def remove_selected(self) -> None:
        """Remove the selected keywords."""
        for item in self.list_widget.selectedItems():
            self.list_widget.takeItem(self.list_widget.row(item))
        self._update_buttons()
        self.changed.emit()

    def _append(self, keyword: str) -> None:
        item = QListWidgetItem(keyword)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        self.list_widget.addItem(item)

    def _typed_keywords(self) -> list[str] | str:
        """The keywords of the add field, or why they cannot be added."""
        text = self.new_keyword_edit.text()
        if not text.strip():
            return "Type a keyword to add."
        try:
            keywords = list(split_alternatives(text))
        except GrammarError as error:
            return str(error)
        present = set(self.keywords())
        repeated = [k for k in keywords if k in present or keywords.count(k) > 1]
        if repeated:
            return f"'{repeated[0]}' is already in the list"
        return keywords

    def _update_buttons(self) -> None:
        typed = self._typed_keywords()
        problem = typed if isinstance(typed, str) else None
        self.add_button.setEnabled(problem is None)
        self.add_button.setToolTip(problem or "Add to the list (Enter)")
        shown = problem if problem and self.new_keyword_edit.text().strip() else None
        mark_invalid(self.new_keyword_edit, shown)
        self.remove_button.setEnabled(bool(self.list_widget.selectedItems()))

    def _on_list_widget_item_changed(self, item: QListWidgetItem) -> None:
        if not item.text():
            self.list_widget.takeItem(self.list_widget.row(item))  # emptied: removed
        self.changed.emit()


def make_param_editor(param: GrammarParam, parent: QWidget | None = None) -> QueryParamEditor:
    """The editor for ``param``'s kind."""
    if param.kind == "regex":
        return RegexEditor(param, parent)
    return KeywordsEditor(param, parent)
