"""The recognize panel: the ordered grammar list, mode, overrides, and the recognition buttons.

It provides the arguments of RECOGNIZE (the grammars in list order: the first that matches
wins, mode, ``start_input_timers``, per-request overrides) and of DEFINE-GRAMMAR (the grammar
editor's alias and URI) to :class:`~workbench.ui.actions.SessionActions`, which sends them.

The grammar editor is the window's to place (a dock of its own); the panel only listens to it:
"Use for recognize" appends the URI to the list, "Define" triggers the Define grammar action,
and after GRAMMAR-DEFINED the panel appends ``session:<alias>`` to the list and tells the
editor which aliases the session knows, so it can check ``session:`` URIs. A new session knows
no alias; without a session the editor does not check them at all.
"""

from __future__ import annotations

from typing import Any, Final

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.controller.state import ControllerState
from workbench.protocol.params import PARAMETERS, ParamScope
from workbench.protocol.states import SessionState
from workbench.ui.actions import ArgumentProvider, SessionActions, action_button
from workbench.ui.grammar_editor import GrammarEditor
from workbench.ui.qt_bridge import QtBridge
from workbench.ui.recognize_overrides import RecognizeOverrides

__all__ = ["RecognizePanel"]

MODES: Final = tuple(PARAMETERS["recognition_mode"].choices)
_PROVIDED: Final = ("recognize", "define_grammar")


class RecognizePanel(QWidget):
    """Grammars, mode, overrides and Recognize / Start input timers / Stop (see the module doc).

    Signal: ``status_message(text, level)`` for the window's status area (level ``"info"``,
    ``"warning"`` or ``"error"``); the commands' own failures come from ``actions``.
    """

    status_message = Signal(str, str)

    def __init__(
        self,
        actions: SessionActions,
        grammar_editor: GrammarEditor | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._actions = actions
        self._editor = grammar_editor
        self._bridge = QtBridge(self)
        self._aliases: set[str] | None = None
        self._session: tuple[SessionState, str] | None = None
        self._shut = False

        grammars_box = self._build_grammar_box()
        options, overrides_box = self._build_options()
        self.recognize_button = action_button(actions.action("recognize"), self)
        self.start_timers_button = action_button(actions.action("start_input_timers"), self)
        self.stop_button = action_button(actions.action("stop"), self)

        layout = QVBoxLayout(self)
        layout.addWidget(grammars_box, 1)
        layout.addLayout(options)
        layout.addWidget(overrides_box)
        layout.addLayout(_row(self.recognize_button, self.start_timers_button, self.stop_button))
        for key in ("recognize", "start_input_timers", "stop", "define_grammar"):
            self.addAction(actions.action(key))  # their shortcuts work wherever the panel is

        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        self.remove_button.clicked.connect(self.remove_selected)
        self.grammar_list.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.overrides.values_changed.connect(lambda: actions.refresh_action("recognize"))
        actions.provide("recognize", ArgumentProvider(self.recognize_arguments, self.problem))
        if grammar_editor is not None:
            grammar_editor.use_requested.connect(self.add_grammar)
            grammar_editor.define_requested.connect(self._on_grammar_editor_define_requested)
            grammar_editor.uri_edit.textChanged.connect(self._refresh_define)
            grammar_editor.alias_edit.textChanged.connect(self._refresh_define)
            actions.provide(
                "define_grammar", ArgumentProvider(self.define_arguments, self.define_problem)
            )
        actions.succeeded.connect(self._on_actions_succeeded)
        controller = actions.controller
        self._unsubscribe = controller.subscribe(self._bridge.wrap(self._on_state))
        self._on_state(controller.state)
        self._update_buttons()

    def _build_grammar_box(self) -> QGroupBox:
        self.grammar_list = QListWidget(self)
        self.grammar_list.setObjectName("grammar_list")
        self.grammar_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grammar_list.setToolTip(
            "Grammars of the next RECOGNIZE, in order: the first one that matches wins."
        )
        self.empty_label = QLabel(
            'No grammar yet: "Use for recognize" or define one in the grammar editor.', self
        )
        self.empty_label.setWordWrap(True)
        self.up_button = QPushButton("Up", self)
        self.up_button.setToolTip("Try the selected grammar earlier")
        self.down_button = QPushButton("Down", self)
        self.down_button.setToolTip("Try the selected grammar later")
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setToolTip("Take the selected grammar out of the list")
        grammars_box = QGroupBox("Grammars (first match wins)", self)
        grammars_layout = QVBoxLayout(grammars_box)
        grammars_layout.addWidget(self.grammar_list, 1)
        grammars_layout.addWidget(self.empty_label)
        grammars_layout.addLayout(_row(self.up_button, self.down_button, self.remove_button))
        return grammars_box

    def _build_options(self) -> tuple[QFormLayout, QGroupBox]:
        self.mode_combo = QComboBox(self)
        self.mode_combo.setObjectName("recognition_mode")
        self.mode_combo.addItems(list(MODES))
        self.mode_combo.setToolTip(PARAMETERS["recognition_mode"].help)
        self.start_timers_box = QCheckBox("Start the input timers at once", self)
        self.start_timers_box.setChecked(True)
        self.start_timers_box.setToolTip(
            "Unchecked: RECOGNIZE is sent with start_input_timers false and the no-input timer "
            "waits for START-INPUT-TIMERS (barge-in while a prompt plays)."
        )
        options = QFormLayout()
        options.addRow("Mode", self.mode_combo)
        options.addRow("", self.start_timers_box)
        self.overrides = RecognizeOverrides(
            ParamScope.RECOGNIZE,
            exclude=("content_type", "recognition_mode", "start_input_timers"),
            parent=self,
        )
        overrides_box = QGroupBox("Overrides for this recognition", self)
        QVBoxLayout(overrides_box).addWidget(self.overrides)
        return options, overrides_box

    # -- the grammar list ----------------------------------------------------------------------

    def grammars(self) -> tuple[str, ...]:
        """The grammar URIs, in the order RECOGNIZE will send them."""
        return tuple(self.grammar_list.item(i).text() for i in range(self.grammar_list.count()))

    def add_grammar(self, uri: str) -> bool:
        """Append ``uri`` and select it; False (and it is selected) when already listed."""
        existing = self.grammars()
        if uri in existing:
            self.grammar_list.setCurrentRow(existing.index(uri))
            return False
        self.grammar_list.addItem(uri)
        self.grammar_list.setCurrentRow(self.grammar_list.count() - 1)
        self._grammars_changed()
        return True

    def move_selected(self, delta: int) -> None:
        """Move the selected grammar ``delta`` places (−1: earlier, +1: later)."""
        row = self.grammar_list.currentRow()
        target = row + delta
        if row < 0 or not 0 <= target < self.grammar_list.count():
            return
        item = self.grammar_list.takeItem(row)
        self.grammar_list.insertItem(target, item)
        self.grammar_list.setCurrentRow(target)
        self._grammars_changed()

    def remove_selected(self) -> None:
        """Take the selected grammar out of the list."""
        row = self.grammar_list.currentRow()
        if row >= 0:
            self.grammar_list.takeItem(row)
            self._grammars_changed()

    def set_grammars(self, uris: list[str] | tuple[str, ...]) -> None:
        """Replace the list (a restored window, a test)."""
        self.grammar_list.clear()
        for uri in uris:
            self.add_grammar(uri)
        self._grammars_changed()

    def mode(self) -> str:
        """``normal`` or ``hotword``."""
        return self.mode_combo.currentText()

    def set_mode(self, mode: str) -> None:
        """Choose the recognition mode; ValueError for one the protocol does not have."""
        if mode not in MODES:
            raise ValueError(f"recognition_mode must be one of {', '.join(MODES)}")
        self.mode_combo.setCurrentText(mode)

    # -- what the actions ask for ---------------------------------------------------------------

    def recognize_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``controller.recognize`` (overrides may raise if invalid)."""
        return {
            "grammars": list(self.grammars()),
            "mode": self.mode(),
            "start_input_timers": self.start_timers_box.isChecked(),
            "params": self.overrides.values(),
        }

    def problem(self) -> str | None:
        """Why RECOGNIZE cannot be sent from this panel now, or None."""
        if not self.grammars():
            return "Add a grammar first (Use for recognize, or Define in the grammar editor)."
        problems = self.overrides.problems()
        if problems:
            return f"Fix the overrides first: {'; '.join(problems.values())}"
        return None

    def define_arguments(self) -> dict[str, Any]:
        """DEFINE-GRAMMAR's alias and URI, from the grammar editor."""
        assert self._editor is not None
        return {"alias": self._editor.alias(), "uri": self._editor.uri()}

    def define_problem(self) -> str | None:
        """The grammar editor's objection to defining its grammar, or None."""
        return self._editor.alias_problem() if self._editor is not None else None

    @property
    def known_aliases(self) -> frozenset[str] | None:
        """The aliases this session defined (None without a session: not checked)."""
        return None if self._aliases is None else frozenset(self._aliases)

    # -- reactions -----------------------------------------------------------------------------

    def _on_grammar_editor_define_requested(self, _alias: str, _uri: str) -> None:
        # The action reads the editor itself (the same alias and URI), so the editor's
        # objections and the protocol's are checked on every path: button, shortcut, menu.
        self._actions.trigger("define_grammar")

    def _on_actions_succeeded(self, key: str, arguments: Any, _reply: Any) -> None:
        if key != "define_grammar":
            return
        alias, uri = arguments["alias"], arguments["uri"]
        self._aliases = (self._aliases or set()) | {alias}
        if self._editor is not None:
            self._editor.set_known_aliases(self._aliases)
        added = self.add_grammar(f"session:{alias}")
        where = "added to the grammar list" if added else "already in the grammar list"
        self.status_message.emit(f"session:{alias} stands for {uri} now; {where}.", "info")

    def _on_state(self, state: ControllerState) -> None:
        session = (state.session, state.channel_id)
        if session == self._session:
            return
        opened = state.session is not SessionState.NO_SESSION
        before = self._session
        same = (
            opened
            and before is not None
            and before[0] is not SessionState.NO_SESSION
            and before[1] == state.channel_id
        )
        self._session = session
        if not same:  # a new session (or none): its aliases are not the old one's
            self._aliases = set() if opened else None
            if self._editor is not None:
                self._editor.set_known_aliases(self._aliases)

    def _refresh_define(self) -> None:
        self._actions.refresh_action("define_grammar")

    def _grammars_changed(self) -> None:
        self.empty_label.setVisible(self.grammar_list.count() == 0)
        self._update_buttons()
        self._actions.refresh_action("recognize")

    def _update_buttons(self) -> None:
        row, count = self.grammar_list.currentRow(), self.grammar_list.count()
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < count - 1)
        self.remove_button.setEnabled(row >= 0)

    def shutdown(self) -> None:
        """Stop following the controller, the actions and the editor (the window is closing)."""
        if self._shut:
            return
        self._shut = True
        self._unsubscribe()
        self._bridge.close()
        self._actions.succeeded.disconnect(self._on_actions_succeeded)
        for key in _PROVIDED:
            self._actions.withdraw(key)
        if self._editor is not None:
            self._editor.use_requested.disconnect(self.add_grammar)
            self._editor.define_requested.disconnect(self._on_grammar_editor_define_requested)
            self._editor.uri_edit.textChanged.disconnect(self._refresh_define)
            self._editor.alias_edit.textChanged.disconnect(self._refresh_define)


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    return row
