"""The aiohttp application: token endpoint, ``/bots`` WebSocket upgrade, health page."""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass, field

from aiohttp import WSCloseCode, web

from workbench import __version__
from workbench.recognition.engine import Engine
from workbench.server.auth import TOKEN_LIFETIME_S, Credentials, TokenStore
from workbench.server.connection import BotConnection

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 1 << 20
"""Largest WebSocket message accepted; bigger ones close the connection with code 1009."""


@dataclass(frozen=True)
class ServerConfig:
    """What a local server needs to know; credentials are generated when not given."""

    credentials: Credentials = field(default_factory=Credentials.generate)
    realm: str = "uhlive"
    token_lifetime_s: float = TOKEN_LIFETIME_S
    max_frame_bytes: int = MAX_FRAME_BYTES


CONFIG = web.AppKey("config", ServerConfig)
TOKENS = web.AppKey("tokens", TokenStore)
ENGINE = web.AppKey("engine", Engine)
CONNECTIONS = web.AppKey("connections", weakref.WeakSet)


def _oauth_error(status: int, error: str, description: str) -> web.Response:
    return web.json_response({"error": error, "error_description": description}, status=status)


async def token_endpoint(request: web.Request) -> web.Response:
    """OAuth2 client-credentials grant, answered like a Keycloak realm."""
    config = request.app[CONFIG]
    if request.match_info["realm"] != config.realm:
        return _oauth_error(
            404, "realm_not_found", f"unknown realm; this server's realm is {config.realm!r}"
        )
    form = await request.post()
    grant = str(form.get("grant_type", ""))
    client_id = str(form.get("client_id", ""))
    client_secret = str(form.get("client_secret", ""))
    if not grant or not client_id:
        return _oauth_error(
            400, "invalid_request", "grant_type, client_id and client_secret are required"
        )
    if grant not in ("client_credentials", "password"):
        return _oauth_error(
            400, "unsupported_grant_type", f"grant_type {grant!r} is not supported here"
        )
    if not config.credentials.match(client_id, client_secret):
        log.info("token refused: wrong credentials for client id %r", client_id)
        return _oauth_error(401, "invalid_client", "Invalid client or Invalid client credentials")
    tokens = request.app[TOKENS]
    return web.json_response(
        {
            "access_token": tokens.issue(),
            "expires_in": int(tokens.lifetime_s),
            "refresh_expires_in": 0,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "scope": "profile email",
        }
    )


def _unauthorized(reason: str) -> web.Response:
    response = web.json_response({"error": "unauthorized", "reason": reason}, status=401)
    response.headers["WWW-Authenticate"] = 'Bearer realm="h2b"'
    return response


async def bots_endpoint(request: web.Request) -> web.StreamResponse:
    """Upgrade to the H2B WebSocket when the bearer token is valid."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        return _unauthorized("missing Authorization header: send 'Authorization: bearer <token>'")
    if scheme.lower() != "bearer" or not token.strip():
        return _unauthorized("the Authorization header must be 'bearer <token>'")
    problem = request.app[TOKENS].check(token.strip())
    if problem is not None:
        log.info("connection refused: %s", problem)
        return _unauthorized(problem)
    config = request.app[CONFIG]
    ws = web.WebSocketResponse(max_msg_size=config.max_frame_bytes, heartbeat=None)
    await ws.prepare(request)
    request.app[CONNECTIONS].add(ws)
    connection = BotConnection(ws, request.app[ENGINE])
    await connection.run()
    return ws


async def health(request: web.Request) -> web.Response:
    """What this server is, for humans and smoke tests."""
    engine = request.app[ENGINE]
    return web.json_response(
        {
            "service": "h2b-workbench local server",
            "version": __version__,
            "engine": engine.name,
            "asr_model": engine.asr_model,
            "languages": sorted(engine.languages()),
        }
    )


async def _close_connections(app: web.Application) -> None:
    connections: weakref.WeakSet[web.WebSocketResponse] = app[CONNECTIONS]
    for ws in list(connections):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")


def make_app(engine: Engine, config: ServerConfig | None = None) -> web.Application:
    """The application, ready for ``web.run_app`` or an ``AppRunner``."""
    config = config or ServerConfig()
    app = web.Application()
    app[CONFIG] = config
    app[TOKENS] = TokenStore(config.token_lifetime_s)
    app[ENGINE] = engine
    app[CONNECTIONS] = weakref.WeakSet()  # of web.WebSocketResponse
    app.router.add_post("/realms/{realm}/protocol/openid-connect/token", token_endpoint)
    app.router.add_get("/bots", bots_endpoint)
    app.router.add_get("/", health)
    app.on_shutdown.append(_close_connections)
    return app
