"""Which timer values one RECOGNIZE ran with, and where each value came from, read off a timeline.

A recognition's timers are set in layers (H2B.md §7): the server's defaults, then what the
session's SET-PARAMS changed, then the RECOGNIZE's own headers for this request only. The
timeline holds every frame of all three, so the values can be rebuilt afterwards, even from an
exported file:

1. the parameter schema's defaults (``workbench.protocol.params``): what the local server uses,
   and only an assumption for the real service, whose defaults are not documented;
2. a ``DEFAULT-PARAMS`` reply (GET-PARAMS) in the same session: the server's own values;
3. every ``SET-PARAMS`` of the session that was answered ``PARAMS-SET``, in order;
4. the RECOGNIZE's headers.

The session is the stretch since the last OPEN before the RECOGNIZE; a refused SET-PARAMS
changed nothing and is skipped. Each value carries its origin in words, for the marker tooltips.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench.protocol.params import default_params
from workbench.session.entries import TimelineEntry
from workbench.session.timeline import Timeline

__all__ = ["ParamValue", "frame_headers", "recognition_params"]


@dataclass(frozen=True, slots=True)
class ParamValue:
    """One parameter's value for a recognition and where it came from, in words."""

    value: object
    origin: str


def frame_headers(entry: TimelineEntry) -> Mapping[str, Any]:
    """The ``headers`` object of a frame entry's raw text (empty when it has none or is bad)."""
    try:
        frame = json.loads(entry.raw)
    except ValueError:
        return {}
    headers = frame.get("headers") if isinstance(frame, dict) else None
    return headers if isinstance(headers, dict) else {}


def _answered(timeline: Timeline, command: TimelineEntry, reply_name: str) -> bool:
    if command.kind != "command":
        return False
    return any(entry.name == reply_name for entry in timeline.related(command.seq)[1:])


def recognition_params(timeline: Timeline, recognize_seq: int) -> dict[str, ParamValue]:
    """Every parameter the RECOGNIZE at ``recognize_seq`` ran with (see the module docstring)."""
    recognize = timeline.entry(recognize_seq)
    if recognize.kind != "command" or recognize.name != "RECOGNIZE":
        raise ValueError(f"entry {recognize_seq} is a {recognize.name}, not a RECOGNIZE")
    entries = timeline.entries
    session_start = 0
    for seq in range(recognize_seq - 1, -1, -1):
        entry = entries[seq]
        if entry.kind == "command" and entry.name == "OPEN":
            session_start = seq
            break
    values = {
        name: ParamValue(value, "default (assumed: the schema's, the server may differ)")
        for name, value in default_params().items()
    }
    for seq in range(session_start, recognize_seq):
        entry = entries[seq]
        if entry.kind == "reply" and entry.name == "DEFAULT-PARAMS":
            origin = f"the server's value (DEFAULT-PARAMS #{entry.request_id})"
            values.update({k: ParamValue(v, origin) for k, v in frame_headers(entry).items()})
        elif entry.name == "SET-PARAMS" and _answered(timeline, entry, "PARAMS-SET"):
            origin = f"session value (SET-PARAMS #{entry.request_id})"
            values.update({k: ParamValue(v, origin) for k, v in frame_headers(entry).items()})
    origin = f"this request (RECOGNIZE #{recognize.request_id})"
    values.update({k: ParamValue(v, origin) for k, v in frame_headers(recognize).items()})
    return values
