"""A qasync loop for tests that open real WebSockets: no Qt timer left behind when it closes.

``loop_support.qasync_loop`` closes the loop after the test. Callbacks still scheduled then
(aiohttp re-arms a WebSocket heartbeat even around a close) stay registered as Qt timers on
the closed loop's timer object; they fire seconds later, during another test, when the garbage
collector may have freed that object meanwhile, and PySide crashes in
``QTimerInfoList::activateTimers`` (a segmentation fault far from its cause). Killing those
timers as the loop closes leaves nothing to fire. qasync keeps them in a private mapping; if a
later qasync renames it, nothing is killed and the crash may come back, which is why this is
the one place that touches it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from PySide6.QtWidgets import QApplication

from tests.ui.loop_support import qasync_loop


def qasync_loop_without_leftovers(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """:func:`~tests.ui.loop_support.qasync_loop` (which now kills its leftover Qt timers)."""
    yield from qasync_loop(qapp)
