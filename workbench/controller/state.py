"""What the UI shows about a controller: connected or not, the session state, the running request.

A :class:`ControllerState` is a frozen snapshot; :class:`StateObservers` hands each new one to
plain-Python callbacks (the UI turns them into Qt signals), only when something changed, so a
view can redraw on every call without comparing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from workbench.protocol.states import SessionState

_log = logging.getLogger(__name__)


class ConnectionStatus(Enum):
    """Where the socket stands."""

    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"


@dataclass(frozen=True, slots=True)
class ControllerState:
    """One snapshot: the socket, the session (as the server's events established it), and more.

    ``codec`` is the session's audio codec (None without a session); ``recognition`` the request
    id of the running recognition; ``waiting`` the names of commands sent and not answered yet.
    """

    connection: ConnectionStatus = ConnectionStatus.DISCONNECTED
    session: SessionState = SessionState.NO_SESSION
    channel_id: str = ""
    codec: str | None = None
    recognition: int | None = None
    waiting: tuple[str, ...] = ()

    @property
    def connected(self) -> bool:
        return self.connection is ConnectionStatus.CONNECTED


StateCallback = Callable[[ControllerState], object]


class StateObservers:
    """Callbacks told about each new :class:`ControllerState`; one that raises is logged."""

    def __init__(self) -> None:
        self._callbacks: dict[object, StateCallback] = {}
        self._last = ControllerState()

    @property
    def last(self) -> ControllerState:
        """The state last published."""
        return self._last

    def subscribe(self, callback: StateCallback) -> Callable[[], None]:
        """Call ``callback(state)`` on every change; returns the unsubscriber."""
        token = object()
        self._callbacks[token] = callback
        return lambda: self._callbacks.pop(token, None) and None

    def publish(self, state: ControllerState) -> None:
        """Tell every callback about ``state`` if it differs from the last one."""
        if state == self._last:
            return
        self._last = state
        for callback in tuple(self._callbacks.values()):
            try:
                callback(state)
            except Exception:
                _log.exception("a controller state observer failed")
