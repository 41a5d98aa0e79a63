"""The H2B vocabulary: commands the client sends, events the server sends, recognition results.

Everything here is a frozen dataclass named after the wire. Envelope fields (``request_id``,
``channel_id``) are keyword-only with neutral defaults so that a client can build a command
without them and let its protocol core stamp them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeAlias

from workbench.protocol.causes import CompletionCause

JsonValue: TypeAlias = Any
"""Any value JSON can carry (kept as ``Any``: parameter maps and NLU values are open-ended)."""

JsonObject: TypeAlias = dict[str, JsonValue]

URI_LIST = "text/uri-list"


# ---------------------------------------------------------------------------------------------
# Commands (client → server)


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """Base of the eight client commands."""

    name: ClassVar[str]
    request_id: int = 0
    channel_id: str = ""

    def wire_headers(self) -> JsonObject:
        """The ``headers`` object, keys in the order the official SDK writes them."""
        return {}

    def wire_body(self) -> str:
        """The ``body`` string."""
        return ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Open(Command):
    """OPEN a session; ``channel_id`` is the optional prefix of the id the server generates."""

    name: ClassVar[str] = "OPEN"
    custom_id: str = ""
    session_id: str = ""
    audio_codec: str = "linear"

    def wire_headers(self) -> JsonObject:
        return {
            "custom_id": self.custom_id,
            "audio_codec": self.audio_codec,
            "session_id": self.session_id,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SetParams(Command):
    """SET-PARAMS: session defaults for the following recognitions."""

    name: ClassVar[str] = "SET-PARAMS"
    params: JsonObject = field(default_factory=dict)

    def wire_headers(self) -> JsonObject:
        return dict(self.params)


@dataclass(frozen=True, slots=True, kw_only=True)
class GetParams(Command):
    """GET-PARAMS: ask for every parameter's current session value."""

    name: ClassVar[str] = "GET-PARAMS"


@dataclass(frozen=True, slots=True, kw_only=True)
class DefineGrammar(Command):
    """DEFINE-GRAMMAR: make ``session:<alias>`` stand for a builtin URI (with its query)."""

    name: ClassVar[str] = "DEFINE-GRAMMAR"
    alias: str
    uri: str
    content_type: str = URI_LIST

    def wire_headers(self) -> JsonObject:
        return {"content_id": self.alias, "content_type": self.content_type}

    def wire_body(self) -> str:
        return self.uri


@dataclass(frozen=True, slots=True, kw_only=True)
class Recognize(Command):
    """RECOGNIZE: start a recognition against one or more grammars (first match wins)."""

    name: ClassVar[str] = "RECOGNIZE"
    grammars: tuple[str, ...]
    recognition_mode: str = "normal"
    start_input_timers: bool = True
    content_type: str = URI_LIST
    params: JsonObject = field(default_factory=dict)
    """Per-request parameter overrides (on top of the session defaults)."""

    def wire_headers(self) -> JsonObject:
        headers: JsonObject = {
            "recognition_mode": self.recognition_mode,
            "content_type": self.content_type,
            "start_input_timers": self.start_input_timers,
        }
        headers.update(self.params)
        return headers

    def wire_body(self) -> str:
        return "\n".join(self.grammars)


@dataclass(frozen=True, slots=True, kw_only=True)
class StartInputTimers(Command):
    """START-INPUT-TIMERS: start the no-input timer of a recognition begun without it."""

    name: ClassVar[str] = "START-INPUT-TIMERS"


@dataclass(frozen=True, slots=True, kw_only=True)
class Stop(Command):
    """STOP the running recognition (no RECOGNITION-COMPLETE follows the STOPPED reply)."""

    name: ClassVar[str] = "STOP"


@dataclass(frozen=True, slots=True, kw_only=True)
class Close(Command):
    """CLOSE the session; the connection stays open for another OPEN."""

    name: ClassVar[str] = "CLOSE"


COMMAND_TYPES: dict[str, type[Command]] = {
    cls.name: cls
    for cls in (Open, SetParams, GetParams, DefineGrammar, Recognize, StartInputTimers, Stop, Close)
}

# ---------------------------------------------------------------------------------------------
# Recognition result (body of RECOGNITION-COMPLETE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Transcript:
    """What the ASR heard: raw words, confidence, and speech bounds in Unix epoch milliseconds."""

    transcript: str
    confidence: float
    start: int
    end: int
    phones: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Interpretation:
    """What the NLU made of it: ``type`` is the builtin URI without query."""

    type: str
    value: JsonValue
    confidence: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RecognitionResult:
    """The ``body`` of RECOGNITION-COMPLETE; ``alternatives`` hold the n-best runners-up."""

    asr: Transcript | None = None
    nlu: Interpretation | None = None
    grammar_uri: str = ""
    alternatives: tuple[RecognitionResult, ...] = ()
    version: str | None = None
    asr_model: str | None = None


# ---------------------------------------------------------------------------------------------
# Events (server → client)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of the fifteen server events; every one carries the full envelope."""

    name: ClassVar[str]
    is_reply: ClassVar[bool] = True
    """True for direct replies to a command, False for the asynchronous recognition events."""

    request_id: int
    channel_id: str = ""
    completion_cause: CompletionCause | None = None
    completion_reason: str | None = None
    headers: JsonObject = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Opened(Event):
    """The session is open; ``channel_id`` is its id from now on."""

    name: ClassVar[str] = "OPENED"


@dataclass(frozen=True, slots=True, kw_only=True)
class ParamsSet(Event):
    """SET-PARAMS succeeded."""

    name: ClassVar[str] = "PARAMS-SET"


@dataclass(frozen=True, slots=True, kw_only=True)
class DefaultParams(Event):
    """Reply to GET-PARAMS: every parameter and its session value, in ``headers``."""

    name: ClassVar[str] = "DEFAULT-PARAMS"


@dataclass(frozen=True, slots=True, kw_only=True)
class GrammarDefined(Event):
    """DEFINE-GRAMMAR succeeded."""

    name: ClassVar[str] = "GRAMMAR-DEFINED"


@dataclass(frozen=True, slots=True, kw_only=True)
class RecognitionInProgress(Event):
    """RECOGNIZE accepted: the recognition runs."""

    name: ClassVar[str] = "RECOGNITION-IN-PROGRESS"


@dataclass(frozen=True, slots=True, kw_only=True)
class InputTimersStarted(Event):
    """START-INPUT-TIMERS succeeded."""

    name: ClassVar[str] = "INPUT-TIMERS-STARTED"


@dataclass(frozen=True, slots=True, kw_only=True)
class Stopped(Event):
    """STOP succeeded; the recognition is over without a result."""

    name: ClassVar[str] = "STOPPED"


@dataclass(frozen=True, slots=True, kw_only=True)
class Closed(Event):
    """CLOSE succeeded."""

    name: ClassVar[str] = "CLOSED"


@dataclass(frozen=True, slots=True, kw_only=True)
class StartOfInput(Event):
    """Speech began (normal mode only)."""

    name: ClassVar[str] = "START-OF-INPUT"
    is_reply: ClassVar[bool] = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RecognitionComplete(Event):
    """The recognition finished; ``completion_cause`` says how, ``body`` what was understood."""

    name: ClassVar[str] = "RECOGNITION-COMPLETE"
    is_reply: ClassVar[bool] = False
    body: RecognitionResult | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorEvent(Event):
    """Base of the five error replies."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MethodNotValid(ErrorEvent):
    """The command is unknown or malformed."""

    name: ClassVar[str] = "METHOD-NOT-VALID"


@dataclass(frozen=True, slots=True, kw_only=True)
class MethodFailed(ErrorEvent):
    """The command could not be carried out (``completion_cause`` says why)."""

    name: ClassVar[str] = "METHOD-FAILED"


@dataclass(frozen=True, slots=True, kw_only=True)
class InvalidParamValue(ErrorEvent):
    """A parameter value is not acceptable."""

    name: ClassVar[str] = "INVALID-PARAM-VALUE"


@dataclass(frozen=True, slots=True, kw_only=True)
class MissingParam(ErrorEvent):
    """A mandatory parameter is absent."""

    name: ClassVar[str] = "MISSING-PARAM"


@dataclass(frozen=True, slots=True, kw_only=True)
class MethodNotAllowed(ErrorEvent):
    """The command is not allowed in the current state."""

    name: ClassVar[str] = "METHOD-NOT-ALLOWED"


EVENT_TYPES: dict[str, type[Event]] = {
    cls.name: cls
    for cls in (
        Opened,
        ParamsSet,
        DefaultParams,
        GrammarDefined,
        RecognitionInProgress,
        InputTimersStarted,
        Stopped,
        Closed,
        StartOfInput,
        RecognitionComplete,
        MethodNotValid,
        MethodFailed,
        InvalidParamValue,
        MissingParam,
        MethodNotAllowed,
    )
}

SUCCESS_REPLY: dict[type[Command], type[Event]] = {
    Open: Opened,
    SetParams: ParamsSet,
    GetParams: DefaultParams,
    DefineGrammar: GrammarDefined,
    Recognize: RecognitionInProgress,
    StartInputTimers: InputTimersStarted,
    Stop: Stopped,
    Close: Closed,
}
"""The success event that answers each command (any error event may answer any command)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProtocolViolation:
    """A received frame that broke the protocol: kept as a value so a timeline can show it.

    ``event``/``command`` hold what was decoded when the frame parsed but broke a state or
    pairing rule. On the server side ``answer`` is the error event to send back.
    """

    raw: str
    reason: str
    request_id: int | None = None
    event: Event | None = None
    command: Command | None = None
    answer: ErrorEvent | None = None
