"""JSON codec for both directions of the H2B WebSocket protocol.

The client encodes commands and decodes events; the server decodes commands and encodes events.
Encoding writes exactly what the official SDK writes (compact JSON, raw UTF-8, SDK key order).
Decoding never raises: a frame that cannot be turned into a message becomes a
:class:`ProtocolViolation` saying what is wrong; on the server side it also carries the error
event to answer.
"""

from __future__ import annotations

import json
import math
from typing import Any

from workbench.protocol.causes import CompletionCause, parse_cause
from workbench.protocol.messages import (
    COMMAND_TYPES,
    EVENT_TYPES,
    Close,
    Command,
    DefineGrammar,
    ErrorEvent,
    Event,
    GetParams,
    Interpretation,
    InvalidParamValue,
    JsonObject,
    MethodNotValid,
    MissingParam,
    Open,
    ProtocolViolation,
    RecognitionComplete,
    RecognitionResult,
    Recognize,
    SetParams,
    StartInputTimers,
    Stop,
    Transcript,
)

__all__ = [
    "decode_command",
    "decode_event",
    "dumps",
    "encode_command",
    "encode_event",
    "result_to_json",
]

ENVELOPE_KEYS = ("event", "request_id", "channel_id", "completion_cause", "completion_reason")
_SHOWN_RAW = 200


def dumps(obj: object) -> str:
    """Serialise like the official SDK: compact separators, non-ASCII characters kept raw."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------------------------------------
# Encoding


def encode_command(command: Command) -> str:
    """The text frame for ``command``, byte-for-byte what the SDK's ``Recognizer`` builds."""
    return dumps(
        {
            "command": command.name,
            "request_id": command.request_id,
            "channel_id": command.channel_id,
            "headers": command.wire_headers(),
            "body": command.wire_body(),
        }
    )


def result_to_json(result: RecognitionResult) -> JsonObject:
    """The JSON object of a recognition result (``body`` of RECOGNITION-COMPLETE)."""
    asr: JsonObject | None = None
    if result.asr is not None:
        asr = {
            "transcript": result.asr.transcript,
            "confidence": result.asr.confidence,
            "start": result.asr.start,
            "end": result.asr.end,
        }
        if result.asr.phones is not None:
            asr["phones"] = result.asr.phones
    nlu: JsonObject | None = None
    if result.nlu is not None:
        nlu = {
            "type": result.nlu.type,
            "value": result.nlu.value,
            "confidence": result.nlu.confidence,
        }
    body: JsonObject = {"asr": asr, "nlu": nlu, "grammar_uri": result.grammar_uri}
    if result.alternatives:
        body["alternatives"] = [result_to_json(alt) for alt in result.alternatives]
    if result.version is not None:
        body["version"] = result.version
    if result.asr_model is not None:
        body["asr_model"] = result.asr_model
    return body


def encode_event(event: Event) -> str:
    """The text frame for ``event``, with all seven envelope keys the SDK requires."""
    body: JsonObject | str = ""
    if isinstance(event, RecognitionComplete) and event.body is not None:
        body = result_to_json(event.body)
    cause = event.completion_cause.value if event.completion_cause is not None else None
    return dumps(
        {
            "event": event.name,
            "request_id": event.request_id,
            "channel_id": event.channel_id,
            "completion_cause": cause,
            "completion_reason": event.completion_reason,
            "headers": event.headers,
            "body": body,
        }
    )


# ---------------------------------------------------------------------------------------------
# Decoding helpers


class _InvalidFrameError(Exception):
    """Internal: a frame cannot be decoded. Never escapes this module."""

    def __init__(self, reason: str, answer: type[ErrorEvent] = MethodNotValid) -> None:
        super().__init__(reason)
        self.reason = reason
        self.answer = answer


def _as_text(raw: str | bytes, what: str) -> str:
    if isinstance(raw, bytes):
        raise _InvalidFrameError(
            f"binary frame of {len(raw)} bytes where a JSON text {what} was expected"
        )
    return raw


def _load_object(text: str) -> JsonObject:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _InvalidFrameError(f"frame is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise _InvalidFrameError(f"frame is JSON {type(data).__name__}, not a JSON object")
    return data


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _require(data: JsonObject, key: str, where: str) -> Any:
    if key not in data:
        raise _InvalidFrameError(f"{where} has no {key!r} key", MissingParam)
    return data[key]


def _string(value: object, key: str, answer: type[ErrorEvent] = InvalidParamValue) -> str:
    if not isinstance(value, str):
        raise _InvalidFrameError(f"{key} must be a string, got {_short(value)}", answer)
    return value


def _number(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _InvalidFrameError(f"{key} must be a number, got {_short(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise _InvalidFrameError(f"{key} must be a finite number, got {value!r}")
    return value


def _request_id(data: JsonObject) -> int | None:
    value = data.get("request_id")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _raw_for_display(raw: str | bytes) -> str:
    if isinstance(raw, bytes):
        return f"<{len(raw)} bytes of binary data>"
    return raw


# ---------------------------------------------------------------------------------------------
# Events (client side)


def decode_event(raw: str | bytes) -> Event | ProtocolViolation:
    """Decode a frame received from a server into an event, or a violation saying what is wrong."""
    data: JsonObject = {}
    try:
        data = _load_object(_as_text(raw, "event"))
        return _event_from_json(data)
    except _InvalidFrameError as invalid:
        return ProtocolViolation(
            raw=_raw_for_display(raw), reason=invalid.reason, request_id=_request_id(data)
        )


def _event_from_json(data: JsonObject) -> Event:
    name = _require(data, "event", "event frame")
    if not isinstance(name, str):
        raise _InvalidFrameError(f"event name must be a string, got {_short(name)}")
    cls = EVENT_TYPES.get(name)
    if cls is None:
        raise _InvalidFrameError(
            f"unknown event {name!r}; H2B events are: {', '.join(EVENT_TYPES)}"
        )
    where = f"{name} event"
    for key in (*ENVELOPE_KEYS[1:], "headers", "body"):
        _require(data, key, where)
    request_id = data["request_id"]
    if not _is_int(request_id) or request_id < 0:
        raise _InvalidFrameError(
            f"request_id must be an unsigned integer, got {_short(request_id)}"
        )
    channel_id = _string(data["channel_id"], "channel_id")
    try:
        cause: CompletionCause | None = parse_cause(data["completion_cause"])
    except ValueError as exc:
        raise _InvalidFrameError(str(exc)) from None
    reason = data["completion_reason"]
    if reason is not None and not isinstance(reason, str):
        raise _InvalidFrameError(
            f"completion_reason must be a string or null, got {_short(reason)}"
        )
    headers = data["headers"]
    if not isinstance(headers, dict):
        raise _InvalidFrameError(f"headers must be a JSON object, got {_short(headers)}")
    body = data["body"]
    envelope: dict[str, Any] = {
        "request_id": request_id,
        "channel_id": channel_id,
        "completion_cause": cause,
        "completion_reason": reason or None,
        "headers": headers,
    }
    if cls is RecognitionComplete:
        result = _result_from_json(body, "body") if body else None
        return RecognitionComplete(body=result, **envelope)
    if body:
        raise _InvalidFrameError(
            f"{name} carries a non-empty body; only RECOGNITION-COMPLETE has one"
        )
    return cls(**envelope)


def _result_from_json(data: object, where: str) -> RecognitionResult:
    if not isinstance(data, dict):
        raise _InvalidFrameError(f"{where} must be a JSON object, got {_short(data)}")
    for key in ("asr", "nlu", "grammar_uri"):
        _require(data, key, where)
    grammar_uri = _string(data["grammar_uri"], f"{where}.grammar_uri", MethodNotValid)
    alternatives_json = data.get("alternatives", [])
    if not isinstance(alternatives_json, list):
        raise _InvalidFrameError(
            f"{where}.alternatives must be a list, got {_short(alternatives_json)}"
        )
    alternatives = tuple(
        _result_from_json(alt, f"{where}.alternatives[{index}]")
        for index, alt in enumerate(alternatives_json)
    )
    version = data.get("version")
    asr_model = data.get("asr_model")
    return RecognitionResult(
        asr=_transcript_from_json(data["asr"], f"{where}.asr") if data["asr"] else None,
        nlu=_interpretation_from_json(data["nlu"], f"{where}.nlu") if data["nlu"] else None,
        grammar_uri=grammar_uri,
        alternatives=alternatives,
        version=None if version is None else _string(version, f"{where}.version", MethodNotValid),
        asr_model=(
            None if asr_model is None else _string(asr_model, f"{where}.asr_model", MethodNotValid)
        ),
    )


def _transcript_from_json(data: object, where: str) -> Transcript:
    if not isinstance(data, dict):
        raise _InvalidFrameError(f"{where} must be a JSON object, got {_short(data)}")
    for key in ("transcript", "confidence", "start", "end"):
        _require(data, key, where)
    bounds = []
    for key in ("start", "end"):
        value = data[key]
        if not _is_int(value) or value < 0:
            raise _InvalidFrameError(
                f"{where}.{key} must be Unix epoch milliseconds, got {_short(value)}"
            )
        bounds.append(value)
    phones = data.get("phones")
    return Transcript(
        transcript=_string(data["transcript"], f"{where}.transcript", MethodNotValid),
        confidence=_number(data["confidence"], f"{where}.confidence"),
        start=bounds[0],
        end=bounds[1],
        phones=None if phones is None else _string(phones, f"{where}.phones", MethodNotValid),
    )


def _interpretation_from_json(data: object, where: str) -> Interpretation:
    if not isinstance(data, dict):
        raise _InvalidFrameError(f"{where} must be a JSON object, got {_short(data)}")
    for key in ("type", "value", "confidence"):
        _require(data, key, where)
    return Interpretation(
        type=_string(data["type"], f"{where}.type", MethodNotValid),
        value=data["value"],
        confidence=_number(data["confidence"], f"{where}.confidence"),
    )


# ---------------------------------------------------------------------------------------------
# Commands (server side)


def decode_command(raw: str | bytes) -> Command | ProtocolViolation:
    """Decode a text frame received from a client.

    Checks the structure and the types of the headers each command defines; parameter values,
    grammar URIs and the session state are the server role's business (see ``states``).
    A violation carries the error event to answer, with the request id when it could be read.
    """
    data: JsonObject = {}
    try:
        data = _load_object(_as_text(raw, "command"))
        return _command_from_json(data)
    except _InvalidFrameError as invalid:
        request_id = _request_id(data)
        channel_id = data.get("channel_id")
        answer = invalid.answer(
            request_id=request_id or 0,
            channel_id=channel_id if isinstance(channel_id, str) else "",
            completion_reason=invalid.reason,
        )
        return ProtocolViolation(
            raw=_raw_for_display(raw), reason=invalid.reason, request_id=request_id, answer=answer
        )


def _command_from_json(data: JsonObject) -> Command:
    name = data.get("command")
    if name is None:
        raise _InvalidFrameError("frame has no 'command' key: not an H2B command")
    if not isinstance(name, str):
        raise _InvalidFrameError(f"command name must be a string, got {_short(name)}")
    cls = COMMAND_TYPES.get(name)
    if cls is None:
        raise _InvalidFrameError(
            f"unknown command {name!r}; H2B commands are: {', '.join(COMMAND_TYPES)}"
        )
    request_id = _require(data, "request_id", name)
    if not _is_int(request_id) or request_id < 0:
        raise _InvalidFrameError(
            f"request_id must be an unsigned integer, got {_short(request_id)}", InvalidParamValue
        )
    channel_id = _string(data.get("channel_id", ""), "channel_id")
    headers = data.get("headers", {})
    if not isinstance(headers, dict):
        raise _InvalidFrameError(f"{name} headers must be a JSON object, got {_short(headers)}")
    body = data.get("body", "")
    if body is None:
        body = ""
    if not isinstance(body, str):
        raise _InvalidFrameError(f"{name} body must be a string, got {_short(body)}")
    envelope: dict[str, Any] = {"request_id": request_id, "channel_id": channel_id}
    if cls is Open:
        return Open(
            custom_id=_string(headers.get("custom_id", ""), "custom_id"),
            session_id=_string(headers.get("session_id", ""), "session_id"),
            audio_codec=_string(headers.get("audio_codec", "linear"), "audio_codec"),
            **envelope,
        )
    if cls is SetParams:
        return SetParams(params=dict(headers), **envelope)
    if cls is DefineGrammar:
        if "content_id" not in headers:
            raise _InvalidFrameError(
                "DEFINE-GRAMMAR needs headers.content_id (the alias)", MissingParam
            )
        if not body.strip():
            raise _InvalidFrameError(
                "DEFINE-GRAMMAR needs the builtin grammar URI in its body", MissingParam
            )
        return DefineGrammar(
            alias=_string(headers["content_id"], "content_id"),
            uri=body.strip(),
            content_type=_string(headers.get("content_type", "text/uri-list"), "content_type"),
            **envelope,
        )
    if cls is Recognize:
        return _recognize_from_json(headers, body, envelope)
    if cls in (GetParams, StartInputTimers, Stop, Close):
        return cls(**envelope)
    raise AssertionError(f"no decoder for {name}")  # pragma: no cover - table is exhaustive


def _recognize_from_json(headers: JsonObject, body: str, envelope: dict[str, Any]) -> Recognize:
    grammars = tuple(line.strip() for line in body.splitlines() if line.strip())
    if not grammars:
        raise _InvalidFrameError(
            "RECOGNIZE needs at least one grammar URI in its body", MissingParam
        )
    params = dict(headers)
    mode = _string(params.pop("recognition_mode", "normal"), "recognition_mode")
    start = params.pop("start_input_timers", True)
    if not isinstance(start, bool):
        raise _InvalidFrameError(
            f"start_input_timers must be true or false, got {_short(start)}", InvalidParamValue
        )
    content_type = _string(params.pop("content_type", "text/uri-list"), "content_type")
    return Recognize(
        grammars=grammars,
        recognition_mode=mode,
        start_input_timers=start,
        content_type=content_type,
        params=params,
        **envelope,
    )
