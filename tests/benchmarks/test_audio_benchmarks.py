"""Audio input: CPU per second of audio, and latency from the device callback to the chunk.

Both run the real pieces: a private PulseAudio server (null sink at 44.1 kHz, virtual source),
PortAudio through sounddevice, :class:`MicrophoneSource` (callback → ring), the resampler to
8 kHz, :class:`AudioStream` (chunking, codec) and a :class:`LevelMeter` plus a
:class:`WaveformHistory` subscribed as the GUI will subscribe them. A tone plays into the sink
while the stream runs, so every stage has real audio to carry.

* **CPU**: the process's CPU time (every thread: PortAudio's, libpulse's, the loop) over the run,
  divided by the seconds of audio captured. A second table splits the same work by stage,
  offline, on 60 s of 48 kHz stereo in 10 ms callback blocks, to show where the time goes.
* **Latency**: for each chunk made only of microphone audio, ``chunk.ready_at`` minus the time
  of the callback that delivered the device frame aligned with the chunk's last sample (the
  resampler is time-aligned: output sample k stands for device frame k·rate/8000). This is what
  the user waits for between the sound reaching the computer and the chunk being ready to send:
  PortAudio's block, the resampler's look-ahead and buffering, the stream's polling.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from tests.benchmarks.support import Table
from tests.support.pulseaudio import PulseServer, private_pulseaudio
from workbench.audio import g711
from workbench.audio.chunks import Chunk
from workbench.audio.devices import find_device
from workbench.audio.levels import LevelMeter, WaveformHistory
from workbench.audio.microphone import MicrophoneSource
from workbench.audio.resample import PROTOCOL_RATE, StreamResampler
from workbench.audio.ring_buffer import FrameRing
from workbench.audio.stream import AudioStream

pytestmark = pytest.mark.benchmark

DEVICE_RATE = 44100
RUN_S = 6.0
WARM_UP_S = 0.5
LATENCY_TITLE = "Microphone → chunk ready (real PulseAudio device at 44.1 kHz, mono)"
LATENCY_HEADERS = [
    "chunk",
    "codec",
    "chunks",
    "median",
    "p95",
    "max",
    "max / chunk",
    "CPU / audio s",
]


@pytest.fixture(scope="module")
def pulse() -> Iterator[PulseServer]:
    with private_pulseaudio(rate=DEVICE_RATE) as server:
        yield server


def _tone(seconds: float) -> bytes:
    t = np.arange(int(seconds * DEVICE_RATE)) / DEVICE_RATE
    return (6000 * np.sin(2 * np.pi * 440.0 * t)).astype("<i2").tobytes()


def _latencies(chunks: list[Chunk], mic: MicrophoneSource, rate: float) -> list[float]:
    """Seconds from the callback holding each mic chunk's last sample to the chunk being ready."""
    callbacks = mic.callback_times()
    frames = [total for total, _ in callbacks]
    out: list[float] = []
    mic_samples = 0
    for chunk in chunks:
        from_mic = chunk.pcm.size - chunk.filled_samples if chunk.source_label == mic.label else 0
        mic_samples += from_mic
        if from_mic != chunk.pcm.size or chunk.ready_at < (mic.first_callback_at or 0) + WARM_UP_S:
            continue
        needed = int(np.ceil(mic_samples * rate / PROTOCOL_RATE))
        index = bisect.bisect_left(frames, needed)
        if index == 0 or index == len(frames):
            continue  # before the callback history kept, or not delivered (cannot happen)
        out.append(chunk.ready_at - callbacks[index][1])
    return out


@pytest.mark.parametrize(
    ("chunk_ms", "codec"), [(20, "linear"), (60, "linear"), (60, "g711a"), (200, "linear")]
)
@pytest.mark.asyncio
async def test_microphone_to_chunk_latency_and_cpu(
    pulse: PulseServer, chunk_ms: int, codec: str, bench_report: Callable[[Table], None]
) -> None:
    stream = AudioStream(chunk_ms=chunk_ms, codec=codec)
    chunks: list[Chunk] = []
    meter, history = LevelMeter(), WaveformHistory(10.0)
    stream.subscribe(chunks.append)
    stream.subscribe(lambda chunk: meter.feed(chunk.pcm))
    stream.subscribe(lambda chunk: history.append(chunk.pcm))
    mic = MicrophoneSource(find_device("default"))
    await stream.switch_to(mic)
    stream.start()
    try:
        assert await asyncio.to_thread(mic.wait_for_first_callback, 10.0), "no callback"
        player = pulse.play(_tone(RUN_S), DEVICE_RATE)
        cpu0, frames0 = time.process_time(), mic.callback_times()[-1][0]
        await asyncio.sleep(RUN_S)
        cpu = time.process_time() - cpu0
        captured_s = (mic.callback_times()[-1][0] - frames0) / mic.sample_rate
        await asyncio.to_thread(player.wait, 10.0)
        stats = stream.stats()
    finally:
        await stream.aclose()
    latencies = np.array(_latencies(chunks, mic, mic.sample_rate)) * 1000
    assert latencies.size > 10, "too few chunks measured"
    assert meter.last.peak_dbfs > -20  # the tone went through every stage
    table = Table(LATENCY_TITLE, LATENCY_HEADERS)
    table.add(
        f"{chunk_ms} ms",
        codec,
        latencies.size,
        f"{np.median(latencies):.1f} ms",
        f"{np.percentile(latencies, 95):.1f} ms",
        f"{latencies.max():.1f} ms",
        f"{latencies.max() / chunk_ms:.2f}",
        f"{1000 * cpu / captured_s:.1f} ms ({100 * cpu / captured_s:.2f} % of a core)",
    )
    table.notes.append(
        "latency: chunk ready minus arrival of the callback that delivered its last sample "
        "(PortAudio block, resampler look-ahead, stream polling at a quarter chunk)"
    )
    table.notes.append(
        "CPU: the whole process (PortAudio and libpulse threads, event loop, level meter and "
        "waveform history subscribed) per second of captured audio"
    )
    table.notes.append(
        f"drops {stats.drops}, overruns {stats.source.overruns}, resyncs {stats.resyncs} (last run)"
    )
    bench_report(table)


def test_pipeline_cpu_by_stage(bench_report: Callable[[Table], None]) -> None:
    """60 s of 48 kHz stereo through each stage of the capture path, timed stage by stage."""
    rate, channels, seconds, block = 48000, 2, 60, 480  # 10 ms callback blocks
    rng = np.random.default_rng(7)
    audio = (0.1 * rng.standard_normal((rate * seconds, channels))).astype(np.float32)
    ring = FrameRing(rate, channels)
    resampler = StreamResampler(rate, channels)
    meter, history = LevelMeter(), WaveformHistory(10.0)
    spent = dict.fromkeys(["callback copy", "resample", "encode g711a", "level + waveform"], 0.0)
    chunk = 60 * PROTOCOL_RATE // 1000
    pending = np.zeros(0, dtype=np.int16)
    for start in range(0, len(audio), block):
        t0 = time.process_time()
        ring.write(audio[start : start + block])
        t1 = time.process_time()
        pending = np.concatenate([pending, resampler.process(ring.read())])
        t2 = time.process_time()
        spent["callback copy"] += t1 - t0
        spent["resample"] += t2 - t1
        while pending.size >= chunk:
            pcm, pending = pending[:chunk], pending[chunk:]
            t3 = time.process_time()
            g711.encode("g711a", pcm)
            t4 = time.process_time()
            meter.feed(pcm)
            history.append(pcm)
            spent["encode g711a"] += t4 - t3
            spent["level + waveform"] += time.process_time() - t4
    table = Table("Capture path by stage (offline, 48 kHz stereo, 10 ms blocks, 60 ms chunks)",
                  ["stage", "CPU per audio second", "share of a core"])  # fmt: skip
    for stage, total in spent.items():
        table.add(stage, f"{1000 * total / seconds:.3f} ms", f"{100 * total / seconds:.3f} %")
    total = sum(spent.values())
    table.add("total", f"{1000 * total / seconds:.3f} ms", f"{100 * total / seconds:.3f} %")
    assert total > 0
    bench_report(table)
