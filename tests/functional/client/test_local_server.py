"""Token, upgrade and a session's commands round trip against the embedded local server."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.functional.client.conftest import CLIENT_CREDENTIALS, Notes, local_server_profile
from workbench.client.auth import request_token
from workbench.client.connection import H2BConnection
from workbench.client.errors import ConnectionFailure
from workbench.protocol.client_role import ClientProtocol
from workbench.protocol.messages import (
    Close,
    Closed,
    Command,
    Event,
    Open,
    Opened,
    ParamsSet,
    ProtocolViolation,
    RecognitionInProgress,
    Recognize,
    SetParams,
    Stop,
    Stopped,
)
from workbench.server.runner import EmbeddedServer

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(5)]


async def command(
    connection: H2BConnection, protocol: ClientProtocol, cmd: Command
) -> Event | ProtocolViolation:
    await connection.send_text(protocol.send(cmd).text)
    async with asyncio.timeout(3):
        frame = await connection.receive()
    assert frame is not None, connection.close_info
    return protocol.receive(frame)


async def test_a_session_round_trip(local: EmbeddedServer, notes: Notes) -> None:
    profile = local_server_profile(local)
    connection = await H2BConnection.open(profile, CLIENT_CREDENTIALS, observer=notes)
    assert connection.url == local.ws_url
    assert notes.names == ["token requested", "token obtained", "connecting", "connected"]
    assert [note.kind for note in notes] == ["auth", "auth", "connection", "connection"]
    assert "expires in 300 s" in notes[1].text
    assert local.ws_url in notes[3].text

    protocol = ClientProtocol()
    opened = await command(connection, protocol, Open(custom_id="client-test"))
    assert isinstance(opened, Opened)
    assert opened.channel_id
    assert isinstance(
        await command(connection, protocol, SetParams(params={"speech_language": "en"})),
        ParamsSet,
    )
    # Audio flows while the session is idle, as in the SDK examples. (Not during the
    # recognition right before STOP: on Python 3.11 the local server's recognition loop can
    # swallow STOP's cancellation when an audio chunk is queued at that moment — reported.)
    for _ in range(5):
        await connection.send_bytes(protocol.send_audio(b"\x00\x00" * 480))
    recognize = Recognize(grammars=("builtin:speech/boolean",))
    assert isinstance(await command(connection, protocol, recognize), RecognitionInProgress)
    assert isinstance(await command(connection, protocol, Stop()), Stopped)
    assert isinstance(await command(connection, protocol, Close()), Closed)

    await connection.close()
    assert connection.close_info is not None
    assert connection.close_info.by == "client"
    assert connection.close_info.expected
    assert connection.close_info.code == 1000
    assert notes.names[-1] == "closed"
    assert "the workbench closed the connection (code 1000)" in notes[-1].text


async def test_frames_iterates_until_the_socket_ends(local: EmbeddedServer) -> None:
    connection = await H2BConnection.open(local_server_profile(local), CLIENT_CREDENTIALS)
    protocol = ClientProtocol()
    await connection.send_text(protocol.send(Open()).text)
    received = []
    async for frame in connection.frames():
        received.append(protocol.receive(frame))
        await connection.close()  # from inside the loop: frames() then ends
    assert len(received) == 1
    assert isinstance(received[0], Opened)
    assert connection.close_info is not None
    assert connection.close_info.expected


async def test_close_is_idempotent_and_sending_afterwards_says_closed(
    local: EmbeddedServer,
) -> None:
    async with await H2BConnection.open(local_server_profile(local), CLIENT_CREDENTIALS) as conn:
        pass
    await conn.close()
    assert conn.closed
    assert await conn.receive() is None
    with pytest.raises(ConnectionFailure) as caught:
        await conn.send_text("{}")
    assert caught.value.kind == "closed"
    assert "the workbench closed the connection" in str(caught.value)


async def test_close_while_another_task_is_reading(local: EmbeddedServer) -> None:
    connection = await H2BConnection.open(local_server_profile(local), CLIENT_CREDENTIALS)
    reader = asyncio.create_task(connection.receive())
    await asyncio.sleep(0.05)
    await connection.close(reason="user pressed disconnect")
    assert await asyncio.wait_for(reader, 1) is None
    info = connection.close_info
    assert info is not None
    assert (info.by, info.code, info.reason, info.expected) == (
        "client", 1000, "user pressed disconnect", True,
    )  # fmt: skip


async def test_connect_with_a_token_in_hand(local: EmbeddedServer) -> None:
    profile = local_server_profile(local)
    async with aiohttp.ClientSession() as http:
        token = await request_token(http, profile, CLIENT_CREDENTIALS)
    assert token.expires_in == 300
    async with await H2BConnection.connect(profile, token) as connection:
        protocol = ClientProtocol()
        await connection.send_text(protocol.send(Open()).text)
        frame = await connection.receive()
        assert frame is not None
        assert isinstance(protocol.receive(frame), Opened)
