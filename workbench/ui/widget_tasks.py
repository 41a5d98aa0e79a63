"""Asyncio tasks a widget starts for the user (connect, save…), owned and reported by the widget.

A button's slot cannot await, so it starts a task on the running (qasync) loop. The widget must
keep a reference (the loop holds tasks weakly), hear of a crash on the GUI thread, and cancel
what is still running when it shuts down. :class:`WidgetTasks` does those three things once for
every widget; an unexpected exception is logged with its traceback and told to the user in one
plain line through ``report(text, level)``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from workbench.ui.qt_bridge import QtBridge

_log = logging.getLogger(__name__)

Report = Callable[[str, str], object]
"""``report(text, level)`` with level "info", "warning" or "error"."""


class WidgetTasks:
    """The tasks one widget started; see the module docstring."""

    def __init__(self, bridge: QtBridge, report: Report, what: str) -> None:
        self._bridge = bridge
        self._report = report
        self._what = what
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any] | None:
        """Run ``work`` on the running loop; None (and a message) when no loop runs."""
        try:
            task = asyncio.get_running_loop().create_task(work)
        except RuntimeError:
            work.close()
            self._report("Internal error: the asyncio loop is not running.", "error")
            return None
        self._tasks.add(task)
        task.add_done_callback(self._bridge.wrap(self._on_done))
        return task

    def cancel_all(self) -> None:
        for task in tuple(self._tasks):
            task.cancel()

    def _on_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        error = task.exception()
        _log.error("%s failed", self._what, exc_info=error)
        self._report(f"Unexpected error ({type(error).__name__}: {error}).", "error")
