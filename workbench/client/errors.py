"""Connection failures in plain words: what went wrong, why, and what to do about it.

Everything the transport can hit (DNS, a refused port, TLS, timeouts, a refused token, a server
that is not H2B, a dropped socket) ends up as one :class:`ConnectionFailure` with a ``kind`` the
UI can switch on, a ``cause`` a support engineer can read aloud, and a ``remedy``. The
translation from aiohttp/ssl/socket exceptions and from HTTP answers lives here as plain
functions, so it can be tested without a socket.

A failure never carries a secret or a token: causes are built from our own words, host names,
status codes and the server's stated reason, and server text passes through :func:`scrub` first.
Failures are raised ``from None`` so tracebacks do not drag aiohttp's request info (which holds
the ``Authorization`` header) along.
"""

from __future__ import annotations

import errno
import json
import ssl
from collections.abc import Iterable
from typing import Literal
from urllib.parse import urlsplit

import aiohttp

FailureKind = Literal[
    "dns",
    "refused",
    "tls",
    "timeout",
    "unauthorized",
    "token_expired",
    "bad_response",
    "dropped",
    "closed",
]

TITLES: dict[FailureKind, str] = {
    "dns": "Host name not found",
    "refused": "Cannot connect",
    "tls": "TLS problem",
    "timeout": "No answer in time",
    "unauthorized": "Not authorised",
    "token_expired": "Token expired",
    "bad_response": "Unexpected answer",
    "dropped": "Connection dropped",
    "closed": "Connection closed",
}
"""A short heading per kind, for dialogs and timeline entries."""

LOCAL_SERVER_HINT = (
    "is the server running? for the local server, start the app or `h2b-workbench serve`"
)
_EXCERPT = 200


class ConnectionFailure(Exception):  # noqa: N818 - the contract's name; it reads as a noun
    """The connection could not be made or was lost; ``str()`` is one readable sentence."""

    def __init__(self, kind: FailureKind, cause: str, remedy: str = "") -> None:
        super().__init__(kind, cause, remedy)
        self.kind: FailureKind = kind
        self.cause = cause
        self.remedy = remedy

    @property
    def title(self) -> str:
        """A short heading for the kind, e.g. "TLS problem"."""
        return TITLES[self.kind]

    def __str__(self) -> str:
        return f"{self.cause} — {self.remedy}" if self.remedy else self.cause

    def __repr__(self) -> str:
        return (
            f"ConnectionFailure(kind={self.kind!r}, cause={self.cause!r}, remedy={self.remedy!r})"
        )


# ---------------------------------------------------------------------------------------------
# Server text


def scrub(text: str, hidden: Iterable[str]) -> str:
    """``text`` with every non-empty string of ``hidden`` (secrets, tokens) replaced by ``***``."""
    for value in hidden:
        if value:
            text = text.replace(value, "***")
    return text


def excerpt(text: str, limit: int = _EXCERPT) -> str:
    """The first ``limit`` characters of ``text`` on one line, marked when cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def server_reason(body: str) -> str:
    """The reason a server gave in an error body: the usual JSON keys, else the text itself.

    Keycloak writes ``error`` + ``error_description``; the local server ``reason``; other
    servers ``message`` or ``detail``.
    """
    try:
        data = json.loads(body)
    except ValueError:
        return excerpt(body)
    if not isinstance(data, dict):
        return excerpt(body)
    error = data.get("error")
    for key in ("reason", "error_description", "message", "detail"):
        value = data.get(key)
        if isinstance(value, str) and value:
            prefix = f"{error}: " if isinstance(error, str) and error and key != "reason" else ""
            return excerpt(prefix + value)
    if isinstance(error, str) and error:
        return excerpt(error)
    return excerpt(body)


# ---------------------------------------------------------------------------------------------
# HTTP answers


def token_refused(
    status: int, body: str, *, url: str, client_id: str, password_grant: bool
) -> ConnectionFailure:
    """The token endpoint answered with an error status."""
    reason = server_reason(body) or f"HTTP {status}"
    where = _host_port(url)
    if status == 401 or (status == 400 and _oauth_error(body) in _CREDENTIAL_ERRORS):
        what = "client id and secret" + (
            " and the user name and password" if password_grant else ""
        )
        return ConnectionFailure(
            "unauthorized",
            f"the token endpoint at {where} refused client {client_id!r}: {reason}",
            f"check the {what}",
        )
    if status == 404:
        return ConnectionFailure(
            "bad_response",
            f"the token endpoint {url} does not exist (HTTP 404: {reason})",
            "check the auth server and the realm",
        )
    return ConnectionFailure(
        "bad_response",
        f"the token endpoint at {where} answered HTTP {status}: {reason}",
        "check the auth server URL and realm; if they are right, the identity server has a "
        "problem: try again later",
    )


_CREDENTIAL_ERRORS = {"invalid_client", "unauthorized_client", "invalid_grant"}


def _oauth_error(body: str) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, str) else ""


def token_unreadable(problem: str, *, url: str, content_type: str, body: str) -> ConnectionFailure:
    """A 200 from the token endpoint that holds no usable ``access_token``."""
    shown = f" ({content_type or 'no content type'}: {excerpt(body, 80)!r})" if body else ""
    return ConnectionFailure(
        "bad_response",
        f"the token endpoint at {_host_port(url)} answered {problem}{shown}",
        "check the auth server URL and realm: this does not look like an OAuth token endpoint",
    )


def upgrade_refused(status: int, body: str, *, url: str) -> ConnectionFailure:
    """``GET /bots`` was answered with ``status`` instead of ``101 Switching Protocols``."""
    reason = server_reason(body)
    said = f": {reason}" if reason else ""
    if status == 401 and "expired" in reason.lower():
        return ConnectionFailure(
            "token_expired",
            f"{url} refused the token: it expired before the connection was opened{said}",
            "token expired — it must be used within 5 minutes; connect again for a fresh one",
        )
    if status in (401, 403):
        return ConnectionFailure(
            "unauthorized",
            f"{url} refused the token (HTTP {status}){said}",
            "connect again; if it persists, check that the token endpoint and the API URL "
            "belong to the same service, and the client id and secret",
        )
    if status == 404 or 200 <= status < 400:
        return ConnectionFailure(
            "bad_response",
            f"{url} answered HTTP {status} instead of opening a WebSocket{said}: "
            "this is not an H2B server",
            "check the API URL (the workbench adds /bots to it, as the SDK does)",
        )
    return ConnectionFailure(
        "bad_response",
        f"{url} refused the WebSocket with HTTP {status}{said}",
        "the server has a problem or is not an H2B server; try again later or check the URL",
    )


# ---------------------------------------------------------------------------------------------
# Exceptions


def failure_from_exception(
    error: BaseException, *, url: str, what: str, timeout: float
) -> ConnectionFailure:
    """An aiohttp/ssl/socket exception met while reaching ``url`` (``what`` names the endpoint,
    e.g. "the token endpoint"), in plain words. Unknown errors keep their message."""
    where = _host_port(url)
    if isinstance(error, aiohttp.ClientConnectorDNSError):
        host = urlsplit(url).hostname or where
        return ConnectionFailure(
            "dns",
            f"the name {host!r} of {what} does not resolve "
            f"(DNS lookup failed: {error.strerror or error})",
            "check the host name in the profile, and that this computer is online "
            "(VPN, proxy, DNS settings)",
        )
    if isinstance(error, aiohttp.ClientConnectorCertificateError):
        return _certificate_failure(error.certificate_error, where=where, what=what)
    if isinstance(error, ssl.SSLCertVerificationError):
        return _certificate_failure(error, where=where, what=what)
    if isinstance(error, aiohttp.ClientConnectorSSLError | aiohttp.ClientSSLError | ssl.SSLError):
        inner = error.os_error if isinstance(error, aiohttp.ClientConnectorError) else error
        return _handshake_failure(inner, where=where, what=what)
    if isinstance(error, TimeoutError):
        return ConnectionFailure(
            "timeout",
            f"{what} at {where} did not answer within {timeout:g} s",
            "the server may be overloaded, or a firewall drops the traffic; try again",
        )
    if isinstance(error, aiohttp.ClientConnectorError):
        return _connect_failure(error.os_error, where=where, what=what, timeout=timeout)
    if isinstance(error, aiohttp.ServerDisconnectedError):
        tls_hint = (
            "; if it serves TLS, use wss:// (and https:// for the token endpoint)"
            if urlsplit(url).scheme in ("http", "ws")
            else ""
        )
        return ConnectionFailure(
            "dropped",
            f"{what} at {where} closed the connection without answering",
            f"check that the URL points to an H2B server{tls_hint}",
        )
    if isinstance(error, aiohttp.ClientPayloadError | aiohttp.ClientConnectionError):
        return ConnectionFailure(
            "dropped",
            f"the connection to {what} at {where} broke: {error}",
            "try again; if it persists, check the network",
        )
    if isinstance(error, aiohttp.InvalidURL | ValueError):
        return ConnectionFailure("bad_response", f"cannot use the URL {url!r}: {error}", "")
    return ConnectionFailure("bad_response", f"talking to {what} at {where} failed: {error}", "")


def _certificate_failure(error: BaseException, *, where: str, what: str) -> ConnectionFailure:
    message = verify_message(error)
    lowered = message.lower()
    if "expired" in lowered:
        remedy = "the server's certificate has expired: renew it (or check this computer's clock)"
    elif "mismatch" in lowered or "doesn't match" in lowered:
        remedy = (
            "connect with the host name the certificate was made for, or make a certificate "
            "for this host"
        )
    else:
        remedy = (
            "if you trust this server, give its CA certificate (PEM) as the profile's CA file; "
            "verification is never turned off"
        )
    return ConnectionFailure(
        "tls",
        f"the TLS certificate of {what} at {where} cannot be trusted: "
        f"certificate verify failed: {message}",
        remedy,
    )


def verify_message(error: BaseException) -> str:
    """What the ssl library says about a certificate ("self-signed certificate", …)."""
    message = getattr(error, "verify_message", None)
    if isinstance(message, str) and message:
        return message.rstrip(".")
    reason = getattr(error, "reason", None)
    return str(reason or error)


def _handshake_failure(error: BaseException, *, where: str, what: str) -> ConnectionFailure:
    reason = str(getattr(error, "reason", None) or error)
    not_tls = ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "UNKNOWN_PROTOCOL", "HTTP_REQUEST")
    if any(mark in reason.upper() for mark in not_tls):
        return ConnectionFailure(
            "tls",
            f"the TLS handshake with {what} at {where} failed ({reason}): the port does not "
            "seem to speak TLS, perhaps it serves plain HTTP",
            "use ws:// and http:// for a plain server, or the server's TLS port",
        )
    return ConnectionFailure(
        "tls",
        f"the TLS handshake with {what} at {where} failed: {reason}",
        "check the server's TLS set-up and that the URL names its TLS port",
    )


def _connect_failure(error: OSError, *, where: str, what: str, timeout: float) -> ConnectionFailure:
    code = error.errno
    if code == errno.ECONNREFUSED:
        return ConnectionFailure(
            "refused",
            f"nothing accepts connections on {where} ({what}): connection refused",
            LOCAL_SERVER_HINT + "; check the port",
        )
    if code == errno.ETIMEDOUT:
        return ConnectionFailure(
            "timeout",
            f"connecting to {what} at {where} timed out",
            "a firewall may drop the traffic, or the host is down; try again",
        )
    if code in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL):
        return ConnectionFailure(
            "refused",
            f"{where} ({what}) is unreachable: {error.strerror or error}",
            "check the network connection (VPN, Wi-Fi) and the host name",
        )
    return ConnectionFailure(
        "refused",
        f"cannot connect to {what} at {where}: {error.strerror or error}",
        LOCAL_SERVER_HINT,
    )


def _host_port(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or url
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = {"http": 80, "ws": 80, "https": 443, "wss": 443}.get(parts.scheme)
    return f"{host}:{port}" if port else host
