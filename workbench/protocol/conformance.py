"""Would the official ``uhlive`` SDK (2.1.0) accept this server frame? And if not, why?

A support engineer's first question about a misbehaving server. The rules below restate, in
plain code, what ``Recognizer.receive`` does with a frame (H2B.md §2.2 and §5.3): which keys it
indexes, which values it converts and how. They are deliberately independent of our own decoder,
which is stricter in places (it wants ``request_id`` to be an integer, for instance) and more
forgiving in none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from workbench.protocol.causes import CompletionCause
from workbench.protocol.messages import EVENT_TYPES

_ENVELOPE = ("request_id", "channel_id", "headers", "completion_cause", "completion_reason", "body")


@dataclass(frozen=True, slots=True)
class SdkVerdict:
    """The outcome of :func:`sdk_verdict`: ``reason`` says what the SDK would fail on."""

    accepted: bool
    reason: str | None = None

    def __bool__(self) -> bool:
        return self.accepted


class _RejectedError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sdk_verdict(raw: str | bytes) -> SdkVerdict:
    """Tell whether ``Recognizer.receive`` of uhlive 2.1.0 would accept ``raw``, and if not why."""
    try:
        _check_frame(raw)
    except _RejectedError as rejected:
        return SdkVerdict(False, rejected.reason)
    return SdkVerdict(True)


def _check_frame(raw: str | bytes) -> None:
    if not isinstance(raw, str):
        raise _RejectedError("binary frame: the SDK only takes text frames (AssertionError)")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise _RejectedError(f"not valid JSON (JSONDecodeError: {exc})") from None
    if not isinstance(data, dict):
        raise _RejectedError(f"a JSON {type(data).__name__}, not an object (TypeError)")
    if "event" not in data:
        raise _RejectedError("missing key 'event' (KeyError)")
    name = data["event"]
    try:
        known = name in EVENT_TYPES
    except TypeError:
        known = False
    if not known:
        raise _RejectedError(f"unknown event {name!r} (ValueError)")
    for key in _ENVELOPE:
        if key not in data:
            raise _RejectedError(f"missing key {key!r} in the {name} envelope (KeyError)")
    _check_int(data["request_id"], "request_id")
    cause = data["completion_cause"]
    if cause and (not isinstance(cause, str) or cause not in {c.value for c in CompletionCause}):
        raise _RejectedError(
            f"unknown completion_cause {cause!r}: uhlive 2.1.0 knows only "
            f"{', '.join(c.value for c in CompletionCause)} (ValueError)"
        )
    body = data["body"]
    if body:
        where = "body" if name == "RECOGNITION-COMPLETE" else f"non-empty body on {name}"
        _check_result(body, where)


def _check_int(value: object, where: str) -> None:
    try:
        int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError) as exc:
        raise _RejectedError(
            f"{where} {value!r} is not an integer ({type(exc).__name__})"
        ) from None


def _check_float(value: object, where: str) -> None:
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise _RejectedError(f"{where} {value!r} is not a number ({type(exc).__name__})") from None


def _index(data: object, key: str, where: str) -> Any:
    if isinstance(data, dict):
        if key not in data:
            raise _RejectedError(f"{where}: missing key {key!r} (KeyError)")
        return data[key]
    raise _RejectedError(f"{where}: {data!r} is not an object, cannot read {key!r} (TypeError)")


def _check_result(data: object, where: str) -> None:
    asr = _index(data, "asr", where)
    if asr:
        _check_transcript(asr, f"{where}.asr")
    nlu = _index(data, "nlu", where)
    if nlu:
        _index(nlu, "type", f"{where}.nlu")
        _index(nlu, "value", f"{where}.nlu")
        _check_float(_index(nlu, "confidence", f"{where}.nlu"), f"{where}.nlu.confidence")
    _index(data, "grammar_uri", where)
    assert isinstance(data, dict)  # _index above proved it
    if "alternatives" in data:
        alternatives = data["alternatives"]
        if isinstance(alternatives, list | str | dict):
            items = list(alternatives)  # the SDK iterates whatever it finds: items, chars or keys
        else:
            raise _RejectedError(f"{where}.alternatives {alternatives!r} is not a list (TypeError)")
        for index, alternative in enumerate(items):
            _check_result(alternative, f"{where}.alternatives[{index}]")


def _check_transcript(data: object, where: str) -> None:
    _index(data, "transcript", where)
    _check_float(_index(data, "confidence", where), f"{where}.confidence")
    for key in ("start", "end"):
        value = _index(data, key, where)
        try:
            datetime.fromtimestamp(value / 1000.0, tz=UTC)
        except (TypeError, ValueError, OverflowError, OSError) as exc:
            raise _RejectedError(
                f"{where}.{key} {value!r} is not a usable epoch-milliseconds time "
                f"({type(exc).__name__})"
            ) from None
