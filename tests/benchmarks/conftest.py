"""Benchmark plumbing: tables shown at the end of the run and written to a Markdown file.

Benchmarks measure; they never assert a time limit. Each one hands its results to the
``bench_report`` fixture as a :class:`~tests.benchmarks.support.Table`; at the end of the session
every table is printed in a "benchmark results" section (outside pytest's output capture, so
``make bench`` shows them) and written to ``build/benchmarks/report.md``.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.benchmarks.support import Table, close_engines

REPORT_PATH = Path("build") / "benchmarks" / "report.md"
"""Where the tables go, relative to the repository root."""

_TABLES = pytest.StashKey[list[Table]]()
_LOAD = pytest.StashKey[str]()


def _load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_LOAD] = _load_average()


def pytest_sessionfinish(session: pytest.Session) -> None:
    close_engines()


@pytest.fixture
def bench_report(request: pytest.FixtureRequest) -> Callable[[Table], None]:
    """Record a table for the end-of-run summary and the Markdown report.

    A table with the title of one already recorded (another parameter of the same benchmark)
    adds its rows, and any new notes, to that one.
    """
    tables = request.config.stash.setdefault(_TABLES, [])

    def record(table: Table) -> None:
        for earlier in tables:
            if earlier.title == table.title and earlier.headers == table.headers:
                earlier.rows.extend(table.rows)
                earlier.notes.extend(note for note in table.notes if note not in earlier.notes)
                return
        tables.append(table)

    return record


def _machine() -> str:
    cpu = platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for text in info:
                if text.startswith("model name"):
                    cpu = text.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    tables = config.stash.get(_TABLES, [])
    if not tables:
        return
    header = (
        f"H2B Workbench benchmarks, {time.strftime('%Y-%m-%d %H:%M')}, {_machine()}\n\n"
        f"Load average (1, 5, 15 min) before: {config.stash.get(_LOAD, 'unknown')}, "
        f"after: {_load_average()} (anything else running skews the times)"
    )
    text = "\n\n".join([header, *(table.markdown() for table in tables)]) + "\n"
    terminalreporter.write_sep("=", "benchmark results")
    terminalreporter.write_line(text)
    path = config.rootpath / REPORT_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# {text}", encoding="utf-8")
    terminalreporter.write_line(f"(written to {REPORT_PATH})")
