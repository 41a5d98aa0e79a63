"""Plain-Python observer callbacks → calls on the GUI thread, through a Qt signal.

Models and controllers below ``ui/`` notify plain callables (``subscribe_*(callback)``), from
wherever they run: the asyncio loop (the GUI thread under qasync, or a thread of its own), a
worker thread, a PortAudio callback. Widgets may only be touched on the GUI thread.
:class:`QtBridge` sits in between: :meth:`QtBridge.wrap` turns a GUI-side function into a plain
callable that any thread may call; the call is carried by a signal of the bridge, so Qt delivers
it on the bridge's thread (the GUI thread it was created on):

* from the GUI thread itself (qasync) the signal is a direct call: no delay, no reordering;
* from any other thread it is queued and runs when the GUI thread's event loop gets to it,
  in the order the calls were made.

With ``queued=True`` every call is queued, even from the GUI thread: the caller never re-enters
the widget synchronously (useful when a model notifies in the middle of its own update).

Once the bridge is closed or its C++ object deleted (its parent widget went away), calls are
dropped silently: a model outliving its view must not crash the app. An exception raised by the
wrapped function goes to ``sys.excepthook`` as for any slot (the app logs it and shows a plain
message; pytest-qt fails the test).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal

from workbench.ui import pyside_fixes  # noqa: F401  (PySide6 6.12.0 bug: see the module)

_log = logging.getLogger(__name__)


class QtBridge(QObject):
    """Carries calls from any thread to the thread this object lives in (see the module doc)."""

    _call = Signal(object, object)  # (function, args tuple)

    def __init__(self, parent: QObject | None = None, *, queued: bool = False) -> None:
        super().__init__(parent)
        self._closed = False
        kind = Qt.ConnectionType.QueuedConnection if queued else Qt.ConnectionType.AutoConnection
        self._call.connect(self._deliver, kind)

    def wrap(self, target: Callable[..., object]) -> Callable[..., None]:
        """A plain callable, safe from any thread, that runs ``target(*args)`` on this thread."""

        def relay(*args: Any) -> None:
            if self._closed or not shiboken6.isValid(self):
                return
            try:
                self._call.emit(target, args)
            except RuntimeError:  # deleted between the check and the emit
                _log.debug("QtBridge: call dropped, the bridge is gone")

        return relay

    def close(self) -> None:
        """Drop every later call (those already queued are dropped too); idempotent."""
        self._closed = True

    @property
    def closed(self) -> bool:
        return self._closed

    def _deliver(self, target: Callable[..., object], args: tuple[Any, ...]) -> None:
        if not self._closed:
            target(*args)
