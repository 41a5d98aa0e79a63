"""Client credentials and short-lived bearer tokens, like the real service's identity server.

A token is issued for 5 minutes (H2B.md §1.1): the WebSocket must be opened within that window,
and the connection may then outlive it. Tokens are random and kept only in memory. Nothing here
logs a secret or a token.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

TOKEN_LIFETIME_S = 300


@dataclass(frozen=True, slots=True)
class Credentials:
    """The client id and secret this server accepts."""

    client_id: str
    client_secret: str = field(repr=False)

    @classmethod
    def generate(cls) -> Credentials:
        """Fresh random credentials, for a server started without any."""
        return cls(f"local-{secrets.token_hex(4)}", secrets.token_urlsafe(18))

    def match(self, client_id: str, client_secret: str) -> bool:
        """Constant-time comparison of both parts."""
        same_id = hmac.compare_digest(client_id.encode(), self.client_id.encode())
        same_secret = hmac.compare_digest(client_secret.encode(), self.client_secret.encode())
        return same_id and same_secret


class TokenStore:
    """Issues tokens and judges them; ``clock`` is injectable so expiry can be tested."""

    def __init__(
        self, lifetime_s: float = TOKEN_LIFETIME_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._lifetime = lifetime_s
        self._clock = clock
        self._expiry: dict[str, float] = {}

    @property
    def lifetime_s(self) -> float:
        """How long a token may wait before it opens a connection."""
        return self._lifetime

    def issue(self) -> str:
        """A new bearer token."""
        self._forget_expired()
        token = secrets.token_urlsafe(32)
        self._expiry[token] = self._clock() + self._lifetime
        return token

    def check(self, token: str) -> str | None:
        """None if ``token`` may open a connection now; otherwise why not, in plain words."""
        expiry = self._expiry.get(token)
        if expiry is None:
            return (
                "the bearer token is not one this server issued (or it was issued before a restart)"
            )
        if self._clock() > expiry:
            return (
                f"the bearer token expired: tokens must open a connection within "
                f"{self._lifetime:g} s; request a new one"
            )
        return None

    def _forget_expired(self) -> None:
        now = self._clock()
        grace = self._lifetime  # keep expired tokens a while to tell "expired" from "unknown"
        for token in [t for t, expiry in self._expiry.items() if expiry + grace < now]:
            del self._expiry[token]
