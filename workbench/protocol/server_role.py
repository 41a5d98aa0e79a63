"""The server role: decodes and judges commands, names the error to answer, tracks the session.

A server built on this core does three things in a loop: hand each text frame to
:meth:`ServerProtocol.receive`; for an accepted command, do the work and send exactly one reply
through :meth:`ServerProtocol.send`; for a ``ProtocolViolation``, send its ``answer``. The core
keeps what a session owns that is pure data (its attributes, parameter defaults and grammar
aliases) and applies a command's effect only when its success reply is sent, so a failed
command changes nothing. Engine-specific failures (an unsupported language, a recognizer error)
are the server's to decide; it answers them with ``MethodFailed`` through :meth:`send`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from workbench.protocol.causes import CompletionCause
from workbench.protocol.codec import decode_command, encode_event
from workbench.protocol.grammars import (
    GrammarError,
    parse_grammar_uri,
    validate_alias,
    validate_grammar_uri,
)
from workbench.protocol.messages import (
    SUCCESS_REPLY,
    URI_LIST,
    Command,
    DefineGrammar,
    ErrorEvent,
    Event,
    InvalidParamValue,
    JsonObject,
    MethodFailed,
    MethodNotAllowed,
    Open,
    ProtocolViolation,
    RecognitionComplete,
    Recognize,
    SetParams,
    StartOfInput,
)
from workbench.protocol.params import (
    AUDIO_CODECS,
    ParamScope,
    default_params,
    validate_params,
)
from workbench.protocol.states import (
    AUDIO_STATES,
    LocalProtocolError,
    SessionState,
    next_state,
    refusal,
    unexpected,
)

if TYPE_CHECKING:
    from workbench.protocol.grammars import GrammarUri


def make_channel_id(prefix: str, unique: str) -> str:
    """The session id the server announces: the client's prefix (if any), a dash, a unique part."""
    return f"{prefix}-{unique}" if prefix else unique


class _Refused(Exception):  # noqa: N818 - internal signal, never escapes this module
    def __init__(self, answer: type[ErrorEvent], reason: str, cause: CompletionCause | None = None):
        super().__init__(reason)
        self.answer = answer
        self.reason = reason
        self.cause = cause


class ServerProtocol:
    """Sans-IO server side of one H2B connection (several sessions in turn)."""

    def __init__(self) -> None:
        self._state = SessionState.NO_SESSION
        self._channel_id = ""
        self._open: Open | None = None
        self._params: JsonObject = {}
        self._aliases: dict[str, str] = {}
        self._awaiting: Command | None = None
        self._recognition: Recognize | None = None
        self._start_of_input_sent = False

    # -- what the server reads ----------------------------------------------------------------

    @property
    def state(self) -> SessionState:
        """The session state, as the events sent so far have established it."""
        return self._state

    @property
    def channel_id(self) -> str:
        """The current session's id (empty before the first OPENED)."""
        return self._channel_id

    @property
    def session(self) -> Open | None:
        """The OPEN that started the current session (codec, custom_id, session_id)."""
        return self._open if self._state is not SessionState.NO_SESSION else None

    @property
    def session_params(self) -> JsonObject:
        """Every parameter with its session value (defaults overlaid with SET-PARAMS)."""
        return {**default_params(), **self._params}

    @property
    def aliases(self) -> dict[str, str]:
        """``alias`` → builtin URI text, for the current session."""
        return dict(self._aliases)

    @property
    def awaiting(self) -> Command | None:
        """The accepted command whose reply has not been sent yet."""
        return self._awaiting

    @property
    def recognition(self) -> Recognize | None:
        """The running recognition's RECOGNIZE, if any."""
        return self._recognition

    def effective_params(self, recognize: Recognize) -> JsonObject:
        """The parameters a recognition runs with: session values, then its own overrides."""
        return {
            **self.session_params,
            **recognize.params,
            "recognition_mode": recognize.recognition_mode,
            "start_input_timers": recognize.start_input_timers,
        }

    def resolve_grammar(self, written: str) -> GrammarUri:
        """The builtin grammar a URI of an accepted RECOGNIZE stands for (aliases followed)."""
        uri = parse_grammar_uri(written)
        if uri.is_session:
            return parse_grammar_uri(self._aliases[uri.path])
        return uri

    # -- receiving ----------------------------------------------------------------------------

    def receive_audio(self, chunk: bytes) -> bool:
        """True if the chunk belongs to a session; False if it must be ignored (no session)."""
        del chunk
        return self._state in AUDIO_STATES

    def receive(self, raw: str | bytes) -> Command | ProtocolViolation:
        """Judge a text frame: an accepted command (reply owed) or a violation with its answer."""
        if self._awaiting is not None:
            raise LocalProtocolError(
                f"answer {self._awaiting.name} (request {self._awaiting.request_id}) "
                "before reading the next command"
            )
        decoded = decode_command(raw)
        if isinstance(decoded, ProtocolViolation):
            if decoded.answer is not None and self._state is not SessionState.NO_SESSION:
                answer = dataclasses.replace(decoded.answer, channel_id=self._channel_id)
                return dataclasses.replace(decoded, answer=answer)
            return decoded
        command = decoded
        try:
            self._judge(command)
        except _Refused as refused:
            answer = refused.answer(
                request_id=command.request_id,
                channel_id=self._channel_id or command.channel_id,
                completion_cause=refused.cause,
                completion_reason=refused.reason,
            )
            return ProtocolViolation(
                raw=raw if isinstance(raw, str) else "",
                reason=refused.reason,
                request_id=command.request_id,
                command=command,
                answer=answer,
            )
        self._awaiting = command
        return command

    def _judge(self, command: Command) -> None:
        reason = refusal(self._state, type(command))
        if reason is not None:
            raise _Refused(MethodNotAllowed, reason)
        if isinstance(command, Open):
            self._judge_open(command)
        elif isinstance(command, SetParams):
            self._judge_params(command.params, ParamScope.SET_PARAMS)
        elif isinstance(command, DefineGrammar):
            self._judge_define(command)
        elif isinstance(command, Recognize):
            self._judge_recognize(command)

    @staticmethod
    def _judge_open(command: Open) -> None:
        if command.audio_codec not in AUDIO_CODECS:
            raise _Refused(
                InvalidParamValue,
                f"audio_codec={command.audio_codec!r} is not supported: "
                f"use one of {', '.join(AUDIO_CODECS)}",
            )

    @staticmethod
    def _judge_params(params: JsonObject, scope: ParamScope) -> None:
        errors = validate_params(params, scope=scope)
        if errors:
            raise _Refused(InvalidParamValue, "; ".join(str(error) for error in errors))

    def _judge_define(self, command: DefineGrammar) -> None:
        if command.content_type != URI_LIST:
            raise _Refused(
                InvalidParamValue,
                f"content_type={command.content_type!r} is not supported: use {URI_LIST!r}",
            )
        problem = validate_alias(command.alias)
        if problem is not None:
            raise _Refused(InvalidParamValue, problem)
        failure = CompletionCause.GRAM_DEFINITION_FAILURE
        try:
            uri = parse_grammar_uri(command.uri)
        except GrammarError as error:
            raise _Refused(MethodFailed, str(error), failure) from None
        if not uri.is_builtin:
            raise _Refused(
                MethodFailed,
                f"cannot define {command.alias!r} as {command.uri!r}: "
                "an alias must stand for a builtin: grammar",
                failure,
            )
        problems = validate_grammar_uri(uri)
        if problems:
            raise _Refused(MethodFailed, "; ".join(p.message for p in problems), failure)

    def _judge_recognize(self, command: Recognize) -> None:
        if command.content_type != URI_LIST:
            raise _Refused(
                InvalidParamValue,
                f"content_type={command.content_type!r} is not supported: use {URI_LIST!r}",
            )
        headers = {"recognition_mode": command.recognition_mode, **command.params}
        self._judge_params(headers, ParamScope.RECOGNIZE)
        failure = CompletionCause.GRAM_LOAD_FAILURE
        for written in command.grammars:
            try:
                uri = parse_grammar_uri(written)
            except GrammarError as error:
                raise _Refused(MethodFailed, str(error), failure) from None
            if uri.is_session:
                if uri.path not in self._aliases:
                    raise _Refused(MethodFailed, f"unknown grammar {written!r}", failure)
                continue
            problems = validate_grammar_uri(uri)
            if problems:
                raise _Refused(MethodFailed, "; ".join(p.message for p in problems), failure)

    # -- sending ------------------------------------------------------------------------------

    @staticmethod
    def refuse(violation: ProtocolViolation) -> str:
        """The text frame answering a refused command (the violation's error event)."""
        if violation.answer is None:
            raise LocalProtocolError(f"nothing to answer for: {violation.reason}")
        return encode_event(violation.answer)

    def send(self, event: Event) -> str:
        """Check ``event`` is a legal thing to send now, apply it, and return its text frame.

        Raises ``LocalProtocolError`` for a server bug: a reply to nothing, a second reply, an
        asynchronous event outside a recognition or while a reply is owed, START-OF-INPUT twice
        or in hotword mode.
        """
        if event.is_reply:
            self._check_reply(event)
        else:
            self._check_async(event)
        target = next_state(self._state, type(event))
        if target is None:
            raise LocalProtocolError(unexpected(self._state, type(event)))
        self._apply(event, target)
        return encode_event(event)

    def _check_reply(self, event: Event) -> None:
        command = self._awaiting
        if command is None:
            raise LocalProtocolError(f"{event.name} answers nothing: no command awaits a reply")
        if event.request_id != command.request_id:
            raise LocalProtocolError(
                f"{event.name} carries request {event.request_id}, "
                f"but the command awaiting a reply is {command.name} (request {command.request_id})"
            )
        if not isinstance(event, ErrorEvent) and SUCCESS_REPLY[type(command)] is not type(event):
            raise LocalProtocolError(f"{event.name} cannot answer {command.name}")
        if isinstance(command, Open) and not isinstance(event, ErrorEvent):
            prefix = command.channel_id
            if prefix and not event.channel_id.startswith(prefix):
                raise LocalProtocolError(
                    f"channel_id {event.channel_id!r} must start with the prefix {prefix!r}"
                )

    def _check_async(self, event: Event) -> None:
        if self._awaiting is not None:
            raise LocalProtocolError(
                f"answer {self._awaiting.name} (request {self._awaiting.request_id}) "
                f"before sending {event.name}"
            )
        recognition = self._recognition
        if recognition is None:
            raise LocalProtocolError(f"{event.name} outside a recognition")
        if event.request_id != recognition.request_id:
            raise LocalProtocolError(
                f"{event.name} must carry the RECOGNIZE request id {recognition.request_id}"
            )
        if isinstance(event, StartOfInput):
            if recognition.recognition_mode == "hotword":
                raise LocalProtocolError("START-OF-INPUT is never sent in hotword mode")
            if self._start_of_input_sent:
                raise LocalProtocolError("START-OF-INPUT was already sent for this recognition")
            self._start_of_input_sent = True

    def _apply(self, event: Event, target: SessionState) -> None:
        command, self._awaiting = self._awaiting, None
        if event.is_reply and not isinstance(event, ErrorEvent) and command is not None:
            self._apply_success(command, event)
        if isinstance(event, RecognitionComplete) or target is not SessionState.RECOGNITION:
            self._recognition = None
        self._state = target

    def _apply_success(self, command: Command, event: Event) -> None:
        if isinstance(command, Open):
            self._open = command
            self._channel_id = event.channel_id
            self._params = {}
            self._aliases = {}
        elif isinstance(command, SetParams):
            self._params.update(command.params)
        elif isinstance(command, DefineGrammar):
            self._aliases[command.alias] = command.uri
        elif isinstance(command, Recognize):
            self._recognition = command
            self._start_of_input_sent = False
