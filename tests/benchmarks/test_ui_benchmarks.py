"""The audio panel while streaming: waveform frame times and the process's CPU use.

A speech file (espeak-ng, written to a WAV) loops through a real :class:`AudioStream` in real
time (60 ms chunks) for :data:`RUN_S` seconds, on one qasync loop as in the app, offscreen. Rows:

* **stream only**: no widget at all, the baseline the UI adds to;
* **panel, waveform + meter**: the whole :class:`AudioPanel` shown (device picker, source pages,
  waveform at 30 fps, level meter, status line), subscribed to the stream as in the app.

Per row: the interval between two waveform redraws (what the eye sees as the frame rate: 33 ms
asked), the time one redraw takes (snapshot of 5 s of audio, min/max decimation per pixel
column, ``setData``) and one paint of the plot (Qt and pyqtgraph rasterising the scene), the
interval between two chunks of the stream (the loop's responsiveness: 60 ms asked), and the
process's CPU time over wall time (100 % = one core). Measures only: no time limits.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt makes the QApplication

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.benchmarks.support import Table
from tests.ui.loop_support import qasync_loop, run
from workbench.audio import tts
from workbench.audio.chunks import Chunk
from workbench.audio.stream import AudioStream
from workbench.audio.wav_files import write_wav
from workbench.controller.audio_input import AudioInput
from workbench.ui.audio_panel import AudioPanel

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(120)]

RUN_S = 5.0
WARM_UP_S = 0.5
TEXT = "Thank you for calling. Please say the reason for your call after the tone."
TITLE = f"Audio panel while streaming a file in real time ({RUN_S:g} s, 60 ms chunks, offscreen)"
HEADERS = [
    "setup",
    "redraws",
    "redraw interval median / p95 / max",
    "redraw median / p95 / max",
    "paint median / p95 / max",
    "chunk interval p95 / max",
    "CPU",
]


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qasync_loop(qapp)


def _ms(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"{statistics.median(ordered) * 1e3:.2f} / {p95 * 1e3:.2f} / {ordered[-1] * 1e3:.2f} ms"


def _tail_ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"{p95 * 1e3:.1f} / {ordered[-1] * 1e3:.1f} ms"


async def _measure(
    path: Path, make_panel: Callable[[AudioInput], AudioPanel | None]
) -> tuple[AudioPanel | None, list[Chunk], float]:
    """Stream ``path`` for RUN_S s after a warm-up; the panel, the chunks and the CPU share."""
    stream = AudioStream(chunk_ms=60)
    audio = AudioInput(stream)
    panel = make_panel(audio)
    chunks: list[Chunk] = []
    stream.subscribe(chunks.append)
    stream.start()
    try:
        await audio.use_file(path, loop=True)
        await asyncio.sleep(WARM_UP_S)
        if panel is not None:
            panel.waveform.stats.reset()
        del chunks[:]
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.sleep(RUN_S)
        share = (time.process_time() - cpu) / (time.perf_counter() - wall)
    finally:
        if panel is not None:
            panel.shutdown()
        audio.close()
        await stream.aclose()
    return panel, chunks, share


def test_waveform_frame_times_and_cpu_while_streaming(
    qtbot: QtBot,
    qloop: asyncio.AbstractEventLoop,
    tmp_path: Path,
    bench_report: Callable[[Table], None],
) -> None:
    path = tmp_path / "prompt.wav"
    pcm = run(qloop, tts.speak(TEXT, "espeak-ng"))
    write_wav(path, np.asarray(pcm).astype("<i2").tobytes(), "linear", 8000)
    table = Table(TITLE, HEADERS)

    def shown_panel(audio: AudioInput) -> AudioPanel:
        panel = AudioPanel(audio)
        qtbot.addWidget(panel)
        panel.resize(900, 480)
        panel.show()
        return panel

    for setup, make in (("stream only", lambda _: None), ("panel, waveform + meter", shown_panel)):
        panel, chunks, cpu = run(qloop, _measure(path, make))
        assert len(chunks) > 10, f"{setup}: the stream hardly ran ({len(chunks)} chunks)"
        intervals = list(np.diff([chunk.ready_at for chunk in chunks]))
        if panel is None:
            table.add(setup, "-", "-", "-", "-", _tail_ms(intervals), f"{cpu:.1%}")
            continue
        stats = panel.waveform.stats
        assert stats.redraws > 10, "the waveform was not redrawn: nothing measured"
        frames = list(np.diff(list(stats.redraw_at)))
        table.add(
            setup,
            f"{stats.redraws} ({stats.redraws / RUN_S:.1f}/s, {panel.waveform.columns()} columns)",
            _ms(frames),
            _ms(list(stats.redraw_s)),
            _ms(list(stats.paint_s)),
            _tail_ms(intervals),
            f"{cpu:.1%}",
        )
    table.notes.append(
        "CPU: process time / wall time over the run, all threads (100 % = one core); "
        "the stream-only row is the baseline"
    )
    table.notes.append(
        "redraw = snapshot + min/max decimation + setData; paint = the plot's paint event"
    )
    bench_report(table)
