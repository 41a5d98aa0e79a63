"""The timeline view under load: event-loop responsiveness while appending, filters at 100 000.

**Appending.** Real frames (a client protocol core and the codec, as the controller records
them: ``tests/ui/timeline_support.py``) go into a timeline at 1 000 entries a second for
:data:`RUN_S` seconds, from a 10 ms timer on the GUI thread, as the controller appends on the
qasync loop. Meanwhile a 16 ms timer (one 60 Hz frame) measures how late the event loop lets it
fire: that lateness is what a user feels as a stalled UI. Rows:

* **timeline only**: no view, the baseline (building and judging 1 000 frames a second);
* **view, following**: the :class:`TimelineView` shown (offscreen), auto-scrolling;
* **view, paused**: the same with "Pause scrolling" on.

Also per row: batches inserted, the process's CPU share, and one full repaint of the table
(``viewport().repaint()``, timed synchronously, 20 times after the run).

**Filtering 100 000 entries.** The filter's own index-list proxy against a
``QSortFilterProxyModel`` subclass with the same test in ``filterAcceptsRow`` (the reason the
proxy is hand-written), each time including the repaint that follows.

Measures only: no time limits.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt makes the QApplication

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.benchmarks.support import Table
from tests.ui.timeline_support import big_timeline, open_session, recognition
from tests.unit.session.harness import Harness
from workbench.session import Timeline
from workbench.ui.timeline_filter import FilterCriteria
from workbench.ui.timeline_model import TimelineModel
from workbench.ui.timeline_view import TimelineView

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(240)]

RUN_S = 10.0
RATE = 1000
"""Entries appended per second."""
TICK_MS = 10
FRAME_MS = 16
ENTRIES = 100_000
REPEATS = 3
APPEND_TITLE = (
    f"Timeline view while appending {RATE} entries/s for {RUN_S:g} s (real frames, offscreen)"
)
APPEND_HEADERS = [
    "setup",
    "entries",
    "batches",
    "16 ms timer lateness median / p95 / max",
    "full repaint median / max",
    "full GCs",
    "CPU",
]
FILTER_TITLE = f"Timeline filter at {ENTRIES:,} entries".replace(",", " ")
FILTER_HEADERS = [
    "operation",
    "rows shown",
    "index-list proxy median / max",
    "+ repaint",
    "QSortFilterProxyModel",
]


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"{statistics.median(ordered) * 1e3:.1f} / {p95 * 1e3:.1f} / {ordered[-1] * 1e3:.1f} ms"


class Feeder:
    """Appends real frames at :data:`RATE` entries a second, paced on the clock."""

    def __init__(self) -> None:
        self.harness = Harness()
        open_session(self.harness, at=0.0)
        self.started = time.perf_counter()
        self.appended = len(self.timeline)
        self.n = 0

    @property
    def timeline(self) -> Timeline:
        return self.harness.timeline

    def restart(self) -> None:
        self.started, self.appended = time.perf_counter(), len(self.timeline)

    def on_tick(self) -> None:
        due = self.appended + int((time.perf_counter() - self.started) * RATE)
        while len(self.timeline) < due:  # four entries per recognition
            recognition(self.harness, self.n, at=self.n * 2.0 + 1.0)
            self.n += 1


class GcPauses:
    """The full (generation 2) garbage collections during a run, and how long they took.

    They stop the whole interpreter, event loop included, and grow with the number of live
    objects: a lateness spike that matches one is the collector's, not the view's.
    """

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started = 0.0

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._on_gc)
        return self

    def __exit__(self, *_exc: object) -> None:
        gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._started)

    def text(self) -> str:
        if not self.pauses:
            return "none"
        return f"{len(self.pauses)}, max {max(self.pauses) * 1e3:.0f} ms"


def _run(qtbot: QtBot, feeder: Feeder, gc_pauses: GcPauses) -> tuple[list[float], int, float]:
    """Append for RUN_S s; the 16 ms timer's lateness, entries appended, CPU share."""
    lateness: list[float] = []
    last = [time.perf_counter()]

    def on_frame() -> None:
        now = time.perf_counter()
        lateness.append(max(0.0, now - last[0] - FRAME_MS / 1000))
        last[0] = now

    ticker, frame = QTimer(), QTimer()
    ticker.setInterval(TICK_MS)
    frame.setInterval(FRAME_MS)
    frame.setTimerType(Qt.TimerType.PreciseTimer)
    ticker.timeout.connect(feeder.on_tick)
    frame.timeout.connect(on_frame)
    before = len(feeder.timeline)
    feeder.restart()
    cpu = time.process_time()
    last[0] = time.perf_counter()
    with gc_pauses:
        ticker.start()
        frame.start()
        qtbot.wait(int(RUN_S * 1000))
        ticker.stop()
        frame.stop()
    share = (time.process_time() - cpu) / RUN_S
    return lateness, len(feeder.timeline) - before, share


def _repaints(view: TimelineView) -> list[float]:
    times = []
    for _ in range(20):
        started = time.perf_counter()
        view.table.viewport().repaint()
        times.append(time.perf_counter() - started)
    return times


def test_event_loop_while_appending(qtbot: QtBot, bench_report: Callable[[Table], None]) -> None:
    table = Table(APPEND_TITLE, APPEND_HEADERS)
    for setup in ("timeline only", "view, following", "view, paused"):
        feeder = Feeder()
        view = None
        if setup != "timeline only":
            view = TimelineView(feeder.timeline)
            qtbot.addWidget(view)
            view.resize(1400, 700)
            view.show()
            view.toolbar.pause_button.setChecked(setup == "view, paused")
            qtbot.wait(200)
        gc_pauses = GcPauses()
        lateness, appended, cpu = _run(qtbot, feeder, gc_pauses)
        if view is None:
            table.add(setup, appended, "-", _ms(lateness), "-", gc_pauses.text(), f"{cpu:.0%}")
            continue
        qtbot.waitUntil(lambda v=view: v.model.pending == 0)
        repaint = sorted(_repaints(view))
        table.add(
            setup,
            appended,
            view.model.batches,
            _ms(lateness),
            f"{statistics.median(repaint) * 1e3:.1f} / {repaint[-1] * 1e3:.1f} ms",
            gc_pauses.text(),
            f"{cpu:.0%}",
        )
        view.shutdown()
    table.notes.append(
        f"lateness: how much later than {FRAME_MS} ms after the previous one a repeating "
        f"{FRAME_MS} ms timer fired (0 = on time); the timeline-only row is the baseline"
    )
    table.notes.append(
        "entries come from a 10 ms timer on the GUI thread; batches = coalesced inserts "
        "(one every ~50 ms); repaint = one full repaint of a 1400×700 table, synchronous"
    )
    bench_report(table)


class SortFilterBaseline(QSortFilterProxyModel):
    """What the filter would be as a ``QSortFilterProxyModel``: the same test, row by row."""

    def __init__(self, model: TimelineModel) -> None:
        super().__init__()
        self._model = model
        self._accepts = FilterCriteria().predicate()
        self.setSourceModel(model)

    def set_criteria(self, criteria: FilterCriteria) -> None:
        self.beginFilterChange()
        self._accepts = criteria.predicate()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(  # noqa: N802 - Qt's name
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        return self._accepts(self._model.entry(source_row))


def _timed(action: Callable[[], Any]) -> tuple[float, float]:
    """How long ``action`` took, and with the repaint that follows it."""
    started = time.perf_counter()
    action()
    called = time.perf_counter()
    QApplication.processEvents()
    return called - started, time.perf_counter() - started


def _median_max(values: list[float]) -> str:
    return f"{statistics.median(values) * 1e3:.1f} / {max(values) * 1e3:.1f} ms"


def test_filter_at_a_hundred_thousand_entries(
    qtbot: QtBot, bench_report: Callable[[Table], None]
) -> None:
    started = time.perf_counter()
    timeline = big_timeline(ENTRIES)
    built = time.perf_counter() - started
    started = time.perf_counter()
    view = TimelineView(timeline)
    qtbot.addWidget(view)
    view.resize(1400, 700)
    view.show()
    QApplication.processEvents()
    shown = time.perf_counter() - started
    baseline_model = TimelineModel(timeline)  # its own source: no view, no shared signals
    baseline = SortFilterBaseline(baseline_model)
    table = Table(FILTER_TITLE, FILTER_HEADERS)
    operations: list[tuple[str, FilterCriteria]] = [
        ("kind = event", FilterCriteria(kinds=frozenset({"event"}))),
        ("kinds = error, violation", FilterCriteria(kinds=frozenset({"error", "violation"}))),
        ("name = RECOGNITION-COMPLETE", FilterCriteria(names=frozenset({"RECOGNITION-COMPLETE"}))),
        ("text 'call me back'", FilterCriteria(text="call me back")),
        ("text with no match", FilterCriteria(text="no such text")),
        ("kind = event + text 'yes'", FilterCriteria(kinds=frozenset({"event"}), text="yes")),
        ("no filter", FilterCriteria()),
    ]
    for label, criteria in operations:
        ours, painted, theirs = [], [], []
        for _ in range(REPEATS):
            call, total = _timed(lambda c=criteria: view.filter.set_criteria(c))
            ours.append(call)
            painted.append(total)
            view.filter.set_criteria(FilterCriteria(text="reset"))
            theirs.append(_timed(lambda c=criteria: baseline.set_criteria(c))[0])
        view.filter.set_criteria(criteria)
        assert baseline.rowCount() == view.filter.rowCount()
        table.add(
            label,
            view.filter.rowCount(),
            _median_max(ours),
            _median_max(painted),
            _median_max(theirs),
        )
    baseline_model.shutdown()
    appended, appended_painted = [], []
    for n in range(REPEATS):
        for i in range(50):
            timeline.note("note", f"late {n}.{i}", "", 1e9 + n, 1e9 + n)
        call, total = _timed(view.model.flush)
        appended.append(call)
        appended_painted.append(total)
    table.add(
        "append 50 entries (one batch)",
        view.filter.rowCount(),
        _median_max(appended),
        _median_max(appended_painted),
        "-",
    )
    table.notes.append(
        f"building the {ENTRIES} entries (real frames, loaded from JSON Lines): {built:.1f} s; "
        f"the view over them, shown and painted: {shown * 1e3:.0f} ms"
    )
    table.notes.append(
        "QSortFilterProxyModel: a subclass calling the same predicate from filterAcceptsRow "
        "(one call from C++ into Python per row), no view attached; '+ repaint' is the "
        "index-list proxy's time including the shown table's repaint (1400×700)"
    )
    bench_report(table)
    view.shutdown()
