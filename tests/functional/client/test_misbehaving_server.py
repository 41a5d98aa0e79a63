"""A server that drops, garbles, dawdles or answers the wrong request: the transport says what
happened and keeps what still works working."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from tests.functional.client.conftest import Notes
from tests.support.misbehaving_server import (
    MisbehavingServer,
    close,
    complete,
    drop,
    later,
    reply,
    send_bytes,
    send_json,
    send_text,
    start_of_input,
    wait,
)
from workbench.client.connection import H2BConnection
from workbench.client.errors import ConnectionFailure
from workbench.protocol.client_role import ClientProtocol
from workbench.protocol.messages import (
    Event,
    Open,
    Opened,
    ProtocolViolation,
    RecognitionComplete,
    RecognitionInProgress,
    Recognize,
    StartOfInput,
)

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(5)]

BOOLEAN = Recognize(grammars=("builtin:speech/boolean",))


async def opened(server: MisbehavingServer, notes: Notes | None = None) -> H2BConnection:
    return await H2BConnection.open(server.profile, server.credentials, observer=notes)


async def next_frame(connection: H2BConnection) -> str | bytes | None:
    async with asyncio.timeout(2):
        return await connection.receive()


async def ask(
    connection: H2BConnection, protocol: ClientProtocol, command: Open | Recognize
) -> Event | ProtocolViolation:
    await connection.send_text(protocol.send(command).text)
    frame = await next_frame(connection)
    assert isinstance(frame, str), connection.close_info
    return protocol.receive(frame)


async def test_drop_mid_recognition_ends_frames_and_says_dropped(
    misbehaving: MisbehavingServer, notes: Notes
) -> None:
    misbehaving.on("RECOGNIZE", reply(), drop())
    connection = await opened(misbehaving, notes)
    protocol = ClientProtocol()
    assert isinstance(await ask(connection, protocol, Open()), Opened)
    assert isinstance(await ask(connection, protocol, BOOLEAN), RecognitionInProgress)
    async with asyncio.timeout(2):
        rest = [frame async for frame in connection.frames()]
    assert rest == []
    info = connection.close_info
    assert info is not None
    assert info.dropped
    assert not info.expected
    assert info.code == 1006
    assert notes[-1].name == "dropped"
    assert "without a close handshake" in notes[-1].text
    assert "running recognition are lost" in notes[-1].text
    with pytest.raises(ConnectionFailure) as caught:
        await connection.send_bytes(b"\x00" * 320)
    assert caught.value.kind == "dropped"
    assert "reconnect" in caught.value.remedy
    await connection.close()  # still fine
    assert misbehaving.connections[0].client_close_code is None


async def test_a_send_is_what_notices_a_drop_when_nobody_reads(
    misbehaving: MisbehavingServer, notes: Notes
) -> None:
    misbehaving.on("OPEN", drop())
    connection = await opened(misbehaving, notes)
    await connection.send_text(ClientProtocol().send(Open()).text)
    await misbehaving.connections[0].wait_ended()

    async def keep_sending() -> None:
        for _ in range(50):  # the kernel may accept a write or two before it knows
            await connection.send_bytes(b"\x00" * 320)
            await asyncio.sleep(0.01)

    with pytest.raises(ConnectionFailure) as caught:
        await keep_sending()
    assert caught.value.kind == "dropped"
    assert connection.close_info is not None
    assert connection.close_info.dropped
    assert notes.names.count("dropped") == 1
    assert await connection.receive() is None


async def test_server_close_with_code_and_reason(misbehaving: MisbehavingServer) -> None:
    misbehaving.on("OPEN", close(4001, "maintenance window"))
    connection = await opened(misbehaving)
    await connection.send_text(ClientProtocol().send(Open()).text)
    assert await next_frame(connection) is None
    info = connection.close_info
    assert info is not None
    assert (info.by, info.code, info.reason, info.expected) == (
        "server", 4001, "maintenance window", False,
    )  # fmt: skip
    assert info.describe() == "the server closed the connection (code 4001: maintenance window)"
    with pytest.raises(ConnectionFailure) as caught:
        await connection.send_text("{}")
    assert caught.value.kind == "closed"
    assert "maintenance window" in str(caught.value)


async def test_accept_then_close_at_once(misbehaving: MisbehavingServer, notes: Notes) -> None:
    misbehaving.on("CONNECT", close(1013, "try again later"))
    connection = await opened(misbehaving, notes)
    assert notes.names[-1] in ("connected", "closed")
    assert await next_frame(connection) is None
    assert connection.close_info is not None
    assert connection.close_info.code == 1013
    assert notes[-1].name == "closed"
    assert "try again later" in notes[-1].text


async def test_malformed_frames_pass_through_and_the_connection_survives(
    misbehaving: MisbehavingServer,
) -> None:
    misbehaving.on(
        "OPEN",
        send_text("this is not json {"),
        send_bytes(b"\x00\x01binary"),
        send_json({"event": "OPENED", "request_id": 1}),
        reply(),
    )
    connection = await opened(misbehaving)
    protocol = ClientProtocol()
    await connection.send_text(protocol.send(Open()).text)
    frames = [await next_frame(connection) for _ in range(4)]
    assert frames[0] == "this is not json {"
    assert frames[1] == b"\x00\x01binary"
    assert frames[2] == '{"event": "OPENED", "request_id": 1}'
    decoded = [protocol.receive(frame) for frame in frames if frame is not None]
    assert all(isinstance(item, ProtocolViolation) for item in decoded[:3])
    assert isinstance(decoded[3], Opened)
    assert connection.close_info is None
    await connection.close()


async def test_a_slow_answer_arrives_late_but_arrives(misbehaving: MisbehavingServer) -> None:
    misbehaving.on("OPEN", wait(0.6), reply())
    connection = await opened(misbehaving)
    protocol = ClientProtocol()
    started = time.monotonic()
    assert isinstance(await ask(connection, protocol, Open()), Opened)
    assert time.monotonic() - started >= 0.6
    await connection.close()


async def test_wrong_request_id_is_flagged_by_the_core(misbehaving: MisbehavingServer) -> None:
    misbehaving.on("OPEN", reply(request_id_offset=100))
    connection = await opened(misbehaving)
    protocol = ClientProtocol()
    answer = await ask(connection, protocol, Open())
    assert isinstance(answer, ProtocolViolation)
    assert "request 101" in answer.reason
    assert isinstance(answer.event, Opened)
    await connection.close()


async def test_scripted_recognition_events_in_the_background(
    misbehaving: MisbehavingServer,
) -> None:
    misbehaving.on("RECOGNIZE", reply(), later(0.1, start_of_input(), complete(value=True)))
    connection = await opened(misbehaving)
    protocol = ClientProtocol()
    await ask(connection, protocol, Open())
    assert isinstance(await ask(connection, protocol, BOOLEAN), RecognitionInProgress)
    await connection.send_bytes(protocol.send_audio(b"\x00\x00" * 160))
    events = [protocol.receive(frame) for frame in [await next_frame(connection) for _ in "ab"]
              if frame is not None]  # fmt: skip
    assert [type(event) for event in events] == [StartOfInput, RecognitionComplete]
    complete_event = events[1]
    assert isinstance(complete_event, RecognitionComplete)
    assert complete_event.body is not None
    assert complete_event.body.nlu is not None
    assert complete_event.body.nlu.value is True
    await connection.close()
    assert misbehaving.connections[0].audio_bytes == 320


async def test_a_peer_that_stops_answering_pings_is_a_drop() -> None:
    async with MisbehavingServer(answer_pings=False) as server:
        connection = await H2BConnection.open(server.profile, server.credentials, heartbeat=0.3)
        assert await next_frame(connection) is None
        info = connection.close_info
        assert info is not None
        assert info.dropped
        assert "no answer to a ping" in info.reason
        await connection.close()


def open_sockets() -> int:
    fds = os.listdir("/proc/self/fd")
    return sum(1 for fd in fds if _readlink(f"/proc/self/fd/{fd}").startswith("socket:"))


def _readlink(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return ""


async def test_clean_close_leaves_no_task_and_no_socket() -> None:
    before = open_sockets()
    async with MisbehavingServer() as server:
        connection = await opened(server)
        await ask(connection, ClientProtocol(), Open())
        await connection.close()
        record = server.connections[0]
        await record.wait_ended()
        assert record.saw_close_frame
        assert record.client_close_code == 1000
    await asyncio.sleep(0)  # let finished callbacks run
    assert asyncio.all_tasks() == {asyncio.current_task()}
    assert open_sockets() == before
