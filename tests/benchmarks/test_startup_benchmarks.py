"""Start-up: from typing ``h2b-workbench`` to a window on screen, and to a usable local server.

The installed command runs offscreen in a subprocess, with its own settings folder, and the
benchmark switch (``H2B_WORKBENCH_BENCH``) that makes it print ``H2B-BENCH <event> <epoch>``
lines and close itself: ``shown`` when the window is first shown, ``server`` when the local
server child listens, ``connected`` when the window is connected to it, ``closed`` after the
clean shut-down (session, socket, audio, child). Times are measured from just before the
process is spawned, with the wall clock (the only clock two processes share).

The first run of the module is as cold as this machine allows (the interpreter, Qt and the
whisper model may still be in the page cache from earlier tests); the next ones are warm. A
row for the server child alone (:class:`LocalServerProcess` spawn → ready line) separates the
recognizer's start from the window's. Measures only: nothing asserts a time.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.benchmarks.support import Table
from workbench.app.local_server import LocalServerProcess

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(600)]

SCRIPT = Path(sys.executable).with_name("h2b-workbench")
RUNS = 5
TITLE = f"Start-up of the window, offscreen ({RUNS} runs each; first run listed apart)"
HEADERS = ["what", "first run", "median", "min / max", "notes"]


def _launch(wanted: str, config: Path) -> tuple[float, dict[str, float]]:
    """Run the app once; the spawn time and each milestone's wall time."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(config),
        "H2B_WORKBENCH_BENCH": wanted,
    }
    started = time.time()
    result = subprocess.run(
        [str(SCRIPT)], env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    marks = {
        name: float(at)
        for name, at in re.findall(r"^H2B-BENCH (\w+) ([\d.]+)", result.stdout, re.MULTILINE)
    }
    return started, marks


def _row(table: Table, what: str, values: list[float], note: str = "") -> None:
    rest = values[1:] or values
    table.add(
        what,
        f"{values[0]:.2f} s",
        f"{statistics.median(rest):.2f} s",
        f"{min(rest):.2f} / {max(rest):.2f} s",
        note,
    )


def test_window_shown_and_local_server_connected(
    tmp_path: Path, bench_report: Callable[[Table], None]
) -> None:
    table = Table(TITLE, HEADERS)
    shown: list[float] = []
    for run in range(RUNS):
        started, marks = _launch("shown", tmp_path / f"shown-{run}")
        shown.append(marks["shown"] - started)
    _row(table, "command → window shown", shown, "Python, Qt, the panels; nothing waited for")

    to_server: list[float] = []
    to_connected: list[float] = []
    after_shown: list[float] = []
    closing: list[float] = []
    for run in range(RUNS):
        started, marks = _launch("connected", tmp_path / f"connected-{run}")
        to_server.append(marks["server"] - started)
        to_connected.append(marks["connected"] - started)
        after_shown.append(marks["connected"] - marks["shown"])
        closing.append(marks["closed"] - marks["connected"])
    _row(table, "command → local server ready", to_server, "child spawned before Qt loads")
    _row(table, "command → connected to it", to_connected, "token + WebSocket on loopback")
    _row(table, "window shown → connected", after_shown, "what the user waits, window up")
    _row(table, "close asked → shut down", closing, "STOP/CLOSE, socket, audio, child")

    child: list[float] = []

    async def start_child() -> float:
        process = LocalServerProcess()
        began = time.perf_counter()
        try:
            await process.start()
            return time.perf_counter() - began
        finally:
            await process.stop()

    for _ in range(RUNS):
        child.append(asyncio.run(start_child()))
    _row(table, "server child alone: spawn → ready", child, "interpreter + engine load")
    table.notes.append(
        "wall clock from just before the spawn; offscreen Qt; a fresh settings folder per run"
    )
    bench_report(table)
