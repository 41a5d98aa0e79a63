"""The connection panel: which H2B server (local, the real service, a custom URL), connect.

Profiles
    **Local** (the default): the embedded server the window started as a child process; its
    engine and model are shown, its credentials are the ones it was started with, nothing to
    type. **uh!live**: the real service; API URL, auth server and realm default to the
    service's, the client id and secret are the customer's. **Custom**: any H2B server, the
    token endpoint on the same host unless an auth server is given.

Secrets
    The secret field is a password field and is never saved with the settings. On Connect an
    empty field is filled from the keyring (:class:`SecretKeeper`, injected: the window gives
    the app's keyring store) or, failing that, asked for in a password dialog. A secret is kept
    in the keyring only after it connected, and only when "Remember" is ticked and a keyring is
    usable; without one the checkbox is disabled and says why, and the secret lives in memory
    until the window closes.

Nothing here blocks: connecting runs as a task of the asyncio loop; failures
(:class:`~workbench.client.errors.ConnectionFailure`, in plain words) come out as
``status_message(text, level)`` for the window's status area.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.client import ConnectionFailure, ConnectionProfile, Credentials
from workbench.client.profiles import ProfileKind
from workbench.controller import ActionRefused, ConnectionStatus, ControllerState, SessionController
from workbench.protocol.states import SessionState
from workbench.ui.connection_fields import (
    DEFAULTS,
    FIELDS,
    SecretAsker,
    SecretKeeper,
    ask_secret_dialog,
    profile_from_fields,
)
from workbench.ui.qt_bridge import QtBridge
from workbench.ui.widget_tasks import WidgetTasks

__all__ = ["ConnectionPanel", "LocalServerView", "SecretKeeper", "ask_secret_dialog"]

PROFILE_LABELS: Final[dict[ProfileKind, str]] = {
    "local": "Local server (embedded)",
    "uhlive": "uh!live (the real service)",
    "custom": "Custom URL",
}
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocalServerView:
    """What the panel uses of the running local server."""

    profile: ConnectionProfile
    credentials: Credentials
    engine: str
    model: str

    def describe(self) -> str:
        return f"{self.engine}, model {self.model}"


class ConnectionPanel(QWidget):
    """Profile, fields, Connect/Disconnect and the connection's state (see the module doc).

    Signals: ``status_message(text, level)`` for the status area; ``state_text(text)`` for the
    status bar's connection label; ``settings_changed()`` when the profile or a field changed.
    """

    status_message = Signal(str, str)
    state_text = Signal(str)
    settings_changed = Signal()

    def __init__(
        self,
        controller: SessionController,
        secrets: SecretKeeper,
        parent: QWidget | None = None,
        *,
        ask_secret: SecretAsker = ask_secret_dialog,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._secrets = secrets
        self._ask_secret = ask_secret
        self._bridge = QtBridge(self)
        self._tasks = WidgetTasks(self._bridge, self.status_message.emit, "a connection action")
        self._local: LocalServerView | None = None
        self._values: dict[ProfileKind, dict[str, str]] = {k: dict(v) for k, v in DEFAULTS.items()}
        self._shown: ProfileKind = "local"
        self._target: ConnectionProfile | None = None
        self._leaving = False
        self._last_state = controller.state

        self.profile_combo = QComboBox(self)
        for kind, label in PROFILE_LABELS.items():
            self.profile_combo.addItem(label, kind)
        self.local_label = QLabel("Local server: not started", self)
        self.local_label.setWordWrap(True)
        self.local_label.setAccessibleName("Local server")
        self.edits = {name: QLineEdit(self) for name in FIELDS}
        self.edits["auth_server"].setPlaceholderText("host[:port]; empty: the API's host")
        self.secret_edit = QLineEdit(self)
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember_check = QCheckBox("Remember the secret in the keyring", self)
        self.connect_button = QPushButton("Connect", self)
        self.disconnect_button = QPushButton("Disconnect", self)
        self.state_label = QLabel("Disconnected", self)
        self.state_label.setWordWrap(True)
        self.state_label.setAccessibleName("Connection state")
        self.form = QFormLayout()
        self._lay_out()

        self.profile_combo.currentIndexChanged.connect(self.on_profile_combo_changed)
        for edit in self.edits.values():
            edit.editingFinished.connect(self.settings_changed)
        self.remember_check.toggled.connect(self.settings_changed)
        self.connect_button.clicked.connect(self.on_connect_button_clicked)
        self.disconnect_button.clicked.connect(self.on_disconnect_button_clicked)
        self._unsubscribe = controller.subscribe(self._bridge.wrap(self.on_controller_state))
        self.refresh_secrets()
        self._show_profile("local")
        self.on_controller_state(controller.state)

    def _lay_out(self) -> None:
        self.form.addRow("Profile", self.profile_combo)
        self.form.addRow("", self.local_label)
        for name, label in zip(
            FIELDS, ("API URL", "Auth server", "Realm", "Client id"), strict=True
        ):
            self.form.addRow(label, self.edits[name])
        self.form.addRow("Client secret", self.secret_edit)
        self.form.addRow("", self.remember_check)
        buttons = QHBoxLayout()
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.disconnect_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addLayout(buttons)
        layout.addWidget(self.state_label)
        layout.addStretch(1)

    # -- what the window reads and sets -----------------------------------------------------

    def kind(self) -> ProfileKind:
        kind: ProfileKind = self.profile_combo.currentData()
        return kind

    def select(self, kind: ProfileKind) -> None:
        """Show a profile (as if picked in the list)."""
        self.profile_combo.setCurrentIndex(self.profile_combo.findData(kind))

    def set_field(self, name: str, value: str) -> None:
        """Set a field of the profile shown (``api_url``, ``auth_server``, ``realm``…)."""
        self.edits[name].setText(value)

    def fields(self) -> dict[str, str]:
        """The non-secret fields of every profile, for the settings (``uhlive.api_url``…)."""
        self._keep_values()
        return {f"{kind}.{name}": text for kind, values in self._values.items()
                for name, text in values.items()}  # fmt: skip

    def restore(self, kind: str | None, fields: Mapping[str, str]) -> None:
        """Show what :meth:`kind` and :meth:`fields` returned at the last run."""
        for key, value in fields.items():
            profile, _, name = key.partition(".")
            if profile in self._values and name in FIELDS:
                self._values[profile][name] = value
        self._load_values(self._shown)
        if kind in PROFILE_LABELS:
            self.select(kind)

    def set_local_server(self, view: LocalServerView | None, problem: str = "") -> None:
        """The local server is ready (``view``), starting (None, no problem) or failed."""
        self._local = view
        if view is not None:
            text = f"Engine: {view.describe()}\n{view.profile.bots_url}"
        elif problem:
            text = f"The local server is not running: {problem}"
        else:
            text = "Starting the local server…"
        self.local_label.setText(text)
        self._update_buttons(self._controller.state)

    def refresh_secrets(self) -> None:
        """Look again at whether the keyring is usable (after it was probed)."""
        usable = self._secrets.available
        self.remember_check.setEnabled(usable)
        if usable:
            self.remember_check.setToolTip(
                "Keep the secret in the system's keyring after it worked"
            )
            self.secret_edit.setPlaceholderText("empty: the one in the keyring, else asked")
        else:
            reason = self._secrets.unavailable_reason
            self.remember_check.setChecked(False)
            self.remember_check.setToolTip(f"Not available: {reason}; asked at each start")
            self.secret_edit.setPlaceholderText("asked when connecting; never saved")

    def connect_now(self) -> asyncio.Task[bool] | None:
        """Connect with the profile shown (a task; its result is True once connected)."""
        return self._tasks.spawn(self.open_connection())

    def disconnect_now(self) -> asyncio.Task[None] | None:
        """Disconnect (a task)."""
        return self._tasks.spawn(self.close_connection())

    async def open_connection(self) -> bool:
        """Connect with the profile shown; failures become status messages. True if connected."""
        target = await self._target_and_credentials()
        if target is None:
            return False
        profile, credentials, typed = target
        self._target, self._leaving = profile, False
        try:
            await self._controller.connect(profile, credentials)
        except ConnectionFailure as failure:
            self.status_message.emit(f"{failure.title}: {failure}", "error")
            return False
        except ActionRefused as refused:
            self.status_message.emit(f"Not connected: {refused}.", "warning")
            return False
        self.status_message.emit(f"Connected to {profile.name} ({profile.bots_url}).", "info")
        if profile.kind != "local":
            await self._keep_secret(credentials, profile.token_url, typed)
        return True

    async def close_connection(self) -> None:
        self._leaving = True
        await self._controller.disconnect()

    def shutdown(self) -> None:
        """Stop listening and cancel what is pending (the window calls this when it closes)."""
        self._unsubscribe()
        self._bridge.close()
        self._tasks.cancel_all()

    # -- slots ----------------------------------------------------------------------------------

    def on_connect_button_clicked(self) -> None:
        self.connect_now()

    def on_disconnect_button_clicked(self) -> None:
        self.disconnect_now()

    def on_profile_combo_changed(self, _index: int) -> None:
        self._keep_values()
        self._show_profile(self.kind())
        self.settings_changed.emit()

    def on_controller_state(self, state: ControllerState) -> None:
        previous, self._last_state = self._last_state, state
        name = self._target.name if self._target is not None else "the server"
        if state.connection is ConnectionStatus.CONNECTED:
            text = f"Connected to {name}"
            if state.session is not SessionState.NO_SESSION:
                text += f"; {state.session.value} {state.channel_id}".rstrip()
        elif state.connection is ConnectionStatus.CONNECTING:
            text = f"Connecting to {name}…"
        else:
            text = "Disconnected"
            if previous.connected and not self._leaving:
                self.status_message.emit(f"The connection to {name} ended.", "warning")
        self.state_label.setText(text)
        self.state_text.emit(text)
        self._update_buttons(state)

    # -- internals ------------------------------------------------------------------------------

    async def _target_and_credentials(self) -> tuple[ConnectionProfile, Credentials, bool] | None:
        kind = self.kind()
        if kind == "local":
            if self._local is None:
                self.status_message.emit("The local server is not ready yet.", "warning")
                return None
            return self._local.profile, self._local.credentials, False
        self._keep_values()
        values = self._values[kind]
        try:
            profile = profile_from_fields(kind, values)
        except ValueError as error:
            self.status_message.emit(f"Cannot connect: {error}.", "error")
            return None
        client_id = values["client_id"].strip()
        if not client_id:
            self.status_message.emit("Cannot connect: type the client id first.", "error")
            return None
        secret, typed = self.secret_edit.text(), True
        if not secret:
            typed = False
            secret = await self._kept_secret(client_id, profile.token_url) or ""
        if not secret:
            prompt = f"Client secret of {client_id} for {profile.name}:"
            secret = await self._ask_secret(self, prompt) or ""
            typed = bool(secret)
            if secret:
                self.secret_edit.setText(secret)  # in memory until the window closes
        if not secret:
            self.status_message.emit("Not connected: no client secret was given.", "info")
            return None
        return profile, Credentials(client_id, secret), typed

    async def _kept_secret(self, client_id: str, token_url: str) -> str | None:
        try:
            return await self._secrets.load(client_id, token_url)
        except Exception as error:  # the keyring's failure is not a reason not to connect
            self.status_message.emit(str(error), "warning")
            return None

    async def _keep_secret(self, credentials: Credentials, token_url: str, typed: bool) -> None:
        if not self._secrets.available:
            return
        try:
            if not self.remember_check.isChecked():
                await self._secrets.forget(credentials.client_id, token_url)
            elif typed:
                await self._secrets.save(
                    credentials.client_id, token_url, credentials.client_secret
                )
                self.status_message.emit("The secret is kept in the system's keyring.", "info")
        except Exception as error:
            self.status_message.emit(str(error), "warning")

    def _show_profile(self, kind: ProfileKind) -> None:
        self._shown = kind
        local = kind == "local"
        self.form.setRowVisible(self.local_label, local)
        for widget in (*self.edits.values(), self.secret_edit, self.remember_check):
            self.form.setRowVisible(widget, not local)
        if not local:
            self._load_values(kind)
        self.secret_edit.clear()  # a secret typed for one profile is not sent to another
        self._update_buttons(self._controller.state)

    def _keep_values(self) -> None:
        if self._shown != "local":
            self._values[self._shown] = {name: self.edits[name].text() for name in FIELDS}

    def _load_values(self, kind: ProfileKind) -> None:
        if kind == "local":
            return
        for name in FIELDS:
            self.edits[name].setText(self._values[kind].get(name, ""))

    def _update_buttons(self, state: ControllerState) -> None:
        why_not_connect = self._controller.why_not("connect")
        if why_not_connect is None and self.kind() == "local" and self._local is None:
            why_not_connect = "the local server is not ready"
        self.connect_button.setEnabled(why_not_connect is None)
        self.connect_button.setToolTip(why_not_connect or "Connect with this profile")
        why_not_leave = self._controller.why_not("disconnect")
        self.disconnect_button.setEnabled(why_not_leave is None)
        self.disconnect_button.setToolTip(why_not_leave or "Close the WebSocket")
