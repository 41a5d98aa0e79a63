"""The session controller: commands from the UI or the CLI, audio, and the timeline, on one socket.

Theory of operation
-------------------
The controller glues four pieces. :class:`~workbench.protocol.client_role.ClientProtocol` decides
what may be sent and pairs replies with requests; the connection
(:class:`~workbench.client.connection.H2BConnection`) moves frames; the
:class:`~workbench.session.timeline.Timeline` records every frame with its wall and monotonic
times (read here, from the injected clocks: the core reads none); an
:class:`~workbench.controller.audio_forwarder.AudioForwarder` streams audio while a session is
open.

A command is checked by the core first: a refusal raises :class:`ActionRefused` with the core's
reason and nothing is sent, nothing is recorded. An accepted command is recorded, written, and
awaited: its reply resolves the wait (an error event raises :class:`CommandFailed`), a timer fails
it after ``reply_timeout`` (:class:`ReplyTimeoutError`). RECOGNIZE returns at once with a
:class:`PendingRecognition`, whose reply and result arrive on their own.

One receive task feeds every frame to the core and the timeline, then routes what decoded: a
reply to the request the core paired it with (the core also pairs a reply whose request id is
wrong when only one pending command fits; such a frame is still a violation in the timeline), a
recognition event to its recognition. When the socket ends without our asking, every wait fails
with :class:`RequestLost` and the timeline says what was lost and what to do. The controller owns
its tasks (the receive task, the audio sender) and :meth:`aclose` cancels and awaits them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

from workbench.audio.sent_history import SentAudioHistory
from workbench.controller.audio_forwarder import AudioCounters, AudioForwarder, SentHook
from workbench.controller.commands import E, SessionCommands
from workbench.controller.errors import ActionRefused, ReplyTimeoutError
from workbench.controller.losses import LossReport
from workbench.controller.pending import PendingRecognition, ReplyWaiter
from workbench.controller.requests import RequestBook
from workbench.controller.state import (
    ConnectionStatus,
    ControllerState,
    StateCallback,
    StateObservers,
)
from workbench.protocol.client_role import ClientProtocol
from workbench.protocol.messages import (
    COMMAND_TYPES,
    Closed,
    Command,
    Event,
    Open,
    Opened,
    ProtocolViolation,
    Recognize,
)
from workbench.protocol.states import LocalProtocolError, SessionState

if TYPE_CHECKING:
    from workbench.audio.stream import AudioStream
    from workbench.client.connection import H2BConnection
    from workbench.client.notes import ConnectionNote
    from workbench.client.profiles import ConnectionProfile, Credentials
    from workbench.session.timeline import Timeline

_log = logging.getLogger(__name__)

DEFAULT_REPLY_TIMEOUT = 10.0
"""Seconds a command waits for its reply; the local server answers in milliseconds."""


class ConnectionFactory(Protocol):
    """Opens a connection (``H2BConnection.open`` has this shape)."""

    def __call__(
        self,
        profile: ConnectionProfile,
        credentials: Credentials,
        *,
        observer: Callable[[ConnectionNote], None] | None = ...,
    ) -> Awaitable[H2BConnection]: ...


class SessionController(SessionCommands):
    """Drives one H2B connection and its sessions; see the module docstring."""

    def __init__(
        self,
        connection_factory: ConnectionFactory,
        timeline: Timeline,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
        audio_history: SentAudioHistory | None = None,
    ) -> None:
        self._factory = connection_factory
        self.timeline = timeline
        self.audio_history = audio_history if audio_history is not None else SentAudioHistory()
        """The audio sent (what the server heard), by stream position: the timeline's
        ``audio_sample`` stamps point into it."""
        self._clock = clock
        self._wall = wall
        self._protocol = ClientProtocol()
        self._connection: H2BConnection | None = None
        self._connecting = False
        self._closing = False
        self._receive_task: asyncio.Task[None] | None = None
        self._requests = RequestBook(reply_timeout, self._timed_out)
        self._codec: str | None = None
        self._forwarder: AudioForwarder | None = None
        self._observers = StateObservers()

    # -- what the UI reads ---------------------------------------------------------------------

    @property
    def state(self) -> ControllerState:
        """A snapshot of the connection, the session and what is awaited."""
        if self._connection is not None:
            connection = ConnectionStatus.CONNECTED
        elif self._connecting:
            connection = ConnectionStatus.CONNECTING
        else:
            connection = ConnectionStatus.DISCONNECTED
        protocol = self._protocol
        running = protocol.recognition
        return ControllerState(
            connection=connection,
            session=protocol.state,
            channel_id=protocol.channel_id,
            codec=self._codec,
            recognition=running.request_id if running is not None else None,
            waiting=tuple(command.name for command in protocol.pending.values()),
        )

    @property
    def protocol(self) -> ClientProtocol:
        """The protocol core (read it; sending through it would bypass the timeline)."""
        return self._protocol

    @property
    def reply_timeout(self) -> float:
        """Seconds a command waits for its reply."""
        return self._requests.timeout

    @property
    def audio_counters(self) -> AudioCounters | None:
        """What became of the attached stream's chunks (None when none is attached)."""
        return self._forwarder.counters if self._forwarder is not None else None

    def subscribe(self, callback: StateCallback) -> Callable[[], None]:
        """Call ``callback(state)`` whenever :attr:`state` changes; returns the unsubscriber."""
        return self._observers.subscribe(callback)

    def why_not(self, action: type[Command] | str) -> str | None:
        """Why ``action`` cannot be done now (for a disabled button's tooltip), or None.

        ``action`` is a command class or wire name (``"RECOGNIZE"``), or ``"connect"``,
        ``"disconnect"``, ``"audio"`` or ``"send_raw"``.
        """
        if action == "connect":
            if self._connection is not None or self._connecting:
                return "already connected (or connecting): disconnect first"
            return None
        if self._connection is None:
            return "not connected: connect to a server first"
        if action in ("disconnect", "send_raw"):
            return None
        if action == "audio":
            return self._protocol.why_no_audio()
        command = COMMAND_TYPES.get(action) if isinstance(action, str) else action
        if command is None:
            raise ValueError(f"unknown action {action!r}")
        return self._protocol.why_not(command)

    # -- connection ----------------------------------------------------------------------------

    async def connect(self, profile: ConnectionProfile, credentials: Credentials) -> None:
        """Get a token and open the WebSocket; raises ``ConnectionFailure`` in plain words."""
        refused = self.why_not("connect")
        if refused is not None:
            raise ActionRefused(refused)
        for secret in (credentials.client_secret, credentials.password):
            self.timeline.register_secret(secret)
        self._connecting = True
        self._publish()
        try:
            connection = await self._factory(profile, credentials, observer=self._on_note)
        finally:
            self._connecting = False
            self._publish()
        if connection.token is not None:
            self.timeline.register_secret(connection.token.value)
        self._protocol = ClientProtocol()
        self._codec = None
        self._connection, self._closing = connection, False
        self._receive_task = asyncio.create_task(
            self._receive(connection), name="controller-receive"
        )
        self._publish()

    async def disconnect(self) -> None:
        """Close the WebSocket cleanly; whatever was awaited fails with ``RequestLost``."""
        connection, task = self._connection, self._receive_task
        if connection is None:
            return
        self._closing = True
        try:
            await connection.close()
        finally:
            if task is not None:
                # The frames end once the socket has closed; a stuck reader is cancelled.
                done, _ = await asyncio.wait({task}, timeout=self.reply_timeout)
                if not done:
                    task.cancel()
                    await asyncio.wait({task})
                self._receive_task = None
            self._connection_ended(connection)

    async def aclose(self) -> None:
        """Disconnect, detach the audio, cancel every timer and wait (all awaited)."""
        try:
            await self.disconnect()
        finally:
            await self.detach_audio()
            self._requests.cancel_all()

    # -- sending -------------------------------------------------------------------------------

    async def send_raw(self, text: str) -> Command | None:
        """Send an expert's hand-written text frame as is, past every check.

        Returns the command it holds (its reply pairs in the timeline), or None when the text
        is not a command (the server's answer shows in the timeline). Nothing awaits a reply.
        """
        connection = self._require_connection()
        mono, wall = self._clock(), self._wall()
        command = self._protocol.send_raw(text)
        self.timeline.command_sent(command, text, wall, mono)
        self._publish()
        await connection.send_text(text)
        return command

    # -- audio ---------------------------------------------------------------------------------

    def attach_audio(self, stream: AudioStream, *, on_sent: SentHook | None = None) -> None:
        """Send ``stream``'s chunks while a session accepts audio (idle or recognising).

        The stream is switched to the session's codec at every OPEN. Chunks made while no
        session is open are not sent, only counted (:attr:`audio_counters`). ``on_sent`` is
        called with each chunk and the clock right after its frame was written (benchmarks).
        """
        if self._forwarder is not None:
            raise ActionRefused("a stream is already attached: detach it first")
        self._forwarder = AudioForwarder(
            stream,
            self.timeline,
            why_no_audio=lambda: self.why_not("audio"),
            send=self._send_audio,
            clock=self._clock,
            wall=self._wall,
            on_sent=on_sent,
            history=self.audio_history,
        )
        if self._codec is not None:
            self._forwarder.session_opened(self._codec)

    async def detach_audio(self) -> None:
        """Stop sending the attached stream (the stream itself keeps running)."""
        forwarder, self._forwarder = self._forwarder, None
        if forwarder is not None:
            await forwarder.aclose()

    async def _send_audio(self, payload: bytes) -> None:
        connection = self._require_connection()
        await connection.send_bytes(self._protocol.send_audio(payload))

    def _require_connection(self) -> H2BConnection:
        if self._connection is None:
            raise ActionRefused("not connected: connect to a server first")
        return self._connection

    async def _request(self, command: Command, reply: type[E]) -> E:
        waiter = await self._send(command)
        event = await asyncio.shield(waiter.future)
        assert isinstance(event, reply)
        return event

    async def _recognition(self, command: Recognize) -> PendingRecognition:
        waiter = await self._send(command)
        return self._requests.recognition(waiter.command.request_id)

    async def _send(self, command: Command) -> ReplyWaiter:
        """Check, stamp, record and write ``command``; its reply will resolve the waiter."""
        connection = self._require_connection()
        try:
            outgoing = self._protocol.send(command)
        except LocalProtocolError as error:
            raise ActionRefused(str(error)) from None
        stamped = outgoing.command
        mono, wall = self._clock(), self._wall()
        waiter = self._requests.sent(stamped, mono)
        if isinstance(stamped, Open) and self._forwarder is not None:
            self._forwarder.prepare_codec(stamped.audio_codec)
        # Recorded before writing: the reply may be handled before the write returns.
        self.timeline.command_sent(stamped, outgoing.text, wall, mono)
        self._publish()
        await connection.send_text(outgoing.text)
        return waiter

    def _timed_out(self, error: ReplyTimeoutError) -> None:
        request_id = error.command.request_id
        mono, wall = self._clock(), self._wall()
        self.timeline.note("note", "no reply", str(error), wall, mono, request_id=request_id)

    # -- receiving -----------------------------------------------------------------------------

    async def _receive(self, connection: H2BConnection) -> None:
        try:
            while (frame := await connection.receive()) is not None:
                try:
                    self._on_frame(frame)
                except Exception:  # a bug handling one frame must not end the connection
                    _log.exception("handling a received frame failed")
        finally:
            self._connection_ended(connection)

    def _on_frame(self, raw: str | bytes) -> None:
        mono, wall = self._clock(), self._wall()
        protocol = self._protocol
        pending = dict(protocol.pending)
        running = protocol.recognition
        decoded = protocol.receive(raw)
        self.timeline.frame_received(raw, decoded, wall, mono)
        event = decoded.event if isinstance(decoded, ProtocolViolation) else decoded
        if event is not None and event.is_reply:
            # The core retired the request it paired this reply with (even one guessed
            # despite a wrong request id): that is the wait to end.
            for request_id in pending.keys() - protocol.pending.keys():
                self._apply_reply(pending[request_id], event)
                self._requests.answered(pending[request_id], event, running, mono)
        elif event is not None:
            self._requests.recognition_event(event, running, mono)
        self._publish()

    def _apply_reply(self, command: Command, event: Event) -> None:
        if isinstance(event, Opened) and isinstance(command, Open):
            self._codec = command.audio_codec
            if self._forwarder is not None:
                self._forwarder.session_opened(command.audio_codec)
        elif isinstance(event, Closed):
            self._session_ended("session closed")

    def _session_ended(self, why: str) -> None:
        self._codec = None
        if self._forwarder is not None:
            self._forwarder.session_ended(why)

    def _connection_ended(self, connection: H2BConnection) -> None:
        """The socket is gone: fail every wait, say what was lost, forget the session."""
        if self._connection is not connection:
            return  # already handled
        self._connection = None
        info = connection.close_info
        dropped = not self._closing and not (info is not None and info.expected)
        had_session = self._protocol.state is not SessionState.NO_SESSION
        report = LossReport(
            dropped=dropped,
            how=info.describe() if info is not None else "the connection ended",
            session=self._protocol.channel_id if had_session else None,
            commands=self._requests.waiting,
            recognitions=self._requests.recognitions,
        )
        self._requests.lost(report)
        if report.anything_lost:
            mono, wall = self._clock(), self._wall()
            lost = report.lost_items()
            self.timeline.note("connection", "lost", report.summary(), wall, mono, lost=lost)
        self._session_ended("connection dropped" if dropped else "connection closed")
        self._protocol = ClientProtocol()
        self._publish()

    def _on_note(self, note: ConnectionNote) -> None:
        self.timeline.note(note.kind, note.name, note.text, note.wall, note.mono, **note.data)

    def _publish(self) -> None:
        self._observers.publish(self.state)
