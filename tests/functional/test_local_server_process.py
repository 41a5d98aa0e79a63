"""The local server as the window runs it: a real ``h2b-workbench serve`` child process.

Start (readiness line parsed, credentials accepted, no secret on the command line or stdout),
stop (clean exit on stdin EOF, terminate when it does not listen), failures in plain words
(port taken, engine unavailable, no answer in time, a crash after start), and the child's end
when its parent dies. Every test stops what it started and checks the Popen's return code.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from workbench.app.local_server import (
    LocalServerError,
    LocalServerInfo,
    LocalServerProcess,
    parse_event,
)
from workbench.app.serve_ready import SECRET_VARIABLE

pytestmark = pytest.mark.timeout(90)


@pytest_asyncio.fixture
async def server() -> AsyncIterator[LocalServerProcess]:
    process = LocalServerProcess()
    try:
        yield process
    finally:
        await process.stop()
        assert process.popen is None or process.popen.returncode is not None


async def fetch_token(process: LocalServerProcess) -> int:
    assert process.info is not None
    form = {
        "client_id": process.credentials.client_id,
        "client_secret": process.credentials.client_secret,
        "grant_type": "client_credentials",
    }
    async with (
        aiohttp.ClientSession() as http,
        http.post(process.info.token_url, data=form) as response,
    ):
        return response.status


@pytest.mark.asyncio
async def test_start_announces_the_server_and_stops_cleanly(server: LocalServerProcess) -> None:
    info = await server.start()
    assert info.ws_url.startswith("ws://127.0.0.1:")
    assert info.ws_url.endswith("/bots")
    assert info.client_id == server.credentials.client_id
    assert info.engine in {"faster-whisper", "pocketsphinx"}
    assert info.model
    assert server.popen is not None
    assert info.pid == server.popen.pid
    assert server.running
    assert server.profile().bots_url == info.ws_url
    assert await fetch_token(server) == 200
    assert await server.stop() == 0  # stdin EOF: a clean stop, not a kill
    assert server.returncode == 0
    assert not server.running
    assert await server.stop() == 0  # idempotent


@pytest.mark.asyncio
async def test_the_secret_stays_off_the_command_line(server: LocalServerProcess) -> None:
    await server.start()
    secret = server.credentials.client_secret
    assert secret not in " ".join(server.args())
    assert server.popen is not None
    cmdline = Path(f"/proc/{server.popen.pid}/cmdline").read_bytes().decode()
    assert "--ready-json" in cmdline
    assert secret not in cmdline
    environ = Path(f"/proc/{server.popen.pid}/environ").read_bytes().decode(errors="replace")
    assert SECRET_VARIABLE not in environ.split("\0")[-1]  # read, then removed by serve


@pytest.mark.asyncio
async def test_the_readiness_line_is_one_json_object_without_the_secret() -> None:
    secret = "ready-json-secret-5d1e"
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "workbench", "serve", "--port", "0", "--ready-json",
        "--exit-on-stdin-eof", "--engine", "pocketsphinx", "--client-id", "probe",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env={**os.environ, SECRET_VARIABLE: secret},
    )  # fmt: skip
    assert child.stdin is not None
    assert child.stdout is not None
    line = (await asyncio.wait_for(child.stdout.readline(), 60)).decode()
    child.stdin.close()  # EOF: the server stops by itself
    out, err = await asyncio.wait_for(child.communicate(), 30)
    assert child.returncode == 0, err.decode()
    event = json.loads(line)
    assert event["event"] == "ready"
    assert event["client_id"] == "probe"
    assert event["engine"] == "pocketsphinx"
    assert secret not in line + out.decode() + err.decode()
    assert out == b""  # one line and nothing else on stdout
    parsed = parse_event(line)
    assert isinstance(parsed, LocalServerInfo)
    assert parsed.ws_url == event["ws_url"]


def test_parse_event_reads_ready_and_error_lines_and_ignores_the_rest() -> None:
    ready = {
        "event": "ready", "ws_url": "ws://127.0.0.1:1/bots", "http_url": "http://127.0.0.1:1",
        "token_url": "http://127.0.0.1:1/realms/uhlive/protocol/openid-connect/token",
        "client_id": "c", "realm": "uhlive", "engine": "e", "model": "m", "pid": 7,
    }  # fmt: skip
    info = parse_event(json.dumps(ready))
    assert info == LocalServerInfo(
        ws_url="ws://127.0.0.1:1/bots",
        http_url="http://127.0.0.1:1",
        token_url=ready["token_url"],
        client_id="c",
        realm="uhlive",
        engine="e",
        model="m",
        pid=7,
    )
    assert info.describe() == "e, model m, at ws://127.0.0.1:1/bots"
    assert parse_event('{"event": "error", "error": "port taken"}') == "port taken"
    assert parse_event('{"event": "error"}') == "the local server gave no reason"
    assert parse_event("stopping...") is None
    assert parse_event("[1, 2]") is None
    assert parse_event('{"event": "ready", "ws_url": "x"}') is None  # fields missing
    assert parse_event('{"event": "progress"}') is None


@pytest.mark.asyncio
async def test_a_taken_port_is_a_plain_error() -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        process = LocalServerProcess(port=port)
        with pytest.raises(LocalServerError) as raised:
            await process.start()
    assert process.returncode == 1
    message = str(raised.value)
    assert f"cannot listen on 127.0.0.1:{port}" in message
    assert "Traceback" not in message


@pytest.mark.asyncio
async def test_an_unavailable_engine_is_a_plain_error(tmp_path: Path) -> None:
    process = LocalServerProcess(engine="whisper", whisper_model=str(tmp_path / "no-model"))
    with pytest.raises(LocalServerError) as raised:
        await process.start()
    assert process.returncode == 1
    assert "could not start" in str(raised.value)
    assert "no CTranslate2 whisper model" in str(raised.value)


@pytest.mark.asyncio
async def test_a_child_that_never_answers_times_out_and_is_terminated() -> None:
    silent = [sys.executable, "-c", "import time; time.sleep(60)"]
    process = LocalServerProcess(command=silent, start_timeout=1.0, stop_grace=1.0)
    started = time.monotonic()
    with pytest.raises(LocalServerError, match="did not start within 1 s"):
        await process.start()
    assert time.monotonic() - started < 10
    assert process.returncode == -signal.SIGTERM  # stdin EOF did nothing; terminate did


@pytest.mark.asyncio
async def test_a_child_that_exits_before_it_is_ready_says_so() -> None:
    dying = [sys.executable, "-c", "import sys; sys.exit('boom: no model here')"]
    process = LocalServerProcess(command=dying)
    with pytest.raises(LocalServerError) as raised:
        await process.start()
    assert process.returncode == 1
    assert "ended before it was ready (exit code 1): boom: no model here" in str(raised.value)


@pytest.mark.asyncio
async def test_a_crash_after_start_is_reported() -> None:
    reported: list[str] = []
    process = LocalServerProcess(on_exit=reported.append)
    try:
        await process.start()
        assert process.popen is not None
        os.kill(process.popen.pid, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while not reported and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        await process.stop()
    assert process.returncode == -signal.SIGKILL
    assert reported == [f"The local server stopped unexpectedly (exit code {-signal.SIGKILL})."]


@pytest.mark.asyncio
async def test_no_report_when_asked_to_stop(server: LocalServerProcess) -> None:
    reported: list[str] = []
    server.on_exit = reported.append
    await server.start()
    await server.stop()
    await asyncio.sleep(0.3)
    assert reported == []


PARENT = """
import asyncio, sys
from workbench.app.local_server import LocalServerProcess

async def main():
    process = LocalServerProcess()
    info = await process.start()
    print(info.pid, flush=True)
    await asyncio.sleep(120)

asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its new parent to reap it counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in {"Z", "X"}


@pytest.mark.asyncio
async def test_the_child_stops_when_its_parent_dies() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    try:
        assert parent.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(parent.stdout.readline), 60)
        child = int(line)
        assert _alive(child)
        parent.kill()  # no cleanup at all: only the closed pipe tells the child
        parent.wait(10)
        deadline = time.monotonic() + 20
        while _alive(child) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert not _alive(child)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(10)
        assert parent.stdout is not None
        parent.stdout.close()
