"""A recording proxy between a client and an H2B server: what really crossed the wire, in order.

:class:`WireTap` listens on 127.0.0.1 (port 0) and forwards everything to an upstream server:
plain HTTP requests (the token endpoint) as they are, and the ``/bots`` WebSocket frame by
frame in both directions. It logs every WebSocket frame with the number of audio bytes the
client had sent before it. That count is the independent measure of "how much audio preceded
this command on the wire" (and "how much audio had gone out when this event came back"),
against which the client's own bookkeeping is checked.

Frames are logged at the moment the proxy relays them; TCP keeps each direction in order, so
for client frames the log order is the client's write order.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

import aiohttp
from aiohttp import WSMsgType, web

Direction = Literal["client", "server"]


@dataclass(frozen=True)
class TappedFrame:
    """One relayed WebSocket frame."""

    sender: Direction
    data: str | bytes
    audio_bytes_before: int
    """Audio (binary) bytes the client had sent before this frame was relayed."""


@dataclass
class WireTap:
    """The proxy's log; see the module docstring."""

    upstream_http: str
    frames: list[TappedFrame] = field(default_factory=list)
    audio: bytearray = field(default_factory=bytearray)
    """Every binary frame from the client, concatenated in order."""
    url: str = ""

    def text_frames(self, sender: Direction) -> list[TappedFrame]:
        return [f for f in self.frames if f.sender == sender and isinstance(f.data, str)]

    # -- the proxy -----------------------------------------------------------------------------

    async def _http(self, request: web.Request) -> web.StreamResponse:
        if request.path == "/bots" and request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._websocket(request)
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS}
        async with self._session.request(
            request.method, self.upstream_http + request.path_qs, data=body, headers=headers
        ) as upstream:
            payload = await upstream.read()
            kept = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_HEADERS}
            return web.Response(status=upstream.status, body=payload, headers=kept)

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        headers = {}
        if "Authorization" in request.headers:
            headers["Authorization"] = request.headers["Authorization"]
        ws_url = self.upstream_http.replace("http", "ws", 1) + request.path_qs
        try:
            upstream = await self._session.ws_connect(ws_url, headers=headers)
        except aiohttp.WSServerHandshakeError as error:
            return web.Response(status=error.status, text=error.message)
        client = web.WebSocketResponse()
        await client.prepare(request)
        pumps = [
            asyncio.create_task(self._pump(client, upstream, "client")),
            asyncio.create_task(self._pump(upstream, client, "server")),
        ]
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for pump in pumps:
            pump.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)
        await upstream.close()
        await client.close()
        return client

    async def _pump(
        self,
        source: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
        target: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
        sender: Direction,
    ) -> None:
        async for message in source:
            if message.type is WSMsgType.TEXT:
                self.frames.append(TappedFrame(sender, message.data, len(self.audio)))
                await target.send_str(message.data)
            elif message.type is WSMsgType.BINARY:
                self.frames.append(TappedFrame(sender, message.data, len(self.audio)))
                if sender == "client":
                    self.audio += message.data
                await target.send_bytes(message.data)
            else:
                break

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[WireTap]:
        self._session = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._http)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        try:
            yield self
        finally:
            await runner.cleanup()
            await self._session.close()


_HOP_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "content-encoding"}
)
