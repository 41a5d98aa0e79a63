"""Reconnecting with backoff to a server that went away and comes back, told step by step."""

from __future__ import annotations

import asyncio

import pytest

from tests.functional.client.conftest import Notes
from tests.support.misbehaving_server import MisbehavingServer, drop, reply
from workbench.client.connection import H2BConnection
from workbench.client.errors import ConnectionFailure
from workbench.client.reconnect import Backoff, Reconnector
from workbench.protocol.client_role import ClientProtocol
from workbench.protocol.messages import Open, Opened, Recognize

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(5)]

QUICK = Backoff(first_s=0.1, max_s=0.4, max_attempts=6)


async def test_reconnects_after_the_server_comes_back(notes: Notes) -> None:
    server = MisbehavingServer()
    await server.start()
    try:
        server.on("RECOGNIZE", reply(), drop(), times=1)
        connection = await H2BConnection.open(server.profile, server.credentials, observer=notes)
        protocol = ClientProtocol()
        for command in (Open(), Recognize(grammars=("builtin:speech/boolean",))):
            await connection.send_text(protocol.send(command).text)
            frame = await asyncio.wait_for(connection.receive(), 2)
            assert frame is not None
            protocol.receive(frame)
        await server.stop()  # gone: the socket drops and the port refuses for a while
        assert await asyncio.wait_for(connection.receive(), 2) is None
        assert Reconnector.should_reconnect(connection.close_info)

        async def come_back() -> None:
            await asyncio.sleep(0.5)
            await server.start()

        returning = asyncio.create_task(come_back())
        reconnector = Reconnector(server.profile, server.credentials, observer=notes,
                                  backoff=QUICK)  # fmt: skip
        fresh = await reconnector.reconnect()
        await returning
        assert reconnector.attempts >= 2
        reconnecting = [note for note in notes if note.name == "reconnecting"]
        assert [note.data["attempt"] for note in reconnecting] == list(
            range(1, reconnector.attempts + 1)
        )
        assert reconnecting[0].text.endswith("in 0.1 s (attempt 1 of 6)")
        assert reconnecting[1].text.endswith("in 0.2 s (attempt 2 of 6)")
        failed = [note for note in notes if note.name == "failed"]
        assert failed
        assert all("connection refused" in note.text for note in failed)
        assert notes[-1].name == "reconnected"
        assert "OPEN one again" in notes[-1].text

        # A new connection, without a session: OPEN works again from scratch.
        protocol = ClientProtocol()
        await fresh.send_text(protocol.send(Open()).text)
        frame = await asyncio.wait_for(fresh.receive(), 2)
        assert frame is not None
        assert isinstance(protocol.receive(frame), Opened)
        await fresh.close()
        assert len(server.connections) == 2
    finally:
        await server.stop()


async def test_gives_up_at_once_when_the_credentials_are_refused(notes: Notes) -> None:
    async with MisbehavingServer() as server:
        server.answer_token(401, json={"error": "invalid_client", "error_description": "revoked"})
        reconnector = Reconnector(server.profile, server.credentials, observer=notes,
                                  backoff=QUICK)  # fmt: skip
        with pytest.raises(ConnectionFailure) as caught:
            await reconnector.reconnect()
    assert caught.value.kind == "unauthorized"
    assert reconnector.attempts == 1
    assert notes[-1].name == "gave up"
    assert "revoked" in notes[-1].text


async def test_cancelling_a_reconnect_leaves_nothing_open(notes: Notes) -> None:
    async with MisbehavingServer() as server:
        server.upgrade_delay_s = 5.0
        reconnector = Reconnector(server.profile, server.credentials, observer=notes,
                                  backoff=QUICK)  # fmt: skip
        task = asyncio.create_task(reconnector.reconnect())
        await asyncio.sleep(0.4)  # inside the (slow) upgrade of attempt 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    await asyncio.sleep(0.05)  # the stopped server's handlers finish their cancellation
    assert asyncio.all_tasks() == {asyncio.current_task()}
