"""The client role: stamps and encodes commands, decodes and checks what the server sends.

It sends what the official SDK's ``Recognizer`` sends, refuses what the SDK refuses, and is
stricter in one way: while a command that changes the state (OPEN, RECOGNIZE, STOP, CLOSE)
awaits its reply, nothing else is sent, because the reply decides what is legal next.
Received frames never raise: anything odd comes back as a ``ProtocolViolation`` value that
still carries the decoded event, so a timeline can show both.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from workbench.protocol.codec import decode_command, decode_event, encode_command
from workbench.protocol.messages import (
    SUCCESS_REPLY,
    Command,
    ErrorEvent,
    Event,
    Open,
    Opened,
    ProtocolViolation,
    RecognitionComplete,
    RecognitionInProgress,
    Recognize,
    StartOfInput,
    Stopped,
)
from workbench.protocol.states import (
    AUDIO_STATES,
    STATE_CHANGING,
    LocalProtocolError,
    SessionState,
    next_state,
    refusal,
    unexpected,
)

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True, slots=True)
class OutgoingCommand:
    """A command stamped with its request and channel ids, and the exact text to send."""

    command: Command
    text: str


class ClientProtocol:
    """Sans-IO client side of one H2B connection."""

    def __init__(self) -> None:
        self._state = SessionState.NO_SESSION
        self._last_request_id = 0
        self._channel_id = ""
        self._pending: dict[int, Command] = {}
        self._recognition: Recognize | None = None
        self._start_of_input_seen = False

    # -- what the UI and the controller read ---------------------------------------------------

    @property
    def state(self) -> SessionState:
        """The session state, as the server's events have established it."""
        return self._state

    @property
    def channel_id(self) -> str:
        """The id the server gave the current (or last) session."""
        return self._channel_id

    @property
    def pending(self) -> Mapping[int, Command]:
        """Commands sent and not yet answered, by request id."""
        return MappingProxyType(self._pending)

    @property
    def recognition(self) -> Recognize | None:
        """The RECOGNIZE whose recognition is running, if any."""
        return self._recognition

    def why_not(self, command: type[Command]) -> str | None:
        """Why ``command`` cannot be sent now (for a disabled button's tooltip), or None."""
        for request_id, waiting in self._pending.items():
            if type(waiting) in STATE_CHANGING:
                return (
                    f"{command.name} must wait: {waiting.name} (request {request_id}) "
                    "has not been answered yet"
                )
        return refusal(self._state, command)

    def why_no_audio(self) -> str | None:
        """Why audio cannot be sent now, or None."""
        if self._state in AUDIO_STATES:
            return None
        return "audio needs an open session: OPEN one first"

    # -- sending -------------------------------------------------------------------------------

    def send(self, command: Command) -> OutgoingCommand:
        """Stamp ``command`` with the next request id and the session's channel id, and encode it.

        Raises ``LocalProtocolError`` (and sends nothing) when the state forbids it.
        """
        reason = self.why_not(type(command))
        if reason is not None:
            raise LocalProtocolError(reason)
        self._last_request_id += 1
        channel_id = command.channel_id if isinstance(command, Open) else self._channel_id
        stamped = dataclasses.replace(
            command, request_id=self._last_request_id, channel_id=channel_id
        )
        self._pending[stamped.request_id] = stamped
        return OutgoingCommand(stamped, encode_command(stamped))

    def send_raw(self, text: str) -> Command | None:
        """Record an expert's hand-written frame, bypassing every check, so its reply pairs.

        Returns the command the frame holds (None if it holds none); the caller sends ``text``.
        """
        decoded = decode_command(text)
        if isinstance(decoded, ProtocolViolation):
            return None
        self._pending[decoded.request_id] = decoded
        self._last_request_id = max(self._last_request_id, decoded.request_id)
        return decoded

    def send_audio(self, chunk: bytes) -> bytes:
        """Check that audio may flow and return the binary frame (the chunk itself)."""
        reason = self.why_no_audio()
        if reason is not None:
            raise LocalProtocolError(reason)
        return chunk

    # -- receiving -----------------------------------------------------------------------------

    def receive(self, raw: str | bytes) -> Event | ProtocolViolation:
        """Decode a server frame, check it against the state and the pending requests, apply it."""
        decoded = decode_event(raw)
        if isinstance(decoded, ProtocolViolation):
            return decoded
        event = decoded
        command, problems = self._pair(event)
        target = next_state(self._state, type(event))
        if target is None:
            problems.insert(0, unexpected(self._state, type(event)))
        else:
            self._apply(event, target, command)
        if problems:
            return ProtocolViolation(
                raw=raw if isinstance(raw, str) else "",
                reason="; ".join(problems),
                request_id=event.request_id,
                event=event,
            )
        return event

    def _pair(self, event: Event) -> tuple[Command | None, list[str]]:
        """Find the request ``event`` belongs to; also return what is wrong, if anything."""
        if not event.is_reply:
            return self._recognition, self._check_async(event)
        command = self._pending.pop(event.request_id, None)
        if command is None:
            command = self._guess_request(event)
            note = (
                f"; it probably answers {command.name} (request {command.request_id})"
                if command
                else ""
            )
            return command, [
                f"{event.name} answers request {event.request_id}, "
                f"which is not waiting for a reply{note}"
            ]
        if isinstance(event, ErrorEvent) or SUCCESS_REPLY[type(command)] is type(event):
            return command, []
        expected = SUCCESS_REPLY[type(command)].name
        return command, [
            f"{event.name} cannot answer {command.name} (request {command.request_id}); "
            f"expected {expected} or an error event"
        ]

    def _guess_request(self, event: Event) -> Command | None:
        """A reply with a wrong request id: if exactly one pending command fits, retire it."""
        fits = [cmd for cmd in self._pending.values() if SUCCESS_REPLY[type(cmd)] is type(event)]
        if len(fits) != 1:
            return None
        return self._pending.pop(fits[0].request_id)

    def _check_async(self, event: Event) -> list[str]:
        recognition = self._recognition
        if recognition is None:
            return []  # the state table reports it
        problems = []
        if event.request_id != recognition.request_id:
            problems.append(
                f"{event.name} carries request {event.request_id}, but the running "
                f"recognition is request {recognition.request_id}"
            )
        if isinstance(event, StartOfInput):
            if recognition.recognition_mode == "hotword":
                problems.append("START-OF-INPUT must not be sent in hotword mode")
            if self._start_of_input_seen:
                problems.append("START-OF-INPUT was already sent for this recognition")
            self._start_of_input_seen = True
        return problems

    def _apply(self, event: Event, target: SessionState, command: Command | None) -> None:
        if isinstance(event, Opened):
            self._channel_id = event.channel_id
        elif isinstance(event, RecognitionInProgress):
            self._recognition = (
                command
                if isinstance(command, Recognize)
                else Recognize(
                    grammars=(), request_id=event.request_id, channel_id=event.channel_id
                )
            )
            self._start_of_input_seen = False
        elif isinstance(event, RecognitionComplete | Stopped):
            self._recognition = None
        self._state = target
