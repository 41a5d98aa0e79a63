"""The audio forwarder without a socket: what is sent, what is counted, and that it never waits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np
import pytest

from tests.unit.controller.fakes import FakeClock
from workbench.audio import g711
from workbench.audio.chunks import Chunk
from workbench.client import ConnectionFailure
from workbench.controller import AudioForwarder
from workbench.session import Timeline

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(10)]


class FakeStream:
    """What the forwarder uses of an AudioStream: subscribe and set_codec."""

    def __init__(self) -> None:
        self.codec = "linear"
        self.callbacks: list[Callable[[Chunk], object]] = []

    def subscribe(self, callback: Callable[[Chunk], object]) -> Callable[[], None]:
        self.callbacks.append(callback)
        return lambda: self.callbacks.remove(callback)

    def set_codec(self, codec: str) -> None:
        self.codec = codec

    def emit(self, seq: int, label: str = "File: a.wav") -> Chunk:
        pcm = np.zeros(480, dtype=np.int16)
        chunk = Chunk(
            seq=seq,
            pcm=pcm,
            payload=g711.encode(self.codec, pcm),
            codec=self.codec,
            first_sample=seq * 480,
            ready_at=0.0,
            filled_samples=0,
            source_label=label,
        )
        for callback in self.callbacks:
            callback(chunk)
        return chunk


class Gate:
    """The controller side: whether audio may flow, and a send that can be held."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self.sent: list[bytes] = []
        self.open = asyncio.Event()
        self.open.set()
        self.fail = False

    async def send(self, payload: bytes) -> None:
        await self.open.wait()
        if self.fail:
            raise ConnectionFailure("dropped", "gone", "")
        self.sent.append(payload)


def forwarder(
    stream: FakeStream, gate: Gate, timeline: Timeline, **options: object
) -> AudioForwarder:
    clock = FakeClock()
    return AudioForwarder(
        stream,  # type: ignore[arg-type]
        timeline,
        why_no_audio=lambda: gate.reason,
        send=gate.send,
        clock=clock.monotonic,
        wall=clock.wall,
        **options,  # type: ignore[arg-type]
    )


async def drain() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def test_only_session_audio_in_the_session_codec_is_sent() -> None:
    stream, gate, timeline = FakeStream(), Gate(), Timeline()
    fwd = forwarder(stream, gate, timeline)
    stream.emit(0)  # no session yet
    fwd.prepare_codec("g711a")
    assert stream.codec == "g711a"
    fwd.session_opened("g711a")
    for seq in range(1, 4):
        stream.emit(seq)
    await drain()
    assert [len(p) for p in gate.sent] == [480, 480, 480]
    stream.set_codec("linear")  # someone changed the stream behind the session's back
    stream.emit(4)
    gate.reason = "audio needs an open session: OPEN one first"
    stream.emit(5)
    fwd.session_ended("session closed")
    await fwd.aclose()
    counters = fwd.counters
    assert (counters.sent_chunks, counters.sent_bytes, counters.sent_ms) == (3, 1440, 180)
    assert (counters.not_sent, counters.wrong_codec) == (2, 1)
    [audio] = [e for e in timeline.entries if e.kind == "audio"]
    assert (audio.data["chunks"], audio.data["bytes"], audio.data["codec"]) == (3, 1440, "g711a")
    assert audio.data["reason"] == "session closed; 1 chunk not sent (wrong codec)"


async def test_a_stalled_socket_never_blocks_the_stream_and_drops_are_counted() -> None:
    stream, gate, timeline = FakeStream(), Gate(), Timeline()
    gate.open.clear()  # the socket takes nothing
    fwd = forwarder(stream, gate, timeline, max_queued=4)
    fwd.session_opened("linear")
    for seq in range(10):
        stream.emit(seq)  # returns at once every time: the callback only queues
    assert fwd.queued == 4
    assert fwd.counters.dropped == 6  # the oldest go: latency stays bounded
    await drain()
    assert fwd.queued == 3  # the sender holds one at the stalled socket
    gate.open.set()
    await drain()
    assert fwd.counters.sent_chunks == 4
    assert fwd.counters.dropped == 6
    await fwd.aclose()


async def test_failed_sends_are_counted_and_sources_make_runs() -> None:
    stream, gate, timeline = FakeStream(), Gate(), Timeline()
    fwd = forwarder(stream, gate, timeline)
    fwd.session_opened("linear")
    stream.emit(0, "Silence")
    stream.emit(1, "File: a.wav")
    await drain()
    gate.fail = True
    stream.emit(2, "File: a.wav")
    await drain()
    await fwd.aclose("audio detached")
    runs = [e.data for e in timeline.entries if e.kind == "audio"]
    assert [(r["source"], r["chunks"]) for r in runs] == [("Silence", 1), ("File: a.wav", 1)]
    assert runs[0]["reason"] == "the stream switched to File: a.wav"
    assert runs[1]["reason"] == "audio detached; 1 chunk lost (connection gone)"
    assert fwd.counters.send_failures == 1
    assert not stream.callbacks  # unsubscribed
