"""The outgoing stream with paced sources: deadlines, fast mode, switching, codecs, consumers.

Time is simulated (:class:`SimClock`), so every timing assertion is exact. Live sources are in
``test_stream_live.py``; a real-clock check is at the end.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tests.unit.audio.stream_fakes import SimClock, ramp
from workbench.audio import g711
from workbench.audio.chunks import Chunk, SourceExhausted, SourceFailed, SourceSwitched, StreamEvent
from workbench.audio.memory_sources import FileSource, PcmSource
from workbench.audio.source import AudioSourceError, Pcm
from workbench.audio.stream import AudioStream
from workbench.audio.wav_files import AudioFileError, write_wav

N = 480  # samples in a 60 ms chunk
T = 0.06


class Recorder:
    """Every chunk and event of a stream, in order."""

    def __init__(self, stream: AudioStream) -> None:
        self.chunks: list[Chunk] = []
        self.events: list[StreamEvent] = []
        stream.subscribe(self.chunks.append)
        stream.subscribe_events(self.events.append)

    def pcm(self) -> Pcm:
        return np.concatenate([chunk.pcm for chunk in self.chunks])

    def labels(self) -> list[str]:
        return [chunk.source_label for chunk in self.chunks]


def sim_stream(clock: SimClock, **options: object) -> AudioStream:
    return AudioStream(clock=clock, sleep=clock.sleep, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("chunk_ms", [19, 201, 0, 60.0])
def test_chunk_duration_outside_20_to_200_ms_is_refused(chunk_ms: object) -> None:
    with pytest.raises(ValueError, match="from 20 to 200"):
        AudioStream(chunk_ms=chunk_ms)  # type: ignore[arg-type]


def test_codec_pacing_and_exhaustion_mode_are_checked() -> None:
    with pytest.raises(ValueError, match="linear, g711a or g711u"):
        AudioStream(codec="opus")
    with pytest.raises(ValueError, match="realtime or fast"):
        AudioStream(pacing="slow")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="silence or stop"):
        AudioStream(on_exhausted="loop")  # type: ignore[arg-type]
    stream = AudioStream(chunk_ms=20)
    assert stream.chunk_samples == 160
    with pytest.raises(ValueError, match="linear, g711a or g711u"):
        stream.set_codec("alaw")
    assert stream.codec == "linear"


@pytest.mark.asyncio
async def test_realtime_deadlines_come_from_t0_and_do_not_drift_over_1000_chunks() -> None:
    rng = np.random.default_rng(7)
    clock = SimClock(oversleep=lambda: float(rng.uniform(0.0, 0.004)))  # every wake is late
    stream = sim_stream(clock, on_exhausted="stop")
    samples = ramp(1000 * N)
    await stream.switch_to(PcmSource(samples, "ramp"))
    record = Recorder(stream)
    task = stream.start()
    await clock.run_until(70.0)
    assert task.done()
    assert task.exception() is None
    assert len(record.chunks) == 1000
    for k, chunk in enumerate(record.chunks):
        assert chunk.seq == k
        assert chunk.first_sample == k * N
        # Late by at most one oversleep, never by their sum: no cumulative drift.
        assert k * T - 1e-9 <= chunk.ready_at <= k * T + 0.004 + 1e-9
    assert np.array_equal(record.pcm(), samples)
    stats = stream.stats()
    assert (stats.chunks, stats.samples, stats.gaps, stats.resyncs) == (1000, 1000 * N, 0, 0)


@pytest.mark.asyncio
async def test_fast_pacing_sends_a_file_at_once_then_paces_the_silence_after_it() -> None:
    clock = SimClock()
    stream = sim_stream(clock, pacing="fast")
    samples = ramp(100 * N + 100)
    await stream.switch_to(PcmSource(samples, "File: long.wav"))
    record = Recorder(stream)
    stream.start()
    await clock.run_until(0.25)
    await stream.stop()
    file_chunks = record.chunks[:101]
    assert all(chunk.ready_at == 0.0 for chunk in file_chunks)
    assert file_chunks[-1].end_of_source
    assert file_chunks[-1].filled_samples == N - 100
    assert not any(chunk.end_of_source for chunk in file_chunks[:-1])
    silence = record.chunks[101:]
    assert [chunk.source_label for chunk in silence] == ["Silence"] * 4
    assert [chunk.ready_at for chunk in silence] == pytest.approx([0.06, 0.12, 0.18, 0.24])
    assert np.array_equal(record.pcm()[: len(samples)], samples)
    assert not record.pcm()[len(samples) :].any()
    assert stream.stats().gaps == 0  # padding after the end is not a gap


@pytest.mark.asyncio
async def test_fast_pacing_waits_for_a_slow_queue_consumer_instead_of_dropping() -> None:
    clock = SimClock()
    stream = sim_stream(clock, pacing="fast", on_exhausted="stop")
    samples = ramp(20 * N)
    await stream.switch_to(PcmSource(samples, "ramp"))
    queue = stream.chunks(maxsize=2)
    received: list[Chunk] = []

    async def consume() -> None:
        async for chunk in queue:
            received.append(chunk)
            await clock.sleep(0.01)

    consumer = asyncio.create_task(consume())
    stream.start()
    await clock.run_until(1.0)
    await asyncio.wait_for(consumer, 1.0)  # the iteration ended with the run
    assert [chunk.seq for chunk in received] == list(range(20))
    assert queue.dropped == 0
    assert stream.stats().queue_drops == 0
    assert np.array_equal(np.concatenate([chunk.pcm for chunk in received]), samples)
    assert received[-1].ready_at >= 0.15  # the consumer set the pace (10 ms per chunk)


@pytest.mark.asyncio
async def test_realtime_drops_the_oldest_chunks_of_a_queue_nobody_reads() -> None:
    clock = SimClock()
    stream = sim_stream(clock)
    queue = stream.chunks(maxsize=3)
    stream.start()
    await clock.run_until(9 * T + 0.001)  # chunks 0..9
    assert stream.stats().queue_drops == 7
    await stream.stop()
    assert [chunk.seq async for chunk in queue] == [7, 8, 9]
    assert queue.dropped == 7
    assert queue.ended


@pytest.mark.asyncio
async def test_switching_between_paced_sources_keeps_the_clock_and_every_sample() -> None:
    clock = SimClock()
    stream = sim_stream(clock)
    first = PcmSource(ramp(10 * N), "A")
    second = PcmSource(ramp(10 * N, start=20_000), "B")
    await stream.switch_to(first)
    record = Recorder(stream)
    stream.start()
    await clock.run_until(0.15)  # chunks at 0, 0.06, 0.12
    await stream.switch_to(second)  # time stands still while it starts
    await clock.run_until(0.5)
    await stream.stop()
    assert record.labels() == ["A"] * 3 + ["B"] * 6
    assert np.array_equal(record.pcm(), np.concatenate([ramp(3 * N), ramp(6 * N, start=20_000)]))
    assert [chunk.ready_at for chunk in record.chunks] == pytest.approx([k * T for k in range(9)])
    assert [chunk.first_sample for chunk in record.chunks] == [k * N for k in range(9)]
    assert SourceSwitched("A", "B", 3 * N) in record.events
    assert first.exhausted  # closed by the stream
    assert stream.stats().gaps == 0


@pytest.mark.asyncio
async def test_a_source_replaced_before_its_boundary_is_closed_and_never_heard() -> None:
    clock = SimClock()
    stream = sim_stream(clock)
    record = Recorder(stream)
    stream.start()
    await clock.run_until(0.03)
    skipped = PcmSource(ramp(N), "skipped")
    await stream.switch_to(skipped)
    await stream.switch_to(PcmSource(ramp(10 * N), "kept"))
    await clock.run_until(0.2)
    await stream.stop()
    assert "skipped" not in record.labels()
    assert "kept" in record.labels()
    assert skipped.exhausted


@pytest.mark.asyncio
async def test_a_source_that_cannot_start_leaves_the_current_one_playing(tmp_path: Path) -> None:
    clock = SimClock()
    stream = sim_stream(clock)
    current = PcmSource(ramp(10 * N), "current", loop=True)
    await stream.switch_to(current)
    with pytest.raises(AudioFileError, match=r"missing\.wav.*does not exist"):
        await stream.switch_to(FileSource(tmp_path / "missing.wav"))
    assert stream.source is current

    class Broken(PcmSource):
        closed = False

        def start(self) -> None:
            raise RuntimeError("driver exploded")

        def close(self) -> None:
            self.closed = True

    broken = Broken(ramp(N), "broken")
    with pytest.raises(AudioSourceError, match=r"broken: could not start \(RuntimeError"):
        await stream.switch_to(broken)
    assert broken.closed
    assert stream.source is current


@pytest.mark.asyncio
async def test_cancelling_a_switch_closes_the_source_once_its_start_returns() -> None:
    release = threading.Event()

    class SlowStart(PcmSource):
        closed = threading.Event()

        def start(self) -> None:
            release.wait(5.0)

        def close(self) -> None:
            type(self).closed.set()

    stream = AudioStream()
    slow = SlowStart(ramp(N), "slow")
    switching = asyncio.create_task(stream.switch_to(slow))
    await asyncio.sleep(0.05)
    switching.cancel()
    with pytest.raises(asyncio.CancelledError):
        await switching
    assert not SlowStart.closed.is_set()  # still starting in its thread
    release.set()
    assert await asyncio.to_thread(SlowStart.closed.wait, 5.0)
    await asyncio.sleep(0)
    assert stream.source is not slow


@pytest.mark.parametrize("codec", ["linear", "g711a", "g711u"])
@pytest.mark.asyncio
async def test_payloads_decode_back_to_the_chunk_samples(codec: str) -> None:
    clock = SimClock()
    stream = sim_stream(clock, codec=codec, on_exhausted="stop")
    samples = np.random.default_rng(3).integers(-20_000, 20_000, 5 * N).astype(np.int16)
    await stream.switch_to(PcmSource(samples, "noise"))
    record = Recorder(stream)
    stream.start()
    await clock.run_until(1.0)
    width = {"linear": 2, "g711a": 1, "g711u": 1}[codec]
    for chunk in record.chunks:
        assert chunk.codec == codec
        assert len(chunk.payload) == N * width
        decoded = g711.decode(codec, chunk.payload).astype(np.int32)
        error = np.abs(decoded - chunk.pcm.astype(np.int32))
        if codec == "linear":
            assert not error.any()
        else:  # G.711: within half a quantisation step of the segment
            assert (error <= np.maximum(np.abs(chunk.pcm.astype(np.int32)) // 16, 16)).all()
    assert np.array_equal(record.pcm(), samples)


@pytest.mark.asyncio
async def test_set_codec_applies_from_the_next_chunk() -> None:
    clock = SimClock()
    stream = sim_stream(clock)
    record = Recorder(stream)
    stream.start()
    await clock.run_until(0.1)
    stream.set_codec("g711u")
    await clock.run_until(0.2)
    await stream.stop()
    assert [chunk.codec for chunk in record.chunks] == ["linear"] * 2 + ["g711u"] * 2
    assert record.chunks[-1].payload == bytes([0xFF]) * N  # µ-law silence


@pytest.mark.asyncio
async def test_on_exhausted_stop_ends_the_run_after_the_last_sample() -> None:
    clock = SimClock()
    stream = sim_stream(clock, on_exhausted="stop")
    source = PcmSource(ramp(3 * N + 10), "File: short.wav")
    await stream.switch_to(source)
    record = Recorder(stream)
    queue = stream.chunks()
    task = stream.start()
    await clock.run_until(5.0)
    assert task.done()
    assert not stream.running
    assert len(record.chunks) == 4
    assert [c async for c in queue] == record.chunks
    last = record.chunks[-1]
    assert last.end_of_source
    assert last.filled_samples == N - 10
    assert SourceExhausted("File: short.wav", 3 * N + 10) in record.events
    assert stream.source.label == "Silence"
    assert source.exhausted


@pytest.mark.asyncio
async def test_mute_sends_silence_and_keeps_consuming_the_source() -> None:
    clock = SimClock()
    stream = sim_stream(clock)
    samples = ramp(10 * N)
    await stream.switch_to(PcmSource(samples, "ramp"))
    record = Recorder(stream)
    stream.start()
    await clock.run_until(0.1)  # chunks 0, 1
    stream.muted = True
    await clock.run_until(0.22)  # chunks 2, 3 muted
    stream.muted = False
    await clock.run_until(0.34)  # chunks 4, 5
    await stream.stop()
    assert [chunk.muted for chunk in record.chunks] == [False, False, True, True, False, False]
    expected = samples[: 6 * N].copy()
    expected[2 * N : 4 * N] = 0
    assert np.array_equal(record.pcm(), expected)
    assert stream.stats().gaps == 0


@pytest.mark.asyncio
async def test_a_raising_subscriber_is_logged_and_does_not_stop_the_stream(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = SimClock()
    stream = sim_stream(clock)

    def broken(chunk: Chunk) -> None:
        raise RuntimeError(f"cannot handle chunk {chunk.seq}")

    def broken_listener(event: StreamEvent) -> None:
        raise RuntimeError("cannot handle events")

    stream.subscribe(broken)
    stream.subscribe_events(broken_listener)
    record = Recorder(stream)
    stream.start()
    await stream.switch_to(PcmSource(ramp(N), "one chunk"))
    await clock.run_until(10 * T - 0.001)
    await stream.stop()
    assert [chunk.seq for chunk in record.chunks] == list(range(10))
    assert stream.stats().consumer_errors == 10 + 2  # chunks, then the switch and the exhaustion
    assert "subscriber failed on chunk 0" in caplog.text
    assert "cannot handle chunk 9" in caplog.text


@pytest.mark.asyncio
async def test_unsubscribed_consumers_get_nothing_more() -> None:
    clock = SimClock()
    stream = sim_stream(clock)
    early: list[Chunk] = []
    events: list[StreamEvent] = []
    unsubscribe = stream.subscribe(early.append)
    stop_events = stream.subscribe_events(events.append)
    record = Recorder(stream)
    stream.start()
    await clock.run_until(0.1)
    unsubscribe()
    stop_events()
    unsubscribe()  # twice is harmless
    await stream.switch_to(PcmSource(ramp(N), "later"))
    await clock.run_until(0.3)
    await stream.stop()
    assert [chunk.seq for chunk in early] == [0, 1]
    assert len(record.chunks) == 6
    assert events == []
    assert any(isinstance(event, SourceSwitched) for event in record.events)


@pytest.mark.asyncio
async def test_a_source_failing_mid_stream_is_reported_and_replaced_by_silence() -> None:
    class Failing(PcmSource):
        reads = 0

        def read(self, max_samples: int) -> Pcm:
            self.reads += 1
            if self.reads == 3:
                raise OSError("disk gone")
            return super().read(max_samples)

    clock = SimClock()
    stream = sim_stream(clock)
    await stream.switch_to(Failing(ramp(10 * N), "flaky"))
    record = Recorder(stream)
    stream.start()
    await clock.run_until(0.3)
    await stream.stop()
    failures = [event for event in record.events if isinstance(event, SourceFailed)]
    assert len(failures) == 1
    assert failures[0].at_sample == 2 * N
    assert "flaky: stopped working (OSError: disk gone)" in str(failures[0].error)
    assert record.labels() == ["flaky"] * 3 + ["Silence"] * 3
    assert record.chunks[2].filled_samples == N
    assert not record.chunks[2].pcm.any()
    stats = stream.stats()
    assert (stats.gaps, stats.filled_samples) == (1, N)


@pytest.mark.asyncio
async def test_a_blocked_loop_is_caught_up_back_to_back_or_resynced_past_the_bound() -> None:
    clock = SimClock()
    stream = sim_stream(clock)
    record = Recorder(stream)

    def block_the_loop(chunk: Chunk) -> None:
        if chunk.seq == 5:
            clock.now += 0.5  # shorter than the 1 s bound: catch up
        if chunk.seq == 30:
            clock.now += 3.0  # longer: skip ahead

    stream.subscribe(block_the_loop)
    stream.start()
    await clock.run_until(6.0)
    await stream.stop()
    ready = [chunk.ready_at for chunk in record.chunks]
    assert ready[6:14] == pytest.approx([0.8] * 8)  # chunks 6..13 were due by 0.8 s
    assert ready[14:31] == pytest.approx([k * T for k in range(14, 31)])  # back on schedule
    assert ready[31] == pytest.approx(30 * T + 3.0)
    assert ready[32] == pytest.approx(30 * T + 3.0 + T)  # a new anchor
    assert stream.stats().resyncs == 1


@pytest.mark.asyncio
async def test_start_stop_restart_leaves_no_task_behind() -> None:
    clock = SimClock()
    stream = sim_stream(clock)
    record = Recorder(stream)
    task = stream.start()
    with pytest.raises(RuntimeError, match="already running"):
        stream.start()
    await clock.run_until(0.1)
    with pytest.raises(RuntimeError, match="already running"):
        await stream.run()
    await stream.stop()
    assert task.done()
    assert not stream.running
    assert asyncio.all_tasks() == {asyncio.current_task()}
    stream.start()
    await clock.run_until(0.2)
    await stream.aclose()
    assert [chunk.seq for chunk in record.chunks] == [0, 1, 0, 1]  # a new run starts over
    assert asyncio.all_tasks() == {asyncio.current_task()}


@pytest.mark.asyncio
async def test_a_three_second_file_in_real_time_takes_three_seconds(tmp_path: Path) -> None:
    path = tmp_path / "three_seconds.wav"
    tone = (8000 * np.sin(2 * np.pi * 440 * np.arange(3 * 8000) / 8000)).astype(np.int16)
    write_wav(path, tone.astype("<i2").tobytes(), "linear")
    stream = AudioStream(on_exhausted="stop")
    await stream.switch_to(FileSource(path))
    record = Recorder(stream)
    began = time.monotonic()
    await stream.run()
    elapsed = time.monotonic() - began
    # 50 chunks: the first at once, the last 49 periods (2.94 s) later.
    assert len(record.chunks) == 50
    assert record.chunks[0].source_label == "File: three_seconds.wav"
    assert 2.8 <= elapsed <= 4.5
    spread = record.chunks[-1].ready_at - record.chunks[0].ready_at
    assert 2.9 <= spread <= 3.5
    assert np.array_equal(record.pcm(), tone)
