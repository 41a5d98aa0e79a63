"""AudioInput on a running AudioStream with real sources: WAV files in tmp_path, silence, TTS.

The stream runs on the real clock with 20 ms chunks; assertions are about which samples went out
(structure), never about how long anything took.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tests.support.pulseaudio import no_pulseaudio
from workbench.audio import tts
from workbench.audio.chunks import Chunk
from workbench.audio.devices import InputDevice
from workbench.audio.portaudio import PortAudioMissingError
from workbench.audio.source import EMPTY, AudioSourceError, Pcm, SourceStats
from workbench.audio.stream import AudioStream
from workbench.audio.wav_files import write_wav
from workbench.controller.audio_input import (
    SILENCE_LABEL,
    AudioInput,
    DeviceListing,
    InputStatus,
    Observers,
)

pytestmark = pytest.mark.timeout(30)

CHUNK = 160  # 20 ms at 8 kHz


class Recorder:
    """Everything AudioInput and the stream tell: chunks and each observer's values."""

    def __init__(self, stream: AudioStream, audio: AudioInput) -> None:
        self.chunks: list[Chunk] = []
        self.changed: list[str] = []
        self.failed: list[str] = []
        self.ended: list[str] = []
        self.waiting: list[bool] = []
        self.listings: list[DeviceListing] = []
        stream.subscribe(self.chunks.append)
        audio.subscribe_source_changed(self.changed.append)
        audio.subscribe_source_failed(self.failed.append)
        audio.subscribe_source_ended(self.ended.append)
        audio.subscribe_waiting(self.waiting.append)
        audio.subscribe_devices(self.listings.append)

    def sent(self, label: str) -> Pcm:
        parts = [chunk.pcm for chunk in self.chunks if chunk.source_label == label]
        return np.concatenate(parts) if parts else EMPTY


@asynccontextmanager
async def running() -> AsyncIterator[tuple[AudioStream, AudioInput, Recorder]]:
    stream = AudioStream(chunk_ms=20)
    audio = AudioInput(stream)
    record = Recorder(stream, audio)
    stream.start()
    try:
        yield stream, audio, record
    finally:
        audio.close()
        await stream.aclose()


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def position_coded(count: int) -> npt.NDArray[np.int16]:
    """Never zero, and each value tells where in the file it sits."""
    return (np.arange(count) % 30000 + 1).astype(np.int16)


def wav(path: Path, pcm: npt.NDArray[np.int16]) -> Path:
    write_wav(path, pcm.astype("<i2").tobytes(), "linear", 8000)
    return path


@pytest.mark.asyncio
async def test_a_file_goes_out_whole_then_silence(tmp_path: Path) -> None:
    samples = position_coded(4000)
    path = wav(tmp_path / "prompt.wav", samples)
    async with running() as (stream, audio, record):
        assert await audio.use_file(path)
        await until(lambda: record.ended == ["File: prompt.wav"])
        await until(lambda: stream.source.label == SILENCE_LABEL)
        status = audio.status()
    sent = record.sent("File: prompt.wav")
    assert np.array_equal(sent[: len(samples)], samples)
    assert not sent[len(samples) :].any()  # the padding of the last chunk
    assert record.changed == ["File: prompt.wav", SILENCE_LABEL]
    assert record.failed == []
    assert (status.kind, status.label) == ("silence", SILENCE_LABEL)


@pytest.mark.asyncio
async def test_a_looping_file_keeps_going(tmp_path: Path) -> None:
    samples = position_coded(800)  # 0.1 s
    path = wav(tmp_path / "loop.wav", samples)
    async with running() as (_, audio, record):
        await audio.use_file(path, loop=True)
        await until(lambda: len(record.sent("File: loop.wav")) >= 3 * len(samples))
        assert audio.status().kind == "file"
    sent = record.sent("File: loop.wav")
    whole = len(sent) // len(samples) * len(samples)
    assert np.array_equal(sent[:whole], np.tile(samples, whole // len(samples)))
    assert record.ended == []


@pytest.mark.asyncio
async def test_looping_can_be_switched_while_a_file_plays(tmp_path: Path) -> None:
    samples = position_coded(800)  # 0.1 s
    async with running() as (_, audio, record):
        await audio.use_file(wav(tmp_path / "short.wav", samples))
        await until(lambda: len(record.sent("File: short.wav")) > 0)
        audio.set_looping(True)
        await until(lambda: len(record.sent("File: short.wav")) >= 4 * len(samples))
        assert record.ended == []
        audio.set_looping(False)
        await until(lambda: record.ended == ["File: short.wav"])
    sent = record.sent("File: short.wav")
    whole = len(sent) // len(samples) * len(samples)
    assert np.array_equal(sent[:whole], np.tile(samples, whole // len(samples)))


@pytest.mark.asyncio
async def test_a_missing_file_is_reported_in_words_and_the_source_stays(tmp_path: Path) -> None:
    async with running() as (stream, audio, record):
        await audio.use_silence()
        await until(lambda: record.changed == [SILENCE_LABEL])
        with pytest.raises(AudioSourceError) as caught:
            await audio.use_file(tmp_path / "nowhere.wav")
        assert stream.source.label == SILENCE_LABEL
    assert record.failed == [str(caught.value)]
    assert "nowhere.wav" in record.failed[0]
    assert "Traceback" not in record.failed[0]
    assert record.changed == [SILENCE_LABEL]


@pytest.mark.asyncio
async def test_pause_holds_the_position_and_mute_does_not(tmp_path: Path) -> None:
    samples = position_coded(8000)  # 1 s
    async with running() as (_, audio, record):
        await audio.use_file(wav(tmp_path / "paused.wav", samples))
        await until(lambda: len(record.sent("File: paused.wav")) >= 1600)
        audio.set_paused(True)
        assert audio.status().describe() == "File: paused.wav (paused)"
        held_from = len(record.chunks)
        await until(lambda: len(record.chunks) >= held_from + 15)
        audio.set_paused(False)
        await until(lambda: record.ended == ["File: paused.wav"])

        await audio.use_file(wav(tmp_path / "muted.wav", samples))
        await until(lambda: len(record.sent("File: muted.wav")) >= 1600)
        audio.set_muted(True)
        assert audio.status().describe() == "File: muted.wav (muted)"
        muted_from = len(record.chunks)
        await until(lambda: len(record.chunks) >= muted_from + 15)
        audio.set_muted(False)
        await until(lambda: record.ended == ["File: paused.wav", "File: muted.wav"])

    paused = record.sent("File: paused.wav")
    assert (paused == 0).sum() >= 15 * CHUNK  # silence went out while paused…
    assert np.array_equal(paused[paused != 0], samples)  # …and not one sample was skipped
    muted_chunks = [c for c in record.chunks if c.source_label == "File: muted.wav"]
    assert sum(c.muted for c in muted_chunks) >= 15
    assert all(not c.pcm.any() for c in muted_chunks if c.muted)
    heard = record.sent("File: muted.wav")
    heard = heard[heard != 0]
    assert len(heard) <= len(samples) - 15 * CHUNK  # the file played on, unheard
    jump = int(np.flatnonzero(np.diff(heard.astype(np.int32)) != 1)[0])
    assert heard[jump + 1] - heard[jump] >= 15 * CHUNK


@pytest.mark.asyncio
async def test_text_is_spoken_by_espeak_ng() -> None:
    tts.clear_cache()
    async with running() as (_, audio, record):
        assert await audio.use_text("hello from the workbench", engine="espeak-ng")
        label = 'TTS (espeak-ng en-us): "hello from the workbench"'
        await until(lambda: record.ended == [label])
    spoken = record.sent(label).astype(np.float64)
    assert len(spoken) > 8000 * 0.8  # about 1.5 s of speech
    assert np.sqrt(np.mean(spoken**2)) > 300


@pytest.mark.asyncio
async def test_no_tts_engine_and_an_unknown_one_are_plain_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tts.clear_cache()
    async with running() as (stream, audio, record):
        with pytest.raises(AudioSourceError, match="unknown engine 'festival'"):
            await audio.use_text("hello", engine="festival")
        monkeypatch.setenv("PATH", str(tmp_path))
        with pytest.raises(tts.TtsUnavailableError):
            await audio.use_text("hello")
        assert stream.source.label == SILENCE_LABEL
    assert len(record.failed) == 2
    assert record.failed[1].startswith("TTS: no TTS engine installed")
    assert "apt install espeak-ng" in record.failed[1]


@pytest.mark.asyncio
async def test_the_last_choice_wins_over_one_still_being_prepared(tmp_path: Path) -> None:
    tts.clear_cache()
    path = wav(tmp_path / "later.wav", position_coded(800))
    async with running() as (stream, audio, record):
        speaking = asyncio.create_task(audio.use_text("a rather long sentence to say"))
        filing = asyncio.create_task(audio.use_file(path, loop=True))
        assert await filing is True
        assert await speaking is False  # synthesised after the file was chosen: dropped
        await until(lambda: stream.source.label == "File: later.wav")
        await asyncio.sleep(0.1)
        assert stream.source.label == "File: later.wav"
    assert not any(label.startswith("TTS") for label in record.changed)


@pytest.mark.asyncio
async def test_silence_is_zeros(tmp_path: Path) -> None:
    async with running() as (_, audio, record):
        await audio.use_file(wav(tmp_path / "a.wav", position_coded(8000)))
        await until(lambda: len(record.sent("File: a.wav")) > 0)
        assert await audio.use_silence()
        await until(lambda: len(record.sent(SILENCE_LABEL)) >= 10 * CHUNK)
    assert not record.sent(SILENCE_LABEL).any()
    assert record.changed == ["File: a.wav", SILENCE_LABEL]


@pytest.mark.asyncio
async def test_no_device_means_no_microphone_in_words() -> None:
    with no_pulseaudio():
        async with running() as (stream, audio, record):
            listing = await audio.devices(refresh=True)
            assert record.listings == [listing]
            assert audio.last_listing is listing
            assert not {"pulse", "default"} & {device.name for device in listing.devices}
            if listing.devices:  # a machine with a sound card: nothing more to see here
                return
            assert listing.default is None
            assert listing.error is None
            assert listing.unavailable_reason is not None
            assert listing.unavailable_reason.startswith("No microphone: there is no input")
            with pytest.raises(AudioSourceError, match="no input device at all"):
                await audio.use_microphone(None)
            assert stream.source.label == SILENCE_LABEL
    assert record.waiting == [True, False]
    assert record.failed[0].startswith("microphone: there is no input device at all")


@pytest.mark.asyncio
async def test_missing_portaudio_is_a_listing_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import sounddevice → ImportError
    async with running() as (_, audio, _record):
        listing = await audio.devices(refresh=True)
    assert isinstance(listing.error, PortAudioMissingError)
    assert listing.devices == ()
    reason = listing.unavailable_reason or ""
    assert "'sounddevice' is not installed" in reason
    assert "files, typed text and silence still work" in reason


class BreaksAfter:
    """A source that stops working after a few reads, as an unplugged device does."""

    label = "Broken: test"
    live = False
    exhausted = False

    def __init__(self, reads: int) -> None:
        self.reads = reads

    def start(self) -> None:
        pass

    def read(self, max_samples: int) -> Pcm:
        self.reads -= 1
        if self.reads < 0:
            raise AudioSourceError("Broken: test", "stopped working", "plug it back in")
        return np.ones(max_samples, dtype=np.int16)

    def stats(self) -> SourceStats:
        return SourceStats()

    def close(self) -> None:
        pass


@pytest.mark.asyncio
async def test_a_source_failing_while_streaming_is_reported() -> None:
    async with running() as (stream, _audio, record):
        await stream.switch_to(BreaksAfter(3))
        await until(lambda: bool(record.failed))
        await until(lambda: stream.source.label == SILENCE_LABEL)
    assert record.failed == ["Broken: test: stopped working. Plug it back in"]
    assert record.changed == ["Broken: test", SILENCE_LABEL]


def test_an_observer_that_raises_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[int] = []
    observers: Observers[int] = Observers("test")

    def broken(value: int) -> None:
        raise RuntimeError("boom")

    observers.subscribe(broken)
    unsubscribe = observers.subscribe(seen.append)
    observers.notify(1)
    unsubscribe()
    observers.notify(2)
    assert seen == [1]
    assert "a test observer failed" in caplog.text


def test_the_status_line_says_what_is_sent() -> None:
    device = InputDevice(3, "USB Headset", "ALSA", 1, 44100.0, is_default=True)
    mic = InputStatus("microphone", "Microphone: USB Headset", device, 44100.0, overruns=0)
    assert mic.describe() == "Microphone: USB Headset — 44.1 kHz → 8 kHz, 0 overruns"
    one = InputStatus("microphone", "Microphone: USB Headset", device, 48000.0, overruns=1)
    assert one.describe() == "Microphone: USB Headset — 48 kHz → 8 kHz, 1 overrun"
    waiting = InputStatus("microphone", "Microphone: USB Headset", device, 44100.0, waiting=True)
    assert waiting.describe() == "Microphone: USB Headset — waiting for the microphone…"
    both = InputStatus("file", "File: a.wav", muted=True, paused=True)
    assert both.describe() == "File: a.wav (muted, paused)"
    listing = DeviceListing((device, InputDevice(4, "pulse", "ALSA", 32, 44100.0)))
    assert listing.default == device
    assert listing.unavailable_reason is None
