"""The official SDK as the examples use it: its auth helpers over TLS, and the sync client.

``UHLIVE_AUTH_SERVER`` / ``UHLIVE_API_URL`` are read when the SDK is imported, so the helper
scripts run in a child process with those variables set, exactly as a user would run the
examples against the local server.
"""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import websocket
from uhlive.stream.recognition import (
    CompletionCause,
    Opened,
    ParamsSet,
    RecognitionComplete,
    RecognitionInProgress,
    Recognizer,
    StartOfInput,
)

from tests.audio_fixtures import silence, synthesize
from tests.functional.conftest import CREDENTIALS
from workbench.recognition.engine import Engine
from workbench.server.app import ServerConfig
from workbench.server.runner import EmbeddedServer, self_signed, tls_context

pytestmark = [pytest.mark.asyncio, pytest.mark.e2e]

HELPER_SCRIPT = textwrap.dedent(
    """
    import os, requests, websocket
    from uhlive.auth import build_authentication_request
    from uhlive.stream.recognition import Closed, Opened, Recognizer, build_connection_request

    url, form = build_authentication_request(
        os.environ["UHLIVE_API_CLIENT"], os.environ["UHLIVE_API_SECRET"]
    )
    login = requests.post(url, data=form, timeout=10)
    login.raise_for_status()
    ws_url, headers = build_connection_request(login.json()["access_token"])
    socket = websocket.create_connection(ws_url, header=headers, timeout=10)
    recognizer = Recognizer()
    socket.send(recognizer.open(custom_id="sdk-helpers"))
    assert isinstance(recognizer.receive(socket.recv()), Opened)
    socket.send(recognizer.close())
    assert isinstance(recognizer.receive(socket.recv()), Closed)
    socket.close()
    print("SDK-HELPERS-OK", url, ws_url)
    """
)


async def test_unmodified_sdk_helpers_over_tls(engine: Engine, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path / "tls")
    config = ServerConfig(credentials=CREDENTIALS)
    async with EmbeddedServer(engine=engine, config=config, tls=tls_context(cert, key)) as server:
        env = {
            **os.environ,
            "UHLIVE_AUTH_SERVER": f"127.0.0.1:{server.port}",
            "UHLIVE_API_URL": f"wss://127.0.0.1:{server.port}",
            "UHLIVE_API_CLIENT": CREDENTIALS.client_id,
            "UHLIVE_API_SECRET": CREDENTIALS.client_secret,
            "REQUESTS_CA_BUNDLE": str(cert),
            "SSL_CERT_FILE": str(cert),
        }
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            HELPER_SCRIPT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode == 0, err.decode()
    assert f"SDK-HELPERS-OK https://127.0.0.1:{server.port}/realms/uhlive/" in out.decode()
    assert f"wss://127.0.0.1:{server.port}/bots" in out.decode()


def _sync_guess(ws_url: str, token: str) -> tuple[list[type], RecognitionComplete]:
    """basic_sync.py's shape: websocket-client, a streaming thread, blocking reads."""
    socket = websocket.create_connection(ws_url, header={"Authorization": f"bearer {token}"})
    recognizer = Recognizer()
    socket.send(recognizer.open())
    assert isinstance(recognizer.receive(socket.recv()), Opened)
    speech = silence(300) + synthesize("forty two", "slt", "flite") + silence(300)
    stop = threading.Event()
    start_speaking = threading.Event()

    def stream() -> None:
        pending = b""
        while not stop.is_set():
            if start_speaking.is_set():
                start_speaking.clear()
                pending = speech
            chunk, pending = (pending[:960], pending[960:]) if pending else (silence(60), b"")
            socket.send_binary(recognizer.send_audio_chunk(chunk))
            time.sleep(0.06)

    streamer = threading.Thread(target=stream, daemon=True)
    streamer.start()
    try:
        socket.send(recognizer.set_params(speech_language="en", speech_complete_timeout=800))
        assert isinstance(recognizer.receive(socket.recv()), ParamsSet)
        socket.send(recognizer.recognize("builtin:speech/spelling/digits?regex=[0-9]{1,2}"))
        start_speaking.set()
        kinds = []
        while True:
            event = recognizer.receive(socket.recv())
            kinds.append(type(event))
            if isinstance(event, RecognitionComplete):
                return kinds, event
    finally:
        stop.set()
        streamer.join(timeout=2)
        socket.close()


async def test_sync_sdk_client(server: EmbeddedServer) -> None:
    import aiohttp

    from tests.functional.conftest import fetch_token

    async with aiohttp.ClientSession() as http:
        token = await fetch_token(http, server)
    kinds, complete = await asyncio.wait_for(
        asyncio.to_thread(_sync_guess, server.ws_url, token), 60
    )
    assert kinds == [RecognitionInProgress, StartOfInput, RecognitionComplete]
    assert complete.completion_cause is CompletionCause.Success
    assert complete.body.nlu.value == "42"
