"""The application model without Qt: the session timeline and what it needs.

Pure Python over ``workbench.protocol``: no clock (times are arguments), no I/O but the
export files, no GUI. The modules:

- ``timeline``: :class:`Timeline`, one entry per frame, pairing, latencies, notifications;
- ``entries``: :class:`TimelineEntry`, :class:`TimelineChange`, :class:`Latencies`;
- ``summaries``: the one-line text of each entry; ``audio``: the per-stream audio tally;
- ``frames``: what is kept from a frame besides its text (kind, role, extras);
- ``redaction``: :func:`redact` and :class:`SecretSet`: secrets never enter a timeline;
- ``jsonl``: the JSON Lines export format, :func:`write_jsonl` and :func:`read_jsonl`.
"""

from workbench.session.entries import (
    KINDS,
    Direction,
    EntryKind,
    Latencies,
    NoteKind,
    TimelineChange,
    TimelineEntry,
)
from workbench.session.jsonl import (
    FORMAT_NAME,
    FORMAT_VERSION,
    TimelineFile,
    TimelineFormatError,
    TimelineHeader,
    read_jsonl,
    write_jsonl,
)
from workbench.session.redaction import MASK, SecretSet, redact
from workbench.session.timeline import Observer, Timeline

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "KINDS",
    "MASK",
    "Direction",
    "EntryKind",
    "Latencies",
    "NoteKind",
    "Observer",
    "SecretSet",
    "Timeline",
    "TimelineChange",
    "TimelineEntry",
    "TimelineFile",
    "TimelineFormatError",
    "TimelineHeader",
    "read_jsonl",
    "redact",
    "write_jsonl",
]
