"""The connection panel on a real controller, against a real local server on loopback.

Profiles, fields and their persistence; connecting to the local server, to a custom URL (with a
secret typed, kept in the keyring, or asked in a password dialog); failures in plain words; a
secret never in the saved fields. One qasync loop per test, as in the app.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from logging import ERROR

import pytest
from keyring.backends import null
from PySide6.QtWidgets import QApplication, QInputDialog
from pytestqt.qtbot import QtBot

from tests.support.keyrings import MemoryKeyring
from tests.ui.loop_support import run, until
from tests.ui.window_support import qasync_loop_without_leftovers
from workbench.app.secrets_store import SecretStore, account_for
from workbench.client import Credentials, H2BConnection, local_profile
from workbench.controller import SessionController
from workbench.recognition.engine import Engine
from workbench.server.app import ServerConfig
from workbench.server.auth import Credentials as ServerCredentials
from workbench.server.runner import EmbeddedServer, default_engine
from workbench.session import Timeline
from workbench.ui.connection_panel import ConnectionPanel, LocalServerView

pytestmark = pytest.mark.timeout(60)
CLIENT, SECRET = "ui-client", "ui-secret-4b7d2e"


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qasync_loop_without_leftovers(qapp)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return default_engine()


@pytest.fixture(autouse=True)
def _nothing_logged_as_an_error(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    yield
    assert [r.getMessage() for r in caplog.records if r.levelno >= ERROR] == []


@dataclass
class Bench:
    panel: ConnectionPanel
    controller: SessionController
    server: EmbeddedServer
    store: SecretStore
    messages: list[tuple[str, str]] = field(default_factory=list)
    states: list[str] = field(default_factory=list)

    def texts(self, level: str) -> list[str]:
        return [text for text, lvl in self.messages if lvl == level]


@asynccontextmanager
async def open_panel(
    qtbot: QtBot, engine: Engine, store: SecretStore | None = None
) -> AsyncIterator[Bench]:
    config = ServerConfig(credentials=ServerCredentials(CLIENT, SECRET))
    server = EmbeddedServer(engine=engine, config=config)
    await server.start()
    controller = SessionController(H2BConnection.open, Timeline())
    store = store or SecretStore(MemoryKeyring())
    await store.probe()
    panel = ConnectionPanel(controller, store)
    bench = Bench(panel, controller, server, store)
    panel.status_message.connect(lambda text, level: bench.messages.append((text, level)))
    panel.state_text.connect(bench.states.append)
    panel.show()
    try:
        yield bench
    finally:
        panel.shutdown()
        await controller.aclose()
        await server.stop()
        panel.hide()  # not close(): the last window closed would end the loop
        panel.deleteLater()  # deleted by Qt now, not by a garbage collection later
        await asyncio.sleep(0)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_local_profile_connects_once_the_server_is_ready(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, engine: Engine
) -> None:
    async def scenario() -> None:
        async with open_panel(qtbot, engine) as bench:
            panel = bench.panel
            assert panel.kind() == "local"
            assert not panel.connect_button.isEnabled()
            assert panel.connect_button.toolTip() == "the local server is not ready"
            assert not panel.edits["api_url"].isVisible()  # nothing to type for local
            view = LocalServerView(
                local_profile(bench.server.http_url),
                Credentials(CLIENT, SECRET),
                engine=bench.server.engine.name,
                model=bench.server.engine.asr_model,
            )
            panel.set_local_server(view)
            assert bench.server.engine.asr_model in panel.local_label.text()
            assert panel.connect_button.isEnabled()
            assert await panel.open_connection() is True
            await until(lambda: "Connected to Local server" in panel.state_label.text())
            assert not panel.connect_button.isEnabled()
            assert panel.disconnect_button.isEnabled()
            await panel.close_connection()
            await until(lambda: panel.state_label.text() == "Disconnected")
            assert bench.states[-1] == "Disconnected"
            assert bench.texts("warning") == []  # asked for: no "connection ended"
            assert bench.texts("error") == []

    run(qloop, scenario())


def test_a_closed_port_is_said_in_plain_words(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, engine: Engine
) -> None:
    async def scenario() -> None:
        async with open_panel(qtbot, engine) as bench:
            panel = bench.panel
            panel.select("custom")
            assert panel.edits["api_url"].isVisible()
            panel.set_field("api_url", f"ws://127.0.0.1:{closed_port()}")
            panel.set_field("client_id", CLIENT)
            panel.secret_edit.setText(SECRET)
            assert await panel.open_connection() is False
            errors = bench.texts("error")
            assert len(errors) == 1
            assert "refused" in errors[0].lower()
            assert "Traceback" not in errors[0]
            assert SECRET not in errors[0]
            assert panel.state_label.text() == "Disconnected"
            assert bench.store.status.available
            assert await bench.store.load(CLIENT, panel_token_url(panel)) is None  # not kept

    run(qloop, scenario())


def panel_token_url(panel: ConnectionPanel) -> str:
    api = panel.edits["api_url"].text()
    return api.replace("ws://", "http://") + "/realms/uhlive/protocol/openid-connect/token"


def test_a_typed_secret_is_kept_in_the_keyring_after_it_worked(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, engine: Engine
) -> None:
    keyring = MemoryKeyring()

    async def scenario() -> None:
        async with open_panel(qtbot, engine, SecretStore(keyring)) as bench:
            panel = bench.panel
            assert panel.remember_check.isEnabled()
            panel.select("custom")
            panel.set_field("api_url", bench.server.ws_url.removesuffix("/bots"))
            panel.set_field("client_id", CLIENT)
            panel.secret_edit.setText(SECRET)
            panel.remember_check.setChecked(True)
            assert await panel.open_connection() is True
            account = account_for(CLIENT, panel_token_url(panel))
            assert keyring.items == {("h2b-workbench", account): SECRET}
            fields = panel.fields()
            assert SECRET not in repr(fields)
            assert fields["custom.client_id"] == CLIENT
            await panel.close_connection()
            # Next time: the field is empty, the keyring supplies the secret.
            panel.select("uhlive")
            panel.select("custom")
            assert panel.secret_edit.text() == ""
            assert await panel.open_connection() is True
            assert bench.texts("error") == []

    run(qloop, scenario())


def test_without_a_keyring_the_secret_is_asked_for(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, engine: Engine
) -> None:
    async def scenario() -> None:
        store = SecretStore(null.Keyring())
        async with open_panel(qtbot, engine, store) as bench:
            panel = bench.panel
            assert not panel.remember_check.isEnabled()
            assert "switched off" in panel.remember_check.toolTip()
            panel.select("custom")
            panel.set_field("api_url", bench.server.ws_url.removesuffix("/bots"))
            panel.set_field("client_id", CLIENT)

            def dialog() -> QInputDialog | None:
                return panel.findChild(QInputDialog, "secret_dialog")

            attempt = asyncio.ensure_future(panel.open_connection())
            await until(lambda: dialog() is not None and dialog().isVisible())
            asked = dialog()
            assert asked is not None
            assert CLIENT in asked.labelText()
            asked.reject()
            assert await attempt is False
            assert bench.texts("info")[-1] == "Not connected: no client secret was given."

            attempt = asyncio.ensure_future(panel.open_connection())
            await until(lambda: dialog() is not None and dialog().isVisible())
            asked = dialog()
            assert asked is not None
            asked.setTextValue(SECRET)
            asked.accept()
            assert await attempt is True
            await until(lambda: bench.controller.state.connected)

    run(qloop, scenario())


def test_a_wrong_secret_is_refused_in_plain_words_and_not_kept(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, engine: Engine
) -> None:
    keyring = MemoryKeyring()

    async def scenario() -> None:
        async with open_panel(qtbot, engine, SecretStore(keyring)) as bench:
            panel = bench.panel
            panel.select("custom")
            panel.set_field("api_url", bench.server.ws_url.removesuffix("/bots"))
            panel.set_field("client_id", CLIENT)
            panel.secret_edit.setText("not-the-secret")
            panel.remember_check.setChecked(True)
            assert await panel.open_connection() is False
            errors = bench.texts("error")
            assert len(errors) == 1
            assert "not-the-secret" not in errors[0]
            assert "\n" not in errors[0]
            assert keyring.items == {}

    run(qloop, scenario())


def test_a_connection_the_server_ends_is_reported(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, engine: Engine
) -> None:
    async def scenario() -> None:
        async with open_panel(qtbot, engine) as bench:
            panel = bench.panel
            view = LocalServerView(
                local_profile(bench.server.http_url), Credentials(CLIENT, SECRET), "e", "m"
            )
            panel.set_local_server(view)
            assert await panel.open_connection() is True
            await bench.server.stop()
            await until(lambda: panel.state_label.text() == "Disconnected")
            assert bench.texts("warning") == ["The connection to Local server ended."]

    run(qloop, scenario())


def test_fields_and_profile_round_trip_without_secrets(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, engine: Engine
) -> None:
    async def scenario() -> None:
        async with open_panel(qtbot, engine) as bench:
            panel = bench.panel
            panel.select("uhlive")
            assert panel.edits["api_url"].text() == "wss://api.uh.live"
            assert panel.edits["auth_server"].text() == "id.uh.live"
            panel.set_field("client_id", "customer-7")
            panel.secret_edit.setText("typed-secret")
            panel.select("custom")
            assert panel.secret_edit.text() == ""  # not carried to another profile
            panel.set_field("api_url", "ws://10.0.0.5:9000")
            saved_kind, saved = panel.kind(), panel.fields()
            assert saved_kind == "custom"
            assert saved["uhlive.client_id"] == "customer-7"
            assert saved["custom.api_url"] == "ws://10.0.0.5:9000"
            assert "typed-secret" not in repr(saved)
            assert not any("secret" in key for key in saved)

            other = ConnectionPanel(bench.controller, bench.store, bench.panel)
            try:
                other.restore(saved_kind, saved)
                assert other.kind() == "custom"
                assert other.edits["api_url"].text() == "ws://10.0.0.5:9000"
                other.select("uhlive")
                assert other.edits["client_id"].text() == "customer-7"
                other.restore("nonsense", {"bogus.api_url": "x", "custom.password": "y"})
                assert other.kind() == "uhlive"
            finally:
                other.shutdown()

    run(qloop, scenario())
