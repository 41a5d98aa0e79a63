"""One ``/bots`` WebSocket: commands through the server role, audio into the running recognition.

Every frame is handled in arrival order. A lock serialises what goes out: a command's reply and
the recognition's own events (START-OF-INPUT, RECOGNITION-COMPLETE) never interleave, and once
STOP is answered the stopped recognition can no longer speak.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

from aiohttp import WSMsgType, web

from workbench.audio import g711
from workbench.protocol.causes import CompletionCause
from workbench.protocol.messages import (
    Close,
    Closed,
    Command,
    DefaultParams,
    DefineGrammar,
    Event,
    GetParams,
    GrammarDefined,
    InputTimersStarted,
    MethodFailed,
    Open,
    Opened,
    ParamsSet,
    ProtocolViolation,
    RecognitionInProgress,
    Recognize,
    SetParams,
    StartInputTimers,
    Stop,
    Stopped,
)
from workbench.protocol.server_role import ServerProtocol, make_channel_id
from workbench.protocol.states import LocalProtocolError
from workbench.recognition.engine import Engine
from workbench.server.recognition_run import RecognitionRun

log = logging.getLogger(__name__)


class BotConnection:
    """Serves one client connection until it closes (several sessions in turn)."""

    def __init__(self, ws: web.WebSocketResponse, engine: Engine) -> None:
        self._ws = ws
        self._engine = engine
        self._protocol = ServerProtocol()
        self._send_lock = asyncio.Lock()
        self._run: RecognitionRun | None = None
        self._odd_byte = b""

    async def run(self) -> None:
        """Read frames until the client goes away; always leaves no task behind."""
        try:
            async for message in self._ws:
                if message.type is WSMsgType.TEXT:
                    await self._on_text(message.data)
                elif message.type is WSMsgType.BINARY:
                    self._on_audio(message.data)
                elif message.type is WSMsgType.ERROR:
                    log.info("connection error: %s", self._ws.exception())
                    break
        finally:
            await self._end_recognition()
            if self._ws.close_code is not None and self._ws.close_code >= 1002:
                log.info("connection closed with code %s", self._ws.close_code)

    # -- commands ------------------------------------------------------------------------------

    async def _on_text(self, text: str) -> None:
        async with self._send_lock:
            judged = self._protocol.receive(text)
            if isinstance(judged, ProtocolViolation):
                log.info("refused a command: %s", judged.reason)
                await self._ws.send_str(self._protocol.refuse(judged))
                return
            log.debug("%s (request %s)", judged.name, judged.request_id)
            reply = await self._carry_out(judged)
            await self._ws.send_str(self._protocol.send(reply))
            if isinstance(judged, Recognize) and isinstance(reply, RecognitionInProgress):
                self._start_recognition(judged)

    async def _carry_out(self, command: Command) -> Event:
        if isinstance(command, Open):
            self._odd_byte = b""
            channel = make_channel_id(command.channel_id, secrets.token_hex(6))
            return Opened(request_id=command.request_id, channel_id=channel)
        if isinstance(command, SetParams):
            return self._reply(ParamsSet, command)
        if isinstance(command, GetParams):
            return self._reply(DefaultParams, command, headers=self._protocol.session_params)
        if isinstance(command, DefineGrammar):
            return self._reply(GrammarDefined, command)
        if isinstance(command, Recognize):
            return self._accept_recognition(command)
        if isinstance(command, StartInputTimers):
            if self._run is not None:
                self._run.start_input_timers()
            return self._reply(InputTimersStarted, command)
        if isinstance(command, Stop):
            await self._end_recognition()
            return self._reply(Stopped, command)
        if isinstance(command, Close):
            return self._reply(Closed, command)
        raise AssertionError(f"unhandled command {command.name}")  # pragma: no cover

    def _reply(self, kind: type[Event], command: Command, **fields: Any) -> Event:
        return kind(request_id=command.request_id, channel_id=self._protocol.channel_id, **fields)

    def _accept_recognition(self, command: Recognize) -> Event:
        params = self._protocol.effective_params(command)
        language = str(params.get("speech_language", ""))
        available = self._engine.languages()
        if language.split("-", maxsplit=1)[0].lower() in available:
            return self._reply(RecognitionInProgress, command)
        return self._reply(
            MethodFailed,
            command,
            completion_cause=CompletionCause.LANGUAGE_UNSUPPORTED,
            completion_reason=(
                f"speech_language {language!r} is not supported by this local server "
                f"({self._engine.name}); available: {', '.join(sorted(available))}. "
                "Set speech_language with SET-PARAMS or in RECOGNIZE."
            ),
        )

    # -- recognition ---------------------------------------------------------------------------

    def _start_recognition(self, command: Recognize) -> None:
        grammars = [(uri, self._protocol.resolve_grammar(uri)) for uri in command.grammars]
        self._run = RecognitionRun(
            recognize=command,
            params=self._protocol.effective_params(command),
            grammars=grammars,
            engine=self._engine,
            channel_id=self._protocol.channel_id,
            emit=self._emit,
        )
        self._run.start()

    async def _emit(self, run: RecognitionRun, event: Event) -> bool:
        """Send a recognition event if ``run`` is still the live one; False if it is not."""
        async with self._send_lock:
            if run is not self._run:
                return False
            try:
                text = self._protocol.send(event)
            except LocalProtocolError as error:  # a bug: say so, never crash the connection
                log.error("recognition event refused by the protocol core: %s", error)
                return False
            if run.finished:
                self._run = None
            await self._ws.send_str(text)
            return True

    async def _end_recognition(self) -> None:
        run, self._run = self._run, None
        if run is not None:
            await run.cancel()

    # -- audio ---------------------------------------------------------------------------------

    def _on_audio(self, data: bytes) -> None:
        if not self._protocol.receive_audio(data):
            return  # outside a session: ignored, as the real service does
        session = self._protocol.session
        codec = session.audio_codec if session is not None else "linear"
        if codec == "linear":
            data, self._odd_byte = self._odd_byte + data, b""
            if len(data) % 2:
                data, self._odd_byte = data[:-1], data[-1:]
        if self._run is not None:
            self._run.feed(g711.decode(codec, data))
