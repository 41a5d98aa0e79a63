"""A deliberately misbehaving H2B server, scripted per test (aiohttp, 127.0.0.1, any free port).

The embedded server (``workbench.server``) behaves. The client, the controller and the timeline
must also survive a server that drops the TCP connection mid-recognition, sends frames that are
not H2B, answers late or answers the wrong request, closes with a code, or refuses the token.
This server speaks just enough H2B to get there (a token endpoint and ``/bots``) and does
whatever the test scripts. It never checks the protocol state: that is the point.

Quick start::

    from tests.support.misbehaving_server import MisbehavingServer, complete, drop, later, reply

    async with MisbehavingServer() as server:
        server.on("RECOGNIZE", reply(), drop())              # IN-PROGRESS, then the TCP link dies
        connection = await H2BConnection.open(server.profile, server.credentials)
        ...                                                  # OPEN, RECOGNIZE, read frames
        record = server.connections[0]
        assert [c.name for c in record.commands] == ["OPEN", "RECOGNIZE"]

**Rules.** ``server.on(trigger, *actions, times=None)`` adds a rule. For each frame the first
rule (in the order added) whose trigger matches and that has uses left runs its actions, one
after the other, inline: a ``wait()`` holds up every later frame of that connection, as a slow
server would. Triggers: a command name (``"OPEN"``, ``"RECOGNIZE"``…), ``"*"`` (any command),
``"CONNECT"`` (right after the upgrade), ``"AUDIO"`` (each binary frame), ``"MALFORMED"`` (a client
text frame that is not a command). ``times=1`` makes a rule apply once (then the next rule or
the default does). A rule with no actions leaves the frame unanswered.
Default without a rule: every command gets its success reply (OPENED, PARAMS-SET, …,
RECOGNITION-IN-PROGRESS, STOPPED, CLOSED) with the right request id; a recognition then runs
until STOP — script ``later(…, start_of_input(), complete())`` to have it finish.

**Actions** (each returns an :class:`Action`, whose repr reads well in a failure message):

* ``reply(event=None, *, request_id=, request_id_offset=, channel_id=, cause=, reason=, headers=)``
  — the command's success reply with its request id, or ``event`` (e.g. ``MethodFailed``);
  ``request_id_offset=100`` answers the wrong request;
* ``error(event=MethodFailed, *, cause=, reason=)`` — an error reply;
* ``start_of_input()``, ``complete(cause=Success, *, value=, transcript=, grammar=)`` — the
  recognition's events (a result body for Success/PartialMatch), for the running RECOGNIZE;
* ``send_text(t)``, ``send_json(o)``, ``send_bytes(b)`` — malformed frames: ``"not json {"``,
  ``{"event": "OPENED"}`` (keys missing), any binary frame (H2B servers only send text);
* ``wait(s)`` — pause before the next action: a slow answer;
* ``later(s, *actions)`` — run ``actions`` after ``s`` in the background (frames keep flowing);
* ``drop()`` — abort the TCP connection without a close frame, like a crash;
* ``close(code, reason)`` — a close handshake from the server;
* ``hook(fn)`` — ``await fn(exchange)`` for anything else (see :class:`Exchange`).

**Token and upgrade.** ``server.credentials`` are accepted (a Keycloak-like 401
``invalid_client`` otherwise); tokens live ``token_lifetime_s`` (the upgrade then answers 401
with an "expired" reason). ``answer_token(status, json=…, text=…, delay_s=…, times=…)`` scripts
the token endpoint; ``refuse_upgrade(status, json=…, text=…, times=…)`` answers ``GET /bots``
without upgrading; ``upgrade_delay_s`` slows the upgrade; ``answer_pings=False`` makes the
server ignore pings (a hung peer). ``server.profile`` and ``server.credentials`` are ready for
``H2BConnection.open``; ``MisbehavingServer(tls=context)`` serves https/wss (give the profile a
``ca_file`` then: ``dataclasses.replace(server.profile, ca_file=…)``).

**Records.** ``connections`` (one :class:`ConnectionRecord` per upgrade: frames, commands,
audio bytes, what was sent, the client's close code), ``token_requests`` (forms with the secret
and password masked), ``issued_tokens``, ``upgrade_attempts``. ``await
wait_for_connection(n)``, ``await record.wait_ended()``, ``await push(frame)`` (send now, unasked).

**Restarts.** ``stop()`` aborts live connections (clients see a drop, as in a crash; pass
``graceful=True`` for a 1001 close) and ``start()`` again listens on the same port: a server
that goes away and comes back, for reconnect tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from workbench.client.profiles import ConnectionProfile, Credentials, local_profile
from workbench.protocol.causes import CompletionCause
from workbench.protocol.codec import decode_command, encode_event
from workbench.protocol.messages import (
    SUCCESS_REPLY,
    Command,
    Event,
    Interpretation,
    MethodFailed,
    Opened,
    ProtocolViolation,
    RecognitionComplete,
    RecognitionInProgress,
    RecognitionResult,
    StartOfInput,
    Stopped,
    Transcript,
)

Frame = str | bytes
PSEUDO = frozenset({"CONNECT", "AUDIO", "MALFORMED"})
"""Triggers that are not commands (``"*"`` does not match them)."""


@dataclass
class ConnectionRecord:
    """What happened on one upgraded connection, in order."""

    index: int
    frames: list[Frame] = field(default_factory=list)
    """Every text/binary frame the client sent."""
    commands: list[Command] = field(default_factory=list)
    """The text frames that decoded as commands."""
    sent: list[Frame] = field(default_factory=list)
    """Every frame this server sent."""
    audio_bytes: int = 0
    client_close_code: int | None = None
    """The code of the client's close frame; None when it never sent one."""
    channel_id: str = ""
    recognition_id: int | None = None
    gone: bool = False
    """Set by ``drop()``/``close()``/``stop()``: remaining actions are skipped."""
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def saw_close_frame(self) -> bool:
        """True when the client closed with a proper close frame."""
        return self.client_close_code is not None

    async def wait_ended(self, timeout: float = 3.0) -> None:
        """Until the server side of this connection has finished."""
        await asyncio.wait_for(self.ended.wait(), timeout)


@dataclass
class Exchange:
    """What an action works with: the socket, the triggering frame, the connection's record."""

    server: MisbehavingServer
    record: ConnectionRecord
    ws: web.WebSocketResponse
    request: web.Request
    command: Command | None = None
    raw: Frame | None = None

    async def send_text(self, text: str) -> None:
        self.record.sent.append(text)
        await self.ws.send_str(text)

    async def send_bytes(self, data: bytes) -> None:
        self.record.sent.append(data)
        await self.ws.send_bytes(data)

    async def send_event(self, event: Event) -> None:
        """Encode ``event`` like the real server and send it; track channel and recognition."""
        if isinstance(event, Opened):
            self.record.channel_id = event.channel_id
        elif isinstance(event, RecognitionInProgress):
            self.record.recognition_id = event.request_id
        elif isinstance(event, RecognitionComplete | Stopped):
            self.record.recognition_id = None
        await self.send_text(encode_event(event))


@dataclass(frozen=True)
class Action:
    """One scripted step; ``label`` is its readable form."""

    label: str
    run: Callable[[Exchange], Awaitable[None]] = field(repr=False)

    def __repr__(self) -> str:
        return self.label


@dataclass
class Rule:
    """``actions`` for frames matching ``trigger``, ``times`` times (None: always)."""

    trigger: str
    actions: tuple[Action, ...]
    times: int | None = None
    used: int = 0

    def take(self, trigger: str) -> bool:
        matches = self.trigger == trigger or (self.trigger == "*" and trigger not in PSEUDO)
        if not matches:
            return False
        if self.times is not None and self.used >= self.times:
            return False
        self.used += 1
        return True


# ---------------------------------------------------------------------------------------------
# Actions


def reply(
    event: type[Event] | None = None,
    *,
    request_id: int | None = None,
    request_id_offset: int = 0,
    channel_id: str | None = None,
    cause: CompletionCause | None = None,
    reason: str | None = None,
    headers: dict[str, Any] | None = None,
) -> Action:
    """The reply to the triggering command: its success event unless ``event`` is given."""

    async def run(x: Exchange) -> None:
        if x.command is None:
            raise ValueError("reply() answers a command; use send_*() for CONNECT/AUDIO rules")
        kind = event or SUCCESS_REPLY[type(x.command)]
        rid = (x.command.request_id if request_id is None else request_id) + request_id_offset
        chan = channel_id
        if chan is None:
            serial = f"mis{x.record.index}-{secrets.token_hex(3)}"
            chan = (x.command.channel_id or "") + serial if kind is Opened else x.record.channel_id
        await x.send_event(
            kind(
                request_id=rid,
                channel_id=chan,
                completion_cause=cause,
                completion_reason=reason,
                headers=dict(headers or {}),
            )
        )

    return Action(f"reply({event.name if event else ''})", run)


def error(
    event: type[Event] = MethodFailed,
    *,
    cause: CompletionCause | None = CompletionCause.ERROR,
    reason: str = "scripted failure",
) -> Action:
    """An error reply to the triggering command."""
    return replace(reply(event, cause=cause, reason=reason), label=f"error({event.name})")


def start_of_input(*, request_id: int | None = None) -> Action:
    """START-OF-INPUT for the running recognition (or ``request_id``)."""

    async def run(x: Exchange) -> None:
        rid = x.record.recognition_id if request_id is None else request_id
        await x.send_event(StartOfInput(request_id=rid or 0, channel_id=x.record.channel_id))

    return Action("start_of_input()", run)


def complete(
    cause: CompletionCause = CompletionCause.SUCCESS,
    *,
    value: Any = True,
    transcript: str = "yes",
    grammar: str = "builtin:speech/boolean",
    request_id: int | None = None,
) -> Action:
    """RECOGNITION-COMPLETE for the running recognition; a result body for success causes."""

    async def run(x: Exchange) -> None:
        rid = x.record.recognition_id if request_id is None else request_id
        body = None
        if cause in (CompletionCause.SUCCESS, CompletionCause.PARTIAL_MATCH):
            now = int(time.time() * 1000)
            body = RecognitionResult(
                asr=Transcript(transcript=transcript, confidence=0.9, start=now - 800, end=now),
                nlu=Interpretation(type=grammar.partition("?")[0], value=value, confidence=0.9),
                grammar_uri=grammar,
            )
        await x.send_event(RecognitionComplete(
            request_id=rid or 0, channel_id=x.record.channel_id, completion_cause=cause, body=body
        ))  # fmt: skip

    return Action(f"complete({cause.value})", run)


def send_text(text: str) -> Action:
    """Send ``text`` as is (non-JSON, truncated JSON, an event with missing keys…)."""
    return Action(f"send_text({text[:40]!r})", lambda x: x.send_text(text))


def send_json(obj: Any) -> Action:
    """Send ``obj`` serialised, e.g. ``{"event": "OPENED"}`` (keys missing)."""
    return Action(f"send_json({obj!r:.40})", lambda x: x.send_text(json.dumps(obj)))


def send_bytes(data: bytes) -> Action:
    """Send a binary frame (H2B servers only ever send text)."""
    return Action(f"send_bytes({len(data)} bytes)", lambda x: x.send_bytes(data))


def wait(seconds: float) -> Action:
    """Pause this connection's handling for ``seconds`` (a slow answer)."""
    return Action(f"wait({seconds:g})", lambda _x: asyncio.sleep(seconds))


def later(seconds: float, *actions: Action) -> Action:
    """Run ``actions`` after ``seconds`` in the background; frames keep being handled meanwhile."""

    async def run(x: Exchange) -> None:
        async def delayed() -> None:
            await asyncio.sleep(seconds)
            await _run_actions(x, actions)

        task = asyncio.create_task(delayed())
        x.record.tasks.add(task)
        task.add_done_callback(x.record.tasks.discard)

    return Action(f"later({seconds:g}, {', '.join(map(repr, actions))})", run)


def drop() -> Action:
    """Abort the TCP connection without a close frame (what a crash or a cut cable looks like)."""

    async def run(x: Exchange) -> None:
        x.record.gone = True
        if x.request.transport is not None:
            x.request.transport.abort()

    return Action("drop()", run)


def close(code: int = WSCloseCode.OK, reason: str = "") -> Action:
    """Close the WebSocket from the server side with ``code`` and ``reason``."""

    async def run(x: Exchange) -> None:
        x.record.gone = True
        await x.ws.close(code=code, message=reason.encode())

    return Action(f"close({code}, {reason!r})", run)


def hook(fn: Callable[[Exchange], Awaitable[None]], label: str = "hook") -> Action:
    """Anything else: ``await fn(exchange)``."""
    return Action(f"{label}()", fn)


async def _run_actions(x: Exchange, actions: tuple[Action, ...]) -> None:
    for action in actions:
        if x.record.gone or x.ws.closed:
            return
        await action.run(x)


# ---------------------------------------------------------------------------------------------
# The server


@dataclass
class _HttpAnswer:
    status: int
    body: Any
    is_json: bool
    delay_s: float
    times: int | None
    used: int = 0

    def take(self) -> bool:
        if self.times is not None and self.used >= self.times:
            return False
        self.used += 1
        return True

    def response(self) -> web.Response:
        if self.is_json:
            return web.json_response(self.body, status=self.status)
        return web.Response(text=str(self.body), status=self.status, content_type="text/html")


class MisbehavingServer:
    """An H2B server that does what each test scripts (see the module docstring)."""

    def __init__(
        self,
        *,
        client_id: str = "mis-client",
        client_secret: str | None = None,
        realm: str = "uhlive",
        token_lifetime_s: float = 300.0,
        answer_pings: bool = True,
        tls: ssl.SSLContext | None = None,
        port: int = 0,
    ) -> None:
        secret = client_secret or f"mis-secret-{secrets.token_hex(8)}"
        self.credentials = Credentials(client_id, secret)
        self.realm = realm
        self.token_lifetime_s = token_lifetime_s
        self.answer_pings = answer_pings
        self.upgrade_delay_s = 0.0
        self.port = port
        self._tls = tls
        self.rules: list[Rule] = []
        self._token_answers: list[_HttpAnswer] = []
        self._upgrade_answers: list[_HttpAnswer] = []
        self._token_expiry: dict[str, float] = {}
        self.token_requests: list[dict[str, str]] = []
        self.issued_tokens: list[str] = []
        self.upgrade_attempts = 0
        self.connections: list[ConnectionRecord] = []
        self._live: dict[int, Exchange] = {}
        self._new_connection = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    # -- scripting -----------------------------------------------------------------------------

    def on(self, trigger: str, *actions: Action, times: int | None = None) -> Rule:
        """Answer frames matching ``trigger`` with ``actions`` (see the module docstring)."""
        rule = Rule(trigger, actions, times)
        self.rules.append(rule)
        return rule

    def answer_token(
        self,
        status: int = 200,
        *,
        json: Any = None,
        text: str | None = None,
        delay_s: float = 0.0,
        times: int | None = None,
    ) -> None:
        """Script the token endpoint: ``status`` with ``json`` or ``text`` (neither: the normal
        answer, so ``delay_s`` alone makes a slow but valid token endpoint)."""
        body, is_json = (text, False) if text is not None else (json, True)
        self._token_answers.append(_HttpAnswer(status, body, is_json, delay_s, times))

    def refuse_upgrade(
        self,
        status: int = 401,
        *,
        json: Any = None,
        text: str | None = None,
        times: int | None = None,
    ) -> None:
        """Answer ``GET /bots`` with ``status`` instead of upgrading (JSON reason by default)."""
        if json is None and text is None:
            json = {"error": "unauthorized", "reason": "scripted refusal"}
        body, is_json = (text, False) if text is not None else (json, True)
        self._upgrade_answers.append(_HttpAnswer(status, body, is_json, 0.0, times))

    async def push(self, frame: Frame | Event, connection: int = -1) -> None:
        """Send ``frame`` now on a live connection (the latest by default), unasked."""
        exchange = self._live[self.connections[connection].index]
        if isinstance(frame, Event):
            await exchange.send_event(frame)
        elif isinstance(frame, str):
            await exchange.send_text(frame)
        else:
            await exchange.send_bytes(frame)

    async def wait_for_connection(self, count: int = 1, timeout: float = 3.0) -> ConnectionRecord:
        """Until ``count`` connections have been upgraded; returns the ``count``-th."""
        async with asyncio.timeout(timeout), self._new_connection:
            await self._new_connection.wait_for(lambda: len(self.connections) >= count)
        return self.connections[count - 1]

    # -- addresses -----------------------------------------------------------------------------

    @property
    def http_url(self) -> str:
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"{'wss' if self._tls else 'ws'}://127.0.0.1:{self.port}/bots"

    @property
    def token_url(self) -> str:
        return f"{self.http_url}/realms/{self.realm}/protocol/openid-connect/token"

    @property
    def profile(self) -> ConnectionProfile:
        """A ``workbench.client`` profile for this server (no CA file: add one for TLS)."""
        return local_profile(self.http_url, realm=self.realm)

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on 127.0.0.1 (the same port as before after a ``stop()``)."""
        app = web.Application()
        app.router.add_post("/realms/{realm}/protocol/openid-connect/token", self._token)
        app.router.add_get("/bots", self._bots)
        # handler_cancellation: a handler still sleeping (a scripted delay) ends with its client.
        runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=0.5, handler_cancellation=True
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self.port, ssl_context=self._tls)
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]

    async def stop(self, *, graceful: bool = False) -> None:
        """Stop listening; live connections are aborted (a drop) unless ``graceful``."""
        for exchange in list(self._live.values()):
            exchange.record.gone = True
            if graceful:
                await exchange.ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")
            elif exchange.request.transport is not None:
                exchange.request.transport.abort()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> MisbehavingServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:  # fmt: skip
        await self.stop()

    # -- handlers ------------------------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.StreamResponse:
        form = {key: str(value) for key, value in (await request.post()).items()}
        masked = {k: ("***" if k in ("client_secret", "password") and v else v)
                  for k, v in form.items()}  # fmt: skip
        self.token_requests.append(masked)
        scripted = next((answer for answer in self._token_answers if answer.take()), None)
        if scripted is not None:
            await asyncio.sleep(scripted.delay_s)
            if scripted.body is not None or scripted.status != 200:
                return scripted.response()
        if request.match_info["realm"] != self.realm:
            return web.json_response(
                {"error": "realm_not_found", "error_description": "Realm does not exist"},
                status=404,
            )
        if (form.get("client_id"), form.get("client_secret")) != (
            self.credentials.client_id,
            self.credentials.client_secret,
        ):
            return web.json_response(
                {"error": "invalid_client", "error_description": "Invalid client credentials"},
                status=401,
            )
        token = f"mis-token-{secrets.token_urlsafe(16)}"
        self.issued_tokens.append(token)
        self._token_expiry[token] = time.monotonic() + self.token_lifetime_s
        return web.json_response(
            {"access_token": token, "expires_in": self.token_lifetime_s, "token_type": "Bearer"}
        )

    def _bearer_problem(self, header: str) -> str | None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or token not in self._token_expiry:
            return "missing or unknown bearer token"
        if time.monotonic() > self._token_expiry[token]:
            return "the bearer token expired: tokens must open a connection within their lifetime"
        return None

    async def _bots(self, request: web.Request) -> web.StreamResponse:
        self.upgrade_attempts += 1
        await asyncio.sleep(self.upgrade_delay_s)
        scripted = next((answer for answer in self._upgrade_answers if answer.take()), None)
        if scripted is not None:
            return scripted.response()
        problem = self._bearer_problem(request.headers.get("Authorization", ""))
        if problem is not None:
            return web.json_response({"error": "unauthorized", "reason": problem}, status=401)
        ws = web.WebSocketResponse(autoping=self.answer_pings, heartbeat=None)
        await ws.prepare(request)
        record = ConnectionRecord(index=len(self.connections))
        exchange = Exchange(self, record, ws, request)
        self._live[record.index] = exchange
        async with self._new_connection:
            self.connections.append(record)
            self._new_connection.notify_all()
        try:
            await self._serve(exchange)
        finally:
            for task in list(record.tasks):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                    await task
            del self._live[record.index]
            record.ended.set()
        return ws

    async def _serve(self, x: Exchange) -> None:
        await self._trigger(x, "CONNECT", None, None)
        while not x.ws.closed and not x.record.gone:
            message = await x.ws.receive()
            if message.type is WSMsgType.TEXT:
                x.record.frames.append(message.data)
                decoded = decode_command(message.data)
                if isinstance(decoded, ProtocolViolation):
                    await self._trigger(x, "MALFORMED", None, message.data)
                else:
                    x.record.commands.append(decoded)
                    await self._trigger(x, decoded.name, decoded, message.data)
            elif message.type is WSMsgType.BINARY:
                x.record.frames.append(message.data)
                x.record.audio_bytes += len(message.data)
                await self._trigger(x, "AUDIO", None, message.data)
            elif message.type in (WSMsgType.PING, WSMsgType.PONG):
                continue  # only seen with answer_pings=False: ignored, like a hung peer
            else:
                if message.type is WSMsgType.CLOSE:
                    x.record.client_close_code = message.data
                return

    async def _trigger(self, x: Exchange, trigger: str, command: Command | None, raw: Any) -> None:
        rule = next((rule for rule in self.rules if rule.take(trigger)), None)
        if rule is not None:
            actions = rule.actions
        elif command is not None:
            actions = (reply(),)
        else:
            return
        try:
            await _run_actions(replace(x, command=command, raw=raw), actions)
        except ConnectionError:  # the client went away mid-script
            x.record.gone = True
