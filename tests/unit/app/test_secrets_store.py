"""Secrets in the keyring: used when a real backend exists, "not available" otherwise.

The "real" backend here is an in-memory ``keyring`` backend (``tests/support/keyrings.py``).
``keyring``'s fail and null backends are the real ones ``keyring`` picks on a machine without
a keyring or with it switched off.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null

from tests.support.keyrings import LockedKeyring, MemoryKeyring
from workbench.app.secrets_store import (
    SERVICE,
    SecretStore,
    SecretStoreError,
    account_for,
    status_of,
)

TOKEN_URL = "https://id.example/realms/uhlive/protocol/openid-connect/token"
SECRET = "s3cret-value-91c2"
T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def test_a_working_keyring_keeps_loads_and_forgets_secrets() -> None:
    backend = MemoryKeyring()
    store = SecretStore(backend)
    assert not store.available  # not probed yet
    status = run(store.probe())
    assert store.available
    assert store.unavailable_reason == ""
    assert status == store.status
    assert store.status.backend.endswith("MemoryKeyring")

    async def scenario() -> tuple[str | None, str | None, str | None]:
        await store.save("client-a", TOKEN_URL, SECRET)
        loaded = await store.load("client-a", TOKEN_URL)
        other = await store.load("client-a", TOKEN_URL.replace("id.example", "other.example"))
        await store.forget("client-a", TOKEN_URL)
        await store.forget("client-a", TOKEN_URL)  # nothing left: not an error
        return loaded, other, await store.load("client-a", TOKEN_URL)

    loaded, other, after = run(scenario())
    assert loaded == SECRET
    assert other is None  # a secret belongs to a client id *and* an identity server
    assert after is None
    assert backend.items == {}


def test_the_entry_is_named_after_client_and_identity_server() -> None:
    backend = MemoryKeyring()
    store = SecretStore(backend)
    run(store.probe())
    run(store.save("client-b", TOKEN_URL, SECRET))
    assert backend.items == {(SERVICE, account_for("client-b", TOKEN_URL)): SECRET}
    assert account_for("client-b", TOKEN_URL) == f"client-b @ {TOKEN_URL}"


@pytest.mark.parametrize(
    ("backend", "reason"),
    [
        (fail.Keyring(), "no keyring was found on this system"),
        (null.Keyring(), "the keyring is switched off"),
    ],
    ids=["fail", "null"],
)
def test_fail_and_null_backends_mean_not_available(backend: KeyringBackend, reason: str) -> None:
    store = SecretStore(backend)
    status = run(store.probe())
    assert not store.available
    assert reason in store.unavailable_reason
    assert status == status_of(backend)
    assert run(store.load("client-c", TOKEN_URL)) is None
    run(store.forget("client-c", TOKEN_URL))  # nothing to do, no error
    with pytest.raises(SecretStoreError, match="The secret cannot be kept: ") as raised:
        run(store.save("client-c", TOKEN_URL, SECRET))
    assert SECRET not in str(raised.value)


def test_a_failing_keyring_is_a_plain_error_without_the_secret() -> None:
    store = SecretStore(LockedKeyring())
    run(store.probe())
    with pytest.raises(SecretStoreError) as raised:
        run(store.save("client-d", TOKEN_URL, SECRET))
    assert str(raised.value) == (
        "The keyring could not save the secret (Failed to unlock the collection!)."
    )
    assert SECRET not in str(raised.value)


PROBE = """
import asyncio, json
from workbench.app.secrets_store import SecretStore
store = SecretStore()
status = asyncio.run(store.probe())
print(json.dumps([status.available, status.backend, status.reason]))
"""


def test_the_system_keyring_switched_off_is_seen_as_not_available() -> None:
    environ = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    available, backend, reason = json.loads(result.stdout)
    assert available is False
    assert backend == "keyring.backends.null.Keyring"
    assert "switched off" in reason
