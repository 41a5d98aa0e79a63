"""The session state machine, as data, shared by the client and the server roles.

Theory of operation
-------------------
A connection carries at most one session at a time, and a session at most one recognition::

    NO_SESSION --OPENED--> IDLE --RECOGNITION-IN-PROGRESS--> RECOGNITION
        ^                   | ^                                   |
        +------CLOSED-------+ +--RECOGNITION-COMPLETE / STOPPED---+

Transitions happen on *events*: the client applies them when it receives an event, the server
when it sends one. Commands only ask for them, so a command that fails (any error event)
changes nothing. ``COMMAND_STATES`` says in which states each command may be sent (the same rule
as the official SDK's ``Recognizer``); ``TRANSITIONS`` lists every (state, event) pair that is
legal, and where it leads. Error events are legal in every state and lead nowhere. Anything not
in the tables is a local misuse (raise :class:`LocalProtocolError`) when we are about to do it,
and a remote violation (a :class:`~workbench.protocol.messages.ProtocolViolation` value) when
the peer did it.
"""

from __future__ import annotations

from enum import Enum

from workbench.protocol.messages import (
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
    Open,
    Opened,
    ParamsSet,
    RecognitionComplete,
    RecognitionInProgress,
    Recognize,
    SetParams,
    StartInputTimers,
    StartOfInput,
    Stop,
    Stopped,
)


class SessionState(Enum):
    """Where a connection stands: no session, an idle session, or a running recognition."""

    NO_SESSION = "no session"
    IDLE = "idle session"
    RECOGNITION = "recognition"


class LocalProtocolError(RuntimeError):
    """We were about to break the protocol (e.g. RECOGNIZE while a recognition runs).

    Raised before anything is sent; the message says why and what to do instead.
    """


_NO = SessionState.NO_SESSION
_IDLE = SessionState.IDLE
_RECO = SessionState.RECOGNITION

COMMAND_STATES: dict[type[Command], frozenset[SessionState]] = {
    Open: frozenset({_NO}),
    SetParams: frozenset({_IDLE}),
    GetParams: frozenset({_IDLE}),
    DefineGrammar: frozenset({_IDLE}),
    Recognize: frozenset({_IDLE}),
    Close: frozenset({_IDLE}),
    StartInputTimers: frozenset({_RECO}),
    Stop: frozenset({_RECO}),
}
"""The states in which each command may be sent."""

TRANSITIONS: dict[tuple[SessionState, type[Event]], SessionState] = {
    (_NO, Opened): _IDLE,
    (_IDLE, ParamsSet): _IDLE,
    (_IDLE, DefaultParams): _IDLE,
    (_IDLE, GrammarDefined): _IDLE,
    (_IDLE, RecognitionInProgress): _RECO,
    (_IDLE, Closed): _NO,
    (_RECO, InputTimersStarted): _RECO,
    (_RECO, StartOfInput): _RECO,
    (_RECO, Stopped): _IDLE,
    (_RECO, RecognitionComplete): _IDLE,
}
"""Every legal (state, non-error event) pair and the state it leads to."""

STATE_CHANGING: frozenset[type[Command]] = frozenset({Open, Recognize, Stop, Close})
"""Commands whose success moves the session to another state."""

AUDIO_STATES = frozenset({_IDLE, _RECO})
"""Audio may flow in a session, recognising or not; outside a session it is ignored."""


def refusal(state: SessionState, command: type[Command]) -> str | None:
    """Why ``command`` may not be sent in ``state`` (plain words, with what to do), or None."""
    if state in COMMAND_STATES[command]:
        return None
    name = command.name
    if command is Open:
        return f"{name} is not allowed: a session is already open (CLOSE it first)"
    if command in (Stop, StartInputTimers):
        return f"{name} is only valid during a recognition, and none is running"
    if state is _NO:
        return f"{name} is not allowed: no session is open (OPEN one first)"
    return (
        f"{name} is not allowed while a recognition runs "
        "(send STOP or wait for RECOGNITION-COMPLETE)"
    )


def next_state(state: SessionState, event: type[Event]) -> SessionState | None:
    """The state ``event`` leads to from ``state``; None if the pair is illegal."""
    if issubclass(event, ErrorEvent):
        return state
    return TRANSITIONS.get((state, event))


def unexpected(state: SessionState, event: type[Event]) -> str:
    """Plain words for an event that is not legal in ``state``."""
    where = {
        _NO: "no session is open",
        _IDLE: "the session is idle (no recognition runs)",
        _RECO: "a recognition is running",
    }[state]
    return f"{event.name} is not expected while {where}"
