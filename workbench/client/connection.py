"""One H2B WebSocket: token, upgrade with the bearer header, frames in and out, clean close.

The connection knows nothing of commands or sessions: text and bytes go through as they are,
the protocol core (``workbench.protocol.client_role``) and the controller give them meaning.
What it adds is the truth about the socket:

* every way of failing to connect becomes a :class:`ConnectionFailure` in plain words;
* when the socket ends, :attr:`H2BConnection.close_info` says who ended it — the workbench
  (expected), the server (a close frame with a code and reason), or nobody (a drop: the TCP
  connection vanished without a close handshake, or the server stopped answering pings);
* every step is told to the observer as a :class:`ConnectionNote` for the timeline.

Lifecycle: ``open()`` (or ``connect()`` with a token in hand) → ``send_*``/``frames()`` →
``close()``. When the server ends the socket, reading to the end releases everything too, but
``close()`` stays safe to call (it is idempotent).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Literal

import aiohttp

from workbench.client.auth import Token, request_token
from workbench.client.errors import ConnectionFailure, failure_from_exception, upgrade_refused
from workbench.client.http_session import UpgradeRefused, http_session
from workbench.client.notes import Notifier, Observer
from workbench.client.profiles import ConnectionProfile, Credentials

log = logging.getLogger(__name__)

WEBSOCKET = "the H2B WebSocket"
LOST = "an open session and any running recognition are lost on the server"


@dataclass(frozen=True, slots=True)
class CloseInfo:
    """How the socket ended: ``by`` whom, the close ``code`` and ``reason``.

    ``by`` is ``client`` (the workbench closed it), ``server`` (it sent a close frame) or
    ``network`` (a drop: no close handshake). ``expected`` is True only for our own ``close()``.
    """

    by: Literal["client", "server", "network"]
    code: int | None
    reason: str
    expected: bool

    @property
    def dropped(self) -> bool:
        """True when the connection vanished without a close handshake."""
        return self.by == "network"

    def describe(self) -> str:
        """One line in plain words, e.g. "the server closed the connection (code 1011: …)"."""
        said = f": {self.reason}" if self.reason else ""
        code = f"code {self.code}" if self.code is not None else "no code"
        if self.by == "network":
            return f"the connection dropped without a close handshake ({code}){said}"
        if self.by == "server":
            return f"the server closed the connection ({code}{said})"
        if self.expected:
            return f"the workbench closed the connection ({code}{said})"
        return f"the workbench had to close the connection ({code}){said}"


class H2BConnection:
    """One WebSocket to an H2B server. Build it with :meth:`open` or :meth:`connect`."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        ws: aiohttp.ClientWebSocketResponse,
        profile: ConnectionProfile,
        notify: Notifier,
        token: Token | None = None,
    ) -> None:
        self._http = http
        self._ws = ws
        self.profile = profile
        self.token = token
        """The bearer token this connection was opened with (its repr hides the value); the
        controller registers it with the timeline's redaction."""
        self._notify = notify
        self._close_info: CloseInfo | None = None
        self._closing: tuple[int, str] | None = None
        self._released = False

    # -- opening -------------------------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        profile: ConnectionProfile,
        credentials: Credentials,
        *,
        observer: Observer | None = None,
        timeout: float = 10.0,
        close_timeout: float = 2.0,
        heartbeat: float | None = 20.0,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> H2BConnection:
        """Request a token, then open ``profile.bots_url`` with it; ``timeout`` bounds each step.

        ``heartbeat``: ping the server that often (s) and call the connection dropped when no
        pong comes back within half of it; a dead link is otherwise noticed only when TCP gives
        up, minutes later. None disables it. Raises :class:`ConnectionFailure`.
        """
        notify = Notifier(observer, clock=clock, wall=wall)
        hidden = [credentials.client_secret, credentials.password]
        http = _new_http(profile, hidden, notify)
        try:
            notify(
                "auth",
                "token requested",
                f"requesting a token from {profile.token_url} for client {credentials.client_id!r}"
                f" ({credentials.grant_type} grant)",
            )
            try:
                token = await request_token(
                    http, profile, credentials, timeout=timeout, clock=clock
                )
            except ConnectionFailure as failure:
                notify("auth", "failed", str(failure), failure=failure.kind)
                raise
            hidden.append(token.value)
            lifetime = f"expires in {token.expires_in:g} s" if token.expires_in else "no lifetime"
            notify("auth", "token obtained", f"token obtained ({lifetime})")
        except BaseException:
            await http.close()
            raise
        return await cls._upgraded(
            http,
            profile,
            token,
            notify,
            timeout=timeout,
            close_timeout=close_timeout,
            heartbeat=heartbeat,
        )

    @classmethod
    async def connect(
        cls,
        profile: ConnectionProfile,
        token: Token,
        *,
        observer: Observer | None = None,
        timeout: float = 10.0,
        close_timeout: float = 2.0,
        heartbeat: float | None = 20.0,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> H2BConnection:
        """Open ``profile.bots_url`` with a token already in hand (see :meth:`open`)."""
        notify = Notifier(observer, clock=clock, wall=wall)
        http = _new_http(profile, [token.value], notify)
        return await cls._upgraded(
            http,
            profile,
            token,
            notify,
            timeout=timeout,
            close_timeout=close_timeout,
            heartbeat=heartbeat,
        )

    @classmethod
    async def _upgraded(
        cls,
        http: aiohttp.ClientSession,
        profile: ConnectionProfile,
        token: Token,
        notify: Notifier,
        *,
        timeout: float,
        close_timeout: float,
        heartbeat: float | None,
    ) -> H2BConnection:
        """The ``/bots`` upgrade with ``token``; ``http`` is closed if it fails."""
        try:
            ws = await _upgrade(
                http,
                profile=profile,
                token=token,
                notify=notify,
                timeout=timeout,
                close_timeout=close_timeout,
                heartbeat=heartbeat,
            )
        except BaseException:
            await http.close()
            raise
        return cls(http, ws, profile, notify, token)

    # -- state ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The WebSocket URL this connection opened."""
        return self.profile.bots_url

    @property
    def close_info(self) -> CloseInfo | None:
        """None while the socket is open; afterwards, how it ended."""
        return self._close_info

    @property
    def closed(self) -> bool:
        """True once the socket has ended, or our ``close()`` has begun."""
        return self._close_info is not None or self._closing is not None

    def __repr__(self) -> str:
        state = self._close_info.describe() if self._close_info else "open"
        return f"H2BConnection({self.url!r}, {state})"

    # -- frames --------------------------------------------------------------------------------

    async def send_text(self, text: str) -> None:
        """Send one text frame (a command). Raises ``ConnectionFailure`` when the socket is gone."""
        self._check_sendable()
        try:
            await self._ws.send_str(text)
        except (aiohttp.ClientError, ConnectionError, RuntimeError) as error:
            raise await self._send_failed(error) from None

    async def send_bytes(self, data: bytes) -> None:
        """Send one binary frame (audio). Raises ``ConnectionFailure`` when the socket is gone."""
        self._check_sendable()
        try:
            await self._ws.send_bytes(data)
        except (aiohttp.ClientError, ConnectionError, RuntimeError) as error:
            raise await self._send_failed(error) from None

    async def receive(self) -> str | bytes | None:
        """The next frame as received, or None once the socket has ended (see ``close_info``)."""
        if self._close_info is not None:
            return None
        message = await self._ws.receive()
        if message.type is aiohttp.WSMsgType.TEXT or message.type is aiohttp.WSMsgType.BINARY:
            data: str | bytes = message.data
            return data
        await self._ended(self._close_info_for(message))
        return None

    async def frames(self) -> AsyncIterator[str | bytes]:
        """Every frame as received (``str`` text, ``bytes`` binary) until the socket ends."""
        while (frame := await self.receive()) is not None:
            yield frame

    # -- closing -------------------------------------------------------------------------------

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close handshake with a bounded wait, then release everything. Idempotent."""
        try:
            if self._close_info is None and self._closing is None:
                self._closing = (code, reason)
                try:
                    await self._ws.close(code=code, message=reason.encode())
                except (aiohttp.ClientError, OSError) as error:  # the peer vanished meanwhile
                    log.debug("closing %s: %s", self.url, error)
                await self._ended(CloseInfo("client", code, reason, expected=True))
        finally:
            await self._release()

    async def __aenter__(self) -> H2BConnection:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # -- internals -----------------------------------------------------------------------------

    def _close_info_for(self, message: aiohttp.WSMessage) -> CloseInfo:
        if self._closing is not None:
            code, reason = self._closing
            return CloseInfo("client", code, reason, expected=True)
        if message.type is aiohttp.WSMsgType.CLOSE:
            return CloseInfo("server", message.data, message.extra or "", expected=False)
        error = message.data if message.type is aiohttp.WSMsgType.ERROR else self._ws.exception()
        if isinstance(error, aiohttp.WebSocketError):
            reason = f"the server sent an invalid frame: {error}"
            return CloseInfo("client", error.code, reason, expected=False)
        if isinstance(error, aiohttp.ServerTimeoutError):
            return CloseInfo(
                "network", self._ws.close_code, f"no answer to a ping ({error})", False
            )
        return CloseInfo("network", self._ws.close_code, "the TCP connection was lost", False)

    async def _ended(self, info: CloseInfo) -> None:
        if self._close_info is not None:
            return
        self._close_info = info
        if info.dropped:
            self._notify("connection", "dropped", f"{self.url}: {info.describe()}; {LOST}",
                         code=info.code)  # fmt: skip
        else:
            self._notify("connection", "closed", f"{self.url}: {info.describe()}",
                         code=info.code, by=info.by)  # fmt: skip
        if self._closing is None:  # the peer ended it: nothing left to wait for
            await self._release()

    async def _release(self) -> None:
        if self._released:
            return
        self._released = True
        with contextlib.suppress(aiohttp.ClientError, OSError):
            await self._ws.close()
        await self._http.close()

    def _check_sendable(self) -> None:
        info = self._close_info
        if info is not None and info.dropped:
            raise ConnectionFailure(
                "dropped",
                f"cannot send: {info.describe()}",
                f"reconnect; {LOST}",
            )
        if info is not None or self._closing is not None:
            what = info.describe() if info else "the workbench is closing the connection"
            raise ConnectionFailure("closed", f"cannot send: {what}", "connect again to continue")

    async def _send_failed(self, error: BaseException) -> ConnectionFailure:
        log.debug("send on %s failed: %s", self.url, error)
        if self._close_info is None and self._closing is None:
            await self._ended(CloseInfo("network", 1006, "the TCP connection was lost", False))
        try:
            self._check_sendable()
        except ConnectionFailure as failure:
            return failure
        return ConnectionFailure("dropped", f"cannot send on {self.url}: {error}", "reconnect")


def _new_http(
    profile: ConnectionProfile, hidden: list[str], notify: Notifier
) -> aiohttp.ClientSession:
    try:
        return http_session(profile, lambda: hidden)
    except ConnectionFailure as failure:
        notify("connection", "failed", str(failure), failure=failure.kind)
        raise


async def _upgrade(
    http: aiohttp.ClientSession,
    *,
    profile: ConnectionProfile,
    token: Token,
    notify: Notifier,
    timeout: float,
    close_timeout: float,
    heartbeat: float | None,
) -> aiohttp.ClientWebSocketResponse:
    url = profile.bots_url
    notify("connection", "connecting", f"opening the WebSocket {url}")
    try:
        try:
            async with asyncio.timeout(timeout):
                ws = await http.ws_connect(
                    url,
                    headers={"Authorization": token.authorization},
                    timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=close_timeout),
                    heartbeat=heartbeat,
                )
        except UpgradeRefused as refused:
            raise upgrade_refused(refused.status, refused.body, url=url) from None
        except aiohttp.WSServerHandshakeError as error:
            raise ConnectionFailure(
                "bad_response",
                f"{url} answered the WebSocket upgrade wrongly ({error.message}): "
                "this is not an H2B server",
                "check the API URL",
            ) from None
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as error:
            raise failure_from_exception(error, url=url, what=WEBSOCKET, timeout=timeout) from None
    except ConnectionFailure as failure:
        notify("connection", "failed", str(failure), failure=failure.kind)
        raise
    notify("connection", "connected", f"connected to {url}")
    return ws
