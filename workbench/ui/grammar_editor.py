"""The grammar editor: catalogue builder, raw URI, alias, actions and the preset library.

Two views of one grammar URI are kept in step. Editing the structured builder rewrites the raw
text; typing raw text is validated live by the protocol core and parsed back into the builder
when it can show it. The raw text is never rewritten while the user types it (``allo\\-media``
and ``allo-media`` mean different bytes on the wire even when they mean the same keyword).

Nothing is sent from here: ``define_requested(alias, uri)`` and ``use_requested(uri)`` are wired
by the window to the session controller, and the actions are disabled, with the reason in their
tooltip, whenever the protocol core finds a problem.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.protocol.grammars import (
    GrammarError,
    GrammarUri,
    parse_grammar_uri,
    validate_alias,
    validate_grammar_uri,
)
from workbench.session.grammar_library import GrammarLibrary, GrammarPreset
from workbench.ui.grammar_builder import GrammarBuilder
from workbench.ui.grammar_library_view import GrammarLibraryView
from workbench.ui.param_field import mark_invalid

if TYPE_CHECKING:
    from collections.abc import Collection, Iterator

__all__ = ["GrammarEditor"]

_ERROR_STYLE = "color: #d32f2f;"


class GrammarEditor(QWidget):
    """Build or type a grammar URI, define it under an alias, use it, keep it as a preset.

    Signals:

    - ``define_requested(alias, uri)``: the user asked for DEFINE-GRAMMAR;
    - ``use_requested(uri)``: the user asked to recognize with this grammar;
    - ``library_changed(json)``: the user presets changed (``GrammarLibrary.to_json``);
    - ``validity_changed(bool)``: the URI went from usable to not, or back.
    """

    define_requested = Signal(str, str)
    use_requested = Signal(str)
    library_changed = Signal(str)
    validity_changed = Signal(bool)

    def __init__(
        self, library: GrammarLibrary | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._syncing = False
        self._aliases: frozenset[str] | None = None
        self._uri: GrammarUri | None = None
        self._problems: list[str] = []
        self._valid = False

        self.builder = GrammarBuilder(self)
        self.uri_edit = QLineEdit(self)
        self.uri_edit.setObjectName("grammar_uri")
        self.uri_edit.setPlaceholderText("builtin:<path>?<query> or session:<alias>")
        self.uri_problems_label = QLabel(self)
        self.uri_problems_label.setStyleSheet(_ERROR_STYLE)
        self.uri_problems_label.setWordWrap(True)
        self.alias_edit = QLineEdit(self)
        self.alias_edit.setObjectName("grammar_alias")
        self.alias_edit.setPlaceholderText("alias, e.g. num_in_range100")
        self.define_button = QPushButton("Define (DEFINE-GRAMMAR)", self)
        self.use_button = QPushButton("Use for recognize", self)
        self.library_view = GrammarLibraryView(library or GrammarLibrary(), self)

        form = QFormLayout()
        form.addRow("Grammar URI", self.uri_edit)
        form.addRow("", self.uri_problems_label)
        alias_row = QHBoxLayout()
        alias_row.addWidget(self.alias_edit, 1)
        alias_row.addWidget(self.define_button)
        form.addRow("Alias", alias_row)
        library_box = QGroupBox("Presets", self)
        QVBoxLayout(library_box).addWidget(self.library_view)
        layout = QVBoxLayout(self)
        layout.addWidget(self.builder)
        layout.addLayout(form)
        layout.addWidget(self.use_button)
        layout.addWidget(library_box, 1)

        self.builder.changed.connect(self._on_builder_changed)
        self.uri_edit.textChanged.connect(self._on_uri_edit_text_changed)
        self.alias_edit.textChanged.connect(self._update_actions)
        self.define_button.clicked.connect(self._on_define_button_clicked)
        self.use_button.clicked.connect(self._on_use_button_clicked)
        self.library_view.load_requested.connect(self.load_preset)
        self.library_view.library_changed.connect(self.library_changed)
        self._on_uri_edit_text_changed("")

    # --- public API ---------------------------------------------------------------------------

    @property
    def library(self) -> GrammarLibrary:
        """The preset library shown under the editor."""
        return self.library_view.library

    def uri(self) -> str:
        """The grammar URI exactly as it would be sent."""
        return self.uri_edit.text()

    def set_uri(self, text: str) -> None:
        """Replace the URI, as if typed raw (the builder follows when it can)."""
        self.uri_edit.setText(text)

    def alias(self) -> str:
        """The alias typed for DEFINE-GRAMMAR."""
        return self.alias_edit.text()

    def set_alias(self, alias: str) -> None:
        """Replace the alias."""
        self.alias_edit.setText(alias)

    def problems(self) -> list[str]:
        """What the protocol core finds wrong with the URI; [] when it can be sent."""
        return list(self._problems)

    @property
    def valid(self) -> bool:
        """True when the URI can be used for RECOGNIZE."""
        return self._valid

    def alias_problem(self) -> str | None:
        """Why the URI cannot be defined under the alias, or None when DEFINE-GRAMMAR may go."""
        uri_problem = self._uri_problem()
        if uri_problem is not None:
            return uri_problem
        if self._uri is not None and not self._uri.is_builtin:
            return "An alias can only stand for a builtin: grammar."
        alias = self.alias()
        if not alias:
            return "Type an alias to define."
        return validate_alias(alias)

    def set_known_aliases(self, aliases: Collection[str] | None) -> None:
        """The aliases defined in the session, to check ``session:`` URIs (None: do not check)."""
        self._aliases = None if aliases is None else frozenset(aliases)
        self._on_uri_edit_text_changed(self.uri())

    def load_preset(self, preset: GrammarPreset) -> None:
        """Put a preset's URI and alias in the editor."""
        self.set_uri(preset.uri)
        self.set_alias(preset.alias or "")

    # --- synchronisation ------------------------------------------------------------------------

    @contextmanager
    def _sync(self) -> Iterator[None]:
        """While one view updates the other, the other's change signal is not echoed back."""
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = False

    def _on_builder_changed(self) -> None:
        if self._syncing:
            return
        text = self.builder.uri_text()
        if text is not None:
            with self._sync():
                self.uri_edit.setText(text)

    def _on_uri_edit_text_changed(self, text: str) -> None:
        uri: GrammarUri | None = None
        try:
            uri = parse_grammar_uri(text)
        except GrammarError as error:
            self._problems = [str(error)]
        if uri is not None:
            problems = validate_grammar_uri(uri, self._aliases)
            self._problems = [problem.message for problem in problems]
        self._uri = uri
        if not self._syncing:
            with self._sync():
                self.builder.load(uri, self._problems[0] if uri is None and text else "")
        shown = "\n".join(self._problems) if text else ""
        self.uri_problems_label.setText(shown)
        self.uri_problems_label.setVisible(bool(shown))
        mark_invalid(self.uri_edit, shown or None, self.uri_edit.placeholderText())
        self._update_actions()
        if self._valid != (not self._problems):
            self._valid = not self._problems
            self.validity_changed.emit(self._valid)

    def _uri_problem(self) -> str | None:
        if not self.uri():
            return "Pick a builtin grammar or type a grammar URI first."
        return f"Fix the grammar first: {self._problems[0]}" if self._problems else None

    def _update_actions(self) -> None:
        use_problem = self._uri_problem()
        self.use_button.setEnabled(use_problem is None)
        self.use_button.setToolTip(use_problem or f"Recognize with {self.uri()}")
        alias_problem = self.alias_problem()
        self.define_button.setEnabled(alias_problem is None)
        self.define_button.setToolTip(
            alias_problem
            or f"Send DEFINE-GRAMMAR so that session:{self.alias()} stands for {self.uri()}"
        )
        alias_syntax = validate_alias(self.alias()) if self.alias() else None
        mark_invalid(self.alias_edit, alias_syntax, "Letters, digits, '_' or '-'; no ':'.")
        self.library_view.set_current(
            self.uri(),
            self.alias() or None,
            use_problem or (alias_syntax and f"Fix the alias first: {alias_syntax}"),
        )

    def _on_define_button_clicked(self) -> None:
        if self.alias_problem() is None:
            self.define_requested.emit(self.alias(), self.uri())

    def _on_use_button_clicked(self) -> None:
        if self.valid:
            self.use_requested.emit(self.uri())
