"""The waveform view: the envelope it draws, when it redraws, and its colours per theme."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from workbench.audio.levels import minmax_decimate
from workbench.ui.theme import DARK, LIGHT, theme_watcher
from workbench.ui.waveform_view import WaveformView

pytestmark = pytest.mark.timeout(30)
RATE = 8000


def shown_view(qtbot: QtBot, seconds: float = 5.0) -> WaveformView:
    view = WaveformView(seconds=seconds, fps=30)
    qtbot.addWidget(view)
    view.resize(640, 160)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.stats.redraws >= 1, timeout=5000)  # the first drawing
    return view


def feed_chunks(view: WaveformView, pcm: np.ndarray, size: int = 480) -> None:
    """Feed ``pcm`` as the stream would, in chunks (the head trails by the last one)."""
    for start in range(0, len(pcm), size):
        view.feed(pcm[start : start + size])


def caught_up(qtbot: QtBot, view: WaveformView) -> None:
    """Wait until the play head has reached the newest sample (a chunk's time at most)."""
    qtbot.waitUntil(lambda: view.head == view.history.total_samples, timeout=5000)


def test_the_envelope_is_the_min_max_of_each_pixel_column(qtbot: QtBot) -> None:
    view = shown_view(qtbot)
    rng = np.random.default_rng(7)
    pcm = rng.integers(-20000, 20000, 3 * RATE).astype(np.int16)
    pcm[12345] = 32767  # single-sample peaks must survive the decimation
    pcm[20000] = -32768
    feed_chunks(view, pcm)
    caught_up(qtbot, view)
    view.redraw()

    mins, maxs = view.envelope()
    shown = view.shown_samples()
    step = len(shown) // len(mins)
    assert step == -(-5 * RATE // view.columns())  # 5 s over the plot's pixel columns
    assert 500 <= view.columns() <= 640
    head = len(pcm) // step * step  # the head moves in whole columns
    assert len(shown) == head  # 3 s: everything fed, no more
    assert np.array_equal(shown, pcm[:head])
    expected_min, expected_max = minmax_decimate(shown, len(mins))
    assert np.array_equal(mins, expected_min)
    assert np.array_equal(maxs, expected_max)
    assert np.array_equal(mins, shown.reshape(-1, step).min(axis=1))
    assert (mins.min(), maxs.max()) == (-32768, 32767)
    # One vertical segment per column, from -3 s to the head at 0.
    x, y = view._curve.getData()
    assert len(x) == len(y) == 2 * len(mins)
    assert -3.0 < x[0] < -2.98
    assert -0.01 < x[-1] < 0.0
    assert np.allclose(y[0::2], mins / 32768.0)


def test_only_the_last_seconds_are_shown(qtbot: QtBot) -> None:
    view = shown_view(qtbot, seconds=2.0)
    loud = np.full(RATE, 30000, dtype=np.int16)  # 1 s, then 2.1 s of a quiet ramp
    quiet = ((np.arange(int(2.1 * RATE)) % 2000) - 1000).astype(np.int16)
    feed_chunks(view, loud)
    feed_chunks(view, quiet)
    caught_up(qtbot, view)
    view.redraw()
    mins, maxs = view.envelope()
    assert (mins.min(), maxs.max()) == (-1000, 999)  # the loud second has scrolled out
    assert 2 * RATE <= len(view.shown_samples()) < 2 * RATE + view.columns()


def test_it_scrolls_between_chunks_and_stops_with_them(qtbot: QtBot) -> None:
    view = shown_view(qtbot)
    heads: list[int] = []
    fed = 0

    def feed_a_chunk() -> None:  # as the stream does: 480 samples every 60 ms
        nonlocal fed
        view.feed(np.full(480, 2000 + fed, dtype=np.int16))
        fed += 1

    feeder = QTimer()
    feeder.timeout.connect(feed_a_chunk)
    drawn = view.stats.redraws
    feeder.start(60)
    while fed < 15:
        qtbot.wait(10)
        heads.append(view.head)
    feeder.stop()
    redraws = view.stats.redraws - drawn
    assert redraws > fed  # more frames than chunks: the picture moves between them
    assert heads == sorted(heads)  # the head never goes back
    assert len(set(heads)) > fed
    caught_up(qtbot, view)
    qtbot.wait(70)
    settled = view.stats.redraws
    qtbot.wait(300)  # nothing new: about 9 ticks that draw nothing
    assert view.stats.redraws == settled
    assert view.stats.idle_ticks >= 5
    assert len(view.stats.redraw_s) == view.stats.redraws
    assert view.stats.paint_s  # the plot was painted too


def test_a_hidden_view_does_not_redraw(qtbot: QtBot) -> None:
    view = shown_view(qtbot)
    view.hide()
    drawn = view.stats.redraws
    feed_chunks(view, np.full(4800, 5000, dtype=np.int16))
    qtbot.wait(200)
    assert view.stats.redraws == drawn
    view.show()
    qtbot.waitUntil(lambda: view.envelope()[1].max(initial=0) == 5000, timeout=5000)
    assert view.stats.redraws > drawn


def test_silence_still_draws_a_line(qtbot: QtBot) -> None:
    view = shown_view(qtbot)
    feed_chunks(view, np.zeros(RATE, dtype=np.int16))
    caught_up(qtbot, view)
    view.redraw()
    _, y = view._curve.getData()
    assert len(y) > 0
    assert (y[1::2] > y[0::2]).all()  # each segment at least a pixel tall


def test_the_colours_follow_the_system_scheme(qtbot: QtBot) -> None:
    view = shown_view(qtbot)
    hints = QGuiApplication.styleHints()
    try:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # what the platform sends
        assert theme_watcher().theme is DARK
        assert view._plot.backgroundBrush().color().name() == DARK.background
        assert view._curve.opts["pen"].color().name() == DARK.waveform
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert theme_watcher().theme is LIGHT
        assert view._plot.backgroundBrush().color().name() == LIGHT.background
    finally:
        theme_watcher().refresh()  # back to what this platform really says
