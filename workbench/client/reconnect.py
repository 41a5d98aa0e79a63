"""Opt-in reconnection with backoff after a drop, told to the user step by step.

A drop ends the server's session: the channel id, the session parameters, grammar aliases and
any running recognition are gone. Reconnecting therefore gives a *new* connection with no
session; the controller says so and the user OPENs again. The Reconnector only re-opens the
socket — it never replays commands.

Usage (in the controller)::

    reconnector = Reconnector(profile, credentials, observer=timeline_note)
    async for frame in connection.frames():
        ...
    if Reconnector.should_reconnect(connection.close_info):
        connection = await reconnector.reconnect()   # raises ConnectionFailure when it gives up

Delays are 0.5, 1, 2, 4, 8, 8… s (:class:`Backoff`); each wait is announced first ("reconnecting
in 2 s (attempt 3 of 8)"). Failures that waiting cannot cure — refused credentials, an
untrusted certificate, a server that is not H2B — stop at once. Cancel the task that awaits
``reconnect()`` to stop it (the user pressed Disconnect); nothing is left open.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from workbench.client.connection import CloseInfo, H2BConnection
from workbench.client.errors import ConnectionFailure, FailureKind
from workbench.client.notes import Notifier, Observer
from workbench.client.profiles import ConnectionProfile, Credentials

RETRYABLE: frozenset[FailureKind] = frozenset(
    {"dns", "refused", "timeout", "dropped", "closed", "token_expired"}
)
"""Failures that may go away by themselves (a server restarting, the network coming back)."""

Opener = Callable[[], Awaitable[H2BConnection]]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential delays: ``first_s`` × ``factor`` ** (attempt − 1), at most ``max_s``."""

    first_s: float = 0.5
    factor: float = 2.0
    max_s: float = 8.0
    max_attempts: int | None = 8
    """None: try until cancelled."""

    def __post_init__(self) -> None:
        if self.first_s < 0 or self.factor < 1 or self.max_s < self.first_s:
            raise ValueError("backoff needs 0 <= first_s <= max_s and factor >= 1")
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1 (or None for no limit)")

    def delay(self, attempt: int) -> float:
        """Seconds to wait before ``attempt`` (1-based)."""
        return min(self.max_s, self.first_s * self.factor ** (attempt - 1))

    def exhausted(self, attempt: int) -> bool:
        """True when ``attempt`` would be one too many."""
        return self.max_attempts is not None and attempt > self.max_attempts


class Reconnector:
    """Re-opens a connection to ``profile`` after a drop, with backoff; one run per call."""

    def __init__(
        self,
        profile: ConnectionProfile,
        credentials: Credentials,
        *,
        observer: Observer | None = None,
        backoff: Backoff | None = None,
        timeout: float = 10.0,
        opener: Opener | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        """``opener`` replaces ``H2BConnection.open(profile, credentials, …)`` (tests, custom
        options); ``sleep`` replaces ``asyncio.sleep`` (tests)."""
        self.profile = profile
        self.backoff = backoff or Backoff()
        self._notify = Notifier(observer, clock=clock, wall=wall)
        self._sleep = sleep
        self._opener: Opener = opener or (
            lambda: H2BConnection.open(
                profile, credentials, observer=observer, timeout=timeout, clock=clock, wall=wall
            )
        )
        self.attempts = 0
        """Attempts made by the current (or last) ``reconnect()``."""

    @staticmethod
    def should_reconnect(info: CloseInfo | None) -> bool:
        """True after a drop; a close by the server or by us is deliberate and not undone."""
        return info is not None and info.dropped

    async def reconnect(self) -> H2BConnection:
        """Wait, try, repeat until a connection opens; raises the last ``ConnectionFailure``."""
        self.attempts = 0
        last: ConnectionFailure | None = None
        while True:
            attempt = self.attempts + 1
            if self.backoff.exhausted(attempt):
                assert last is not None
                self._give_up(f"gave up after {self.attempts} attempts: {last}", last)
                raise last
            delay = self.backoff.delay(attempt)
            of = f" of {self.backoff.max_attempts}" if self.backoff.max_attempts else ""
            self._notify(
                "connection",
                "reconnecting",
                f"reconnecting to {self.profile.bots_url} in {delay:g} s (attempt {attempt}{of})",
                attempt=attempt,
                delay_s=delay,
            )
            await self._sleep(delay)
            self.attempts = attempt
            try:
                connection = await self._opener()
            except ConnectionFailure as failure:
                last = failure
                if failure.kind not in RETRYABLE:
                    self._give_up(f"gave up: {failure} (waiting will not cure this)", failure)
                    raise
                continue
            self._notify(
                "connection",
                "reconnected",
                f"reconnected to {self.profile.bots_url} (attempt {attempt}); this is a new "
                "connection without a session: OPEN one again",
                attempt=attempt,
            )
            return connection

    def _give_up(self, text: str, failure: ConnectionFailure) -> None:
        self._notify("connection", "gave up", text, attempts=self.attempts, failure=failure.kind)
