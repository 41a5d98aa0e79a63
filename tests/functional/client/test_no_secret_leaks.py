"""Secrets and tokens never reach an exception, a log record, a repr or an observer note.

Every scenario runs against a server that knows the secret and issues the tokens, including
servers that echo them back in their error texts; then everything the transport produced is
searched for them.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.functional.client.conftest import Notes
from tests.support.misbehaving_server import MisbehavingServer, close, drop, reply
from workbench.client.auth import request_token
from workbench.client.connection import H2BConnection
from workbench.client.errors import ConnectionFailure
from workbench.client.profiles import Credentials
from workbench.client.reconnect import Backoff, Reconnector
from workbench.protocol.client_role import ClientProtocol
from workbench.protocol.messages import Open

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(5)]

SECRET = "s3cret-5f1e-never-show"
PASSWORD = "pa55-word-never-show"
FIXED_TOKEN = "fixed-token-0b9c-never-show"


class Produced:
    """Everything the transport said during a test, as text."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def failure(self, failure: ConnectionFailure) -> None:
        self.texts += [str(failure), repr(failure), failure.cause, failure.remedy]

    def things(self, *objects: object) -> None:
        self.texts += [repr(item) for item in objects] + [str(item) for item in objects]

    def check(self, notes: Notes, caplog: pytest.LogCaptureFixture, hidden: list[str]) -> None:
        for note in notes:
            self.texts += [note.text, note.name, repr(note)]
        for record in caplog.records:
            self.texts.append(record.getMessage())
        self.texts.append(caplog.text)  # formatted, tracebacks included
        assert len(self.texts) > 10
        for text in self.texts:
            for value in hidden:
                assert value not in text, f"{value!r} leaked into {text!r}"


async def expect_failure(
    produced: Produced, opening: asyncio.Future[H2BConnection] | object
) -> ConnectionFailure:
    with pytest.raises(ConnectionFailure) as caught:
        await opening  # type: ignore[misc]
    produced.failure(caught.value)
    return caught.value


async def test_nothing_leaks_in_any_scenario(
    notes: Notes, all_logs: pytest.LogCaptureFixture
) -> None:
    produced = Produced()
    async with MisbehavingServer(client_secret=SECRET) as server:
        good = server.credentials
        produced.things(good)

        # 1. A normal session, closed cleanly.
        connection = await H2BConnection.open(server.profile, good, observer=notes)
        produced.things(connection)
        await connection.send_text(ClientProtocol().send(Open()).text)
        await connection.receive()
        await connection.close()
        produced.things(connection, connection.close_info)

        # 2. A wrong secret, and a server that repeats it in its error description.
        wrong = Credentials(good.client_id, SECRET + "-wrong")
        await expect_failure(produced, H2BConnection.open(server.profile, wrong, observer=notes))
        server.answer_token(401, json={"error": "invalid_client",
                                       "error_description": f"secret {SECRET} is revoked"},
                            times=1)  # fmt: skip
        failure = await expect_failure(produced, H2BConnection.open(server.profile, good,
                                                                    observer=notes))  # fmt: skip
        assert "secret *** is revoked" in failure.cause

        # 3. A password grant whose password the server repeats.
        user = Credentials(good.client_id, SECRET, username="alice", password=PASSWORD)
        produced.things(user)
        refusal = {"error": "invalid_grant", "error_description": f"{PASSWORD} is wrong"}
        server.answer_token(400, json=refusal, times=1)
        failure = await expect_failure(produced, H2BConnection.open(server.profile, user,
                                                                    observer=notes))  # fmt: skip
        assert "*** is wrong" in failure.cause

        # 4. A refused upgrade whose reason repeats the token.
        server.answer_token(200, json={"access_token": FIXED_TOKEN, "expires_in": 300}, times=2)
        server.refuse_upgrade(401, json={"reason": f"token {FIXED_TOKEN} was revoked"}, times=1)
        failure = await expect_failure(produced, H2BConnection.open(server.profile, good,
                                                                    observer=notes))  # fmt: skip
        assert "token *** was revoked" in failure.cause
        async with aiohttp.ClientSession() as http:
            token = await request_token(http, server.profile, good)
        produced.things(token)

        # 5. A drop mid-session, noticed by a read and by a send; a reconnect.
        server.on("OPEN", reply(), drop(), times=1)
        connection = await H2BConnection.open(server.profile, good, observer=notes)
        await connection.send_text(ClientProtocol().send(Open()).text)
        while await asyncio.wait_for(connection.receive(), 2) is not None:
            pass
        await expect_failure(produced, connection.send_text("{}"))
        produced.things(connection, connection.close_info)
        reconnector = Reconnector(server.profile, good, observer=notes,
                                  backoff=Backoff(first_s=0.01, max_s=0.01))  # fmt: skip
        connection = await reconnector.reconnect()

        # 6. A close from the server.
        server.on("OPEN", close(4003, "forbidden"), times=1)
        await connection.send_text(ClientProtocol().send(Open()).text)
        assert await asyncio.wait_for(connection.receive(), 2) is None
        await expect_failure(produced, connection.send_bytes(b"\x00"))
        await connection.close()

        issued = server.issued_tokens
    assert len(issued) == 3  # sessions 1 and 5 and the reconnect
    produced.check(notes, all_logs, [SECRET, PASSWORD, FIXED_TOKEN, *issued])
