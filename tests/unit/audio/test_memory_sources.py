"""In-memory sources: PCM buffers (looping seamlessly), audio files, silence."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from tests.unit.audio.stream_fakes import ramp
from workbench.audio import g711
from workbench.audio.memory_sources import FileSource, PcmSource, SilenceSource
from workbench.audio.source import AudioSource, AudioSourceError
from workbench.audio.wav_files import AudioFileError


def read_all(source: AudioSource, step: int, limit: int = 10_000) -> np.ndarray:
    parts = []
    for _ in range(limit):
        if source.exhausted:
            break
        parts.append(source.read(step))
    return np.concatenate(parts) if parts else np.zeros(0, np.int16)


def test_every_source_is_an_audio_source(tmp_path: Path) -> None:
    for source in (PcmSource(ramp(4), "pcm"), FileSource(tmp_path / "x.wav"), SilenceSource()):
        assert isinstance(source, AudioSource)
        assert not source.live


def test_a_pcm_source_plays_once_then_is_exhausted() -> None:
    samples = ramp(1000)
    source = PcmSource(samples, "ramp")
    source.start()
    assert source.label == "ramp"
    assert not source.exhausted
    assert np.array_equal(source.read(600), samples[:600])
    assert source.position == 600
    assert not source.exhausted
    assert np.array_equal(source.read(600), samples[600:])  # short at the end
    assert source.exhausted
    assert len(source.read(600)) == 0
    assert source.stats().samples_read == 1000


def test_a_looping_pcm_source_wraps_seamlessly_inside_one_read() -> None:
    samples = ramp(1000)
    source = PcmSource(samples, "loop", loop=True)
    got = np.concatenate([source.read(480) for _ in range(25)])  # 12 000 samples = 12 passes
    assert np.array_equal(got, np.tile(samples, 12))
    assert not source.exhausted
    assert source.position == 0
    assert len(source.read(2500)) == 2500  # a read longer than the whole buffer
    assert source.position == 500


def test_an_empty_pcm_source_is_exhausted_even_when_looping() -> None:
    source = PcmSource(np.zeros(0, np.int16), "nothing", loop=True)
    assert source.exhausted
    assert len(source.read(10)) == 0


def test_pcm_is_copied_read_only_and_checked() -> None:
    samples = ramp(10)
    source = PcmSource(samples, "copy")
    samples[:] = 0
    chunk = source.read(10)
    assert np.array_equal(chunk, ramp(10))
    with pytest.raises(ValueError, match="read-only"):
        chunk[0] = 1
    assert PcmSource([1, 2, 3], "ints").read(3).dtype == np.int16
    with pytest.raises(ValueError, match="1-D"):
        PcmSource(np.zeros((10, 2), np.int16), "stereo")
    with pytest.raises(ValueError, match="int16 samples"):
        PcmSource(np.zeros(10, np.float32), "float")
    with pytest.raises(ValueError, match="int16 range"):
        PcmSource(np.array([40_000]), "loud")


def test_a_closed_pcm_source_is_exhausted() -> None:
    source = PcmSource(ramp(100), "closed", loop=True)
    source.close()
    source.close()
    assert source.exhausted
    assert len(source.read(10)) == 0


def write_wav_16bit(path: Path, rate: int, channels: int, frames: np.ndarray) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames.astype("<i2").tobytes())


def test_a_file_source_decodes_a_stereo_44k_wav_to_8k_mono(tmp_path: Path) -> None:
    t = np.arange(44_100) / 44_100
    tone = (10_000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    path = tmp_path / "tone.wav"
    write_wav_16bit(path, 44_100, 2, np.column_stack([tone, tone]))
    source = FileSource(path)
    assert source.label == "File: tone.wav"
    assert not source.exhausted
    source.start()
    assert abs(source.total_samples - 8000) <= 2  # one second at 8 kHz
    pcm = read_all(source, 480)
    assert source.exhausted
    assert len(pcm) == source.total_samples
    rms = float(np.sqrt(np.mean(pcm[100:-100].astype(np.float64) ** 2)))
    assert 10_000 / np.sqrt(2) * 0.95 <= rms <= 10_000 / np.sqrt(2) * 1.05
    source.close()
    assert source.exhausted


def test_a_file_source_reads_raw_alaw_and_loops(tmp_path: Path) -> None:
    samples = ramp(800, start=30_000)
    path = tmp_path / "prompt.alaw"
    path.write_bytes(g711.encode("g711a", samples))
    source = FileSource(path, loop=True)
    source.start()
    once = g711.decode("g711a", g711.encode("g711a", samples))
    assert np.array_equal(source.read(1600), np.tile(once, 2))
    assert not source.exhausted
    headerless = tmp_path / "prompt.bin"
    headerless.write_bytes(g711.encode("g711u", samples))
    explicit = FileSource(headerless, raw_format="g711u")
    explicit.start()
    assert np.array_equal(explicit.read(800), g711.decode("g711u", g711.encode("g711u", samples)))


def test_a_file_source_says_what_is_wrong_with_the_file(tmp_path: Path) -> None:
    with pytest.raises(AudioFileError, match=r"file 'missing\.wav': does not exist"):
        FileSource(tmp_path / "missing.wav").start()
    notes = tmp_path / "notes.txt"
    notes.write_text("not audio")
    with pytest.raises(AudioFileError, match="is not a WAV file"):
        FileSource(notes).start()


def test_reading_a_file_source_before_start_is_an_error(tmp_path: Path) -> None:
    source = FileSource(tmp_path / "later.wav")
    with pytest.raises(AudioSourceError, match=r"File: later\.wav: was read before it was started"):
        source.read(10)


def test_silence_is_endless_zeros() -> None:
    source = SilenceSource()
    source.start()
    assert source.label == "Silence"
    assert not source.exhausted
    for _ in range(100):
        block = source.read(480)
        assert len(block) == 480
        assert not block.any()
    assert source.stats().samples_read == 48_000
    source.close()
    assert not source.exhausted
    assert len(source.read(0)) == 0
