"""The outgoing stream: 8 kHz audio from the current source, cut into chunks, sent on time.

Theory of operation
-------------------
One coroutine (:meth:`AudioStream.run`) makes every chunk. Each chunk holds exactly
``chunk_ms`` of samples, so ``first_sample`` goes 0, N, 2N… with no hole, whatever happens to
the sources. What varies is *when* a chunk is made and *where* its samples come from:

* **Paced sources** (not live: a file, TTS, silence). The stream has its own clock: chunk k
  of the current anchor is due at ``anchor + k·chunk``. Deadlines come from the anchor, never
  from adding up sleeps, so 1000 chunks end exactly 1000 periods later. With
  ``pacing="fast"`` a non-live source goes out as fast as the consumers take it (an
  :meth:`~AudioStream.chunks` queue makes the stream wait; callbacks do not); silence is
  always paced, there being nothing to hurry.
* **Live sources** (a microphone) run on the device clock: the stream polls at a quarter of a
  chunk and sends a chunk as soon as the source has delivered one, so the output follows the
  device with no drift. A burst goes out back to back; a backlog past ``max_backlog_ms`` is
  cut (oldest samples first) and counted, so latency stays bounded. When the source has
  delivered nothing for ``stall_ms`` the stream is *stalled*: it sends silence on its own
  clock, one chunk per period counted from the last chunk sent (the periods already missed go
  out at once), until the source delivers again. A new live source starts stalled, so a
  microphone that needs a second or two for its first callback is covered by silence from the
  very next period.
* **Switching** (:meth:`~AudioStream.switch_to`) starts the new source first, in a worker
  thread (decoding a long file or opening a sound device can take a while; the loop never
  waits for it), and only then hands it to the loop, which swaps it in at the next chunk
  boundary and closes the old one. Samples read from the old source and not sent yet stay in
  front of the new source's. The clock is untouched by a swap, so no chunk period is missed:
  if the new source has nothing yet, its first chunks are filled.
* **Fill** is silence at the end of a chunk. Fill in place of audio that was late (warm-up,
  stalls, a source that stopped working) is counted as a *gap*; the padding after the last
  sample of a source that ran out is not. An exhausted source is reported
  (:class:`SourceExhausted`) and replaced by silence; with ``on_exhausted="stop"`` the run
  then ends, which is how a headless command stops after a file.
* If the event loop is blocked, the due chunks go out back to back on waking; past
  ``max_backlog_ms`` behind, the clock skips ahead instead and the resync is counted.

Consumers subscribe plain callables (called on the loop, in order; one that raises is logged
and counted, never stops the stream) or iterate :meth:`~AudioStream.chunks`. The stream owns
the sources it is given: it closes them when they are replaced, run out, fail, or in
:meth:`~AudioStream.aclose`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Final, get_args

import numpy as np

from workbench.audio import g711
from workbench.audio.chunks import (
    DEFAULT_CHUNK_MS,
    Chunk,
    ChunkQueue,
    Codec,
    Consumers,
    OnExhausted,
    Pacing,
    SampleBacklog,
    SourceExhausted,
    SourceFailed,
    SourceSwitched,
    StreamCounters,
    StreamEvent,
    StreamStats,
    StreamTiming,
    check_codec,
)
from workbench.audio.memory_sources import SilenceSource
from workbench.audio.resample import PROTOCOL_RATE
from workbench.audio.source import EMPTY, AudioSource, AudioSourceError, Pcm

_SLACK: Final = 1e-6  # seconds: a deadline this close is reached (sums of floats round)
_log = logging.getLogger(__name__)


def _close_quietly(source: AudioSource) -> None:
    try:
        source.close()
    except Exception:
        _log.exception("closing audio source %r failed", source.label)


class AudioStream:
    """The outgoing audio stream; see the module docstring for how it works."""

    def __init__(
        self,
        chunk_ms: int = DEFAULT_CHUNK_MS,
        codec: str = "linear",
        pacing: Pacing = "realtime",
        *,
        on_exhausted: OnExhausted = "silence",
        max_backlog_ms: int = 1000,
        stall_ms: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.timing = StreamTiming(chunk_ms, max_backlog_ms, stall_ms)
        if pacing not in get_args(Pacing):
            raise ValueError(f"unknown pacing {pacing!r}: expected realtime or fast")
        if on_exhausted not in get_args(OnExhausted):
            raise ValueError(f"unknown on_exhausted {on_exhausted!r}: expected silence or stop")
        self.chunk_ms = chunk_ms
        self.chunk_samples = self.timing.chunk_samples
        self._codec: Codec = check_codec(codec)
        self.pacing: Pacing = pacing
        self.on_exhausted: OnExhausted = on_exhausted
        self.muted = False
        """Send silence instead of the source's samples (which are still read: the clock,
        a live source's position and a file's position keep going)."""
        self._period = self.timing.period
        self._poll = self._period / 4
        self._stall = self.timing.stall_s
        self._max_backlog = self.timing.max_backlog_samples
        self._clock = clock
        self._sleep = sleep
        self._source: AudioSource = SilenceSource()
        self._pending: AudioSource | None = None
        self._switch_lock = asyncio.Lock()
        self._backlog = SampleBacklog()
        self._consumers = Consumers()
        self._task: asyncio.Task[None] | None = None
        self._running = False
        self._stop_requested = False
        self._reset()

    def _reset(self) -> None:
        now = self._clock()
        self._anchor, self._k = now, 0  # chunk k of this anchor is due at anchor + k·period
        self._progress_at = now  # last time a live source made progress
        self._stalled = True
        self._seq = 0
        self._last_fill = 0
        self._counts = StreamCounters()
        self._errors_before = self._consumers.errors
        self._queue_drops_before = self._consumers.queue_drops

    # -- configuration -------------------------------------------------------------------

    @property
    def codec(self) -> Codec:
        return self._codec

    def set_codec(self, codec: str) -> None:
        """Encode the next chunks for ``codec`` (the one chosen at OPEN)."""
        self._codec = check_codec(codec)

    @property
    def source(self) -> AudioSource:
        """The source chunks are being made from now."""
        return self._source

    @property
    def running(self) -> bool:
        return self._running

    # -- consumers -----------------------------------------------------------------------

    def subscribe(self, callback: Callable[[Chunk], object]) -> Callable[[], None]:
        """Call ``callback(chunk)`` on the loop for every chunk; returns the unsubscriber."""
        return self._consumers.subscribe(callback)

    def subscribe_events(self, callback: Callable[[StreamEvent], object]) -> Callable[[], None]:
        """Call ``callback(event)`` on switches, exhaustion, failures; returns the unsubscriber."""
        return self._consumers.subscribe_events(callback)

    def chunks(self, maxsize: int = 32) -> ChunkQueue:
        """The chunks made from now on, as an async iterator that ends when the run ends.

        See :class:`ChunkQueue` for what happens when the consumer falls behind.
        """
        return self._consumers.queue(maxsize)

    # -- sources -------------------------------------------------------------------------

    async def switch_to(self, source: AudioSource) -> None:
        """Start ``source`` and make it current at the next chunk boundary.

        If it cannot start, :class:`AudioSourceError` propagates and the current source stays.
        A source still waiting for its boundary is closed when another one replaces it.
        """
        async with self._switch_lock:
            await self._start_source(source)
            if self._running:
                superseded, self._pending = self._pending, source
                if superseded is not None:
                    _close_quietly(superseded)
                return
            old, self._source = self._source, source
            self._backlog.clear()
            _close_quietly(old)
            self._publish(SourceSwitched(old.label, source.label, self._seq * self.chunk_samples))

    async def _start_source(self, source: AudioSource) -> None:
        try:
            starting = asyncio.ensure_future(asyncio.to_thread(source.start))
            try:
                await asyncio.shield(starting)
            except asyncio.CancelledError:
                # The thread cannot be interrupted: close the source once it has started.
                starting.add_done_callback(lambda task: self._abandon(task, source))
                raise
        except AudioSourceError:
            _close_quietly(source)
            raise
        except Exception as error:
            _close_quietly(source)
            cause = f"could not start ({type(error).__name__}: {error})"
            raise AudioSourceError(source.label, cause) from error

    @staticmethod
    def _abandon(task: asyncio.Future[None], source: AudioSource) -> None:
        if not task.cancelled():
            task.exception()  # retrieved, so asyncio does not warn about it
        _close_quietly(source)

    # -- running -------------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        """Run the stream in a task of its own (see :meth:`stop`)."""
        if self._task is not None and not self._task.done():
            raise RuntimeError("the audio stream is already running")
        self._task = asyncio.create_task(self.run(), name="audio-stream")
        self._task.add_done_callback(self._log_crash)
        return self._task

    @staticmethod
    def _log_crash(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            _log.error("the audio stream crashed", exc_info=task.exception())

    async def stop(self) -> None:
        """End the run (the task of :meth:`start`); the current source stays open."""
        self._stop_requested = True
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task})

    async def aclose(self) -> None:
        """Stop, then close the current and pending sources; silence becomes current."""
        await self.stop()
        pending, self._pending = self._pending, None
        for source in (pending, self._source):
            if source is not None:
                _close_quietly(source)
        self._source = SilenceSource()

    async def run(self) -> None:
        """Make chunks until :meth:`stop`, cancellation, or the end of a source when told."""
        if self._running:
            raise RuntimeError("the audio stream is already running")
        self._running, self._stop_requested = True, False
        self._reset()
        self._backlog.clear()
        if self._source.live:
            self._drain(self._source, keep=False)  # what it captured while we were not running
            self._k = 1  # it gets one period to deliver, as after a switch
        try:
            while not self._stop_requested:
                self._apply_pending()
                source = self._source
                if source.live and not source.exhausted:
                    await self._follow_live(source)
                else:
                    await self._pace(source)
        finally:
            self._running = False
            self._consumers.end_queues()

    def _apply_pending(self) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        old, self._source = self._source, pending
        self._stalled, self._progress_at = True, self._clock()
        _close_quietly(old)
        self._publish(SourceSwitched(old.label, pending.label, self._seq * self.chunk_samples))

    async def _pace(self, source: AudioSource) -> None:
        """One chunk of a non-live source, at its deadline (or at once when fast)."""
        fast = self.pacing == "fast" and not isinstance(source, SilenceSource)
        fast = fast and not source.exhausted
        if not fast:
            due = self._due()
            await self._sleep(max(0.0, due - self._clock()))
            if self._pending is not None or self._stop_requested:
                return  # the boundary is here: the next source gets this slot
        got = self._read(source, self.chunk_samples - len(self._backlog))
        self._backlog.append(got)
        pcm = self._backlog.take(self.chunk_samples)
        ended = self._source is source and source.exhausted
        self._emit(pcm, source.label, gap=not ended, end_of_source=ended)
        if fast:
            self._anchor, self._k = self._clock(), 1
        else:
            self._k += 1
        if ended:
            self._finish(source)
        if fast:
            await self._sleep(0)
            await self._consumers.wait_for_room()

    async def _follow_live(self, source: AudioSource) -> None:
        """Send what a live source has delivered; fill if it stalls; wait a quarter chunk."""
        now = self._clock()
        if self._drain(source, keep=True) and self._stalled:
            self._stalled, self._progress_at = False, now
        if self._source is not source:
            return  # it failed while reading
        if len(self._backlog) >= self.chunk_samples:
            while len(self._backlog) >= self.chunk_samples:
                self._emit(self._backlog.take(self.chunk_samples), source.label, gap=False)
            self._anchor, self._k, self._progress_at = now, 1, now
            self._stalled = False
        else:
            if not self._stalled and now - self._progress_at >= self._stall:
                self._stalled = True  # the periods since the last chunk sent are now due
            if self._stalled:
                while self._due() <= now + _SLACK:
                    self._emit(self._backlog.take(self.chunk_samples), source.label, gap=True)
                    self._k += 1
        wake = now + self._poll
        if self._stalled:
            wake = min(wake, self._due())
        await self._sleep(max(0.0, wake - self._clock()))

    def _due(self) -> float:
        """When the next chunk is due on the stream's clock; skip ahead if far behind."""
        due = self._anchor + self._k * self._period
        now = self._clock()
        if now - due > self._max_backlog / PROTOCOL_RATE:
            self._counts.resyncs += 1
            _log.warning("audio stream %.2f s behind its clock: skipping ahead", now - due)
            self._anchor, self._k, due = now, 0, now
        return due

    def _drain(self, source: AudioSource, *, keep: bool) -> bool:
        """Read all a live source has; cut the backlog to the bound. True if any was read."""
        want = self._max_backlog + self.chunk_samples
        got_any = False
        for _ in range(64):  # a bound, in case a source always has more
            got = self._read(source, want)
            got_any = got_any or bool(len(got))
            if keep:
                self._backlog.append(got)
            if len(got) < want or self._source is not source:
                break
        excess = len(self._backlog) - self._max_backlog
        if excess > 0:
            self._backlog.take(excess)
            self._counts.count_drop(excess)
            _log.warning("%s: %d ms backlog dropped", source.label, excess * 1000 // PROTOCOL_RATE)
        return got_any

    def _read(self, source: AudioSource, count: int) -> Pcm:
        """Up to ``count`` samples; a failing source is reported and replaced by silence."""
        if count <= 0:
            return EMPTY
        try:
            got = np.asarray(source.read(count), dtype=np.int16).reshape(-1)[:count]
        except Exception as error:
            failure = error if isinstance(error, AudioSourceError) else None
            if failure is None:
                cause = f"stopped working ({type(error).__name__}: {error})"
                failure = AudioSourceError(source.label, cause)
            _log.error("audio source failed: %s", failure, exc_info=error)
            self._publish(SourceFailed(source.label, failure, self._seq * self.chunk_samples))
            self._replace_with_silence(source)
            return EMPTY
        return got

    def _finish(self, source: AudioSource) -> None:
        at = (self._seq - 1) * self.chunk_samples + self.chunk_samples - self._last_fill
        self._publish(SourceExhausted(source.label, at))
        self._replace_with_silence(source)
        if self.on_exhausted == "stop":
            self._stop_requested = True

    def _replace_with_silence(self, source: AudioSource) -> None:
        _close_quietly(source)
        if self._source is source:
            self._source = SilenceSource()
            self._stalled = True

    def _emit(self, pcm: Pcm, label: str, *, gap: bool, end_of_source: bool = False) -> None:
        """Pad ``pcm`` to a whole chunk, encode it and hand it to every consumer."""
        fill = self.chunk_samples - len(pcm)
        samples = np.zeros(self.chunk_samples, dtype=np.int16)
        if not self.muted:
            samples[: len(pcm)] = pcm
        samples.flags.writeable = False
        chunk = Chunk(
            seq=self._seq,
            pcm=samples,
            payload=g711.encode(self._codec, samples),
            codec=self._codec,
            first_sample=self._seq * self.chunk_samples,
            ready_at=self._clock(),
            filled_samples=fill,
            source_label=label,
            muted=self.muted,
            end_of_source=end_of_source,
        )
        self._seq += 1
        self._last_fill = fill
        self._counts.count_fill(fill if gap else 0)
        self._consumers.deliver(chunk)

    def _publish(self, event: StreamEvent) -> None:
        self._consumers.publish(event)

    def stats(self) -> StreamStats:
        """A snapshot of this run's counters."""
        counts = self._counts
        return StreamStats(
            running=self._running,
            source_label=self._source.label,
            source=self._source.stats(),
            codec=self._codec,
            chunk_ms=self.chunk_ms,
            muted=self.muted,
            chunks=self._seq,
            samples=self._seq * self.chunk_samples,
            filled_samples=counts.filled,
            gaps=counts.gaps,
            longest_gap_ms=counts.longest_gap * 1000 / PROTOCOL_RATE,
            dropped_samples=counts.dropped,
            drops=counts.drops,
            resyncs=counts.resyncs,
            consumer_errors=self._consumers.errors - self._errors_before,
            queue_drops=self._consumers.queue_drops - self._queue_drops_before,
        )
