"""The plot of the audio history view: the envelope of the audio sent, markers, a selection.

What :class:`~workbench.ui.audio_history_view.AudioHistoryView` draws, in pyqtgraph, with
x = seconds since the request's command (the :class:`~workbench.session.audio_markers.MarkerSet`
origin):

* the audio as a min/max envelope, one vertical segment per pixel column, drawn like the live
  waveform (``workbench.ui.waveform_view``): one ``PlotCurveItem`` with ``connect="pairs"``, no
  anti-aliasing, no finite check;
* stretches where no audio was sent (the session was not open, or it has not been sent yet)
  shaded, with a tooltip saying so;
* one ``InfiniteLine`` per marker, labelled, with the marker's explanation as its tooltip and a
  style per kind (:data:`MARKER_STYLES`); a deadline the recognition never reached is faint.
  Clicking the line or label of a command or event emits ``marker_clicked(index)``;
* the selection (a ``LinearRegionItem`` the user can drag) and the play head.

Nothing here knows about the timeline or the review: the view hands it numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg  # type: ignore[import-untyped]  # pyqtgraph ships no type hints
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from workbench.audio.levels import FULL_SCALE
from workbench.session.audio_markers import AudioMarker, MarkerKind
from workbench.ui.entry_style import KIND_COLOURS
from workbench.ui.theme import Theme, theme_watcher

__all__ = ["MARKER_STYLES", "AudioHistoryPlot", "MarkerStyle", "label_of"]

_LABEL_ROWS: Final = (0.96, 0.84, 0.72, 0.60, 0.48)
"""Heights (fraction of the view) a label may sit at: the first where it overlaps no other."""
_LABEL_GAP_PX: Final = 6
_FAINT_ALPHA: Final = 90
_UNSENT_ALPHA: Final = 160


@dataclass(frozen=True, slots=True)
class MarkerStyle:
    """How the markers of one kind are drawn."""

    colour: str
    width: float
    dash: Qt.PenStyle


MARKER_STYLES: Final[dict[MarkerKind, MarkerStyle]] = {
    "command": MarkerStyle(KIND_COLOURS["command"], 2.0, Qt.PenStyle.SolidLine),
    "event": MarkerStyle(KIND_COLOURS["event"], 2.0, Qt.PenStyle.SolidLine),
    "speech": MarkerStyle(KIND_COLOURS["reply"], 2.0, Qt.PenStyle.DotLine),
    "deadline": MarkerStyle("#e37400", 1.0, Qt.PenStyle.DashLine),
}
"""Commands and events in the timeline's colours, speech green and dotted, deadlines dashed."""


class _ClickableLabel(pg.InfLineLabel):  # type: ignore[misc]  # subclassing an untyped class
    """A line label that counts as the line when clicked (the label is the bigger target)."""

    def mouseClickEvent(self, event: Any) -> None:  # noqa: N802 (pyqtgraph's name)
        self.line.mouseClickEvent(event)


class AudioHistoryPlot(QWidget):
    """The envelope, the unsent stretches, the markers, the selection and the play head.

    Signals: ``marker_clicked(index)`` when a command or event marker is clicked (the index
    into the markers last given to :meth:`set_markers`); ``region_dragged(x0, x1)`` when the user
    moved the selection (seconds).
    """

    marker_clicked = Signal(int)
    region_dragged = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.widget = pg.PlotWidget()
        item = self.widget.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setMouseEnabled(x=False, y=False)
        item.hideAxis("left")
        item.setYRange(-1.0, 1.0, padding=0.02)
        item.disableAutoRange()
        item.getAxis("bottom").setLabel("seconds since the command")
        self.curve = pg.PlotCurveItem(connect="pairs", antialias=False, skipFiniteCheck=True)
        item.addItem(self.curve)
        self.region = pg.LinearRegionItem((0.0, 0.0), swapMode="sort")
        self.region.setZValue(-5)
        self.region.setToolTip("The audio Play and Save use: drag it, or its edges")
        item.addItem(self.region)
        self.head = pg.InfiniteLine(0.0, angle=90, movable=False)
        self.head.setZValue(20)
        self.head.hide()
        item.addItem(self.head)
        self.lines: list[pg.InfiniteLine] = []
        self.unsent: list[pg.LinearRegionItem] = []
        self._clickable: frozenset[int] = frozenset()
        self._setting_region = False
        self._theme: Theme | None = None
        self.region.sigRegionChangeFinished.connect(self.on_region_change_finished)
        self.setAccessibleName("Audio sent around the request")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.widget)
        self.setMinimumHeight(120)
        watcher = theme_watcher()
        self.apply_theme(watcher.theme)
        watcher.changed.connect(self.apply_theme)

    # -- what is shown -----------------------------------------------------------------------

    def set_range(self, x0: float, x1: float) -> None:
        """Show seconds ``x0`` to ``x1``."""
        self.widget.getPlotItem().setXRange(x0, x1, padding=0.0)
        self._place_labels()

    def x_range(self) -> tuple[float, float]:
        low, high = self.widget.getPlotItem().getViewBox().viewRange()[0]
        return float(low), float(high)

    def columns(self) -> int:
        """How many columns an envelope needs: the plot area's width in device pixels."""
        box = self.widget.getPlotItem().getViewBox()
        return max(1, round(float(box.width()) * self.devicePixelRatioF()))

    def set_envelope(
        self,
        x0: float,
        x1: float,
        mins: npt.NDArray[np.generic],
        maxs: npt.NDArray[np.generic],
    ) -> None:
        """The envelope of seconds ``x0``…``x1``: ``mins``/``maxs`` per column, int16 values."""
        count = len(mins)
        if count == 0 or x1 <= x0:
            self.curve.setData(np.zeros(0), np.zeros(0))
            return
        centres = x0 + (np.arange(count) + 0.5) * (x1 - x0) / count
        pixel = 2.0 / max(1.0, float(self.widget.getPlotItem().getViewBox().height()))
        low = np.asarray(mins, dtype=np.float64) / FULL_SCALE
        high = np.maximum(np.asarray(maxs, dtype=np.float64) / FULL_SCALE, low + pixel)
        y = np.empty(2 * count)
        y[0::2], y[1::2] = low, high
        self.curve.setData(np.repeat(centres, 2), y)

    def set_unsent(self, stretches: Sequence[tuple[float, float]]) -> None:
        """Shade the stretches (seconds) where no audio was sent."""
        item = self.widget.getPlotItem()
        for old in self.unsent:
            item.removeItem(old)
        self.unsent = []
        for x0, x1 in stretches:
            shade = pg.LinearRegionItem((x0, x1), movable=False, pen=pg.mkPen(None))
            shade.setZValue(-10)
            shade.setToolTip("No audio was sent here: the server heard nothing")
            item.addItem(shade)
            self.unsent.append(shade)
        self._paint_unsent()

    def set_markers(self, markers: Sequence[AudioMarker], seconds: Sequence[float]) -> None:
        """One labelled line per marker at ``seconds[i]`` (replaces the ones before)."""
        item = self.widget.getPlotItem()
        for old in self.lines:
            item.removeItem(old)
        self.lines = []
        self._clickable = frozenset(
            i for i, m in enumerate(markers) if m.kind in ("command", "event") and m.seq is not None
        )
        for index, (marker, x) in enumerate(zip(markers, seconds, strict=True)):
            line = pg.InfiniteLine(x, angle=90, movable=False, pen=_marker_pen(marker))
            line.setToolTip(f"{marker.label}: {marker.detail}" if marker.detail else marker.label)
            line.setZValue(10)
            # Owned by the line (its child item): no other reference is kept, so that it dies
            # with the line and never after it.
            label = _ClickableLabel(line, marker.label, color=_marker_colour(marker))
            label.setToolTip(line.toolTip())
            line.sigClicked.connect(lambda _line, event, index=index: self._clicked(index, event))
            item.addItem(line)
            self.lines.append(line)
        self._paint_labels()
        self._place_labels()

    def set_region(self, x0: float, x1: float) -> None:
        """Put the selection at seconds ``x0``…``x1`` (no ``region_dragged``)."""
        self._setting_region = True
        try:
            self.region.setRegion((x0, x1))
        finally:
            self._setting_region = False

    def region_seconds(self) -> tuple[float, float]:
        low, high = self.region.getRegion()
        return float(low), float(high)

    def set_head(self, x: float | None) -> None:
        """The play head at ``x`` seconds; hidden for None."""
        if x is None:
            self.head.hide()
            return
        self.head.setValue(x)
        self.head.show()

    def clear(self) -> None:
        self.curve.setData(np.zeros(0), np.zeros(0))
        self.set_markers((), ())
        self.set_unsent(())
        self.set_head(None)

    # -- theme and events --------------------------------------------------------------------

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.widget.setBackground(theme.background)
        axis = self.widget.getPlotItem().getAxis("bottom")
        axis.setPen(pg.mkPen(theme.grid))
        axis.setTextPen(pg.mkPen(theme.foreground))
        self.curve.setPen(pg.mkPen(theme.waveform, width=1))
        self.head.setPen(pg.mkPen(theme.foreground, width=1))
        selection = QColor(theme.waveform)
        selection.setAlpha(45)
        self.region.setBrush(selection)
        self._paint_unsent()
        self._paint_labels()

    def _paint_unsent(self) -> None:
        if self._theme is None:
            return
        grey = QColor(self._theme.grid)
        grey.setAlpha(_UNSENT_ALPHA)
        for shade in self.unsent:
            shade.setBrush(grey)

    def _paint_labels(self) -> None:
        if self._theme is None:
            return
        fill = QColor(self._theme.background)
        fill.setAlpha(200)
        for line in self.lines:
            label = label_of(line)
            label.fill = pg.mkBrush(fill)
            label.update()

    def _place_labels(self) -> None:
        """Each label beside its line, on the highest row where it overlaps no other label.

        A label goes to the right of its line in the left half of the view and to the left in
        the right half, so none runs off the plot; a line out of view has its label hidden.
        """
        low, high = self.x_range()
        if high <= low:
            return
        scale = float(self.widget.getPlotItem().getViewBox().width()) / (high - low)
        taken: list[list[tuple[float, float]]] = [[] for _ in _LABEL_ROWS]
        for line in self.lines:
            label = label_of(line)
            x = float(line.value())
            label.setVisible(low <= x <= high)
            if not low <= x <= high:
                continue
            width = float(label.textItem.boundingRect().width())
            left = x < (low + high) / 2
            at = (x - low) * scale
            extent = (at, at + width) if left else (at - width, at)
            row = _free_row(taken, extent)
            taken[row].append(extent)
            anchor = (0.0, 0.5) if left else (1.0, 0.5)
            label.anchors = [anchor, anchor]
            label.orthoPos = _LABEL_ROWS[row]
            label.updatePosition()

    def _clicked(self, index: int, event: Any) -> None:
        """A line (or its label) was clicked: the first frame marker under the mouse takes it
        (speech and deadline markers let it through to a frame marker beside them)."""
        if event.isAccepted() or index not in self._clickable:
            return
        event.accept()
        self.marker_clicked.emit(index)

    def on_region_change_finished(self) -> None:
        if not self._setting_region:
            self.region_dragged.emit(*self.region_seconds())

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.ApplicationPaletteChange:
            theme_watcher().refresh()
        super().changeEvent(event)


def label_of(line: pg.InfiniteLine) -> pg.InfLineLabel:
    """The label of a marker line (its child item)."""
    return next(c for c in line.childItems() if isinstance(c, pg.InfLineLabel))


def _free_row(taken: list[list[tuple[float, float]]], extent: tuple[float, float]) -> int:
    """The first row where ``extent`` (pixels) meets no label; else the least crowded one."""
    a, b = extent
    clashes = [
        sum(1 for c, d in row if a < d + _LABEL_GAP_PX and c < b + _LABEL_GAP_PX) for row in taken
    ]
    return clashes.index(min(clashes))


def _marker_colour(marker: AudioMarker) -> QColor:
    colour = QColor(MARKER_STYLES[marker.kind].colour)
    if not marker.reached:
        colour.setAlpha(_FAINT_ALPHA)
    return colour


def _marker_pen(marker: AudioMarker) -> Any:
    style = MARKER_STYLES[marker.kind]
    return pg.mkPen(_marker_colour(marker), width=style.width, style=style.dash)
