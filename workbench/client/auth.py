"""The OAuth token request, as the SDK's ``build_authentication_request`` describes it.

A form POST to the profile's token endpoint with ``client_id``, ``client_secret`` and
``grant_type`` (``client_credentials``, or ``password`` plus ``username``/``password`` when a
user is given). The answer is Keycloak JSON; only ``access_token`` is required, ``expires_in``
is kept when present. A token must open the WebSocket within its lifetime (5 minutes on the
real service); the connection may then outlive it (H2B.md §1.1).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp

from workbench.client.errors import (
    failure_from_exception,
    scrub,
    token_refused,
    token_unreadable,
)
from workbench.client.profiles import ConnectionProfile, Credentials

TOKEN_ENDPOINT = "the token endpoint"


@dataclass(frozen=True, slots=True)
class Token:
    """A bearer token; ``value`` never appears in ``repr``/``str``."""

    value: str = field(repr=False)
    obtained_at: float
    """Monotonic time (s) it arrived."""
    expires_in: float | None = None
    """Seconds it may wait before opening a connection, when the server said so."""

    def __repr__(self) -> str:
        return (
            f"Token(value=<hidden>, obtained_at={self.obtained_at!r}, "
            f"expires_in={self.expires_in!r})"
        )

    __str__ = __repr__

    def expired(self, now: float) -> bool:
        """True when ``now`` (monotonic s) is past the lifetime the server announced."""
        return self.expires_in is not None and now > self.obtained_at + self.expires_in

    @property
    def authorization(self) -> str:
        """The ``Authorization`` header value the SDK sends: ``bearer <token>``."""
        return f"bearer {self.value}"


def token_form(credentials: Credentials) -> dict[str, str]:
    """The form fields, exactly as the SDK's ``build_authentication_request`` builds them."""
    form = {
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
        "grant_type": credentials.grant_type,
    }
    if credentials.username:
        form["username"] = credentials.username
        form["password"] = credentials.password
    return form


async def request_token(
    http: aiohttp.ClientSession,
    profile: ConnectionProfile,
    credentials: Credentials,
    *,
    timeout: float = 10.0,
    clock: Callable[[], float] = time.monotonic,
) -> Token:
    """POST the credentials to ``profile.token_url``; raises ``ConnectionFailure`` in plain
    words (never holding the secret, the password or the token)."""
    url = profile.token_url
    hidden = [credentials.client_secret, credentials.password]
    try:
        async with asyncio.timeout(timeout):
            async with http.post(url, data=token_form(credentials), raise_for_status=False) as r:
                status = r.status
                content_type = r.headers.get("Content-Type", "")
                body = scrub(await r.text(errors="replace"), hidden)
    except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as error:
        raise failure_from_exception(error, url=url, what=TOKEN_ENDPOINT, timeout=timeout) from None
    if status != 200:
        raise token_refused(
            status,
            body,
            url=url,
            client_id=credentials.client_id,
            password_grant=bool(credentials.username),
        )
    return parse_token_answer(body, url=url, content_type=content_type, now=clock())


def parse_token_answer(body: str, *, url: str, content_type: str, now: float) -> Token:
    """The token in a 200 answer; ``ConnectionFailure("bad_response")`` when there is none."""
    try:
        data = json.loads(body)
    except ValueError:
        raise token_unreadable(
            "with something that is not JSON", url=url, content_type=content_type, body=body
        ) from None
    if not isinstance(data, dict):
        raise token_unreadable("with JSON that is not an object", url=url, content_type="", body="")
    value = data.get("access_token")
    if not isinstance(value, str) or not value:
        keys = ", ".join(sorted(str(key) for key in data)) or "none"
        raise token_unreadable(
            f"without an access_token (keys: {keys})", url=url, content_type="", body=""
        )
    expires_in = data.get("expires_in")
    lifetime = float(expires_in) if isinstance(expires_in, int | float) and expires_in > 0 else None
    return Token(value, now, lifetime)
