"""The outgoing stream following live sources: device clock, bursts, stalls, backlog, switches.

A :class:`ScriptedLiveSource` delivers ramp samples on a schedule of simulated times, like a
device's callbacks; the stream polls it on the same :class:`SimClock`.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tests.unit.audio.stream_fakes import ScriptedLiveSource, SimClock, ramp, regular
from workbench.audio.chunks import Chunk, SourceSwitched
from workbench.audio.memory_sources import PcmSource
from workbench.audio.source import Pcm
from workbench.audio.stream import AudioStream

N = 480
T = 0.06
POLL = T / 4


def sim_stream(clock: SimClock, **options: object) -> AudioStream:
    return AudioStream(clock=clock, sleep=clock.sleep, **options)  # type: ignore[arg-type]


def collect(stream: AudioStream) -> list[Chunk]:
    chunks: list[Chunk] = []
    stream.subscribe(chunks.append)
    return chunks


def joined(chunks: list[Chunk]) -> Pcm:
    return np.concatenate([chunk.pcm for chunk in chunks])


@pytest.mark.asyncio
async def test_a_live_source_is_followed_on_its_own_clock_without_drift() -> None:
    clock = SimClock()
    stream = sim_stream(clock)
    slow_device = 7920.0  # a device clock 1 % slow: the stream must follow it, not its own
    live = ScriptedLiveSource(clock, regular(slow_device, 160, until=61.0))
    await stream.switch_to(live)
    chunks = collect(stream)
    stream.start()
    await clock.run_until(60.7)
    await stream.stop()
    assert len(chunks) >= 1000
    for k, chunk in enumerate(chunks[:1000]):
        complete = 3 * (k + 1) * 160 / slow_device  # the callback that completes chunk k
        assert complete - 1e-9 <= chunk.ready_at <= complete + POLL + 1e-9
        assert chunk.filled_samples == 0
        assert chunk.first_sample == k * N
    assert np.array_equal(joined(chunks), live.samples[: len(chunks) * N])
    stats = stream.stats()
    assert (stats.gaps, stats.drops, stats.filled_samples) == (0, 0, 0)


@pytest.mark.parametrize(("chunk_ms", "block"), [(60, 960), (20, 960)])
@pytest.mark.asyncio
async def test_bursty_callbacks_go_out_back_to_back_and_are_not_stalls(
    chunk_ms: int, block: int
) -> None:
    clock = SimClock()
    stream = sim_stream(clock, chunk_ms=chunk_ms)
    live = ScriptedLiveSource(clock, regular(8000, block, until=5.0))  # a callback per 120 ms
    await stream.switch_to(live)
    chunks = collect(stream)
    stream.start()
    await clock.run_until(2.41)
    await stream.stop()
    # Until the first callback (120 ms), the stream's own clock fills a slot per period.
    warm_up = round(0.12 / (chunk_ms / 1000)) - 1
    assert all(chunk.filled_samples == stream.chunk_samples for chunk in chunks[:warm_up])
    assert [chunk.ready_at for chunk in chunks[:warm_up]] == pytest.approx(
        [(k + 1) * chunk_ms / 1000 for k in range(warm_up)]
    )
    live_chunks = chunks[warm_up:]
    per_burst = block // stream.chunk_samples
    assert len(live_chunks) == 20 * per_burst
    for burst in range(20):
        part = live_chunks[burst * per_burst : (burst + 1) * per_burst]
        times = {chunk.ready_at for chunk in part}
        assert len(times) == 1  # one burst, back to back
        assert 0.12 * (burst + 1) - 1e-9 <= times.pop() <= 0.12 * (burst + 1) + chunk_ms / 4000
        assert not any(chunk.filled_samples for chunk in part)
    audio = joined(live_chunks)
    assert np.array_equal(audio, live.samples[: len(audio)])
    assert stream.stats().gaps == 1  # the warm-up, nothing after


@pytest.mark.asyncio
async def test_a_stalled_live_source_is_covered_by_silence_on_the_streams_clock() -> None:
    clock = SimClock()
    stream = sim_stream(clock)  # stalls count after max(4 chunks, 250 ms) = 250 ms
    before = regular(8000, 160, until=0.96)  # 16 chunks, then a second of nothing
    after = regular(8000, 160, until=3.0, start=2.0)
    live = ScriptedLiveSource(clock, before + after)
    await stream.switch_to(live)
    chunks = collect(stream)
    stream.start()
    await clock.run_until(3.0)
    await stream.stop()

    last_live = chunks[15]
    assert last_live.filled_samples == 0
    assert 0.96 <= last_live.ready_at <= 0.96 + POLL
    fill = [chunk for chunk in chunks if chunk.filled_samples]
    first, count = chunks.index(fill[0]), len(fill)
    assert first == 16
    assert all(chunk.filled_samples == N for chunk in fill)
    assert chunks[first + count - 1] is fill[-1]  # one run of fill
    # Detected 250 ms after the last chunk; the 4 periods already due go out at once …
    detected = fill[0].ready_at
    assert last_live.ready_at + 0.25 <= detected <= last_live.ready_at + 0.25 + POLL
    assert [chunk.ready_at for chunk in fill[:4]] == [detected] * 4
    # … then one chunk per period, counted from the last chunk sent.
    for j, chunk in enumerate(fill[4:], start=5):
        assert chunk.ready_at == pytest.approx(last_live.ready_at + j * T)
    assert fill[-1].ready_at < 2.02 + 1e-9 < chunks[first + count].ready_at
    # Not one live sample is lost or moved: the fill sits between them.
    audio = np.concatenate([chunk.pcm for chunk in chunks if not chunk.filled_samples])
    assert np.array_equal(audio, live.samples[: len(audio)])
    stats = stream.stats()
    assert stats.gaps == 1
    assert stats.filled_samples == count * N
    assert 950 <= stats.longest_gap_ms <= 1100


@pytest.mark.asyncio
async def test_a_backlog_past_one_second_is_cut_and_counted() -> None:
    clock = SimClock()
    stream = sim_stream(clock)  # max_backlog_ms=1000
    schedule = [*regular(8000, 160, until=5.0), (1.0, 24_000)]  # 3 s arrive at once at 1.0 s
    live = ScriptedLiveSource(clock, schedule)
    await stream.switch_to(live)
    chunks = collect(stream)
    stream.start()
    await clock.run_until(2.0)
    await stream.stop()
    stats = stream.stats()
    assert stats.drops == 1
    # All but 1 s of what was pending: the 3 s, and up to a chunk and a callback before them.
    assert 24_000 - 8000 <= stats.dropped_samples <= 24_000 - 8000 + N + 160
    cut = next(i for i, chunk in enumerate(chunks) if chunk.ready_at >= 1.0)
    burst = [chunk for chunk in chunks if chunk.ready_at == chunks[cut].ready_at]
    assert len(burst) == 8000 // N  # what is left of the backlog goes out back to back
    sent = cut * N  # the oldest samples were dropped, the newest kept, in order
    expected = np.concatenate(
        [
            live.samples[:sent],
            live.samples[sent + stats.dropped_samples :][: (len(chunks) - cut) * N],
        ]
    )
    assert np.array_equal(joined(chunks), expected)
    assert stats.gaps == 0


@pytest.mark.asyncio
async def test_a_live_source_that_has_not_started_yet_is_covered_without_missing_a_period() -> None:
    clock = SimClock()
    stream = sim_stream(clock)
    first = PcmSource(ramp(10 * N), "File: a.wav", loop=True)
    await stream.switch_to(first)
    chunks = collect(stream)
    events: list[object] = []
    stream.subscribe_events(events.append)
    stream.start()
    await clock.run_until(0.15)  # chunks at 0, 0.06, 0.12
    # A microphone whose first callback comes 1.5 s after it was opened.
    live = ScriptedLiveSource(clock, regular(8000, 160, until=4.0, start=1.5), start_value=20_000)
    await stream.switch_to(live)
    await clock.run_until(3.0)
    await stream.stop()

    labels = [chunk.source_label for chunk in chunks]
    assert labels[:3] == ["File: a.wav"] * 3
    assert set(labels[3:]) == {live.label}
    assert SourceSwitched("File: a.wav", live.label, 3 * N) in events
    fill = chunks[3:26]  # slots 0.18 … 1.50: the device has delivered nothing yet
    assert all(chunk.filled_samples == N for chunk in fill)
    assert chunks[26].filled_samples == 0
    ready = [chunk.ready_at for chunk in chunks[:27]]
    assert np.allclose(np.diff(ready), T)  # not one period missed across the switch
    audio = joined(chunks)
    expected = np.concatenate([ramp(3 * N), np.zeros(23 * N, np.int16), live.samples])
    assert np.array_equal(audio, expected[: len(audio)])
    stats = stream.stats()
    assert stats.gaps == 1
    assert stats.filled_samples == 23 * N
    assert stats.longest_gap_ms == pytest.approx(23 * 60)


@pytest.mark.asyncio
async def test_samples_read_from_a_live_source_stay_in_front_of_the_next_source() -> None:
    clock = SimClock()
    stream = sim_stream(clock)
    live = ScriptedLiveSource(clock, regular(8000, 160, until=5.0))
    await stream.switch_to(live)
    chunks = collect(stream)
    stream.start()
    await clock.run_until(0.1)  # 800 samples delivered and read, 480 sent
    assert live.position > len(chunks) * N
    after = PcmSource(ramp(20 * N, start=30_000), "File: b.wav")
    await stream.switch_to(after)
    await clock.run_until(0.6)
    await stream.stop()
    assert live.closed
    expected = np.concatenate([live.samples[: live.position], ramp(20 * N, start=30_000)])
    assert np.array_equal(joined(chunks), expected[: len(chunks) * N])
    assert stream.stats().gaps == 0
    assert all(
        later.ready_at - earlier.ready_at <= T + 1e-9
        for earlier, later in itertools.pairwise(chunks)
    )


@pytest.mark.asyncio
async def test_fast_pacing_cannot_hurry_a_live_source() -> None:
    clock = SimClock()
    stream = sim_stream(clock, pacing="fast")
    live = ScriptedLiveSource(clock, regular(8000, 160, until=5.0))
    await stream.switch_to(live)
    chunks = collect(stream)
    stream.start()
    await clock.run_until(1.0)
    await stream.stop()
    assert len(chunks) == 16  # 1 s of audio at 8 kHz, no more
    assert np.array_equal(joined(chunks), live.samples[: 16 * N])
