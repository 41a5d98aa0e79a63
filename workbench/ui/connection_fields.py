"""The connection panel's helpers: where secrets are kept, how one is asked for, and the
profile its fields describe. No state: the panel (``connection_panel``) holds that.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Final, Protocol

from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

from workbench.client import ConnectionProfile
from workbench.client.profiles import (
    DEFAULT_REALM,
    UHLIVE_API_URL,
    UHLIVE_AUTH_SERVER,
    ProfileKind,
    custom_profile,
    uhlive_profile,
)

FIELDS: Final = ("api_url", "auth_server", "realm", "client_id")
"""The non-secret fields of the uh!live and custom profiles (what the settings keep)."""
DEFAULTS: Final[dict[ProfileKind, dict[str, str]]] = {
    "uhlive": {
        "api_url": UHLIVE_API_URL,
        "auth_server": UHLIVE_AUTH_SERVER,
        "realm": DEFAULT_REALM,
    },
    "custom": {"api_url": "ws://127.0.0.1:8080", "auth_server": "", "realm": DEFAULT_REALM},
}


class SecretKeeper(Protocol):
    """Where secrets are kept between runs (the app's keyring store has this shape)."""

    @property
    def available(self) -> bool: ...

    @property
    def unavailable_reason(self) -> str: ...

    async def load(self, client_id: str, token_url: str) -> str | None: ...

    async def save(self, client_id: str, token_url: str, secret: str) -> None: ...

    async def forget(self, client_id: str, token_url: str) -> None: ...


SecretAsker = Callable[[QWidget, str], Awaitable[str | None]]


async def ask_secret_dialog(parent: QWidget, prompt: str) -> str | None:
    """A password dialog that does not block the loop (``open()``, not ``exec()``): the text,
    or None when cancelled."""
    dialog = QInputDialog(parent)
    dialog.setObjectName("secret_dialog")
    dialog.setWindowTitle("Client secret")
    dialog.setLabelText(prompt)
    dialog.setInputMode(QInputDialog.InputMode.TextInput)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    answer: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not answer.done():
            accepted = result == QInputDialog.DialogCode.Accepted.value
            answer.set_result(dialog.textValue() if accepted else None)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await answer
    finally:
        dialog.finished.disconnect(finished)
        dialog.close()
        dialog.deleteLater()


def profile_from_fields(kind: ProfileKind, values: Mapping[str, str]) -> ConnectionProfile:
    """The profile the fields describe (``ValueError`` in plain words when they cannot)."""
    api_url = values.get("api_url", "").strip()
    auth = values.get("auth_server", "").strip() or None
    realm = values.get("realm", "").strip() or DEFAULT_REALM
    if kind == "uhlive":
        if api_url in ("", UHLIVE_API_URL) and auth in (None, UHLIVE_AUTH_SERVER):
            return uhlive_profile(realm=realm)
        return custom_profile(api_url or UHLIVE_API_URL, auth, realm, name="uh!live")
    if not api_url:
        raise ValueError("type the server's API URL (ws://host:port or wss://host)")
    return custom_profile(api_url, auth, realm)
