"""The outgoing stream following a real microphone: a private PulseAudio null sink at 44.1 kHz.

A tone is played into the sink while the stream runs on the real clock. The stream must follow
the device (one chunk per 60 ms of captured audio, nothing dropped, no resync), cover the
device's warm-up with silence on its own clock, and carry the tone through whole.
"""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from tests.support.pulseaudio import PulseServer
from workbench.audio.chunks import Chunk
from workbench.audio.devices import find_device
from workbench.audio.microphone import MicrophoneSource
from workbench.audio.stream import AudioStream

pytestmark = pytest.mark.usefixtures("no_stream_left_open")

DEVICE_RATE = 44100
TONE_HZ = 440.0
TONE_S = 2.0


@pytest.mark.asyncio
async def test_the_stream_follows_a_real_microphone_and_carries_its_audio(
    pulse: PulseServer,
) -> None:
    stream = AudioStream(chunk_ms=60)
    chunks: list[Chunk] = []
    stream.subscribe(chunks.append)
    mic = MicrophoneSource(find_device("default"), latency=0.2)
    await stream.switch_to(mic)  # opens the device in a worker thread
    began = time.monotonic()
    stream.start()
    try:
        assert await asyncio.to_thread(mic.wait_for_first_callback, 10.0), "no callback"
        await asyncio.sleep(0.3)
        t = np.arange(int(TONE_S * DEVICE_RATE)) / DEVICE_RATE
        tone = (8000 * np.sin(2 * np.pi * TONE_HZ * t)).astype("<i2")
        player = pulse.play(tone.tobytes(), DEVICE_RATE)
        await asyncio.sleep(TONE_S + 1.0)
        assert await asyncio.to_thread(player.wait, 5.0) == 0
        stats = stream.stats()
    finally:
        await stream.aclose()  # closes the microphone too
    elapsed = time.monotonic() - began

    assert mic.exhausted  # closed by the stream
    assert [chunk.first_sample for chunk in chunks] == [k * 480 for k in range(len(chunks))]
    # The device clock is the real clock here: one chunk per 60 ms, give or take the bursts.
    assert abs(len(chunks) - elapsed / 0.06) <= 10, (len(chunks), elapsed)
    assert (stats.drops, stats.resyncs, stats.source.overruns) == (0, 0, 0)
    # Silence covered the warm-up; after the first callback the device kept up.
    live = [chunk for chunk in chunks if chunk.ready_at > (mic.first_callback_at or 0) + 0.3]
    assert sum(chunk.filled_samples for chunk in live) <= 0.05 * len(live) * 480
    audio = np.concatenate([chunk.pcm for chunk in live]).astype(np.float64)
    loud = np.abs(audio) > 2000
    assert 0.8 * TONE_S * 8000 <= loud.sum() <= 1.1 * TONE_S * 8000  # the tone, once, whole
    spectrum = np.abs(np.fft.rfft(audio))
    peak = np.fft.rfftfreq(audio.size, 1 / 8000)[int(np.argmax(spectrum))]
    assert abs(peak - TONE_HZ) < 5
