"""The session's commands as QActions: enabled only when the protocol allows them, with reasons.

One :class:`SessionActions` per window holds the eight actions (Open session … Stop). Menus,
toolbars and the panels' buttons all show the same QAction (``QToolButton.setDefaultAction``),
so a command is enabled, disabled and explained in one place. There must be only one instance
per window: two QActions with the same shortcut in one window make Qt fire neither.

Enabled state
    Recomputed whenever the controller publishes a new state (through a
    :class:`~workbench.ui.qt_bridge.QtBridge`) and whenever a panel says its input changed
    (:meth:`SessionActions.refresh`). An action is enabled when ``controller.why_not(command)``
    is None *and* the panel that provides its arguments has no objection (an invalid form, no
    grammar picked). A disabled action's tooltip is the first reason, in the protocol core's
    words first, so the user learns what to do instead.

Arguments
    The actions know which controller method to call, not what to pass: OPEN's attributes,
    SET-PARAMS' values, DEFINE-GRAMMAR's alias and URI, RECOGNIZE's grammar list live in the
    panels, which register an :class:`ArgumentProvider` with :meth:`SessionActions.provide`.

Running
    Triggering starts the controller coroutine with ``asyncio.ensure_future`` on the running
    (qasync) loop and returns at once: the GUI never waits. The outcome comes back as signals:
    ``succeeded(key, arguments, reply)`` for the panels (a RECOGNIZE's reply is its
    :class:`~workbench.controller.pending.PendingRecognition`, emitted as soon as it is sent),
    and ``status_message(text, level)`` for the window's status area, with every failure
    (refusal, error event, timeout, lost connection) said in plain words, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, Final

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolButton, QWidget

from workbench.client.errors import ConnectionFailure
from workbench.controller.errors import (
    ActionRefused,
    ControllerError,
    RecognitionStoppedError,
    RequestLost,
)
from workbench.controller.pending import PendingRecognition
from workbench.controller.session_controller import SessionController
from workbench.protocol.causes import CAUSE_INFO, Outcome
from workbench.protocol.messages import (
    Close,
    Command,
    DefineGrammar,
    GetParams,
    Open,
    Recognize,
    SetParams,
    StartInputTimers,
    Stop,
)
from workbench.ui.param_field import InvalidParamsError
from workbench.ui.qt_bridge import QtBridge

__all__ = ["ACTIONS", "ActionInfo", "ArgumentProvider", "SessionActions", "action_button"]

_log = logging.getLogger(__name__)

Arguments = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ActionInfo:
    """One action: its key (= the controller method), label, command, shortcut and help."""

    key: str
    text: str
    command: type[Command]
    shortcut: str
    """A ``QKeySequence`` in portable text (``"Ctrl+R"``)."""
    help: str


ACTIONS: Final[tuple[ActionInfo, ...]] = (
    ActionInfo(
        "open", "Open session", Open, "Ctrl+Shift+O",
        "OPEN a session with the session panel's custom_id, session_id, channel prefix, codec.",
    ),
    ActionInfo(
        "close", "Close session", Close, "Ctrl+Shift+W",
        "CLOSE the session; the connection stays open for another OPEN.",
    ),
    ActionInfo(
        "set_params", "Set params", SetParams, "Ctrl+Shift+P",
        "SET-PARAMS: make the session's parameters what the parameters form shows.",
    ),
    ActionInfo(
        "get_params", "Get params", GetParams, "Ctrl+Shift+G",
        "GET-PARAMS: read the session's parameters into the form.",
    ),
    ActionInfo(
        "define_grammar", "Define grammar", DefineGrammar, "Ctrl+Shift+D",
        "DEFINE-GRAMMAR: session:<alias> stands for the grammar editor's URI from now on.",
    ),
    ActionInfo(
        "recognize", "Recognize", Recognize, "Ctrl+R",
        "RECOGNIZE with the recognize panel's grammars (in order), mode and overrides.",
    ),
    ActionInfo(
        "start_input_timers", "Start input timers", StartInputTimers, "Ctrl+T",
        "START-INPUT-TIMERS of a recognition sent with the input timers off (barge-in).",
    ),
    ActionInfo("stop", "Stop", Stop, "Esc", "STOP the running recognition; no result follows."),
)  # fmt: skip
"""Every action, in menu order; the help dialog's shortcut table is generated from it."""


@dataclass(frozen=True, slots=True)
class ArgumentProvider:
    """Where an action gets its arguments, and why it cannot have them now.

    ``arguments()`` returns the controller method's keyword arguments (it may raise
    :class:`~workbench.ui.param_field.InvalidParamsError`); ``problem()`` returns a sentence
    saying what the user must fix first, or None.
    """

    arguments: Callable[[], Arguments]
    problem: Callable[[], str | None] = lambda: None


def _no_arguments() -> Arguments:
    return {}


_NEEDS_PANEL: Final = {
    "set_params": "Show the session panel: its parameters form says what to send.",
    "define_grammar": "Show the grammar editor: it says which grammar to define.",
    "recognize": "Show the recognize panel: it holds the grammar list.",
}


def _default_provider(key: str) -> ArgumentProvider:
    """No arguments (OPEN with the defaults, CLOSE, STOP…), or a panel is needed."""
    needed = _NEEDS_PANEL.get(key)
    if needed is None:
        return ArgumentProvider(_no_arguments)
    return ArgumentProvider(_no_arguments, lambda: needed)


def action_button(action: QAction, parent: QWidget | None = None) -> QToolButton:
    """A button that shows ``action``: its text, enabled state and tooltip follow the action."""
    button = QToolButton(parent)
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    return button


def _sentence(text: str) -> str:
    """``text`` as a sentence: capital first letter, full stop at the end."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _clause(text: str) -> str:
    """A reason written as a sentence, to follow a dash ("Fix…" → "fix…"; "RECOGNIZE…" stays)."""
    text = text.strip().rstrip(".")
    if text[:1].isupper() and text[1:2].islower():
        text = text[0].lower() + text[1:]
    return text


class SessionActions(QObject):
    """The eight session actions of one controller (see the module docstring).

    Signals: ``status_message(text, level)`` (level ``"info"``, ``"warning"``, ``"error"``) for
    the status area; ``succeeded(key, arguments, reply)`` after a command's success reply (for
    ``"recognize"``: the :class:`PendingRecognition`, once RECOGNIZE is sent).
    """

    status_message = Signal(str, str)
    succeeded = Signal(str, object, object)

    def __init__(self, controller: SessionController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._bridge = QtBridge(self)
        self._tasks: set[asyncio.Future[Any]] = set()
        self._providers = {info.key: _default_provider(info.key) for info in ACTIONS}
        self._actions: dict[str, QAction] = {}
        for info in ACTIONS:
            action = QAction(info.text, self)
            action.setObjectName(f"action_{info.key}")
            action.setShortcut(QKeySequence(info.shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setStatusTip(info.help)
            action.triggered.connect(lambda _checked=False, key=info.key: self.trigger(key))
            self._actions[info.key] = action
        self._unsubscribe: Callable[[], None] | None = controller.subscribe(
            self._bridge.wrap(lambda _state: self.refresh())
        )
        self.refresh()

    # -- the actions ---------------------------------------------------------------------------

    def action(self, key: str) -> QAction:
        """The QAction of ``key`` (``"recognize"``…); KeyError for an unknown key."""
        return self._actions[key]

    def actions(self) -> tuple[QAction, ...]:
        """Every action, in :data:`ACTIONS` order (add them to a menu or a window)."""
        return tuple(self._actions.values())

    @property
    def infos(self) -> tuple[ActionInfo, ...]:
        """What each action is, in :data:`ACTIONS` order."""
        return ACTIONS

    @property
    def busy(self) -> bool:
        """True while a command (or a recognition it started) is still running."""
        return bool(self._tasks)

    def provide(self, key: str, provider: ArgumentProvider) -> None:
        """Take ``key``'s arguments from ``provider`` from now on (a panel calls this)."""
        if key not in self._actions:
            raise KeyError(f"unknown action {key!r}")
        self._providers[key] = provider
        self.refresh_action(key)

    def withdraw(self, key: str) -> None:
        """Forget ``key``'s provider (its panel is going away): back to the default one."""
        self._providers[key] = _default_provider(key)
        self.refresh_action(key)

    def reason(self, key: str) -> str | None:
        """Why ``key`` cannot run now: the protocol's reason first, then the panel's; or None."""
        info = _INFO[key]
        refused = self.controller.why_not(info.command)
        if refused is not None:
            return refused
        return self._providers[key].problem()

    def refresh(self) -> None:
        """Recompute every action's enabled state and tooltip."""
        for key in self._actions:
            self.refresh_action(key)

    def refresh_action(self, key: str) -> None:
        """Recompute one action's enabled state and tooltip (after its panel's input changed)."""
        action, info = self._actions[key], _INFO[key]
        reason = self.reason(key)
        action.setEnabled(reason is None)
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if reason is None:
            action.setToolTip(f"{info.help} ({shortcut})")
        else:
            action.setToolTip(reason)  # the core's words name the command and what to do

    # -- running -------------------------------------------------------------------------------

    def trigger(self, key: str, arguments: Arguments | None = None) -> asyncio.Future[Any] | None:
        """Run ``key`` now (its provider's arguments unless ``arguments`` are given).

        Returns the running future, or None when nothing was started: then a
        ``status_message`` says why (a refusal, a form to fix, no running loop).
        """
        info = _INFO[key]
        refused = self.reason(key) if arguments is None else self.controller.why_not(info.command)
        if refused is not None:
            message = f"{info.text}: nothing sent — {_clause(refused)}"
            self.status_message.emit(_sentence(message), "warning")
            return None
        if arguments is None:
            try:
                arguments = dict(self._providers[key].arguments())
            except InvalidParamsError as error:
                self.status_message.emit(
                    _sentence(f"{info.text}: nothing sent — fix these first: {error}"), "warning"
                )
                return None
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self.status_message.emit(
                "Internal error: the asyncio loop is not running (start the app with qasync).",
                "error",
            )
            return None
        future = asyncio.ensure_future(self._run(info, dict(arguments)))
        self._tasks.add(future)
        future.add_done_callback(self._bridge.wrap(self._on_done))
        return future

    async def _run(self, info: ActionInfo, arguments: dict[str, Any]) -> None:
        method: Callable[..., Coroutine[Any, Any, object]] = getattr(self.controller, info.key)
        try:
            reply = await method(**arguments)
        except Exception as error:
            self._report(info.text, error)
            return
        self.succeeded.emit(info.key, arguments, reply)
        if isinstance(reply, PendingRecognition):
            await self._follow(reply)

    async def _follow(self, pending: PendingRecognition) -> None:
        """Say how a recognition ended; the result panel shows the details."""
        what = f"Recognition #{pending.request_id}"
        try:
            await pending.reply()
            complete = await pending.result()
        except RecognitionStoppedError as stopped:
            self.status_message.emit(_sentence(str(stopped)), "info")
            return
        except Exception as error:
            self._report(what, error)
            return
        cause = complete.completion_cause
        info = CAUSE_INFO.get(cause) if cause is not None else None
        if info is None:
            self.status_message.emit(f"{what}: completed without a completion cause.", "warning")
            return
        level = "error" if info.outcome is Outcome.FAILURE else "info"
        self.status_message.emit(_sentence(f"{what}: {cause} — {info.meaning}"), level)

    def _report(self, what: str, error: Exception) -> None:
        """Every failure of a command, in plain words for the status area."""
        if isinstance(error, ActionRefused):
            text, level = f"{what}: nothing sent — {_clause(error.reason)}", "warning"
        elif isinstance(error, ControllerError):
            # CommandFailed, ReplyTimeoutError…: the controller's words name the command.
            text, level = str(error), "error"
        elif isinstance(error, RequestLost):
            text, level = str(error), "error"  # "recognition #5 lost: … — reconnect, …"
        elif isinstance(error, ConnectionFailure):
            text, level = f"{what} failed: {error}", "error"
        elif isinstance(error, TimeoutError):
            text, level = f"{what}: no answer in time; see the timeline", "error"
        else:
            _log.error("%s failed unexpectedly", what, exc_info=error)
            text, level = f"{what}: unexpected error ({type(error).__name__}: {error})", "error"
        self.status_message.emit(_sentence(text), level)

    def _on_done(self, future: asyncio.Future[Any]) -> None:
        self._tasks.discard(future)
        if not future.cancelled() and future.exception() is not None:
            # _run catches everything it expects; this is a bug, shown rather than lost.
            error = future.exception()
            _log.error("a session action failed", exc_info=error)
            self.status_message.emit(f"Unexpected error ({type(error).__name__}).", "error")

    def shutdown(self) -> None:
        """Stop following the controller and cancel running commands (the window is closing)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._bridge.close()
        for future in tuple(self._tasks):
            future.cancel()


_INFO: Final = {info.key: info for info in ACTIONS}
