"""StreamRecorder: the sent payloads, byte for byte, in a WAV of their codec."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from workbench.audio import g711
from workbench.audio.recorder import CodecChangedError, StreamRecorder
from workbench.audio.wav_files import decode_wav


def _chunks(codec: str, count: int, samples: int = 480) -> list[bytes]:
    """``count`` chunks of a tone, each ``samples`` long, encoded as they would be sent."""
    n = np.arange(count * samples)
    tone = np.rint(9000 * np.sin(2 * np.pi * 440 * n / 8000)).astype(np.int16)
    return [g711.encode(codec, tone[i * samples : (i + 1) * samples]) for i in range(count)]


def _sox_raw(path: Path) -> bytes:
    sox = shutil.which("sox")
    assert sox is not None, "sox is needed by these tests (apt-get install sox)"
    return subprocess.run(
        [sox, str(path), "-t", "raw", "-"], capture_output=True, check=True, timeout=30
    ).stdout


@pytest.mark.parametrize("codec", ["linear", "g711a", "g711u"])
def test_records_exactly_the_payloads_sent(tmp_path: Path, codec: str) -> None:
    chunks = _chunks(codec, 25)  # 25 × 60 ms = 1.5 s
    path = tmp_path / f"session-{codec}.wav"
    with StreamRecorder(path, codec) as recorder:
        for chunk in chunks:
            recorder.write(chunk)
        assert recorder.bytes_written == sum(len(chunk) for chunk in chunks)
        assert recorder.duration_s == pytest.approx(1.5)
    assert recorder.closed
    sent = b"".join(chunks)
    assert _sox_raw(path) == sent
    decoded = decode_wav(path.read_bytes())
    assert (decoded.rate, decoded.channels) == (8000, 1)
    assert decoded.samples[:, 0].tolist() == g711.decode(codec, sent).tolist()


def test_a_codec_change_is_refused_and_records_nothing(tmp_path: Path) -> None:
    recorder = StreamRecorder(tmp_path / "r.wav", "g711a")
    recorder.write(b"\xd5" * 480, codec="g711a")  # naming the same codec is fine
    with pytest.raises(CodecChangedError, match="from g711a to linear") as caught:
        recorder.write(b"\x00" * 960, codec="linear")
    assert "start a new recording" in str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert recorder.bytes_written == 480
    recorder.close()
    assert _sox_raw(tmp_path / "r.wav") == b"\xd5" * 480


def test_the_file_is_readable_before_close(tmp_path: Path) -> None:
    recorder = StreamRecorder(tmp_path / "live.wav", "linear")
    try:
        for chunk in _chunks("linear", 3):
            recorder.write(chunk)
        on_disk = decode_wav((tmp_path / "live.wav").read_bytes())
        assert on_disk.frames == 3 * 480
        assert recorder.duration_s == pytest.approx(0.18)
    finally:
        recorder.close()


def test_closed_and_bad_codec(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="opus"):
        StreamRecorder(tmp_path / "x.wav", "opus")
    assert not (tmp_path / "x.wav").exists()
    recorder = StreamRecorder(tmp_path / "y.wav", "g711u")
    assert recorder.path == tmp_path / "y.wav"
    recorder.close()
    recorder.close()
    with pytest.raises(ValueError, match="closed"):
        recorder.write(b"\xff")
    assert recorder.duration_s == 0.0
    assert decode_wav((tmp_path / "y.wav").read_bytes()).frames == 0


@pytest.mark.parametrize("codec", ["linear", "g711u"])
@pytest.mark.asyncio
async def test_recording_an_audio_stream_keeps_what_it_emitted(tmp_path: Path, codec: str) -> None:
    """Subscribed to the outgoing stream, the recorder holds the emitted payloads, in order."""
    from workbench.audio.chunks import Chunk
    from workbench.audio.memory_sources import PcmSource
    from workbench.audio.stream import AudioStream

    n = np.arange(8000 + 123)  # not a whole number of chunks: the last one is padded
    tone = np.rint(7000 * np.sin(2 * np.pi * 300 * n / 8000)).astype(np.int16)
    stream = AudioStream(chunk_ms=40, codec=codec, pacing="fast", on_exhausted="stop")
    emitted: list[Chunk] = []
    path = tmp_path / "sent.wav"
    with StreamRecorder(path, codec) as recorder:
        stream.subscribe(emitted.append)
        stream.subscribe(lambda chunk: recorder.write(chunk.payload, chunk.codec))
        await stream.switch_to(PcmSource(tone, "tone"))
        await stream.run()
        await stream.aclose()
    sent = b"".join(chunk.payload for chunk in emitted)
    assert len(emitted) == 26  # 8123 samples in 320-sample chunks
    assert _sox_raw(path) == sent
    decoded = decode_wav(path.read_bytes()).samples[:, 0].astype(np.int32)
    assert decoded.size == 26 * 320
    assert not decoded[tone.size :].any()  # the padding after the source ran out is silence
    error = np.abs(decoded[: tone.size] - tone)
    # linear is lossless; µ-law's step is at most 1/16 of the value (plus rounding)
    assert error.max() <= (0 if codec == "linear" else 7000 // 16 + 8)
