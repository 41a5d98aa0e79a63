"""A horizontal level meter: RMS and peak bars in dBFS, a held peak, and a clip lamp.

The numbers come from :class:`workbench.audio.levels.LevelMeter` (one :class:`Level` per chunk of
the outgoing stream): this widget only draws them. The scale is linear in dB from
:data:`FLOOR_DB` to 0 dBFS, so speech (-40 to -10 dBFS) fills most of the bar. The clip lamp
follows ``Level.clip_hold``, which the meter keeps on for a second after the last clipped sample
(counted in samples, so a one-sample clip is still seen at 30 frames a second).

Painting is cheap (a few rectangles) and happens only when Qt repaints: :meth:`set_level` just
stores the reading and calls ``update()``, which Qt coalesces, so readings arriving faster than
the screen refreshes cost nothing extra. The numbers are also the tooltip and the accessible
description, for screen readers and for support screenshots.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from workbench.audio.levels import FLOOR_DBFS, SILENT, Level
from workbench.ui.theme import Theme, theme_watcher

FLOOR_DB: Final = -60.0
"""The left end of the scale; quieter readings draw as empty."""
HOT_DB: Final = -6.0
"""Bars past this are drawn in the "hot" colour: the audio is close to clipping."""
LAMP_WIDTH: Final = 34


def describe(level: Level) -> str:
    """The reading in words: "RMS -23.4 dBFS, peak -6.1 dBFS (held -5.0), clipping"."""

    def db(value: float) -> str:
        return "silence" if value <= FLOOR_DBFS else f"{value:.1f} dBFS"

    text = f"RMS {db(level.rms_dbfs)}, peak {db(level.peak_dbfs)}"
    if level.peak_hold_dbfs > level.peak_dbfs + 0.05:
        text += f" (held {db(level.peak_hold_dbfs)})"
    if level.clip_hold:
        text += ", clipping"
    return text


def _fraction(dbfs: float) -> float:
    """Where ``dbfs`` sits on the bar, 0 (floor) to 1 (full scale)."""
    return min(1.0, max(0.0, (dbfs - FLOOR_DB) / -FLOOR_DB))


class LevelMeterView(QWidget):
    """Draws the latest :class:`Level`; see the module docstring."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._level = SILENT
        self._text = ""
        watcher = theme_watcher()
        self._theme = watcher.theme
        watcher.changed.connect(self.apply_theme)
        self.setAccessibleName("Input level")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._show_text()

    @property
    def level(self) -> Level:
        return self._level

    @property
    def clip_lit(self) -> bool:
        """Whether the clip lamp is on (it follows the meter's clip hold)."""
        return self._level.clip_hold

    def text(self) -> str:
        """The reading in words, as in the tooltip."""
        return self._text

    def set_level(self, level: Level) -> None:
        """Show ``level`` at the next repaint."""
        if level != self._level:
            self._level = level
            self._show_text()
            self.update()

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(240, 16)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(LAMP_WIDTH + 60, 10)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.ApplicationPaletteChange:
            theme_watcher().refresh()
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        theme, level = self._theme, self._level
        painter = QPainter(self)
        try:
            height = float(self.height())
            bar = QRectF(0, 0, max(0.0, self.width() - LAMP_WIDTH - 4), height)
            painter.fillRect(bar, theme.qcolor("meter_track"))
            hot_x = bar.width() * _fraction(HOT_DB)
            peak_x = bar.width() * _fraction(level.peak_dbfs)
            rms_x = bar.width() * _fraction(level.rms_dbfs)
            # The peak bar is the thin lighter one behind, the RMS bar the solid one in front.
            painter.fillRect(QRectF(0, 0, min(peak_x, hot_x), height), theme.qcolor("meter_peak"))
            if peak_x > hot_x:
                painter.fillRect(
                    QRectF(hot_x, 0, peak_x - hot_x, height), theme.qcolor("meter_hot")
                )
            inset = height / 4
            painter.fillRect(QRectF(0, inset, rms_x, height - 2 * inset), theme.qcolor("meter_rms"))
            if level.peak_hold_dbfs > FLOOR_DB:
                hold_x = bar.width() * _fraction(level.peak_hold_dbfs)
                painter.fillRect(
                    QRectF(max(0.0, hold_x - 2), 0, 2, height), theme.qcolor("meter_hold")
                )
            lamp = QRectF(self.width() - LAMP_WIDTH, 0, LAMP_WIDTH, height)
            painter.fillRect(lamp, theme.qcolor("clip_on" if level.clip_hold else "clip_off"))
            painter.setPen(theme.qcolor("background" if level.clip_hold else "foreground"))
            font = painter.font()
            font.setPixelSize(max(7, int(height * 0.6)))
            painter.setFont(font)
            painter.drawText(lamp, Qt.AlignmentFlag.AlignCenter, "CLIP")
        finally:
            painter.end()

    def _show_text(self) -> None:
        self._text = describe(self._level)
        self.setToolTip(self._text)
        self.setAccessibleDescription(self._text)
