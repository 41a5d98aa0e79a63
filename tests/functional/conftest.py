"""Fixtures for tests over real loopback: the local server on 127.0.0.1, any free port."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from workbench.recognition.engine import Engine
from workbench.server.app import ServerConfig
from workbench.server.auth import Credentials
from workbench.server.runner import EmbeddedServer, default_engine

CREDENTIALS = Credentials("test-client", "test-secret-value")


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The engine the local server uses by default, loaded once for the whole run."""
    return default_engine()


@pytest_asyncio.fixture
async def server(engine: Engine) -> AsyncIterator[EmbeddedServer]:
    config = ServerConfig(credentials=CREDENTIALS)
    async with EmbeddedServer(engine=engine, config=config) as running:
        yield running


async def fetch_token(session: aiohttp.ClientSession, server: EmbeddedServer) -> str:
    form = {
        "client_id": CREDENTIALS.client_id,
        "client_secret": CREDENTIALS.client_secret,
        "grant_type": "client_credentials",
    }
    async with session.post(server.token_url, data=form) as response:
        assert response.status == 200, await response.text()
        token: str = (await response.json())["access_token"]
        return token


class RawClient:
    """A bare WebSocket client: send frames as given, read replies as JSON."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def send(self, frame: str | dict[str, Any]) -> None:
        await self.ws.send_str(frame if isinstance(frame, str) else json.dumps(frame))

    async def receive(self, timeout: float = 10.0) -> dict[str, Any]:
        message = await self.ws.receive(timeout=timeout)
        assert message.type is aiohttp.WSMsgType.TEXT, message
        data: dict[str, Any] = json.loads(message.data)
        return data

    async def command(self, frame: str | dict[str, Any]) -> dict[str, Any]:
        await self.send(frame)
        return await self.receive()


@pytest_asyncio.fixture
async def raw_client(server: EmbeddedServer) -> AsyncIterator[RawClient]:
    async with aiohttp.ClientSession() as session:
        token = await fetch_token(session, server)
        headers = {"Authorization": f"bearer {token}"}
        async with session.ws_connect(server.ws_url, headers=headers) as ws:
            yield RawClient(ws)
