"""Unexpected errors: the traceback goes to the log, one plain line to the status area.

The reporter the app installs as ``sys.excepthook`` and as the asyncio loop's exception
handler, on a real status bar and a qasync loop.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QStatusBar
from pytestqt.qtbot import QtBot

from tests.ui.loop_support import run, until
from tests.ui.window_support import qasync_loop_without_leftovers
from workbench.app.gui import ErrorReporter
from workbench.ui.status_area import StatusArea, plain


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qasync_loop_without_leftovers(qapp)


@pytest.fixture
def status(qtbot: QtBot) -> StatusArea:
    bar = QStatusBar()
    qtbot.addWidget(bar)
    return StatusArea(bar, bar)


def explode() -> None:
    raise ValueError("the frame had no body\nsecond line with details")


def test_an_uncaught_exception_is_one_plain_line_and_a_logged_traceback(
    status: StatusArea, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    reporter = ErrorReporter(status, tmp_path / "workbench.log")
    try:
        explode()
    except ValueError:
        reporter.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    (shown,) = status.texts("error")
    assert shown == (
        "Unexpected error (ValueError: the frame had no body); the workbench goes on. "
        f"Details: {tmp_path / 'workbench.log'}."
    )
    assert "Traceback" not in shown
    assert "\n" not in status.bar.currentMessage()
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.exc_info is not None
    assert "in explode" in caplog.text  # the traceback is in the log


def test_the_loop_handler_reports_a_failing_callback(
    qloop: asyncio.AbstractEventLoop, status: StatusArea, caplog: pytest.LogCaptureFixture
) -> None:
    previous_hook = sys.excepthook
    reporter = ErrorReporter(status, Path("log")).install(qloop)
    assert sys.excepthook == reporter.excepthook

    async def scenario() -> None:
        asyncio.get_running_loop().call_soon(explode)
        await until(lambda: status.texts("error") != [], what="the error shown")

    try:
        run(qloop, scenario())
    finally:
        reporter.uninstall()
    assert sys.excepthook is previous_hook
    assert status.texts("error")[0].startswith("Unexpected error (ValueError: the frame had")
    assert "in explode" in caplog.text


def test_plain_keeps_the_first_meaningful_line() -> None:
    assert plain("Traceback (most recent call last):\n  File x\nKeyError: 'a'") == "KeyError: 'a'"
    assert plain("  \n\nfirst\nsecond") == "first"
    assert plain("") == "Something went wrong (no details)."
    assert len(plain("x" * 1000)) == 300
