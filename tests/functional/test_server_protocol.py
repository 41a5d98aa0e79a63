"""The /bots protocol over real loopback, driven by a bare client: replies, errors, bad input."""

from __future__ import annotations

import asyncio
import contextlib
import json

import aiohttp
import pytest

from tests.functional.conftest import RawClient
from workbench.protocol.conformance import sdk_verdict
from workbench.protocol.params import default_params
from workbench.server.runner import EmbeddedServer

pytestmark = pytest.mark.asyncio


def cmd(name: str, rid: int, headers: dict[str, object] | None = None, body: str = "") -> str:
    return json.dumps(
        {
            "command": name,
            "request_id": rid,
            "channel_id": "",
            "headers": headers or {},
            "body": body,
        }
    )


async def expect(client: RawClient, frame: str, event: str, **fields: object) -> dict[str, object]:
    reply = await client.command(frame)
    assert reply["event"] == event, reply
    assert sdk_verdict(json.dumps(reply)).accepted
    for key, value in fields.items():
        assert reply[key] == value, (key, reply)
    return reply


async def test_session_lifecycle_params_and_aliases(raw_client: RawClient) -> None:
    opened = await expect(
        raw_client,
        json.dumps(
            {
                "command": "OPEN",
                "request_id": 1,
                "channel_id": "pref",
                "headers": {"custom_id": "c", "audio_codec": "linear", "session_id": "s"},
                "body": "",
            }
        ),
        "OPENED",
        request_id=1,
    )
    channel = str(opened["channel_id"])
    assert channel.startswith("pref-")
    await expect(raw_client, cmd("SET-PARAMS", 2, {"no_input_timeout": 3000}), "PARAMS-SET")
    params = await expect(raw_client, cmd("GET-PARAMS", 3), "DEFAULT-PARAMS", channel_id=channel)
    assert params["headers"] == {**default_params(), "no_input_timeout": 3000}
    define = cmd(
        "DEFINE-GRAMMAR",
        4,
        {"content_id": "num", "content_type": "text/uri-list"},
        "builtin:speech/spelling/digits?regex=[0-9]{1,2}",
    )
    await expect(raw_client, define, "GRAMMAR-DEFINED", request_id=4)
    await expect(raw_client, cmd("CLOSE", 5), "CLOSED")
    # Several sessions in turn; aliases and parameters are scoped to the session.
    await expect(raw_client, cmd("OPEN", 6), "OPENED")
    params = await expect(raw_client, cmd("GET-PARAMS", 7), "DEFAULT-PARAMS")
    assert params["headers"] == default_params()
    failed = await expect(
        raw_client,
        cmd("RECOGNIZE", 8, {"speech_language": "en"}, "session:num"),
        "METHOD-FAILED",
        completion_cause="GramLoadFailure",
    )
    assert failed["completion_reason"] == "unknown grammar 'session:num'"


@pytest.mark.parametrize(
    ("frames", "event", "cause", "words"),
    [
        ([cmd("GET-PARAMS", 1)], "METHOD-NOT-ALLOWED", None, "OPEN one first"),
        ([cmd("OPEN", 1), cmd("OPEN", 2)], "METHOD-NOT-ALLOWED", None, "already open"),
        ([cmd("OPEN", 1), cmd("STOP", 2)], "METHOD-NOT-ALLOWED", None, "only valid during"),
        (["{oops"], "METHOD-NOT-VALID", None, "not valid JSON"),
        ([cmd("HELLO", 1)], "METHOD-NOT-VALID", None, "unknown command 'HELLO'"),
        (
            ['{"command":"OPEN","request_id":1,"headers":{"audio_codec":7}}'],
            "INVALID-PARAM-VALUE",
            None,
            "audio_codec",
        ),
        (
            [cmd("OPEN", 1), cmd("SET-PARAMS", 2, {"confidence_threshold": 3})],
            "INVALID-PARAM-VALUE",
            None,
            "confidence_threshold",
        ),
        (
            [cmd("OPEN", 1), cmd("DEFINE-GRAMMAR", 2, {}, "builtin:speech/boolean")],
            "MISSING-PARAM",
            None,
            "content_id",
        ),
        (
            [
                cmd("OPEN", 1),
                cmd(
                    "DEFINE-GRAMMAR",
                    2,
                    {"content_id": "d", "content_type": "text/uri-list"},
                    "builtin:speech/spelling/digits?regex=[0-9",
                ),
            ],
            "METHOD-FAILED",
            "GramDefinitionFailure",
            "does not compile",
        ),
        (
            [cmd("OPEN", 1), cmd("RECOGNIZE", 2, {}, "builtin:speech/boolean")],
            "METHOD-FAILED",
            "LanguageUnsupported",
            "available: en",
        ),
        (
            [cmd("OPEN", 1), cmd("RECOGNIZE", 2, {"speech_language": "en"}, "builtin:speech/x")],
            "METHOD-FAILED",
            "GramLoadFailure",
            "unknown builtin grammar",
        ),
    ],
)
async def test_every_error_event(
    raw_client: RawClient, frames: list[str], event: str, cause: str | None, words: str
) -> None:
    for frame in frames[:-1]:
        await raw_client.command(frame)
    reply = await raw_client.command(frames[-1])
    assert reply["event"] == event, reply
    assert reply["completion_cause"] == cause
    assert words in str(reply["completion_reason"])
    assert sdk_verdict(json.dumps(reply)).accepted


async def test_audio_outside_a_session_is_ignored(raw_client: RawClient) -> None:
    await raw_client.ws.send_bytes(b"\x00" * 960)
    await raw_client.ws.send_bytes(b"\x01")
    reply = await raw_client.command(cmd("OPEN", 1))
    assert reply["event"] == "OPENED"  # nothing was sent back for the audio


async def test_huge_frame_closes_the_connection_with_a_reason(
    raw_client: RawClient, server: EmbeddedServer
) -> None:
    # The server may hang up before the 10 MB are written: that is the expected outcome too.
    with contextlib.suppress(ConnectionError):
        await raw_client.ws.send_str("x" * (10 * 1024 * 1024))
    message = await raw_client.ws.receive(timeout=10)
    assert message.type is aiohttp.WSMsgType.CLOSE, message
    assert message.data == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
    async with aiohttp.ClientSession() as session, session.get(server.http_url + "/") as response:
        assert response.status == 200


async def test_a_thousand_quick_sessions(raw_client: RawClient) -> None:
    for index in range(1000):
        await raw_client.send(cmd("OPEN", 2 * index + 1))
        await raw_client.send(cmd("CLOSE", 2 * index + 2))
    events = [(await raw_client.receive())["event"] for _ in range(2000)]
    assert events == ["OPENED", "CLOSED"] * 1000


async def test_client_vanishing_leaves_the_server_serving(
    raw_client: RawClient, server: EmbeddedServer
) -> None:
    await raw_client.command(cmd("OPEN", 1))
    await raw_client.ws.close()
    await asyncio.sleep(0.1)
    async with aiohttp.ClientSession() as session, session.get(server.http_url + "/") as response:
        assert response.status == 200
