"""One-line summaries a person reads in the timeline instead of the raw JSON.

``RECOGNIZE #5 builtin:speech/boolean (hotword)``,
``RECOGNITION-COMPLETE #5 Success: 'yes' → true (conf 0.93) in 1.24 s``,
``ERROR InvalidParamValue: …``, ``audio: 412 chunks, 197.8 kB, 24.7 s, linear, File: call.wav``.

Pure functions of the decoded messages; the timeline redacts what they return.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from workbench.protocol.messages import (
    Command,
    DefaultParams,
    DefineGrammar,
    ErrorEvent,
    Event,
    Open,
    Opened,
    RecognitionComplete,
    RecognitionResult,
    Recognize,
    SetParams,
    StartOfInput,
)

__all__ = [
    "MAX_SUMMARY",
    "audio_summary",
    "command_summary",
    "event_summary",
    "format_bytes",
    "format_seconds",
    "one_line",
    "raw_command_summary",
    "violation_summary",
]

MAX_SUMMARY = 240
"""Longer summaries are cut with an ellipsis: the raw frame is there for the rest."""
_MAX_VALUE = 60
_MAX_PARAMS = 100


def one_line(text: str, limit: int = MAX_SUMMARY) -> str:
    """``text`` on one line (runs of whitespace, newlines included, become one space), cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def format_bytes(count: int) -> str:
    """``960 B``, ``197.8 kB``, ``12.3 MB`` (decimal units, as file managers show them)."""
    if count < 1000:
        return f"{count} B"
    if count < 1_000_000:
        return f"{count / 1000:.1f} kB"
    return f"{count / 1_000_000:.1f} MB"


def format_seconds(ms: float) -> str:
    """A latency in seconds with two decimals (``1.24 s``): what people compare by eye."""
    return f"{ms / 1000:.2f} s"


def _value_text(value: Any) -> str:
    text = f"'{value}'" if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return one_line(text, _MAX_VALUE)


def _params_text(params: Mapping[str, Any]) -> str:
    pairs = ", ".join(f"{key}={_value_text(value)}" for key, value in params.items())
    return one_line(pairs, _MAX_PARAMS)


def _ref(name: str, request_id: int | None) -> str:
    return name if request_id is None else f"{name} #{request_id}"


# ---------------------------------------------------------------------------------------------
# Commands


def command_summary(command: Command) -> str:
    """What a command asks for, e.g. ``RECOGNIZE #5 builtin:speech/boolean (hotword)``."""
    head = _ref(command.name, command.request_id)
    detail = ""
    if isinstance(command, Open):
        extras = [
            f"{label} {_value_text(value)}"
            for label, value in (
                ("channel prefix", command.channel_id),
                ("custom_id", command.custom_id),
                ("session_id", command.session_id),
            )
            if value
        ]
        detail = command.audio_codec + (f" ({', '.join(extras)})" if extras else "")
    elif isinstance(command, SetParams):
        detail = _params_text(command.params) if command.params else "(nothing)"
    elif isinstance(command, DefineGrammar):
        detail = f"session:{command.alias} = {command.uri}"
    elif isinstance(command, Recognize):
        detail = _recognize_detail(command)
    return one_line(f"{head} {detail}" if detail else head)


def _recognize_detail(command: Recognize) -> str:
    grammars = ", ".join(command.grammars) if command.grammars else "(no grammar)"
    extras: list[str] = []
    if command.recognition_mode != "normal":
        extras.append(command.recognition_mode)
    if not command.start_input_timers:
        extras.append("input timers deferred")
    if command.params:
        extras.append(_params_text(command.params))
    return grammars + (f" ({'; '.join(extras)})" if extras else "")


def raw_command_summary(name: str | None, request_id: int | None, problem: str) -> str:
    """A hand-written frame that holds no valid command: say so, and what it claims to be."""
    return one_line(f"{_ref(name or 'RAW FRAME', request_id)} (not a valid command: {problem})")


# ---------------------------------------------------------------------------------------------
# Events


def event_summary(
    event: Event,
    *,
    latency_ms: float | None = None,
    command_name: str | None = None,
    grammar_count: int = 1,
) -> str:
    """What a received event says; ``latency_ms`` is the time since its command.

    ``command_name`` names the command an error answers; ``grammar_count`` (of the paired
    RECOGNIZE) decides whether a result names the grammar that matched.
    """
    if isinstance(event, ErrorEvent):
        return _error_summary(event, command_name)
    head = _ref(event.name, event.request_id)
    if isinstance(event, RecognitionComplete):
        return one_line(_complete_summary(event, head, latency_ms, grammar_count))
    detail = ""
    if isinstance(event, Opened):
        detail = f"channel {event.channel_id}" if event.channel_id else "(no channel id)"
    elif isinstance(event, DefaultParams):
        count = len(event.headers)
        detail = f"{count} parameter{'s' if count != 1 else ''}"
        if event.headers:
            detail += f": {_params_text(event.headers)}"
    elif isinstance(event, StartOfInput) and latency_ms is not None:
        detail = f"after {format_seconds(latency_ms)}"
    return one_line(f"{head} {detail}" if detail else head)


def _error_summary(event: ErrorEvent, command_name: str | None) -> str:
    text = f"ERROR {type(event).__name__}: {event.completion_reason or 'no reason given'}"
    if event.completion_cause is not None:
        text += f" [{event.completion_cause.value}]"
    text += f" ({_ref(command_name or 'request', event.request_id)})"
    return one_line(text)


def _complete_summary(
    event: RecognitionComplete, head: str, latency_ms: float | None, grammar_count: int
) -> str:
    cause = event.completion_cause.value if event.completion_cause is not None else "no cause"
    text = f"{head} {cause}: {_result_text(event.body, grammar_count)}"
    if latency_ms is not None:
        text += f" in {format_seconds(latency_ms)}"
    reason = event.completion_reason
    if reason and reason.lower() != "success":
        text += f" — {reason}"
    return text


def _result_text(result: RecognitionResult | None, grammar_count: int) -> str:
    if result is None:
        return "no result body"
    asr, nlu = result.asr, result.nlu
    heard = f"'{asr.transcript}'" if asr is not None else ""
    if nlu is not None:
        understood = f"→ {_value_text(nlu.value)} (conf {nlu.confidence:.2f})"
        if grammar_count > 1 and result.grammar_uri:
            understood += f" via {result.grammar_uri}"
        text = f"{heard} {understood}" if heard else understood
    elif asr is not None:
        text = f"{heard} → no match (asr conf {asr.confidence:.2f})"
    else:
        text = "nothing heard"
    if result.alternatives:
        count = len(result.alternatives)
        text += f", +{count} alternative{'s' if count != 1 else ''}"
    return text


def violation_summary(name: str, request_id: int | None, reason: str, decoded: str | None) -> str:
    """A frame that broke the protocol: what it was (``decoded``, if it decoded) and why."""
    return one_line(f"VIOLATION {decoded or _ref(name, request_id)}: {reason}")


# ---------------------------------------------------------------------------------------------
# Audio


def audio_summary(
    *, chunks: int, byte_count: int, seconds: float, codec: str, source: str, state: str
) -> str:
    """``audio: 412 chunks, 197.8 kB, 24.7 s, linear, File: call.wav`` (+ ``, stopped``)."""
    parts = [
        f"{chunks} chunk{'s' if chunks != 1 else ''}",
        format_bytes(byte_count),
        f"{seconds:.1f} s",
    ]
    parts.extend(part for part in (codec, source) if part)
    if state != "streaming":
        parts.append(state)
    return one_line("audio: " + ", ".join(parts))
