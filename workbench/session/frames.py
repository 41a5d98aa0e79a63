"""What the timeline keeps from a frame besides its text: kind, role, claimed name, extras.

Kept apart from :mod:`timeline` so the bookkeeping there reads as bookkeeping.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from workbench.protocol.messages import (
    EVENT_TYPES,
    SUCCESS_REPLY,
    Command,
    DefineGrammar,
    ErrorEvent,
    Event,
    Open,
    RecognitionComplete,
    Recognize,
)
from workbench.session.entries import EntryKind, JsonValue

__all__ = [
    "RECOGNITION_ROLES",
    "ROLE_WORDS",
    "Peek",
    "binary_placeholder",
    "command_data",
    "event_data",
    "event_kind",
    "mismatch",
    "peek",
    "role_of",
]

RECOGNITION_ROLES = frozenset({"start_of_input", "complete"})
_ROLE_BY_NAME = {"START-OF-INPUT": "start_of_input", "RECOGNITION-COMPLETE": "complete"}
ROLE_WORDS = {
    "reply": "reply",
    "start_of_input": "START-OF-INPUT",
    "complete": "RECOGNITION-COMPLETE",
}
_SUCCESS_NAME = {command.name: event.name for command, event in SUCCESS_REPLY.items()}


@dataclass(frozen=True, slots=True)
class Peek:
    """What a frame that did not decode still tells about itself, read defensively."""

    name: str | None = None
    request_id: int | None = None
    channel_id: str = ""
    completion_cause: str | None = None


def peek(text: str) -> Peek:
    """The envelope fields of ``text`` that have the right type; anything else is left out."""
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return Peek()
    if not isinstance(obj, dict):
        return Peek()
    name = obj.get("event", obj.get("command"))
    request_id = obj.get("request_id")
    channel_id = obj.get("channel_id")
    cause = obj.get("completion_cause")
    return Peek(
        name=name if isinstance(name, str) and name else None,
        request_id=(
            request_id
            if isinstance(request_id, int) and not isinstance(request_id, bool) and request_id >= 0
            else None
        ),
        channel_id=channel_id if isinstance(channel_id, str) else "",
        completion_cause=cause if isinstance(cause, str) and cause else None,
    )


def binary_placeholder(raw: bytes) -> str:
    """What the timeline shows for a binary frame from the server (never its bytes)."""
    return f"<binary frame of {len(raw)} bytes>"


def event_kind(event: Event) -> EntryKind:
    """``error`` for error events, ``reply`` for direct replies, ``event`` for the others."""
    if isinstance(event, ErrorEvent):
        return "error"
    return "reply" if event.is_reply else "event"


def role_of(name: str) -> str | None:
    """Which answer slot of a command a received frame named ``name`` fills (None: none)."""
    if name not in EVENT_TYPES:
        return None
    return _ROLE_BY_NAME.get(name, "reply")


def mismatch(event_name: str, role: str, command_name: str, request_id: int) -> str | None:
    """Why ``event_name`` cannot answer ``command_name``, or None when it can."""
    if role in RECOGNITION_ROLES:
        if command_name == Recognize.name:
            return None
        return (
            f"{event_name} carries request_id {request_id}, which is {command_name}, not RECOGNIZE"
        )
    expected = _SUCCESS_NAME.get(command_name)
    event_type = EVENT_TYPES.get(event_name)
    if expected is None or event_name == expected:
        return None
    if event_type is not None and issubclass(event_type, ErrorEvent):
        return None
    return (
        f"{event_name} cannot answer {command_name} #{request_id}; expected {expected} or an error"
    )


def command_data(command: Command) -> dict[str, JsonValue]:
    """Extras worth filtering on: the codec of an OPEN, a grammar alias, RECOGNIZE's grammars."""
    if isinstance(command, Open):
        return {"audio_codec": command.audio_codec}
    if isinstance(command, DefineGrammar):
        return {"alias": command.alias, "uri": command.uri}
    if isinstance(command, Recognize):
        return {
            "grammars": list(command.grammars),
            "recognition_mode": command.recognition_mode,
            "start_input_timers": command.start_input_timers,
        }
    return {}


def event_data(event: Event) -> dict[str, Any]:
    """The result of a RECOGNITION-COMPLETE, flattened for columns and batch comparisons."""
    if not isinstance(event, RecognitionComplete) or event.body is None:
        return {}
    result = event.body
    data: dict[str, Any] = {"grammar_uri": result.grammar_uri}
    if result.asr is not None:
        data["transcript"] = result.asr.transcript
        data["asr_confidence"] = result.asr.confidence
    if result.nlu is not None:
        data["nlu_type"] = result.nlu.type
        data["value"] = result.nlu.value
        data["confidence"] = result.nlu.confidence
    if result.alternatives:
        data["alternatives"] = len(result.alternatives)
    return data
