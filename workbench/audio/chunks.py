"""What the outgoing stream hands out: chunks, events, counters, and the queues behind them.

:class:`workbench.audio.stream.AudioStream` does the pacing; this module holds its plain values
(:class:`StreamTiming`, :class:`Chunk`, the :data:`StreamEvent` kinds, :class:`StreamStats`) and
small containers:
:class:`SampleBacklog`, the samples read from a source and not sent yet,
:class:`ChunkQueue`, the bounded queue behind ``async for chunk in stream.chunks()``, and
:class:`Consumers`, the callbacks and queues a chunk is handed to.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

import numpy as np

from workbench.audio.resample import PROTOCOL_RATE
from workbench.audio.source import EMPTY, AudioSourceError, Pcm, SourceStats

_log = logging.getLogger("workbench.audio.stream")

Codec = Literal["linear", "g711a", "g711u"]
Pacing = Literal["realtime", "fast"]
OnExhausted = Literal["silence", "stop"]
MIN_CHUNK_MS: Final = 20
MAX_CHUNK_MS: Final = 200
DEFAULT_CHUNK_MS: Final = 60


def check_codec(codec: str) -> Codec:
    """``codec`` if the protocol knows it; ValueError in plain words otherwise."""
    if codec not in get_args(Codec):
        raise ValueError(f"unknown audio codec {codec!r}: expected linear, g711a or g711u")
    return codec  # type: ignore[return-value]


@dataclass(frozen=True)
class StreamTiming:
    """The stream's fixed timing, checked on construction.

    ``chunk_ms`` is the chunk duration (20–200 ms); ``max_backlog_ms`` the most audio of a live
    source held back before the oldest is dropped; ``stall_ms`` how long a live source may
    deliver nothing before silence covers for it (None: 4 chunks, 250 ms at least, so a
    device's bursty callbacks are not taken for stalls).
    """

    chunk_ms: int = DEFAULT_CHUNK_MS
    max_backlog_ms: int = 1000
    stall_ms: int | None = None

    def __post_init__(self) -> None:
        chunk_ms = self.chunk_ms
        if not isinstance(chunk_ms, int) or not MIN_CHUNK_MS <= chunk_ms <= MAX_CHUNK_MS:
            raise ValueError(
                f"chunk duration must be a whole number of milliseconds from {MIN_CHUNK_MS} "
                f"to {MAX_CHUNK_MS}, got {chunk_ms!r}"
            )
        if self.max_backlog_ms < 2 * chunk_ms:
            raise ValueError(
                f"max_backlog_ms must be two chunks or more, got {self.max_backlog_ms}"
            )
        if self.stall_ms is not None and self.stall_ms <= 0:
            raise ValueError(f"stall_ms must be positive, got {self.stall_ms}")

    @property
    def chunk_samples(self) -> int:
        return PROTOCOL_RATE * self.chunk_ms // 1000

    @property
    def period(self) -> float:
        """Seconds per chunk."""
        return self.chunk_ms / 1000

    @property
    def stall_s(self) -> float:
        return self.stall_ms / 1000 if self.stall_ms is not None else max(4 * self.period, 0.25)

    @property
    def max_backlog_samples(self) -> int:
        return PROTOCOL_RATE * self.max_backlog_ms // 1000


@dataclass(frozen=True, eq=False)
class Chunk:
    """One chunk of the outgoing stream, ready to be sent as one binary WebSocket frame."""

    seq: int
    """0, 1, 2… since the stream started."""
    pcm: Pcm
    """The chunk's 8 kHz int16 samples (read-only); all zeros when muted."""
    payload: bytes
    """``pcm`` encoded for ``codec``: int16 little-endian, A-law or µ-law bytes."""
    codec: str
    first_sample: int
    """Position of ``pcm[0]`` in the outgoing stream, in samples since it started."""
    ready_at: float
    """The stream's clock when the chunk was made."""
    filled_samples: int
    """Silence the stream put at the end of ``pcm`` because the source had no samples: while
    a new source warms up, while a live source stalls, or after the source's last sample."""
    source_label: str
    muted: bool = False
    end_of_source: bool = False
    """True on the chunk holding the last sample of a source that ran out."""

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / PROTOCOL_RATE


@dataclass(frozen=True)
class SourceSwitched:
    """The stream took ``new_label`` over from ``old_label`` at sample ``at_sample``."""

    old_label: str
    new_label: str
    at_sample: int


@dataclass(frozen=True)
class SourceExhausted:
    """``label`` ran out; its last sample is just before ``at_sample`` (padding excluded)."""

    label: str
    at_sample: int


@dataclass(frozen=True)
class SourceFailed:
    """``label`` stopped working (``error`` says why); silence took over at ``at_sample``."""

    label: str
    error: AudioSourceError
    at_sample: int


StreamEvent = SourceSwitched | SourceExhausted | SourceFailed


@dataclass(frozen=True)
class StreamStats:
    """Counters of one run of the stream (they restart at every start)."""

    running: bool
    source_label: str
    source: SourceStats
    """The current source's own counters (device overruns among them)."""
    codec: str
    chunk_ms: int
    muted: bool
    chunks: int = 0
    samples: int = 0
    filled_samples: int = 0
    """Silence sent in place of audio a source had not delivered in time (warm-up, stalls)."""
    gaps: int = 0
    """Runs of consecutive chunks holding such fill."""
    longest_gap_ms: float = 0.0
    dropped_samples: int = 0
    """Samples of a live source thrown away because its backlog grew past the bound."""
    drops: int = 0
    """Times a backlog was cut."""
    resyncs: int = 0
    """Times the stream fell behind its own clock by more than the bound and skipped ahead
    (the event loop was blocked)."""
    consumer_errors: int = 0
    """Exceptions raised by subscribers (logged, then ignored)."""
    queue_drops: int = 0
    """Chunks dropped from full :class:`ChunkQueue` s, all queues together."""

    @property
    def filled_ms(self) -> float:
        return self.filled_samples / 8

    @property
    def dropped_ms(self) -> float:
        return self.dropped_samples / 8


@dataclass
class StreamCounters:
    """What :class:`StreamStats` reports, counted while the stream runs (in samples)."""

    filled: int = 0
    gaps: int = 0
    longest_gap: int = 0
    dropped: int = 0
    drops: int = 0
    resyncs: int = 0
    gap_run: int = 0
    """Fill in the gap going on now (0 when none is)."""

    def count_fill(self, gap_fill: int) -> None:
        """Count one chunk holding ``gap_fill`` samples of fill (0 ends a gap)."""
        if not gap_fill:
            self.gap_run = 0
            return
        if not self.gap_run:
            self.gaps += 1
        self.gap_run += gap_fill
        self.filled += gap_fill
        self.longest_gap = max(self.longest_gap, self.gap_run)

    def count_drop(self, samples: int) -> None:
        self.dropped += samples
        self.drops += 1


class SampleBacklog:
    """Samples read from a source and not sent yet, oldest first."""

    def __init__(self) -> None:
        self._parts: deque[Pcm] = deque()
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def append(self, pcm: Pcm) -> None:
        if len(pcm):
            self._parts.append(pcm)
            self._size += len(pcm)

    def take(self, count: int) -> Pcm:
        """The oldest ``count`` samples (fewer when fewer are held), as a new array."""
        pieces: list[Pcm] = []
        wanted = min(count, self._size)
        self._size -= wanted
        while wanted:
            head = self._parts[0]
            if len(head) <= wanted:
                pieces.append(self._parts.popleft())
                wanted -= len(head)
            else:
                pieces.append(head[:wanted])
                self._parts[0] = head[wanted:]
                wanted = 0
        if not pieces:
            return EMPTY
        return np.concatenate(pieces).astype(np.int16, copy=False)

    def clear(self) -> None:
        self._parts.clear()
        self._size = 0


class ChunkQueue:
    """Chunks as an async iterator; ends when the stream stops or :meth:`close` is called.

    At most ``maxsize`` chunks wait. When a realtime stream finds the queue full, the oldest
    chunk is dropped and counted in :attr:`dropped` (the stream keeps its clock); a stream in
    ``fast`` pacing waits for room instead, so the consumer sets the pace.
    """

    def __init__(self, maxsize: int, on_close: Callable[[ChunkQueue], None]) -> None:
        if maxsize < 1:
            raise ValueError(f"ChunkQueue: maxsize must be at least 1, got {maxsize}")
        self.maxsize = maxsize
        self.dropped = 0
        self._items: deque[Chunk] = deque()
        self._ended = False
        self._on_close = on_close
        self._readable = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()

    def __len__(self) -> int:
        return len(self._items)

    @property
    def ended(self) -> bool:
        return self._ended

    def offer(self, chunk: Chunk) -> bool:
        """Add ``chunk``, dropping the oldest one when full (then False). Called by the stream."""
        if self._ended:
            return True
        kept_all = len(self._items) < self.maxsize
        if not kept_all:
            self._items.popleft()
            self.dropped += 1
        self._items.append(chunk)
        self._readable.set()
        if len(self._items) >= self.maxsize:
            self._room.clear()
        return kept_all

    async def wait_for_room(self) -> None:
        """Return once a chunk can be added without dropping one (or the queue ended)."""
        while not self._ended and len(self._items) >= self.maxsize:
            self._room.clear()
            await self._room.wait()

    def end(self) -> None:
        """No more chunks will come: iteration ends once the queued ones are taken."""
        self._ended = True
        self._readable.set()
        self._room.set()

    def close(self) -> None:
        """Stop receiving chunks and end the iteration; idempotent."""
        self._on_close(self)
        self.end()

    def __aiter__(self) -> ChunkQueue:
        return self

    async def __anext__(self) -> Chunk:
        while not self._items:
            if self._ended:
                raise StopAsyncIteration
            self._readable.clear()
            await self._readable.wait()
        chunk = self._items.popleft()
        self._room.set()
        return chunk


class Consumers:
    """Who gets the chunks and events: callbacks and queues. One raising is logged, not fatal."""

    def __init__(self) -> None:
        self._chunk_callbacks: dict[object, Callable[[Chunk], object]] = {}
        self._event_callbacks: dict[object, Callable[[StreamEvent], object]] = {}
        self._queues: set[ChunkQueue] = set()
        self.errors = 0
        """Exceptions raised by callbacks."""
        self.queue_drops = 0
        """Chunks dropped from full queues."""

    def subscribe(self, callback: Callable[[Chunk], object]) -> Callable[[], None]:
        token = object()
        self._chunk_callbacks[token] = callback
        return lambda: _forget(self._chunk_callbacks, token)

    def subscribe_events(self, callback: Callable[[StreamEvent], object]) -> Callable[[], None]:
        token = object()
        self._event_callbacks[token] = callback
        return lambda: _forget(self._event_callbacks, token)

    def queue(self, maxsize: int) -> ChunkQueue:
        queue = ChunkQueue(maxsize, self._queues.discard)
        self._queues.add(queue)
        return queue

    def deliver(self, chunk: Chunk) -> None:
        """Hand ``chunk`` to every callback, in subscription order, then to every queue."""
        for callback in tuple(self._chunk_callbacks.values()):
            try:
                callback(chunk)
            except Exception:
                self.errors += 1
                _log.exception("an audio stream subscriber failed on chunk %d", chunk.seq)
        for queue in tuple(self._queues):
            self.queue_drops += not queue.offer(chunk)

    def publish(self, event: StreamEvent) -> None:
        for callback in tuple(self._event_callbacks.values()):
            try:
                callback(event)
            except Exception:
                self.errors += 1
                _log.exception("an audio stream event listener failed on %s", event)

    async def wait_for_room(self) -> None:
        """Return once every queue can take a chunk without dropping one."""
        for queue in tuple(self._queues):
            await queue.wait_for_room()

    def end_queues(self) -> None:
        """The run is over: every queue's iteration ends after its last chunk."""
        for queue in tuple(self._queues):
            queue.end()
        self._queues.clear()


def _forget(registry: dict[object, Any], token: object) -> None:
    registry.pop(token, None)
