"""The real window, composed as the app composes it, with the local server as a child process.

Start-up (the server child starts, the window connects, the status shows it and the engine),
close (session, socket, audio and child stopped, no task left, settings saved and restored at
the next start), failures in the status area in plain words (a closed port, a crashed server).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from logging import ERROR
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication

from tests.support.keyrings import MemoryKeyring
from tests.ui.loop_support import run, until
from tests.ui.window_support import qasync_loop_without_leftovers
from workbench.app.local_server import LocalServerProcess
from workbench.app.secrets_store import SecretStore
from workbench.app.settings import Settings
from workbench.app.window_app import Workbench
from workbench.controller import ConnectionStatus
from workbench.protocol.causes import Outcome
from workbench.protocol.states import SessionState
from workbench.ui.main_window import DEFAULT_SIZE

pytestmark = pytest.mark.timeout(90)
DOCKS = {
    "connection",
    "audio",
    "session",
    "grammars",
    "recognize",
    "result",
    "events",
    "timeline",
    "audio_history",
    "messages",
}


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qasync_loop_without_leftovers(qapp)


@pytest.fixture(autouse=True)
def _nothing_logged_as_an_error(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    yield
    assert [r.getMessage() for r in caplog.records if r.levelno >= ERROR] == []


@asynccontextmanager
async def running(
    settings: Settings, server: LocalServerProcess | None
) -> AsyncIterator[Workbench]:
    app = Workbench(settings, server=server, secrets=SecretStore(MemoryKeyring()))
    await app.start()
    try:
        yield app
    finally:
        if not app.window.closing:
            app.window.close()
        await asyncio.wait_for(app.wait_closed(), 30)
        await app.dispose()
        assert not shiboken6.isValid(app.window)


def pending_tasks(before: set[asyncio.Task[object]]) -> list[asyncio.Task[object]]:
    """Tasks still pending that were not there before (the test's own are)."""
    return [task for task in asyncio.all_tasks() - before if not task.done()]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_the_window_starts_the_server_connects_and_closes_cleanly(
    qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    settings_path = tmp_path / "settings.json"
    server = LocalServerProcess()

    async def scenario() -> None:
        before = asyncio.all_tasks()
        async with running(Settings(settings_path), server) as app:
            window, status = app.window, app.status
            assert window.isVisible()
            assert set(window.docks) == DOCKS
            assert await app.wait_ready(60) is True
            info = server.info
            assert info is not None
            await until(lambda: status.connection_label.text().startswith("Connected to Local"))
            assert info.engine in status.server_label.text()
            assert info.model in status.server_label.text()
            assert info.model in app.connection.local_label.text()
            assert f"The local server is ready ({info.describe()})." in status.texts("info")
            assert app.stream.running  # audio flows while idle (silence first)
            assert app.recognize.grammars() == ("builtin:speech/transcribe",)
            assert "speech_language" in app.recognize.overrides.overrides()  # English only
            assert status.texts("error") == []
            window.close()  # as the title bar's ×: refused at first, then done in order
            assert window.isVisible()
            await asyncio.wait_for(app.wait_closed(), 30)
            assert not window.isVisible()
            assert app.controller.state.connection is ConnectionStatus.DISCONNECTED
            assert not app.stream.running
            assert server.returncode == 0  # stopped by stdin EOF, not killed
            await asyncio.sleep(0)
            assert pending_tasks(before) == []

    run(qloop, scenario())
    saved = Settings.load(settings_path)
    assert saved.warnings == []
    assert saved.profile_name == "local"
    assert saved.window_geometry
    assert saved.window_state
    assert saved.last_source.kind == "silence"


def test_settings_come_back_at_the_next_start(
    qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    path = tmp_path / "settings.json"

    async def scenario() -> None:
        async with running(Settings(path), None) as app:
            app.connection.select("custom")
            app.connection.set_field("api_url", "ws://10.1.2.3:9000")
            app.connection.set_field("client_id", "support-7")
            app.connection.secret_edit.setText("never-saved-secret")
            app.window.docks["messages"].hide()
            app.window.resize(1111, 777)
        async with running(Settings.load(path), None) as again:
            assert again.connection.kind() == "custom"
            assert again.connection.edits["api_url"].text() == "ws://10.1.2.3:9000"
            assert again.connection.edits["client_id"].text() == "support-7"
            assert again.connection.secret_edit.text() == ""
            assert not again.window.docks["messages"].isVisible()
            # Qt fits a restored window to the screen (800 × 800 offscreen): not 1111 × 777,
            # but not the default size either.
            assert again.window.size() != QSize(*DEFAULT_SIZE)
            assert "speech_language" not in again.recognize.overrides.overrides()

    run(qloop, scenario())
    assert "never-saved-secret" not in path.read_text(encoding="utf-8")


def test_a_connection_failure_is_shown_in_the_status_area(
    qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with running(Settings(tmp_path / "settings.json"), None) as app:
            panel = app.connection
            panel.select("custom")
            panel.set_field("api_url", f"ws://127.0.0.1:{closed_port()}")
            panel.set_field("client_id", "someone")
            panel.secret_edit.setText("a-secret-9f")
            panel.connect_button.click()
            await until(lambda: app.status.texts("error") != [], what="an error message")
            (message,) = app.status.texts("error")
            assert "connection refused" in message
            assert "Traceback" not in message
            assert "a-secret-9f" not in message
            assert message in app.status.log.list.item(app.status.log.list.count() - 1).text()
            assert message in app.status.bar.currentMessage()
            assert app.status.connection_label.text() == "Disconnected"

    run(qloop, scenario())


def test_a_crashed_local_server_is_reported(
    qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    server = LocalServerProcess()

    async def scenario() -> None:
        async with running(Settings(tmp_path / "settings.json"), server) as app:
            assert await app.wait_ready(60) is True
            assert server.popen is not None
            os.kill(server.popen.pid, signal.SIGKILL)
            await until(lambda: app.status.texts("error") != [], what="the crash reported")
            assert app.status.texts("error")[0] == (
                f"The local server stopped unexpectedly (exit code {-signal.SIGKILL})."
            )
            assert app.status.server_label.text() == "Local server: stopped"
            await until(lambda: not app.controller.state.connected)

    run(qloop, scenario())
    assert server.returncode == -signal.SIGKILL


def test_a_first_recognition_through_the_window(
    qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    """What a newcomer does: Open session, Recognize, say a phrase with the TTS."""
    server = LocalServerProcess()

    async def scenario() -> None:
        async with running(Settings(tmp_path / "settings.json"), server) as app:
            assert await app.wait_ready(60) is True
            state = app.controller
            assert app.actions.trigger("open") is not None
            await until(lambda: state.state.session is SessionState.IDLE, what="session open")
            assert app.actions.trigger("recognize") is not None
            await until(lambda: state.state.recognition is not None, what="recognizing")
            app.audio.speak("forty two")
            await until(lambda: app.result.outcome is not None, timeout=30, what="a result")
            assert app.result.outcome is Outcome.SUCCESS
            assert "forty two" in app.result.transcript_label.text()
            assert app.status.texts("error") == []
            # The timeline dock lists the same session, answer included.
            await until(
                lambda: (
                    "RECOGNITION-COMPLETE"
                    in [entry.name for entry in app.timeline_view.visible_entries()]
                ),
                what="the timeline view shows the result",
            )

    run(qloop, scenario())
