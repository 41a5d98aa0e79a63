"""Refused credentials, expired tokens, odd token endpoints and servers that are not H2B."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.functional.client.conftest import (
    CLIENT_CREDENTIALS,
    Notes,
    local_server_profile,
)
from tests.functional.conftest import CREDENTIALS
from tests.support.misbehaving_server import MisbehavingServer
from workbench.client.auth import request_token
from workbench.client.connection import H2BConnection
from workbench.client.errors import ConnectionFailure
from workbench.client.profiles import Credentials, local_profile
from workbench.recognition.engine import Engine
from workbench.server.app import ServerConfig
from workbench.server.runner import EmbeddedServer

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(5)]


async def failure_of(server: MisbehavingServer, **options: float) -> ConnectionFailure:
    with pytest.raises(ConnectionFailure) as caught:
        await H2BConnection.open(server.profile, server.credentials, **options)  # type: ignore[arg-type]
    return caught.value


async def test_wrong_credentials_show_the_servers_reason(
    local: EmbeddedServer, notes: Notes
) -> None:
    wrong = Credentials(CREDENTIALS.client_id, "not-the-secret")
    with pytest.raises(ConnectionFailure) as caught:
        await H2BConnection.open(local_server_profile(local), wrong, observer=notes)
    failure = caught.value
    assert failure.kind == "unauthorized"
    assert "invalid_client: Invalid client or Invalid client credentials" in failure.cause
    assert failure.remedy == "check the client id and secret"
    assert notes.names == ["token requested", "failed"]
    assert notes[-1].kind == "auth"
    assert notes[-1].data["failure"] == "unauthorized"


async def test_an_expired_token_is_refused_with_the_five_minute_rule(engine: Engine) -> None:
    config = ServerConfig(credentials=CREDENTIALS, token_lifetime_s=0.05)
    async with EmbeddedServer(engine=engine, config=config) as strict:
        profile = local_server_profile(strict)
        async with aiohttp.ClientSession() as http:
            token = await request_token(http, profile, CLIENT_CREDENTIALS)
        await asyncio.sleep(0.15)
        with pytest.raises(ConnectionFailure) as caught:
            await H2BConnection.connect(profile, token)
    failure = caught.value
    assert failure.kind == "token_expired"
    assert "the bearer token expired" in failure.cause  # the server's own reason
    assert "token expired — it must be used within 5 minutes" in failure.remedy


async def test_open_gets_a_fresh_token_but_a_server_may_still_call_it_expired(
    engine: Engine,
) -> None:
    config = ServerConfig(credentials=CREDENTIALS, token_lifetime_s=0)
    async with EmbeddedServer(engine=engine, config=config) as instant:
        with pytest.raises(ConnectionFailure) as caught:
            await H2BConnection.open(local_server_profile(instant), CLIENT_CREDENTIALS)
    assert caught.value.kind == "token_expired"


async def test_unknown_realm(local: EmbeddedServer) -> None:
    profile = local_profile(local.http_url, realm="acme")
    with pytest.raises(ConnectionFailure) as caught:
        await H2BConnection.open(profile, CLIENT_CREDENTIALS)
    assert caught.value.kind == "bad_response"
    assert "HTTP 404" in caught.value.cause
    assert "realm" in caught.value.remedy


async def test_upgrade_401_carries_the_servers_json_reason(
    misbehaving: MisbehavingServer, notes: Notes
) -> None:
    misbehaving.refuse_upgrade(401, json={"error": "unauthorized", "reason": "API key suspended"})
    with pytest.raises(ConnectionFailure) as caught:
        await H2BConnection.open(misbehaving.profile, misbehaving.credentials, observer=notes)
    assert caught.value.kind == "unauthorized"
    assert "API key suspended" in caught.value.cause
    assert "HTTP 401" in caught.value.cause
    assert notes.names == ["token requested", "token obtained", "connecting", "failed"]
    assert notes[-1].kind == "connection"


@pytest.mark.parametrize(("status", "page"), [(404, "404: Not Found"), (200, "<h1>Hello</h1>")])
async def test_a_server_that_is_not_h2b(
    misbehaving: MisbehavingServer, status: int, page: str
) -> None:
    misbehaving.refuse_upgrade(status, text=page)
    failure = await failure_of(misbehaving)
    assert failure.kind == "bad_response"
    assert f"HTTP {status} instead of opening a WebSocket" in failure.cause
    assert "not an H2B server" in failure.cause
    assert "/bots" in failure.remedy


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"text": "<html>Sign in</html>"}, "not JSON"),
        ({"json": {"token_type": "Bearer", "expires_in": 300}}, "without an access_token"),
        ({"json": ["access_token"]}, "not an object"),
    ],
)
async def test_a_token_endpoint_without_a_token(
    misbehaving: MisbehavingServer, answer: dict[str, object], problem: str
) -> None:
    misbehaving.answer_token(200, **answer)  # type: ignore[arg-type]
    failure = await failure_of(misbehaving)
    assert failure.kind == "bad_response"
    assert problem in failure.cause
    assert "token endpoint" in failure.remedy


async def test_a_broken_identity_server(misbehaving: MisbehavingServer) -> None:
    misbehaving.answer_token(503, text="upstream overloaded")
    failure = await failure_of(misbehaving)
    assert failure.kind == "bad_response"
    assert "HTTP 503: upstream overloaded" in failure.cause


async def test_a_slow_token_endpoint_times_out(misbehaving: MisbehavingServer) -> None:
    misbehaving.answer_token(delay_s=2.0)
    failure = await failure_of(misbehaving, timeout=0.3)
    assert failure.kind == "timeout"
    assert "the token endpoint" in failure.cause
    assert "within 0.3 s" in failure.cause


async def test_a_slow_upgrade_times_out(misbehaving: MisbehavingServer) -> None:
    misbehaving.upgrade_delay_s = 2.0
    failure = await failure_of(misbehaving, timeout=0.3)
    assert failure.kind == "timeout"
    assert "the H2B WebSocket" in failure.cause


async def test_the_password_grant_sends_what_the_sdk_sends(misbehaving: MisbehavingServer) -> None:
    user = Credentials(misbehaving.credentials.client_id, misbehaving.credentials.client_secret,
                       username="alice", password="wonderland")  # fmt: skip
    async with await H2BConnection.open(misbehaving.profile, user):
        pass
    assert misbehaving.token_requests == [
        {
            "client_id": "mis-client",
            "client_secret": "***",
            "grant_type": "password",
            "username": "alice",
            "password": "***",
        }
    ]


async def test_a_refused_password_grant_asks_for_the_user_too(
    misbehaving: MisbehavingServer,
) -> None:
    misbehaving.answer_token(400, json={"error": "invalid_grant", "error_description": "nope"})
    user = Credentials("mis-client", "x", username="alice", password="wrong")
    with pytest.raises(ConnectionFailure) as caught:
        await H2BConnection.open(misbehaving.profile, user)
    assert caught.value.kind == "unauthorized"
    assert "invalid_grant: nope" in caught.value.cause
    assert "user name and password" in caught.value.remedy
