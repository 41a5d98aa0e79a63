"""Authentication like the real service: token endpoint, bearer upgrade, expiry."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest

from tests.functional.conftest import CREDENTIALS, fetch_token
from workbench.server.app import ServerConfig
from workbench.server.auth import TokenStore
from workbench.server.runner import EmbeddedServer

pytestmark = pytest.mark.asyncio


async def test_token_then_websocket(server: EmbeddedServer) -> None:
    async with aiohttp.ClientSession() as session:
        form = {
            "client_id": CREDENTIALS.client_id,
            "client_secret": CREDENTIALS.client_secret,
            "grant_type": "client_credentials",
        }
        async with session.post(server.token_url, data=form) as response:
            assert response.status == 200
            body = await response.json()
        assert body["expires_in"] == 300
        assert body["token_type"] == "Bearer"
        headers = {"Authorization": f"bearer {body['access_token']}"}
        async with session.ws_connect(server.ws_url, headers=headers) as ws:
            assert not ws.closed


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [("test-client", "attempted-s3cr3t-x9"), ("nobody", "test-secret-value")],
)
async def test_wrong_credentials_get_an_oauth_401(
    server: EmbeddedServer, client_id: str, secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    form = {"client_id": client_id, "client_secret": secret, "grant_type": "client_credentials"}
    async with aiohttp.ClientSession() as session, session.post(server.token_url, data=form) as r:
        assert r.status == 401
        body = await r.json()
    assert body["error"] == "invalid_client"
    assert "error_description" in body
    assert secret not in caplog.text


async def test_unknown_realm_and_bad_requests(server: EmbeddedServer) -> None:
    async with aiohttp.ClientSession() as session:
        url = server.token_url.replace("/uhlive/", "/other/")
        async with session.post(url, data={"client_id": "x"}) as response:
            assert response.status == 404
            assert "uhlive" in (await response.json())["error_description"]
        async with session.post(server.token_url, data={}) as response:
            assert response.status == 400
            assert (await response.json())["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing Authorization header"),
        ("Basic abc", "must be 'bearer <token>'"),
        ("bearer not-a-token", "not one this server issued"),
    ],
)
async def test_websocket_needs_a_valid_bearer_token(
    server: EmbeddedServer, header: str | None, reason: str
) -> None:
    headers = {"Authorization": header} if header else {}
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
            await session.ws_connect(server.ws_url, headers=headers)
        assert caught.value.status == 401
        async with session.get(server.ws_url, headers=headers) as response:
            assert response.status == 401
            assert reason in (await response.json())["reason"]


async def test_expired_token_is_refused_with_the_reason(server: EmbeddedServer) -> None:
    now = [1000.0]
    store = TokenStore(lifetime_s=300, clock=lambda: now[0])
    token = store.issue()
    assert store.check(token) is None
    now[0] += 301
    reason = store.check(token)
    assert reason is not None
    assert "expired" in reason
    # Over the wire: a server whose tokens live 50 ms refuses a token used 200 ms later.
    config = ServerConfig(credentials=CREDENTIALS, token_lifetime_s=0.05)
    async with (
        EmbeddedServer(engine=server.engine, config=config) as strict,
        aiohttp.ClientSession() as session,
    ):
        token = await fetch_token(session, strict)
        await asyncio.sleep(0.2)
        headers = {"Authorization": f"bearer {token}"}
        async with session.get(strict.ws_url, headers=headers) as response:
            assert response.status == 401
            assert "expired" in (await response.json())["reason"]


async def test_health_page_names_the_engine(server: EmbeddedServer) -> None:
    async with aiohttp.ClientSession() as session, session.get(server.http_url + "/") as r:
        info = await r.json()
    assert info["engine"] == server.engine.name
    assert "en" in info["languages"]
