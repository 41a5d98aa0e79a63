"""Sans-IO core of the Stream H2B protocol, shared by the client and the local server.

Text in, messages out; messages in, text out. No clock, no sockets, no asyncio, standard library
only. The modules:

- ``messages``: commands, events and recognition results as frozen dataclasses;
- ``codec``: the JSON codec for both directions (what the official SDK writes, byte for byte);
- ``conformance``: would the official ``uhlive`` SDK accept a received frame, and if not, why;
- ``states``: the session state table shared by both roles;
- ``client_role`` / ``server_role``: the two ends of a connection built on the table;
- ``params``: the parameter schema; ``grammars``: grammar URIs and the builtin catalogue;
- ``causes``: completion causes and what they mean; ``pair``: both roles joined in memory.
"""

from workbench.protocol.causes import CAUSE_INFO, CompletionCause, Outcome
from workbench.protocol.client_role import ClientProtocol, OutgoingCommand
from workbench.protocol.codec import decode_command, decode_event, encode_command, encode_event
from workbench.protocol.conformance import SdkVerdict, sdk_verdict
from workbench.protocol.messages import (
    COMMAND_TYPES,
    EVENT_TYPES,
    Close,
    Closed,
    Command,
    DefaultParams,
    DefineGrammar,
    ErrorEvent,
    Event,
    GetParams,
    GrammarDefined,
    InputTimersStarted,
    Interpretation,
    InvalidParamValue,
    MethodFailed,
    MethodNotAllowed,
    MethodNotValid,
    MissingParam,
    Open,
    Opened,
    ParamsSet,
    ProtocolViolation,
    RecognitionComplete,
    RecognitionInProgress,
    RecognitionResult,
    Recognize,
    SetParams,
    StartInputTimers,
    StartOfInput,
    Stop,
    Stopped,
    Transcript,
)
from workbench.protocol.server_role import ServerProtocol
from workbench.protocol.states import LocalProtocolError, SessionState

__all__ = [
    "CAUSE_INFO",
    "COMMAND_TYPES",
    "EVENT_TYPES",
    "ClientProtocol",
    "Close",
    "Closed",
    "Command",
    "CompletionCause",
    "DefaultParams",
    "DefineGrammar",
    "ErrorEvent",
    "Event",
    "GetParams",
    "GrammarDefined",
    "InputTimersStarted",
    "Interpretation",
    "InvalidParamValue",
    "LocalProtocolError",
    "MethodFailed",
    "MethodNotAllowed",
    "MethodNotValid",
    "MissingParam",
    "Open",
    "Opened",
    "Outcome",
    "OutgoingCommand",
    "ParamsSet",
    "ProtocolViolation",
    "RecognitionComplete",
    "RecognitionInProgress",
    "RecognitionResult",
    "Recognize",
    "SdkVerdict",
    "ServerProtocol",
    "SessionState",
    "SetParams",
    "StartInputTimers",
    "StartOfInput",
    "Stop",
    "Stopped",
    "Transcript",
    "decode_command",
    "decode_event",
    "encode_command",
    "encode_event",
    "sdk_verdict",
]
