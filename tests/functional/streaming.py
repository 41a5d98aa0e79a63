"""A client like the SDK examples: the official ``Recognizer`` over aiohttp, audio always flowing.

The streamer sends a chunk every 60 ms from the moment the session opens: queued utterances
first, silence otherwise, exactly as ``basic_async.py`` does, so the server sees a telephone-like
stream and its timers run on real time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import numpy as np
from uhlive.stream.recognition import Recognizer

from tests.audio_fixtures import silence
from tests.functional.conftest import fetch_token
from workbench.audio import g711
from workbench.server.runner import EmbeddedServer

CHUNK_MS = 60


@dataclass
class SdkSession:
    """An SDK ``Recognizer`` on a live socket, with a real-time audio streamer."""

    ws: aiohttp.ClientWebSocketResponse
    recognizer: Recognizer = field(default_factory=Recognizer)
    codec: str = "linear"
    speed: float = 1.0
    _queue: deque[bytes] = field(default_factory=deque)
    _task: asyncio.Task[None] | None = None
    sent_ms: int = 0

    async def send(self, frame: str) -> None:
        await self.ws.send_str(frame)

    async def event(self, timeout: float = 30.0) -> Any:
        message = await self.ws.receive(timeout=timeout)
        assert message.type is aiohttp.WSMsgType.TEXT, message
        return self.recognizer.receive(message.data)

    async def request(self, frame: str) -> Any:
        await self.send(frame)
        return await self.event()

    def say(self, pcm: bytes) -> None:
        """Queue an utterance (8 kHz int16); it goes out after what is already queued."""
        self._queue.append(pcm)

    def start_streaming(self) -> None:
        self._task = asyncio.create_task(self._stream())

    async def stop_streaming(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _encode(self, pcm: bytes) -> bytes:
        return g711.encode(self.codec, np.frombuffer(pcm, dtype="<i2"))

    async def _stream(self) -> None:
        chunk_bytes = 8 * CHUNK_MS * 2
        pending = b""
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            if len(pending) < chunk_bytes:
                pending += self._queue.popleft() if self._queue else silence(CHUNK_MS)
            chunk, pending = pending[:chunk_bytes], pending[chunk_bytes:]
            await self.ws.send_bytes(self.recognizer.send_audio_chunk(self._encode(chunk)))
            self.sent_ms += CHUNK_MS
            next_at += CHUNK_MS / 1000 / self.speed
            await asyncio.sleep(max(0.0, next_at - loop.time()))


@contextlib.asynccontextmanager
async def sdk_session(
    server: EmbeddedServer, *, codec: str = "linear", speed: float = 1.0, **open_args: str
) -> AsyncIterator[SdkSession]:
    """Connect, OPEN (checking OPENED), stream; on exit stop streaming and close the socket."""
    from uhlive.stream.recognition import Opened

    async with aiohttp.ClientSession() as http:
        token = await fetch_token(http, server)
        headers = {"Authorization": f"bearer {token}"}
        async with http.ws_connect(server.ws_url, headers=headers) as ws:
            session = SdkSession(ws, codec=codec, speed=speed)
            opened = await session.request(session.recognizer.open(audio_codec=codec, **open_args))
            assert isinstance(opened, Opened), opened
            session.start_streaming()
            try:
                yield session
            finally:
                await session.stop_streaming()
