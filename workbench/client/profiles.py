"""Where to connect and who we are: connection profiles and client credentials.

A profile holds two URLs because H2B needs two servers: an OAuth token endpoint (Keycloak on
the real service, ``id.uh.live``) and the WebSocket API (``api.uh.live``). The official SDK
builds both from environment variables; here the same derivations are explicit and testable:

* the WebSocket URL is ``urljoin(api_url, "/bots")``, exactly as the SDK does, so any path in
  ``api_url`` is replaced (``ws://h:p/foo/`` → ``ws://h:p/bots``);
* the token URL is ``<scheme>://<auth server>/realms/<realm>/protocol/openid-connect/token``.
  The SDK always uses https; for a custom URL we follow the API URL's security instead (``ws``
  → ``http``, ``wss`` → ``https``) because a local or test server on plain ``ws://`` rarely has
  a TLS token endpoint, and a ``wss://`` server never wants its secret sent in clear.

Nothing here does I/O. TLS verification is never turned off: ``ca_file`` only *adds* a CA
bundle to the system's trusted ones.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin, urlsplit

ProfileKind = Literal["local", "uhlive", "custom"]

UHLIVE_API_URL = "wss://api.uh.live"
UHLIVE_AUTH_SERVER = "id.uh.live"
DEFAULT_REALM = "uhlive"
TOKEN_PATH = "/realms/{realm}/protocol/openid-connect/token"

ENV_CLIENT = "UHLIVE_API_CLIENT"
ENV_SECRET = "UHLIVE_API_SECRET"

_WS_SCHEMES = {"ws": "http", "wss": "https"}
_HTTP_SCHEMES = {"http": "ws", "https": "wss"}


@dataclass(frozen=True, slots=True)
class ConnectionProfile:
    """A named pair of endpoints (WebSocket API and token endpoint) and an optional CA bundle."""

    name: str
    kind: ProfileKind
    api_url: str
    """``ws://`` or ``wss://`` base URL; the ``/bots`` path is added as the SDK adds it."""
    token_url: str
    """Full ``http(s)://`` URL of the OAuth token endpoint."""
    realm: str = DEFAULT_REALM
    ca_file: str | None = None
    """An extra CA bundle (PEM) to trust besides the system's, e.g. a self-signed certificate."""

    def __post_init__(self) -> None:
        api = urlsplit(self.api_url)
        if api.scheme not in _WS_SCHEMES or not api.hostname:
            raise ValueError(
                f"the API URL must look like ws://host:port or wss://host, not {self.api_url!r}"
            )
        token = urlsplit(self.token_url)
        if token.scheme not in _HTTP_SCHEMES or not token.hostname:
            raise ValueError(
                f"the token URL must be an http:// or https:// URL, not {self.token_url!r}"
            )

    @property
    def bots_url(self) -> str:
        """The WebSocket endpoint, ``urljoin(api_url, "/bots")`` like the SDK."""
        return urljoin(self.api_url, "/bots")

    @property
    def secure(self) -> bool:
        """True when the WebSocket runs over TLS (``wss://``)."""
        return urlsplit(self.api_url).scheme == "wss"

    def describe(self) -> str:
        """One line for menus and logs: name, WebSocket URL and token URL."""
        extra = f", trusting {self.ca_file}" if self.ca_file else ""
        return f"{self.name}: {self.bots_url} (token from {self.token_url}{extra})"


def token_url_for(base: str, realm: str = DEFAULT_REALM) -> str:
    """The Keycloak token endpoint under ``base`` (``scheme://host[:port][/prefix]``).

    A path in ``base`` is kept as a prefix, for identity servers that mount Keycloak under one
    (older Keycloak used ``/auth``).
    """
    parts = urlsplit(base)
    prefix = parts.path.rstrip("/")
    return f"{parts.scheme}://{_netloc(base)}{prefix}{TOKEN_PATH.format(realm=realm)}"


def uhlive_profile(*, realm: str = DEFAULT_REALM, ca_file: str | None = None) -> ConnectionProfile:
    """The real service: ``wss://api.uh.live`` with tokens from ``https://id.uh.live``."""
    return ConnectionProfile(
        name="uh!live (api.uh.live)",
        kind="uhlive",
        api_url=UHLIVE_API_URL,
        token_url=token_url_for(f"https://{UHLIVE_AUTH_SERVER}", realm),
        realm=realm,
        ca_file=ca_file,
    )


def local_profile(
    base_url: str, *, realm: str = DEFAULT_REALM, ca_file: str | None = None
) -> ConnectionProfile:
    """The embedded local server at ``base_url`` (its ``http_url`` or ``ws_url``; either works).

    One server answers both endpoints, so both URLs share its host and port; ``https``/``wss``
    when it serves TLS (then ``ca_file`` is usually its self-signed certificate).
    """
    parts = urlsplit(base_url)
    if parts.scheme in _HTTP_SCHEMES:
        http_scheme, ws_scheme = parts.scheme, _HTTP_SCHEMES[parts.scheme]
    elif parts.scheme in _WS_SCHEMES:
        http_scheme, ws_scheme = _WS_SCHEMES[parts.scheme], parts.scheme
    else:
        raise ValueError(f"the local server URL must be http(s):// or ws(s)://, not {base_url!r}")
    netloc = _netloc(base_url)
    return ConnectionProfile(
        name="Local server",
        kind="local",
        api_url=f"{ws_scheme}://{netloc}",
        token_url=token_url_for(f"{http_scheme}://{netloc}", realm),
        realm=realm,
        ca_file=ca_file,
    )


def custom_profile(
    api_url: str,
    auth_server: str | None = None,
    realm: str = DEFAULT_REALM,
    *,
    ca_file: str | None = None,
    name: str | None = None,
) -> ConnectionProfile:
    """Any H2B server at ``api_url`` (``ws://`` or ``wss://``).

    The token endpoint is on the same host and port unless ``auth_server`` ("HOST[:PORT]", as
    the SDK's ``UHLIVE_AUTH_SERVER``) names another; its scheme follows the API URL's security
    (``http`` for ``ws``, ``https`` for ``wss``). An ``auth_server`` written with an explicit
    ``http://`` or ``https://`` keeps that scheme.
    """
    parts = urlsplit(api_url)
    if parts.scheme not in _WS_SCHEMES:
        raise ValueError(f"a custom API URL must start with ws:// or wss://, not {api_url!r}")
    http_scheme = _WS_SCHEMES[parts.scheme]
    if auth_server is None or not auth_server.strip():
        auth_base = f"{http_scheme}://{_netloc(api_url)}"
    elif "://" in auth_server:
        auth_base = auth_server.strip()
    else:
        auth_base = f"{http_scheme}://{auth_server.strip().strip('/')}"
    return ConnectionProfile(
        name=name or f"Custom ({_netloc(api_url)})",
        kind="custom",
        api_url=api_url,
        token_url=token_url_for(auth_base, realm),
        realm=realm,
        ca_file=ca_file,
    )


def _netloc(url: str) -> str:
    """``host[:port]`` of ``url`` without any ``user:password@`` part (IPv6 kept bracketed)."""
    netloc = urlsplit(url).netloc.rpartition("@")[2]
    if not netloc:
        raise ValueError(f"{url!r} names no host (write it like ws://host:port or wss://host)")
    return netloc


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the token endpoint wants: client id and secret, optionally a user and password.

    With a user name the password grant is used (the SDK's ``user_id``/``user_pwd``), otherwise
    client credentials. ``repr``/``str`` never show the secret or the password.
    """

    client_id: str
    client_secret: str
    username: str = ""
    password: str = ""

    @property
    def grant_type(self) -> str:
        """``password`` when a user name is given, else ``client_credentials`` (as the SDK)."""
        return "password" if self.username else "client_credentials"

    def __repr__(self) -> str:
        hidden = "<hidden>" if self.client_secret else "''"
        user = ""
        if self.username:
            user = f", username={self.username!r}, password=<hidden>"
        return f"Credentials(client_id={self.client_id!r}, client_secret={hidden}{user})"

    __str__ = __repr__

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        """Client id and secret from UHLIVE_API_CLIENT / UHLIVE_API_SECRET, like the SDK examples.

        Raises ``ValueError`` naming the variables that are missing or empty.
        """
        env = os.environ if environ is None else environ
        client_id, secret = env.get(ENV_CLIENT, ""), env.get(ENV_SECRET, "")
        missing = [
            name for name, value in ((ENV_CLIENT, client_id), (ENV_SECRET, secret)) if not value
        ]
        if missing:
            raise ValueError(
                f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: "
                f"export {ENV_CLIENT} and {ENV_SECRET} with the credentials your account "
                "manager gave you"
            )
        return cls(client_id, secret)
