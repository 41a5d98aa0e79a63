"""An :class:`~workbench.audio.stream.AudioStream`'s chunks to the socket, while a session is open.

Theory of operation
-------------------
The stream calls :meth:`AudioForwarder._on_chunk` on the event loop for every chunk it makes.
That callback must never wait (it runs inside the stream's pacing loop), so it only decides
and queues: a chunk is *not sent* (and counted) when no session accepts audio, *refused* when
it was encoded for another codec than the session's, and otherwise appended to a bounded
queue; when the queue is full the oldest chunk is dropped and counted, so a stalled socket
costs bounded memory and bounded latency. One sender task takes chunks off the queue and
writes them as binary frames, checking again that the session still accepts audio (a CLOSED
may have arrived meanwhile).

The timeline gets one audio entry per run of sent audio from one source, not one per chunk:
``audio_started`` at the first chunk sent (and again when the stream switches source, so the
timeline shows where a file's audio begins among the events), ``audio_progress`` (the same
entry, updated in place) at most every ``progress_interval`` seconds, and ``audio_stopped``
with the counters when audio stops flowing (session closed, connection gone, stream detached).

Right before each frame is written (the write itself is synchronous: aiohttp puts an
uncompressed frame on the transport before its first ``await``), the chunk's end becomes the
timeline's ``audio_position`` and the audio the server will hear (the payload decoded back for
G.711) goes into the :class:`~workbench.audio.sent_history.SentAudioHistory`. So every entry
recorded afterwards is placed exactly after the audio that preceded it on the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from workbench.audio import g711
from workbench.audio.chunks import Chunk, check_codec
from workbench.audio.sent_history import SentAudioHistory
from workbench.audio.source import Pcm
from workbench.audio.stream import AudioStream
from workbench.client.errors import ConnectionFailure
from workbench.session.timeline import Timeline

_log = logging.getLogger(__name__)

SentHook = Callable[[Chunk, float], object]
"""Called with each chunk and the clock right after its frame was written to the socket."""


def _log_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        _log.error("the audio sender crashed", exc_info=task.exception())


@dataclass(frozen=True, slots=True)
class AudioCounters:
    """What happened to the chunks of one attached stream."""

    sent_chunks: int = 0
    sent_bytes: int = 0
    sent_ms: int = 0
    not_sent: int = 0
    """Chunks made while no session accepted audio (not connected, no session open)."""
    wrong_codec: int = 0
    """Chunks encoded for another codec than the session's (the stream's codec was changed)."""
    dropped: int = 0
    """Chunks thrown away because the socket did not keep up and the queue was full."""
    send_failures: int = 0
    """Chunks whose frame could not be written (the connection was gone)."""


class AudioForwarder:
    """Forwards one stream's chunk payloads as binary frames; see the module docstring."""

    def __init__(
        self,
        stream: AudioStream,
        timeline: Timeline,
        *,
        why_no_audio: Callable[[], str | None],
        send: Callable[[bytes], Awaitable[None]],
        clock: Callable[[], float],
        wall: Callable[[], float],
        max_queued: int = 32,
        progress_interval: float = 0.5,
        on_sent: SentHook | None = None,
        history: SentAudioHistory | None = None,
    ) -> None:
        if max_queued < 1:
            raise ValueError(f"max_queued must be at least 1, got {max_queued}")
        self.stream = stream
        self._timeline = timeline
        self._why_no_audio = why_no_audio
        self._send = send
        self._clock = clock
        self._wall = wall
        self._max_queued = max_queued
        self._progress_interval = progress_interval
        self._on_sent = on_sent
        self._history = history
        self._queue: deque[Chunk] = deque()
        self._wake = asyncio.Event()
        self._codec: str | None = None
        self._counters = AudioCounters()
        self._run_open = False
        self._run_source = ""
        self._run_base = self._counters
        self._unreported_chunks = 0
        self._unreported_bytes = 0
        self._last_progress = 0.0
        self._unsubscribe = stream.subscribe(self._on_chunk)
        self._task: asyncio.Task[None] | None = asyncio.create_task(
            self._sender(), name="controller-audio-sender"
        )
        self._task.add_done_callback(_log_crash)

    @property
    def counters(self) -> AudioCounters:
        """The counters since this stream was attached."""
        return self._counters

    @property
    def queued(self) -> int:
        """Chunks waiting for the socket."""
        return len(self._queue)

    def session_opened(self, codec: str) -> None:
        """A session accepting ``codec`` audio is open: encode the next chunks for it."""
        self._codec = codec
        with contextlib.suppress(ValueError):  # an unknown codec: the server refuses the OPEN
            self.stream.set_codec(check_codec(codec))

    def prepare_codec(self, codec: str) -> None:
        """OPEN asks for ``codec``: switch the stream now, so the first audio is encoded right."""
        with contextlib.suppress(ValueError):
            self.stream.set_codec(check_codec(codec))

    def session_ended(self, why: str) -> None:
        """No session accepts audio any more (CLOSED, connection gone): end the run."""
        self._codec = None
        self._discard_queue()
        self._end_run(why)

    async def aclose(self, why: str = "audio detached") -> None:
        """Unsubscribe, end the run, and stop the sender task (awaited)."""
        self._unsubscribe()
        self._discard_queue()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait({task})
        self._end_run(why)

    def _discard_queue(self) -> None:
        self._count(not_sent=len(self._queue))
        self._queue.clear()

    # -- the stream's callback: decide and queue, never wait -----------------------------------

    def _on_chunk(self, chunk: Chunk) -> None:
        if self._codec is None or self._why_no_audio() is not None:
            self._count(not_sent=1)
            return
        if chunk.codec != self._codec:
            self._count(wrong_codec=1)
            return
        if len(self._queue) >= self._max_queued:
            self._queue.popleft()
            self._count(dropped=1)
        self._queue.append(chunk)
        self._wake.set()

    # -- the sender task -----------------------------------------------------------------------

    async def _sender(self) -> None:
        while True:
            while not self._queue:
                self._wake.clear()
                await self._wake.wait()
            chunk = self._queue.popleft()
            if self._codec is None or self._why_no_audio() is not None:
                self._count(not_sent=1)
                continue
            if not self._run_open or chunk.source_label != self._run_source:
                self._start_run(chunk)
            self._record_sending(chunk)
            try:
                await self._send(chunk.payload)
            except ConnectionFailure as error:
                self._count(send_failures=1)
                _log.info("audio chunk %d not sent: %s", chunk.seq, error)
                continue
            sent_at = self._clock()
            if self._on_sent is not None:
                self._on_sent(chunk, sent_at)
            size = len(chunk.payload)
            self._count(sent_chunks=1, sent_bytes=size, sent_ms=round(chunk.duration_s * 1000))
            self._unreported_chunks += 1
            self._unreported_bytes += size
            if sent_at - self._last_progress >= self._progress_interval:
                self._report_progress(sent_at)

    def _record_sending(self, chunk: Chunk) -> None:
        """The chunk is about to be written: move the timeline's audio position, keep its audio."""
        self._timeline.audio_position = chunk.first_sample + len(chunk.pcm)
        history = self._history
        if history is None:
            return
        heard = _heard(chunk)
        try:
            history.append(chunk.first_sample, heard)
        except ValueError:  # a new stream counts from 0 again: its history starts afresh
            history.clear()
            history.append(chunk.first_sample, heard)

    def _count(self, **increments: int) -> None:
        counters = self._counters
        self._counters = replace(
            counters, **{name: getattr(counters, name) + n for name, n in increments.items()}
        )

    def _report_progress(self, mono: float) -> None:
        if self._unreported_chunks:
            self._timeline.audio_progress(
                self._unreported_chunks, self._unreported_bytes, self._wall(), mono
            )
        self._unreported_chunks = self._unreported_bytes = 0
        self._last_progress = mono

    def _start_run(self, chunk: Chunk) -> None:
        if self._run_open:
            self._end_run(f"the stream switched to {chunk.source_label}")
        self._run_open = True
        self._run_source = chunk.source_label
        self._run_base = self._counters
        self._unreported_chunks = self._unreported_bytes = 0
        self._last_progress = mono = self._clock()
        self._timeline.audio_started(
            chunk.codec, chunk.source_label, self._wall(), mono, first_sample=chunk.first_sample
        )

    def _end_run(self, why: str) -> None:
        if not self._run_open:
            return
        self._run_open = False
        mono = self._clock()
        self._report_progress(mono)
        now, base = self._counters, self._run_base
        troubles = [
            f"{count} chunk{'s' if count != 1 else ''} {what}"
            for count, what in (
                (now.wrong_codec - base.wrong_codec, "not sent (wrong codec)"),
                (now.dropped - base.dropped, "dropped (socket too slow)"),
                (now.send_failures - base.send_failures, "lost (connection gone)"),
            )
            if count
        ]
        reason = "; ".join([why, *troubles])
        self._timeline.audio_stopped(self._wall(), mono, reason)


def _heard(chunk: Chunk) -> Pcm:
    """What the server decodes from the chunk's payload (G.711 is lossy; linear is the pcm)."""
    if chunk.codec == "linear":
        return chunk.pcm
    return g711.decode(chunk.codec, chunk.payload)
