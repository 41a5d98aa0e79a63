"""The level meter widget: what it paints where, its words, and the clip lamp's hold."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from workbench.audio.levels import SILENT, Level, LevelMeter
from workbench.ui.level_meter import LAMP_WIDTH, LevelMeterView, describe
from workbench.ui.theme import theme_watcher

pytestmark = pytest.mark.timeout(30)
WIDTH, HEIGHT = 338, 20  # a 300 px bar (then a gap and the lamp): -60 dBFS at x=0, 0 at 300


def shown_meter(qtbot: QtBot) -> LevelMeterView:
    meter = LevelMeterView()
    qtbot.addWidget(meter)
    meter.setFixedSize(WIDTH, HEIGHT)
    meter.show()
    qtbot.waitExposed(meter)
    return meter


def colour(image: QImage, x: int, y: int = HEIGHT // 2) -> str:
    return image.pixelColor(x, y).name()


def test_the_bars_sit_where_the_decibels_say(qtbot: QtBot) -> None:
    meter = shown_meter(qtbot)
    theme = theme_watcher().theme
    meter.set_level(Level(rms_dbfs=-30.0, peak_dbfs=-12.0, clipping=False, peak_hold_dbfs=-3.0))
    image = meter.grab().toImage()
    assert colour(image, 140) == theme.meter_rms  # -30 dBFS is half way: x = 150
    assert colour(image, 160) == theme.meter_peak  # between RMS and peak
    assert colour(image, 250) == theme.meter_track  # past the peak (-12 dBFS: x = 240)
    assert colour(image, 284) == theme.meter_hold  # the held peak at -3 dBFS: x = 285
    assert colour(image, WIDTH - LAMP_WIDTH // 2, 1) == theme.clip_off


def test_the_clip_lamp_follows_the_meter_hold(qtbot: QtBot) -> None:
    meter = shown_meter(qtbot)
    theme = theme_watcher().theme
    levels = LevelMeter(clip_hold_s=1.0)
    clipped = np.zeros(480, dtype=np.int16)
    clipped[10] = 32767
    meter.set_level(levels.feed(clipped))
    assert meter.clip_lit
    assert colour(meter.grab().toImage(), WIDTH - LAMP_WIDTH // 2, 1) == theme.clip_on
    quiet = np.zeros(480, dtype=np.int16)
    lit = 0
    while True:  # 60 ms chunks of silence after the clip
        meter.set_level(levels.feed(quiet))
        if not meter.clip_lit:
            break
        lit += 1
    # Held until 8000 samples (1 s) after the clipped sample (sample 11 of 480·16): 15 chunks.
    assert lit == 15
    assert colour(meter.grab().toImage(), WIDTH - LAMP_WIDTH // 2, 1) == theme.clip_off


def test_the_numbers_are_the_tooltip_and_the_accessible_text(qtbot: QtBot) -> None:
    meter = shown_meter(qtbot)
    assert meter.text() == "RMS silence, peak silence"
    level = Level(-23.44, -6.12, True, peak_hold_dbfs=-5.0, clip_hold=True)
    meter.set_level(level)
    expected = "RMS -23.4 dBFS, peak -6.1 dBFS (held -5.0 dBFS), clipping"
    assert meter.text() == expected == describe(level)
    assert meter.toolTip() == expected
    assert meter.accessibleDescription() == expected
    assert meter.accessibleName() == "Input level"
    meter.set_level(SILENT)
    assert meter.toolTip() == "RMS silence, peak silence"
