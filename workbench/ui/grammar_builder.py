"""The structured half of the grammar editor: a builtin from the catalogue and its parameters.

The catalogue (``workbench.protocol.grammar_catalogue``) is the only source of what is listed
and which parameters each grammar takes. The builder turns its state into wire text through
``GrammarUri``; :meth:`GrammarBuilder.load` goes the other way for a URI typed raw, and says
why when the builder cannot show it (a session alias, an unknown path or parameter), in which
case the raw text stays the only truth and the picker shows "Custom URI".
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from workbench.protocol.grammars import (
    BUILTIN_GRAMMARS,
    BuiltinGrammar,
    GrammarError,
    GrammarUri,
    builtin_grammar,
)
from workbench.ui.grammar_param_editors import QueryParamEditor, make_param_editor

__all__ = ["GrammarBuilder"]

CUSTOM = "Custom URI (edit the raw text below)"


def _describe(grammar: BuiltinGrammar) -> str:
    lines = [grammar.help, f"nlu.value: {grammar.value}"]
    if grammar.alias_of:
        lines.append(f"Another name for builtin:{grammar.alias_of}.")
    if grammar.always_matches:
        lines.append("Matches any speech: listing other grammars next to it is pointless.")
    return "\n".join(lines)


class GrammarBuilder(QWidget):
    """A catalogue picker, the selected grammar's description and one editor per parameter.

    ``changed`` fires when the user picks a grammar or edits a parameter (also while
    :meth:`load` fills the editors; the owner tells the two apart).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._editors: dict[str, QueryParamEditor] = {}
        self.picker = QComboBox(self)
        self.picker.setObjectName("builtin_picker")
        self.picker.addItem(CUSTOM, None)
        for grammar in BUILTIN_GRAMMARS.values():
            self.picker.addItem(f"{grammar.title} — {grammar.path}", grammar.path)
            index = self.picker.count() - 1
            self.picker.setItemData(index, _describe(grammar), Qt.ItemDataRole.ToolTipRole)
        self.description_label = QLabel(self)
        self.description_label.setWordWrap(True)
        self.note_label = QLabel(self)
        self.note_label.setWordWrap(True)
        self.note_label.hide()
        self._params_box = QWidget(self)
        self._params_form = QFormLayout(self._params_box)
        self._params_form.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.picker)
        layout.addWidget(self.description_label)
        layout.addWidget(self._params_box)
        layout.addWidget(self.note_label)
        self.picker.currentIndexChanged.connect(self._on_picker_current_index_changed)
        self._rebuild(None)

    def path(self) -> str | None:
        """The selected builtin path, or None for "Custom URI"."""
        data = self.picker.currentData()
        return data if isinstance(data, str) else None

    def editor(self, name: str) -> QueryParamEditor:
        """The editor of query parameter ``name`` of the selected grammar (KeyError if none)."""
        return self._editors[name]

    def editors(self) -> dict[str, QueryParamEditor]:
        """The selected grammar's parameter editors by name, in catalogue order."""
        return dict(self._editors)

    def select(self, path: str | None) -> None:
        """Select the builtin ``path`` (None: "Custom URI") as if the user picked it."""
        index = self.picker.findData(path) if path is not None else 0
        if index < 0:
            raise KeyError(f"builtin:{path} is not in the catalogue")
        self.picker.setCurrentIndex(index)

    def uri_text(self) -> str | None:
        """The wire text of the builder's grammar, or None for "Custom URI".

        Parameters whose editor is empty are left out. Text the core would not even parse
        (a regex holding ``&name=``) is still written out, so the raw field can show the error.
        """
        path = self.path()
        if path is None:
            return None
        query = [(name, v) for name, e in self._editors.items() if (v := e.value()) is not None]
        try:
            return GrammarUri("builtin", path, tuple(query)).text
        except GrammarError:
            pairs = "&".join(f"{name}={value}" for name, value in query)
            return f"builtin:{path}?{pairs}" if pairs else f"builtin:{path}"

    def load(self, uri: GrammarUri | None, why_not: str = "") -> str | None:
        """Show ``uri`` in the structured editors; return why it cannot be shown, or None.

        ``uri`` None (raw text that does not parse) selects "Custom URI" with ``why_not`` as
        the note; with no ``why_not`` either (nothing typed yet) no note is shown.
        """
        reason: str | None = why_not
        grammar = None
        if uri is not None:
            reason = self._why_not_shown(uri)
            grammar = builtin_grammar(uri.path) if reason is None else None
        if grammar is not None and uri is not None:
            if self.path() != grammar.path:
                with QSignalBlocker(self.picker):
                    self.picker.setCurrentIndex(self.picker.findData(grammar.path))
                self._rebuild(grammar)
            for name, editor in self._editors.items():
                problem = editor.set_value(uri.param(name))
                if problem is not None:
                    reason = problem
                    break
            else:
                self._show_note(None)
                return None
        with QSignalBlocker(self.picker):
            self.picker.setCurrentIndex(0)
        self._rebuild(None)
        self._show_note(f"The structured editor cannot show this URI: {reason}" if reason else None)
        return reason or None

    @staticmethod
    def _why_not_shown(uri: GrammarUri) -> str | None:
        if uri.is_session:
            return f"session:{uri.path} is an alias; its grammar is whatever it was defined as"
        grammar = builtin_grammar(uri.path)
        if grammar is None:
            return f"builtin:{uri.path} is not in the catalogue"
        names = [name for name, _ in uri.query]
        for name in names:
            if grammar.param(name) is None:
                return f"{grammar.uri} takes no parameter '{name}'"
            if names.count(name) > 1:
                return f"parameter '{name}' is given more than once"
        return None

    def _show_note(self, note: str | None) -> None:
        self.note_label.setText(note or "")
        self.note_label.setVisible(note is not None)

    def _rebuild(self, grammar: BuiltinGrammar | None) -> None:
        while self._params_form.rowCount():
            self._params_form.removeRow(0)
        self._editors = {}
        self.description_label.setText(_describe(grammar) if grammar else "")
        self.description_label.setVisible(grammar is not None)
        if grammar is None:
            return
        for param in grammar.params:
            editor = make_param_editor(param, self._params_box)
            editor.changed.connect(self.changed)
            label = QLabel(f"{param.name}{' *' if param.required else ''}", self._params_box)
            label.setToolTip(param.help)
            self._params_form.addRow(label, editor)
            # Children added to a visible parent must be shown explicitly (Qt docs); the
            # layout would only do it later, from the event loop.
            label.show()
            editor.show()
            self._editors[param.name] = editor

    def _on_picker_current_index_changed(self, _index: int) -> None:
        path = self.path()
        self._rebuild(BUILTIN_GRAMMARS[path] if path is not None else None)
        self._show_note(None)
        self.changed.emit()
