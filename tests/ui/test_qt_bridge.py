"""QtBridge: plain callbacks from any thread end up on the GUI thread, in order, or nowhere."""

from __future__ import annotations

import sys
import threading

import pytest
import shiboken6
from PySide6.QtCore import QObject, Signal
from pytestqt.qtbot import QtBot

from workbench.ui import pyside_fixes
from workbench.ui.qt_bridge import QtBridge

pytestmark = pytest.mark.timeout(30)


def test_a_call_on_the_gui_thread_is_direct(qtbot: QtBot) -> None:
    bridge = QtBridge()
    got: list[tuple[int, str]] = []
    relay = bridge.wrap(lambda number, text: got.append((number, text)))
    relay(1, "one")
    assert got == [(1, "one")]  # already there: no event loop turn needed


def test_calls_from_another_thread_run_on_the_gui_thread_in_order(qtbot: QtBot) -> None:
    bridge = QtBridge()
    gui_thread = threading.get_ident()
    got: list[int] = []
    threads: set[int] = set()

    def record(number: int) -> None:
        threads.add(threading.get_ident())
        got.append(number)

    relay = bridge.wrap(record)
    worker = threading.Thread(target=lambda: [relay(n) for n in range(200)])
    worker.start()
    worker.join(10)
    assert got == []  # queued: nothing runs until the GUI thread's loop turns
    qtbot.waitUntil(lambda: len(got) == 200, timeout=5000)
    assert got == list(range(200))
    assert threads == {gui_thread}


def test_queued_calls_wait_for_the_event_loop_even_on_the_gui_thread(qtbot: QtBot) -> None:
    bridge = QtBridge(queued=True)
    got: list[str] = []
    bridge.wrap(got.append)("later")
    assert got == []
    qtbot.waitUntil(lambda: got == ["later"], timeout=5000)


def test_a_closed_bridge_drops_calls_including_those_already_queued(qtbot: QtBot) -> None:
    bridge = QtBridge(queued=True)
    got: list[str] = []
    relay = bridge.wrap(got.append)
    relay("queued before close")
    bridge.close()
    relay("after close")
    qtbot.wait(50)
    assert got == []
    assert bridge.closed


def test_a_deleted_bridge_drops_calls_without_raising(qtbot: QtBot) -> None:
    parent = QObject()
    bridge = QtBridge(parent)
    got: list[str] = []
    relay = bridge.wrap(got.append)
    shiboken6.delete(parent)  # the view went away; the model still holds the relay
    assert not shiboken6.isValid(bridge)
    relay("nobody listens")
    worker = threading.Thread(target=lambda: relay("from a thread"))
    worker.start()
    worker.join(10)
    qtbot.wait(50)
    assert got == []


class Model(QObject):
    changed = Signal(str)


def test_a_relayed_signal_is_emitted_on_the_gui_thread(qtbot: QtBot) -> None:
    model = Model()
    bridge = QtBridge()
    relay = bridge.wrap(model.changed.emit)
    worker = threading.Thread(target=lambda: relay("from a thread"))
    with qtbot.waitSignal(model.changed, timeout=5000) as blocker:
        worker.start()
    worker.join(10)
    assert blocker.args == ["from a thread"]


def test_an_exception_in_the_target_reaches_the_excepthook(qtbot: QtBot) -> None:
    bridge = QtBridge()

    def broken() -> None:
        raise ValueError("boom")

    with qtbot.captureExceptions() as exceptions:
        bridge.wrap(broken)()
    assert [str(error) for _, error, _ in exceptions] == ["boom"]


def test_emitting_and_disconnecting_keep_their_references_to_true_and_false(
    qtbot: QtBot,
) -> None:
    """PySide6 6.12.0 hands back a borrowed bool from emit/disconnect (see pyside_fixes)."""
    model = Model()
    got: list[str] = []
    before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(500):
        model.changed.emit("x")
        model.changed.connect(got.append)
        model.changed.disconnect(got.append)
    after = sys.getrefcount(True), sys.getrefcount(False)
    assert abs(after[0] - before[0]) < 50  # 6.12.0 unpatched: 1000 fewer
    assert abs(after[1] - before[1]) < 50
    assert pyside_fixes.patched in ([], ["emit", "disconnect"])
