"""One loop for Qt and asyncio in widget tests, as in the app: a qasync loop per test.

A test module makes the loop a fixture (``yield from qasync_loop(qapp)``), builds its scenario as
a coroutine and runs it with ``run(qloop, scenario())``. Inside,
``await until(condition)`` polls with ``asyncio.sleep``, which hands control back to Qt's event
loop, so timers fire, widgets repaint and ``AudioStream`` chunks flow, exactly as in the app.
No nested Qt event loop is ever entered (``qtbot.waitUntil`` inside a running task would be
one), which is what keeps qasync's task bookkeeping sound.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtWidgets import QApplication

T = TypeVar("T")
SCENARIO_TIMEOUT_S = 30.0
WIND_DOWN_S = 5.0


def qasync_loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync event loop on the test's QApplication, closed after the test (a fixture body).

    Before closing, tasks still winding down get up to :data:`WIND_DOWN_S` to end, as the app's
    loop keeps running while the window tears down: a widget's ``shutdown()`` cancels its tasks,
    and a cancelled task may still have a child process to kill and reap (the TTS voice list).
    """
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        winding = [task for task in asyncio.all_tasks(loop) if not task.done()]
        if winding and not loop.is_closed():
            loop.run_until_complete(asyncio.wait(winding, timeout=WIND_DOWN_S))
        loop.close()
        asyncio.set_event_loop(None)
        _kill_leftover_timers(loop)


def _kill_leftover_timers(loop: asyncio.AbstractEventLoop) -> None:
    """Kill the Qt timers a closed qasync loop still holds for scheduled callbacks.

    Callbacks scheduled before the close (aiohttp re-arms its WebSocket heartbeat after a close)
    keep their Qt timers; firing in a later test, after their objects are freed, they crash
    PySide. qasync keeps them in its private ``_SimpleTimer`` (name-mangled attribute).
    """
    timer = getattr(loop, "_timer", None)
    pending: dict[int, object] = getattr(timer, "_SimpleTimer__callbacks", {})
    for timer_id in list(pending):
        timer.killTimer(timer_id)  # type: ignore[union-attr]
    pending.clear()


def run(loop: asyncio.AbstractEventLoop, scenario: Coroutine[Any, Any, T]) -> T:
    """Run ``scenario`` on ``loop`` to its end, bounded by :data:`SCENARIO_TIMEOUT_S`."""
    return loop.run_until_complete(asyncio.wait_for(scenario, SCENARIO_TIMEOUT_S))


async def until(condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Return once ``condition()`` is true; fail the test after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            pytest.fail(f"not within {timeout:g} s: {what or condition}")
        await asyncio.sleep(0.02)


def decoder_threads() -> list[threading.Thread]:
    """The local server's decoder threads still alive (a recognition's executor winds down)."""
    return [t for t in threading.enumerate() if t.name.startswith("h2b-decoder") and t.is_alive()]
