"""Qt widget tests: real widgets on the offscreen platform (no display needed).

The platform must be chosen before the QApplication exists; pytest-qt creates it lazily at the
first ``qtbot``, after this module has run.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_gui_thread() -> Iterator[None]:
    """Python's collector runs on whichever thread allocates; Qt objects must die on theirs.

    A collection triggered on a worker thread (a decoder, ``asyncio.to_thread``) can delete a
    Python-owned Qt object (a closed qasync loop's timer, an unparented widget) off the GUI
    thread, and a later timer then fires for a freed object: a segfault in a later test. So
    automatic collection is off while a widget test runs and the garbage is collected here, on
    the GUI thread, before and after it. The app does the same (``workbench.app.gui``).
    """
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()
