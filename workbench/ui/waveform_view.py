"""The scrolling waveform of the outgoing 8 kHz audio: the last few seconds as a min/max envelope.

How it stays cheap (the Friture / pyqtgraph-examples recipe, STYLE.md):

* Chunks only go into a :class:`~workbench.audio.levels.WaveformHistory` ring (:meth:`feed`):
  a copy of a few hundred samples, no drawing.
* A ``QTimer`` ticks at :data:`DEFAULT_FPS`. A tick with nothing new to show (nor a resize or a
  theme change) does nothing at all, so a stopped stream costs a comparison 30 times a second.
  Otherwise it takes a snapshot of the history, reduces the shown window with
  :func:`~workbench.audio.levels.minmax_decimate` to one (min, max) pair per pixel column and
  hands that to one ``PlotCurveItem`` drawn with ``connect="pairs"``: a vertical segment per
  column, about a thousand segments whatever the history's length, no peak lost between pixels.
* Axes are fixed (time -N s…0, amplitude ±full scale): no auto-range, no mouse interaction,
  no anti-aliasing, no finite check.

Smooth scrolling. Chunks come every 60 ms (16 a second), fewer than the frames the eye wants.
So the right edge of the view is a *play head* that trails the newest sample by the last chunk's
length when the chunk arrives and moves on at 8000 samples a second until the next one: the
picture scrolls at the timer's rate, one chunk late. When no chunk comes (the stream stopped),
the head reaches the newest sample and stops, and so does the drawing. The head moves in whole
columns (each column always covers the same samples), so the envelope does not shimmer.

:attr:`WaveformView.stats` times every redraw (the numpy work and ``setData``) and every paint of
the plot, for the benchmark (``tests/benchmarks/test_ui_benchmarks.py``).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg  # type: ignore[import-untyped]  # pyqtgraph ships no type hints
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from workbench.audio.levels import FULL_SCALE, RATE, WaveformHistory, minmax_decimate
from workbench.audio.source import Pcm
from workbench.ui.theme import Theme, theme_watcher

DEFAULT_SECONDS: Final = 5.0
DEFAULT_FPS: Final = 30
_MARGIN_S: Final = 1.0  # history kept beyond the shown seconds: the head's lag, whole columns
_KEEP: Final = 4096  # timings kept for the statistics


@dataclass
class RedrawStats:
    """When the view redrew and how long redrawing and painting took (seconds, perf_counter)."""

    redraws: int = 0
    """Redraws done: one per timer tick that found new samples."""
    idle_ticks: int = 0
    """Timer ticks that found nothing new and did nothing."""
    redraw_at: deque[float] = field(default_factory=lambda: deque(maxlen=_KEEP))
    redraw_s: deque[float] = field(default_factory=lambda: deque(maxlen=_KEEP))
    """Snapshot + decimation + ``setData``, per redraw."""
    paint_s: deque[float] = field(default_factory=lambda: deque(maxlen=_KEEP))
    """The plot's paint event (Qt and pyqtgraph drawing the scene), per paint."""

    def reset(self) -> None:
        self.redraws = self.idle_ticks = 0
        for timings in (self.redraw_at, self.redraw_s, self.paint_s):
            timings.clear()


class _TimedPlot(pg.PlotWidget):  # type: ignore[misc]  # subclassing an untyped class
    """A PlotWidget whose paint events are timed."""

    def __init__(self, stats: RedrawStats, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._stats = stats

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        started = time.perf_counter()
        super().paintEvent(event)
        self._stats.paint_s.append(time.perf_counter() - started)


class WaveformView(QWidget):
    """The last ``seconds`` of audio fed with :meth:`feed`, redrawn at ``fps`` when it changed."""

    def __init__(
        self,
        seconds: float = DEFAULT_SECONDS,
        fps: int = DEFAULT_FPS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.history = WaveformHistory(seconds + _MARGIN_S)
        self.seconds = seconds
        self.stats = RedrawStats()
        self._head = 0  # the newest sample shown, in samples since the history started
        self._lag = 0  # how far the head trailed the newest sample when it arrived
        self._fed_at = 0.0
        self._drawn_head = -1
        self._dirty = True
        self._window: Pcm = np.zeros(0, dtype=np.int16)
        self._mins: Pcm = np.zeros(0, dtype=np.int16)
        self._maxs: Pcm = np.zeros(0, dtype=np.int16)

        self._plot = _TimedPlot(self.stats)
        item = self._plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setMouseEnabled(x=False, y=False)
        item.hideAxis("left")
        item.setXRange(-seconds, 0.0, padding=0.0)
        item.setYRange(-1.0, 1.0, padding=0.02)
        item.disableAutoRange()
        item.getAxis("bottom").setLabel("seconds")
        self._curve = pg.PlotCurveItem(connect="pairs", antialias=False, skipFiniteCheck=True)
        item.addItem(self._curve)
        self.setAccessibleName("Outgoing audio waveform")
        self.setToolTip(f"The last {seconds:g} s of audio sent, 8 kHz")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._plot)
        self.setMinimumHeight(80)

        watcher = theme_watcher()
        self.apply_theme(watcher.theme)
        watcher.changed.connect(self.apply_theme)

        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(round(1000 / fps))
        self._timer.timeout.connect(self.on_timer_timeout)

    # -- data ----------------------------------------------------------------------------

    def feed(self, pcm: Pcm) -> None:
        """Append a chunk of 8 kHz int16 samples; shown as the play head reaches them."""
        self._advance(time.perf_counter())  # where the head is before this chunk moves it
        self.history.append(pcm)
        self._lag = len(pcm)
        self._fed_at = time.perf_counter()

    def clear(self) -> None:
        """Forget the audio (drawn flat at the next tick)."""
        self.history.clear()
        self._head = self._lag = 0
        self._dirty = True

    @property
    def head(self) -> int:
        """The newest sample shown, counted from the start (it trails by up to a chunk)."""
        return self._advance(time.perf_counter())

    def envelope(self) -> tuple[Pcm, Pcm]:
        """The (min, max) per column as last drawn, oldest first (int16 sample values)."""
        return self._mins.copy(), self._maxs.copy()

    def shown_samples(self) -> Pcm:
        """The samples last drawn, oldest first: whole columns ending at the play head."""
        return self._window.copy()

    def columns(self) -> int:
        """How many columns a redraw makes: the plot area's width in device pixels."""
        box = self._plot.getPlotItem().getViewBox()
        return max(1, round(float(box.width()) * self.devicePixelRatioF()))

    # -- drawing -------------------------------------------------------------------------

    def _advance(self, now: float) -> int:
        """Move the play head on to ``now``: never back, never past the newest sample."""
        total = self.history.total_samples
        behind = max(0, self._lag - int((now - self._fed_at) * RATE))
        self._head = min(total, max(self._head, total - behind))
        return self._head

    def _per_column(self, columns: int) -> int:
        return max(1, -(-round(self.seconds * RATE) // columns))  # ceil: the view is covered

    def on_timer_timeout(self) -> None:
        columns = self.columns()
        step = self._per_column(columns)
        head = self._advance(time.perf_counter()) // step * step
        if head == self._drawn_head and not self._dirty:
            self.stats.idle_ticks += 1
            return
        self.redraw()

    def redraw(self) -> None:
        """Draw up to the play head now (the timer does this when there is something new)."""
        started = time.perf_counter()
        columns = self.columns()
        step = self._per_column(columns)
        head = self._advance(started) // step * step
        self._drawn_head, self._dirty = head, False
        held = self.history.snapshot()  # ends at history.total_samples
        end = max(0, len(held) - (self.history.total_samples - head))
        count = min(columns, end // step)
        self._window = held[end - count * step : end]
        mins, maxs = minmax_decimate(self._window, max(1, count))
        self._mins, self._maxs = mins.astype(np.int16), maxs.astype(np.int16)
        self._curve.setData(*self._segments(step))
        self.stats.redraws += 1
        self.stats.redraw_at.append(started)
        self.stats.redraw_s.append(time.perf_counter() - started)

    def _segments(self, step: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """x, y of one vertical segment per column, at least a pixel tall (silence shows)."""
        count = len(self._mins)
        if not count:
            return np.zeros(0), np.zeros(0)
        centres = (np.arange(count) - count + 0.5) * step / RATE  # the head is at x = 0
        x = np.repeat(centres, 2)
        pixel = 2.0 / max(1.0, float(self._plot.getPlotItem().getViewBox().height()))
        low = self._mins / FULL_SCALE
        high = np.maximum(self._maxs / FULL_SCALE, low + pixel)
        y = np.empty(2 * count)
        y[0::2], y[1::2] = low, high
        return x, y

    def apply_theme(self, theme: Theme) -> None:
        self._plot.setBackground(theme.background)
        axis = self._plot.getPlotItem().getAxis("bottom")
        axis.setPen(pg.mkPen(theme.grid))
        axis.setTextPen(pg.mkPen(theme.foreground))
        self._curve.setPen(pg.mkPen(theme.waveform, width=1))
        self._dirty = True

    # -- Qt ------------------------------------------------------------------------------

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self._dirty = True
        self._timer.start()

    def hideEvent(self, event: Any) -> None:  # noqa: N802
        self._timer.stop()  # nothing to draw for nobody
        super().hideEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._dirty = True

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.ApplicationPaletteChange:
            theme_watcher().refresh()
        super().changeEvent(event)
