"""The aiohttp session one connection uses: TLS trust, name resolution, refused upgrades.

Three things aiohttp does not do the way a diagnostic tool needs:

* **TLS trust.** The default SSL context (system CAs, hostname checks) plus, when the profile
  names one, an extra CA bundle. Verification is never turned off (no ``ssl=False`` anywhere).
* **Special-use names.** Names under ``.invalid`` never resolve (RFC 6761 §6.4 asks resolvers
  to answer "no" at once), so they fail here without a DNS query leaving the machine.
* **Refused upgrades.** When ``GET /bots`` is answered with 401 instead of 101, aiohttp raises
  ``WSServerHandshakeError`` after dropping the body, which holds the server's reason. The
  session's ``raise_for_status`` hook sees the response first: it reads the body and raises
  :class:`UpgradeRefused` with it (token values scrubbed).
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable

import aiohttp
from aiohttp.abc import ResolveResult
from aiohttp.resolver import ThreadedResolver

from workbench import __version__
from workbench.client.errors import ConnectionFailure, scrub
from workbench.client.profiles import ConnectionProfile

USER_AGENT = f"h2b-workbench/{__version__} aiohttp/{aiohttp.__version__}"
_BODY_LIMIT = 16 * 1024


class UpgradeRefused(Exception):  # noqa: N818 - an answer, not a bug
    """The server answered the WebSocket upgrade with ``status`` and ``body`` (scrubbed)."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def tls_context(profile: ConnectionProfile) -> ssl.SSLContext:
    """System CAs plus the profile's ``ca_file``; ``ConnectionFailure`` if that is unreadable."""
    context = ssl.create_default_context()
    if profile.ca_file:
        try:
            context.load_verify_locations(cafile=profile.ca_file)
        except (OSError, ssl.SSLError) as error:
            reason = getattr(error, "strerror", None) or getattr(error, "reason", None) or error
            raise ConnectionFailure(
                "tls",
                f"cannot read the CA file {profile.ca_file!r}: {reason}",
                "give a readable PEM file holding the server's certificate or its CA",
            ) from None
    return context


def is_special_invalid(host: str) -> bool:
    """True for ``invalid`` and names under it, which RFC 6761 says never resolve."""
    name = host.rstrip(".").lower()
    return name == "invalid" or name.endswith(".invalid")


class SpecialUseResolver(ThreadedResolver):
    """The system resolver (``getaddrinfo`` in a thread), except for ``.invalid`` names.

    Its ``close`` has nothing to release, so the connector not owning it leaks nothing.
    """

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if is_special_invalid(host):
            raise OSError(socket.EAI_NONAME, "names under .invalid never resolve, RFC 6761")
        return await super().resolve(host, port, family)


async def _read_limited(response: aiohttp.ClientResponse) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < _BODY_LIMIT:
        chunk = await response.content.read(_BODY_LIMIT - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def http_session(
    profile: ConnectionProfile, hidden: Callable[[], list[str]]
) -> aiohttp.ClientSession:
    """A session for one connection; ``hidden()`` lists what to scrub from refusal bodies.

    Must be called inside the running loop; the caller closes it.
    """
    context = tls_context(profile)

    async def catch_refused_upgrade(response: aiohttp.ClientResponse) -> None:
        upgrading = response.request_info.headers.get("Upgrade", "").lower() == "websocket"
        if not upgrading or response.status == 101:
            return
        try:
            raw = await _read_limited(response)
        except (aiohttp.ClientError, OSError):
            raw = b""
        body = scrub(raw.decode("utf-8", errors="replace"), hidden())
        raise UpgradeRefused(response.status, body)

    connector = aiohttp.TCPConnector(ssl=context, resolver=SpecialUseResolver())
    return aiohttp.ClientSession(
        connector=connector,
        raise_for_status=catch_refused_upgrade,
        headers={"User-Agent": USER_AGENT},
    )
