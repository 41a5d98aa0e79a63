"""Client secrets in the operating system's keyring, when there is a usable one.

The settings file never holds a secret (:mod:`workbench.app.settings` refuses secret-looking
fields). A secret the user typed is kept in the OS keyring (GNOME Keyring / KWallet through the
Secret Service, the macOS Keychain, the Windows Credential Locker) via the ``keyring`` package,
or, when none is usable, nowhere: the window asks for it again at the next start.

"Usable" is decided once, by :meth:`SecretStore.probe`: ``keyring``'s ``fail`` backend (nothing
found), its ``null`` backend (keyring switched off, e.g. ``PYTHON_KEYRING_BACKEND``), and a
chainer with nothing to chain all mean "not available". Everything else is tried for real, and
a backend that then fails (a locked collection, no D-Bus session) is reported in plain words.

Keyring calls may block (D-Bus round trips, an unlock prompt): every call runs in a worker
thread, so the window never waits on them. Nothing here logs a secret.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE: Final = "h2b-workbench"
"""The keyring's service name for every workbench secret."""

_log = logging.getLogger(__name__)


class SecretStoreError(Exception):
    """The keyring refused or failed; ``str()`` says so in plain words (never the secret)."""


@dataclass(frozen=True, slots=True)
class KeyringStatus:
    """Whether secrets can be kept, which backend would keep them, and if not, why."""

    available: bool
    backend: str
    reason: str = ""


def account_for(client_id: str, token_url: str) -> str:
    """The keyring entry of a client id at an identity server (a secret belongs to both)."""
    return f"{client_id} @ {token_url}"


def status_of(backend: KeyringBackend) -> KeyringStatus:
    """Is ``backend`` a real store? (see the module docstring for what is not)."""
    from keyring.backends import chainer, fail, null

    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if isinstance(backend, fail.Keyring):
        reason = "no keyring was found on this system (install GNOME Keyring or KWallet)"
        return KeyringStatus(False, name, reason)
    if isinstance(backend, null.Keyring):
        return KeyringStatus(False, name, "the keyring is switched off (null backend)")
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return KeyringStatus(False, name, "no keyring was found on this system")
    return KeyringStatus(True, name)


class SecretStore:
    """Secrets by account (:func:`account_for`) in one keyring backend, off the GUI thread.

    ``backend`` None: the one ``keyring`` picks for this system (looked up by :meth:`probe`).
    Until :meth:`probe` has run, the store counts as unavailable.
    """

    def __init__(self, backend: KeyringBackend | None = None, *, service: str = SERVICE) -> None:
        self._backend = backend
        self._service = service
        self._status = KeyringStatus(False, "", "the keyring has not been looked at yet")

    @property
    def available(self) -> bool:
        return self._status.available

    @property
    def unavailable_reason(self) -> str:
        """Why secrets cannot be kept ("" when they can)."""
        return self._status.reason

    @property
    def status(self) -> KeyringStatus:
        return self._status

    async def probe(self) -> KeyringStatus:
        """Find the backend (when not given) and decide whether it is usable."""
        self._status = await asyncio.to_thread(self._probe)
        _log.info("keyring: %s", self._status)
        return self._status

    async def load(self, client_id: str, token_url: str) -> str | None:
        """The secret kept for this client at this identity server; None when there is none
        or no keyring is usable."""
        if not self.available:
            return None
        account = account_for(client_id, token_url)
        return await asyncio.to_thread(self._call, "read", "get_password", account)

    async def save(self, client_id: str, token_url: str, secret: str) -> None:
        """Keep ``secret``; :class:`SecretStoreError` when it cannot."""
        if not self.available:
            raise SecretStoreError(f"The secret cannot be kept: {self.unavailable_reason}.")
        account = account_for(client_id, token_url)
        await asyncio.to_thread(self._call, "save", "set_password", account, secret)

    async def forget(self, client_id: str, token_url: str) -> None:
        """Remove the secret kept for this client (nothing happens when there is none)."""
        if not self.available:
            return
        from keyring.errors import PasswordDeleteError

        account = account_for(client_id, token_url)
        try:
            await asyncio.to_thread(self._call, "remove", "delete_password", account)
        except SecretStoreError as error:
            if not isinstance(error.__cause__, PasswordDeleteError):
                raise

    # -- worker-thread side -----------------------------------------------------------------

    def _probe(self) -> KeyringStatus:
        try:
            if self._backend is None:
                import keyring

                self._backend = keyring.get_keyring()
            return status_of(self._backend)
        except Exception as error:  # a backend's own import or initialisation failed
            _log.warning("no usable keyring: %s: %s", type(error).__name__, error)
            return KeyringStatus(False, "", f"the keyring could not be opened ({error})")

    def _call(self, what: str, method: str, account: str, *args: str) -> str | None:
        assert self._backend is not None
        try:
            result: str | None = getattr(self._backend, method)(self._service, account, *args)
        except Exception as error:
            # Backend errors carry no secret, but keep the message to its first line.
            detail = str(error).splitlines()[0] if str(error) else type(error).__name__
            _log.warning("keyring %s failed for %s: %s", what, account, detail)
            raise SecretStoreError(
                f"The keyring could not {what} the secret ({detail})."
            ) from error
        return result
