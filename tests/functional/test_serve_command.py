"""`h2b-workbench serve` as a user runs it: prints how to connect, serves, stops on SIGTERM."""

from __future__ import annotations

import asyncio
import re
import signal
import sys

import aiohttp
import pytest

pytestmark = pytest.mark.asyncio


async def test_serve_prints_urls_and_credentials_then_stops_cleanly() -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "workbench", "serve", "--port", "0", "--engine", "pocketsphinx",
        "--client-id", "cli-test", "--client-secret", "cli-secret-123",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert child.stdout is not None
    banner = ""
    while "Ctrl-C" not in banner:
        line = await asyncio.wait_for(child.stdout.readline(), 60)
        assert line, f"serve ended early: {banner}"
        banner += line.decode()
    token_url = re.search(r"token endpoint : (\S+)", banner)
    ws_url = re.search(r"WebSocket      : (\S+)", banner)
    assert token_url, banner
    assert ws_url, banner
    assert ws_url.group(1).startswith("ws://127.0.0.1:")
    assert "cli-secret-123" in banner  # shown to the user who started it, on their terminal
    form = {
        "client_id": "cli-test",
        "client_secret": "cli-secret-123",
        "grant_type": "client_credentials",
    }
    async with aiohttp.ClientSession() as http:
        async with http.post(token_url.group(1), data=form) as response:
            token = (await response.json())["access_token"]
        headers = {"Authorization": f"bearer {token}"}
        async with http.ws_connect(ws_url.group(1), headers=headers) as ws:
            await ws.send_str(
                '{"command":"OPEN","request_id":1,"channel_id":"","headers":{},"body":""}'
            )
            assert '"OPENED"' in (await ws.receive(timeout=10)).data
    child.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(child.wait(), 30) == 0
    rest = (await child.stdout.read()).decode()
    assert "stopping" in rest
    assert child.stderr is not None
    errors = (await child.stderr.read()).decode()
    assert "Traceback" not in errors
    assert token not in errors + rest


async def test_serve_names_a_port_in_use() -> None:
    blocker = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = blocker.sockets[0].getsockname()[1]
    try:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "workbench", "serve", "--port", str(port),
            "--engine", "pocketsphinx",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _out, err = await asyncio.wait_for(child.communicate(), 60)
    finally:
        blocker.close()
        await blocker.wait_closed()
    assert child.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err.decode()
    assert "Traceback" not in err.decode()
