"""The session panel: OPEN's attributes, Open/Close, the session parameters, Set/Get params.

The panel shows; :class:`~workbench.ui.actions.SessionActions` sends. The panel provides the
arguments of two actions (OPEN's attributes, SET-PARAMS' values) with the reason they cannot
be sent while a field is invalid, shows Close and Get params (which take no argument), and
fills its form from the reply of GET-PARAMS.

What SET-PARAMS sends
    The form shows what the session should hold. Sending every parameter would bury the one
    that matters in a dozen headers, and sending only those that differ from the schema default
    would never put back a parameter the user returned to its default. So the panel sends the
    parameters that differ from the default *plus* those the session is known to hold at
    another value (sent earlier, or reported by GET-PARAMS); OPEN starts that record afresh.
"""

from __future__ import annotations

from typing import Any, Final

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from workbench.controller.state import ConnectionStatus, ControllerState
from workbench.protocol.messages import DefaultParams, JsonValue
from workbench.protocol.params import OPEN_ATTRIBUTES, ParamScope
from workbench.protocol.states import SessionState
from workbench.ui.actions import ArgumentProvider, SessionActions, action_button
from workbench.ui.param_field import ParamField
from workbench.ui.params_form import ParamsForm
from workbench.ui.qt_bridge import QtBridge

__all__ = ["SessionPanel", "describe_state"]

_OPEN_FIELDS: Final = (
    ("custom_id", "custom_id"),
    ("session_id", "session_id"),
    ("channel_id", "Channel prefix"),
    ("audio_codec", "Codec"),
)


def describe_state(state: ControllerState) -> str:
    """The state line: connection, then no session / idle / recognizing with the channel id."""
    if state.connection is ConnectionStatus.DISCONNECTED:
        return "Not connected: connect to a server first."
    if state.connection is ConnectionStatus.CONNECTING:
        return "Connecting…"
    waiting = f" — waiting for the reply to {', '.join(state.waiting)}" if state.waiting else ""
    if state.session is SessionState.NO_SESSION:
        return f"No session{waiting}"
    where = f"Session {state.channel_id or '(no channel id)'}"
    codec = f", {state.codec}" if state.codec else ""
    if state.session is SessionState.RECOGNITION:
        return f"{where} — recognizing #{state.recognition}{codec}{waiting}"
    return f"{where} — idle{codec}{waiting}"


class SessionPanel(QWidget):
    """Open/close a session and edit its parameters, through ``actions`` (see the module doc).

    Signal: ``status_message(text, level)`` for the window's status area (level ``"info"``,
    ``"warning"`` or ``"error"``); the actions' own failures come from ``actions``.
    """

    status_message = Signal(str, str)

    def __init__(self, actions: SessionActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._actions = actions
        self._bridge = QtBridge(self)
        self._shut = False
        self._held: set[str] = set()
        """Parameters the session is known to hold at a value other than the default."""

        self.open_fields: dict[str, ParamField] = {}
        open_form = QFormLayout()
        for name, label_text in _OPEN_FIELDS:
            field = ParamField(OPEN_ATTRIBUTES[name], self)
            label = QLabel(label_text, self)
            label.setToolTip(field.spec.help)
            label.setBuddy(field.editor)
            open_form.addRow(label, field)
            field.changed.connect(lambda: actions.refresh_action("open"))
            self.open_fields[name] = field
        self.open_button = action_button(actions.action("open"), self)
        self.close_button = action_button(actions.action("close"), self)
        self.state_line = QLabel(self)
        self.state_line.setObjectName("session_state")
        self.state_line.setWordWrap(True)
        self.state_line.setAccessibleName("Session state")
        session_box = QGroupBox("Session", self)
        session_layout = QVBoxLayout(session_box)
        session_layout.addLayout(open_form)
        session_layout.addLayout(_row(self.open_button, self.close_button))
        session_layout.addWidget(self.state_line)

        self.params_form = ParamsForm(ParamScope.SET_PARAMS, self)
        self.params_form.values_changed.connect(lambda: actions.refresh_action("set_params"))
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.params_form)
        self.set_params_button = action_button(actions.action("set_params"), self)
        self.get_params_button = action_button(actions.action("get_params"), self)
        params_box = QGroupBox("Session parameters", self)
        params_layout = QVBoxLayout(params_box)
        params_layout.addWidget(scroll, 1)
        params_layout.addLayout(_row(self.set_params_button, self.get_params_button))

        layout = QVBoxLayout(self)
        layout.addWidget(session_box)
        layout.addWidget(params_box, 1)
        for key in ("open", "close", "set_params", "get_params"):
            self.addAction(actions.action(key))  # their shortcuts work wherever the panel is

        actions.provide("open", ArgumentProvider(self.open_arguments, self.open_problem))
        actions.provide(
            "set_params", ArgumentProvider(self.set_params_arguments, self.params_problem)
        )
        actions.succeeded.connect(self._on_actions_succeeded)
        controller = actions.controller
        self._unsubscribe = controller.subscribe(self._bridge.wrap(self._show_state))
        self._show_state(controller.state)

    # -- what the actions ask for ---------------------------------------------------------------

    def open_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``controller.open`` from the attribute fields."""
        value = {name: field.value for name, field in self.open_fields.items()}
        return {
            "custom_id": value["custom_id"],
            "session_id": value["session_id"],
            "channel_prefix": value["channel_id"],
            "codec": value["audio_codec"],
        }

    def open_problem(self) -> str | None:
        """Why OPEN cannot be sent with these attributes, or None."""
        for field in self.open_fields.values():
            if field.problem is not None:
                return f"Fix the OPEN attributes first: {field.problem}"
        return None

    def set_params_arguments(self) -> dict[str, Any]:
        """``{"params": …}`` for SET-PARAMS (see the module docstring for which parameters)."""
        values = self.params_form.values(changed_only=False)
        wanted = set(self.params_form.changed_names()) | self._held
        return {"params": {name: value for name, value in values.items() if name in wanted}}

    def params_problem(self) -> str | None:
        """Why SET-PARAMS cannot be sent with this form, or None."""
        problems = self.params_form.problems()
        if problems:
            return f"Fix the parameters first: {'; '.join(problems.values())}"
        return None

    # -- replies -------------------------------------------------------------------------------

    def _on_actions_succeeded(self, key: str, arguments: Any, reply: Any) -> None:
        if key == "open":
            self._held.clear()  # a new session starts from the server's defaults
        elif key == "set_params":
            sent: dict[str, JsonValue] = arguments["params"]
            for name, value in sent.items():
                self._note_value(name, value)
            names = ", ".join(sent) or "nothing (no parameter differs from the default)"
            self.status_message.emit(f"Session parameters set: {names}.", "info")
        elif key == "get_params" and isinstance(reply, DefaultParams):
            self.show_params(reply.headers)

    def show_params(self, headers: dict[str, JsonValue]) -> None:
        """Fill the form from a DEFAULT-PARAMS reply and say what could not be shown."""
        left_out = self.params_form.set_values(headers)
        self._held.clear()
        for name, value in headers.items():
            self._note_value(name, value)
        count = len(headers) - len(left_out)
        text = f"Read {count} session parameter{'s' if count != 1 else ''} into the form"
        if left_out:
            names = ", ".join(left_out)
            self.status_message.emit(f"{text}; not shown in it: {names}.", "warning")
        else:
            self.status_message.emit(f"{text}.", "info")

    def _note_value(self, name: str, value: object) -> None:
        try:
            default = self.params_form.field(name).spec.default
        except KeyError:
            return  # not a parameter of this form: nothing to send back later
        if type(value) is type(default) and value == default:
            self._held.discard(name)
        else:
            self._held.add(name)

    def _show_state(self, state: ControllerState) -> None:
        self.state_line.setText(describe_state(state))

    def shutdown(self) -> None:
        """Stop following the controller and the actions (the window calls this on close)."""
        if self._shut:
            return
        self._shut = True
        self._unsubscribe()
        self._bridge.close()
        self._actions.succeeded.disconnect(self._on_actions_succeeded)
        for key in ("open", "set_params"):
            self._actions.withdraw(key)


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    return row
