"""The audio panel, real widgets on a real running AudioStream, one qasync loop as in the app.

Sources are real: WAV files written to tmp_path, espeak-ng, a private PulseAudio server whose
virtual microphone hears what is played into its null sink. pytest-qt's capture of exceptions
raised in Qt slots and virtual methods stays on: any exception escaping to Qt fails the test.
"""

from __future__ import annotations

import asyncio
import math
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from logging import ERROR
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.support.pulseaudio import no_pulseaudio, patched_environ, private_pulseaudio
from tests.ui.loop_support import qasync_loop, run, until
from workbench.audio import portaudio, tts
from workbench.audio.chunks import Chunk
from workbench.audio.stream import AudioStream
from workbench.audio.wav_files import write_wav
from workbench.controller.audio_input import AudioInput
from workbench.ui.audio_panel import AudioChoices, AudioPanel

pytestmark = pytest.mark.timeout(60)
RATE = 8000


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qasync_loop(qapp)


@pytest.fixture(autouse=True)
def _nothing_logged_as_an_error(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """No task failed unseen and no stream subscriber raised (both are logged as errors)."""
    yield
    errors = [record.getMessage() for record in caplog.records if record.levelno >= ERROR]
    assert errors == []


@dataclass
class Bench:
    panel: AudioPanel
    stream: AudioStream
    audio: AudioInput
    chunks: list[Chunk] = field(default_factory=list)
    messages: list[tuple[str, str]] = field(default_factory=list)

    def sent(self, label: str) -> npt.NDArray[np.int16]:
        parts = [chunk.pcm for chunk in self.chunks if chunk.source_label == label]
        return np.concatenate(parts) if parts else np.zeros(0, np.int16)


@asynccontextmanager
async def open_panel(qtbot: QtBot) -> AsyncIterator[Bench]:
    stream = AudioStream(chunk_ms=60)
    audio = AudioInput(stream)
    panel = AudioPanel(audio)
    qtbot.addWidget(panel)
    bench = Bench(panel, stream, audio)
    stream.subscribe(bench.chunks.append)
    panel.status_message.connect(lambda text, level: bench.messages.append((text, level)))
    panel.resize(760, 420)
    panel.show()
    stream.start()
    try:
        yield bench
    finally:
        panel.shutdown()
        audio.close()
        await stream.aclose()


def sine(seconds: float, amplitude: float, hz: float = 440.0) -> npt.NDArray[np.int16]:
    t = np.arange(int(seconds * RATE)) / RATE
    return np.rint(amplitude * np.sin(2 * np.pi * hz * t)).astype(np.int16)


def wav(path: Path, pcm: npt.NDArray[np.int16]) -> Path:
    write_wav(path, pcm.astype("<i2").tobytes(), "linear", RATE)
    return path


def dbfs(value: float) -> float:
    return 20 * math.log10(value / 32768)


def test_a_file_shows_in_the_waveform_and_the_meter(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    pcm = np.concatenate([sine(0.6, 6000.0), sine(0.6, 12000.0, 300.0)])
    path = wav(tmp_path / "two tones.wav", pcm)

    async def scenario() -> None:
        async with open_panel(qtbot) as bench:
            panel = bench.panel
            panel.play_file(path)
            await until(lambda: abs(panel.meter.level.rms_dbfs - dbfs(12000 / 2**0.5)) < 0.3)
            assert abs(panel.meter.level.peak_dbfs - dbfs(12000)) < 0.3
            assert panel.meter.toolTip().startswith("RMS -11.7 dBFS, peak -8.7 dBFS")
            await until(lambda: ("File: two tones.wav ended; sending silence.", "info")
                        in bench.messages)  # fmt: skip
            drawn = panel.waveform.stats.redraws
            await until(lambda: panel.waveform.stats.redraws > drawn)
            mins, maxs = panel.waveform.envelope()
            assert (mins.min(), maxs.max()) == (pcm.min(), pcm.max())
            sent = bench.sent("File: two tones.wav")
            assert np.array_equal(sent[: len(pcm)], pcm)  # what the view shows is what went out
            await until(lambda: panel.meter.level.rms_dbfs < -100)  # silence after the end
            await until(lambda: panel.status_line.text() == "Silence")
            assert panel.choices().recent_files == (str(path),)

    run(qloop, scenario())


def test_a_clipping_file_lights_the_clip_lamp_for_about_a_second(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    square = np.where(sine(0.3, 1.0) >= 0, 32767, -32768).astype(np.int16)
    path = wav(tmp_path / "clipping.wav", square)

    async def scenario() -> None:
        async with open_panel(qtbot) as bench:
            bench.panel.play_file(path)
            await until(lambda: bench.panel.meter.clip_lit)
            lit_at = asyncio.get_running_loop().time()
            assert bench.panel.meter.text().endswith("clipping")
            await until(lambda: not bench.panel.meter.clip_lit, timeout=5)
            lit_for = asyncio.get_running_loop().time() - lit_at
            assert 0.9 < lit_for < 2.5  # 0.3 s of clipping, then held 1 s of audio

    run(qloop, scenario())


def test_typed_text_is_spoken_and_flows(qtbot: QtBot, qloop: asyncio.AbstractEventLoop) -> None:
    tts.clear_cache()

    async def scenario() -> None:
        async with open_panel(qtbot) as bench:
            page = bench.panel.text_page
            assert bench.panel.sources.radios["text"].isEnabled()
            page.engine_combo.setCurrentText("espeak-ng")
            qtbot.keyClicks(page.line_edit, "please hold the line")
            qtbot.mouseClick(page.speak_button, Qt.MouseButton.LeftButton)
            label = 'TTS (espeak-ng en-us): "please hold the line"'
            await until(lambda: bench.panel.status_line.text() == label)
            await until(lambda: bench.panel.waveform.envelope()[1].max() > 3000)
            await until(lambda: bench.panel.meter.level.rms_dbfs > -40)
            await until(lambda: any(text.startswith(label) for text, _ in bench.messages))
            spoken = bench.sent(label).astype(np.float64)
            assert len(spoken) > RATE
            assert np.sqrt(np.mean(spoken**2)) > 300
            assert bench.panel.sources.kind() == "text"
            await until(lambda: page.voice_combo.count() > 1)  # the installed voices, listed

    run(qloop, scenario())


def test_mute_sends_silence_and_the_meter_drops(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    path = wav(tmp_path / "tone.wav", sine(0.5, 10000.0))

    async def scenario() -> None:
        async with open_panel(qtbot) as bench:
            panel = bench.panel
            panel.play_file(path, loop=True)
            await until(lambda: panel.meter.level.rms_dbfs > -20)
            qtbot.mouseClick(panel.mute_button, Qt.MouseButton.LeftButton)
            assert bench.audio.muted
            assert bench.stream.muted
            muted_from = len(bench.chunks)
            await until(lambda: len(bench.chunks) >= muted_from + 10)
            assert all(not c.pcm.any() and c.muted for c in bench.chunks[muted_from + 1 :])
            assert panel.meter.level.rms_dbfs < -100
            assert panel.status_line.text() == "File: tone.wav (muted)"
            qtbot.mouseClick(panel.mute_button, Qt.MouseButton.LeftButton)
            await until(lambda: panel.meter.level.rms_dbfs > -20)

            qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
            assert bench.audio.paused
            await until(lambda: panel.status_line.text() == "File: tone.wav (paused)")
            await until(lambda: panel.meter.level.rms_dbfs < -100)

    run(qloop, scenario())


def test_errors_become_status_messages(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tts.clear_cache()

    async def scenario() -> None:
        async with open_panel(qtbot) as bench:
            panel = bench.panel
            panel.play_file(tmp_path / "missing.wav")
            await until(lambda: bool(bench.messages))
            text, level = bench.messages[-1]
            assert level == "error"
            assert "'missing.wav'" in text
            assert "does not exist" in text
            assert "Traceback" not in text

            monkeypatch.setenv("PATH", str(tmp_path))  # no TTS engine any more
            panel.text_page.engine_combo.setCurrentText("espeak-ng")
            panel.speak("hello")
            await until(lambda: len(bench.messages) == 2)
            assert bench.messages[-1] == (
                "TTS: espeak-ng is not installed. Install it (apt install espeak-ng)",
                "error",
            )
            # The message comes from the source's observer; the task ends just after it.
            await until(lambda: not panel.busy, what="the failed action to end")
            panel.sources.radios["text"].click()  # choosing text looks for the engines again
            assert not panel.sources.radios["text"].isEnabled()
            assert "apt install espeak-ng" in panel.sources.radios["text"].toolTip()
            assert bench.stream.source.label == "Silence"

    run(qloop, scenario())


def test_no_device_disables_the_microphone_with_the_reason(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop
) -> None:
    async def scenario() -> None:
        async with open_panel(qtbot) as bench:
            panel = bench.panel
            panel.refresh_devices()
            await until(lambda: bench.audio.last_listing is not None and not panel.busy)
            if bench.audio.last_listing and bench.audio.last_listing.devices:
                return  # a machine with a sound card: see the PulseAudio test
            radio = panel.sources.radios["microphone"]
            assert not radio.isEnabled()
            assert radio.toolTip().startswith("No microphone: there is no input device at all")
            assert "Plug in a microphone" in radio.toolTip()
            assert not panel.devices.combo.isEnabled()
            assert panel.devices.combo.currentText() == "No input device"
            panel.choose_silence()  # everything else works
            await until(lambda: len(bench.sent("Silence")) > 0)

    with no_pulseaudio():
        run(qloop, scenario())


def test_without_portaudio_the_microphone_says_what_to_install(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import sounddevice → ImportError

    async def scenario() -> None:
        async with open_panel(qtbot) as bench:
            bench.panel.load_devices()
            await until(lambda: bench.audio.last_listing is not None and not bench.panel.busy)
            radio = bench.panel.sources.radios["microphone"]
            assert not radio.isEnabled()
            assert "pip install sounddevice" in radio.toolTip()
            assert bench.panel.devices.combo.currentText() == "PortAudio missing"

    run(qloop, scenario())


def test_the_microphone_from_a_sound_server_started_later(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop
) -> None:
    tone_rate = 44100
    t = np.arange(int(1.5 * tone_rate)) / tone_rate
    tone = (16000 * np.sin(2 * np.pi * 440 * t)).astype("<i2").tobytes()

    async def scenario() -> None:
        async with open_panel(qtbot) as bench:
            panel = bench.panel
            panel.refresh_devices()
            await until(lambda: bench.audio.last_listing is not None and not panel.busy)
            assert not {"pulse", "default"} & set(panel.devices.names())
            with private_pulseaudio(activate=False) as server:
                env = {"XDG_RUNTIME_DIR": str(server.runtime_dir), "PULSE_SERVER": server.server}
                with patched_environ(**env):
                    qtbot.mouseClick(panel.devices.refresh_button, Qt.MouseButton.LeftButton)
                    await until(lambda: {"pulse", "default"} <= set(panel.devices.names()))
                    assert panel.devices.combo.currentText() == "default (ALSA) — default device"
                    assert panel.sources.radios["microphone"].isEnabled()
                    shown: list[str] = []  # the status line each time the waiting flips
                    bench.audio.subscribe_waiting(lambda _: shown.append(panel.status_line.text()))
                    panel.sources.radios["microphone"].click()
                    await until(lambda: bench.stream.source.label == "Microphone: default")
                    await until(lambda: len(shown) == 2)
                    assert shown[0] == "Microphone: default — waiting for the microphone…"
                    assert shown[1].startswith("Microphone: default — 44.1 kHz → 8 kHz, ")
                    player = server.play(tone, tone_rate)
                    await until(lambda: panel.meter.level.rms_dbfs > dbfs(16000 / 2**0.5) - 3)
                    await until(lambda: panel.waveform.envelope()[1].max() > 12000)
                    await asyncio.to_thread(player.wait, 10)
                    panel.choose_silence()  # closes the device before the server goes
                    await until(lambda: bench.stream.source.label == "Silence")
            assert portaudio.open_streams() == 0
            assert panel.choices().device_name == "default"

    run(qloop, scenario())


def test_a_panel_built_before_the_loop_runs_starts_its_work_when_it_does(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop
) -> None:
    stream = AudioStream(chunk_ms=60)
    audio = AudioInput(stream)
    panel = AudioPanel(audio)  # as the window is built, before qasync runs the loop
    qtbot.addWidget(panel)
    messages: list[tuple[str, str]] = []
    panel.status_message.connect(lambda text, level: messages.append((text, level)))
    panel.choose_silence()

    async def scenario() -> None:
        stream.start()
        try:
            await until(lambda: audio.last_listing is not None and not panel.busy)
            await until(lambda: len(stream.stats().source_label) > 0 and stream.stats().chunks > 2)
        finally:
            panel.shutdown()
            audio.close()
            await stream.aclose()

    run(qloop, scenario())
    assert messages == []


def test_choices_round_trip_and_restart(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    choices = AudioChoices(
        device_name="USB Headset",
        source_kind="text",
        file_path="/tmp/a.wav",
        file_loop=True,
        text="hello",
        text_loop=True,
        engine="flite",
        voice="rms",
        recent_files=("/tmp/a.wav", "/tmp/b.wav"),
    )
    path = wav(tmp_path / "last.wav", sine(0.5, 3000.0))

    async def scenario() -> None:
        async with open_panel(qtbot) as bench:
            bench.panel.restore(choices)
            assert bench.panel.choices() == choices
            assert bench.panel.file_page.recent_combo.count() == 2
            assert bench.stream.source.label == "Silence"  # shown, not started
            last_run = AudioChoices(source_kind="file", file_path=str(path), file_loop=True)
            bench.panel.restore(last_run, activate=True)
            await until(lambda: bench.stream.source.label == "File: last.wav")
            assert bench.panel.sources.kind() == "file"
            await asyncio.sleep(0.7)  # longer than the file: it loops as it did
            assert bench.stream.source.label == "File: last.wav"

    run(qloop, scenario())
