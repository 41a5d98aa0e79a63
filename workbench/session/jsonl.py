"""The timeline as JSON Lines: what support engineers export, mail and reopen.

Format (version 1), UTF-8, one JSON object per line, ``\\n`` line ends:

* line 1, the header::

    {"format":"h2b-workbench-timeline","format_version":1,"app_version":"0.1.0",
     "created":1700000000.5,"created_utc":"2023-11-14T22:13:20.500000Z","entries":42}

  ``created`` is epoch seconds (or null when unknown), ``created_utc`` the same for people,
  ``entries`` the number of entry lines that follow (a shorter file was cut short).
* then one line per entry, in ``seq`` order (0, 1, 2…), with every field of
  :class:`~workbench.session.entries.TimelineEntry` under its own name; ``data`` is an object.

Readers ignore keys they do not know (a newer minor addition) and refuse a newer
``format_version``. Non-ASCII text is written as is (transcripts stay readable).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any, TypeAlias, TypeGuard

from workbench import __version__
from workbench.session.entries import DIRECTIONS, KINDS, JsonValue, TimelineEntry, thaw

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "PathOrFile",
    "TimelineFile",
    "TimelineFormatError",
    "TimelineHeader",
    "entry_to_json",
    "read_jsonl",
    "write_jsonl",
]

FORMAT_NAME = "h2b-workbench-timeline"
FORMAT_VERSION = 1

PathOrFile: TypeAlias = str | os.PathLike[str] | IO[str]
"""A file name, or a text file opened by the caller (left open)."""

_FIELD_NAMES = tuple(entry_field.name for entry_field in fields(TimelineEntry))
_REQUIRED = ("seq", "kind", "direction", "name", "wall", "mono")


class TimelineFormatError(ValueError):
    """A file that is not a timeline this version can read; ``line`` is 1-based (0: whole file)."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}" if line else problem)
        self.line = line
        self.problem = problem


@dataclass(frozen=True, slots=True)
class TimelineHeader:
    """The first line of an export: who wrote it and when."""

    format_version: int
    app_version: str
    created: float | None
    entry_count: int | None
    extra: Mapping[str, JsonValue] = field(default_factory=lambda: MappingProxyType({}))
    """Header keys this version does not know, kept for display."""


@dataclass(frozen=True, slots=True)
class TimelineFile:
    """What :func:`read_jsonl` returns."""

    header: TimelineHeader
    entries: tuple[TimelineEntry, ...]


# ---------------------------------------------------------------------------------------------
# Writing


def _utc_text(created: float) -> str:
    return datetime.fromtimestamp(created, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=thaw)


def entry_to_json(entry: TimelineEntry) -> dict[str, JsonValue]:
    """The JSON object of one entry line (``data`` as a plain dict)."""
    obj = {name: getattr(entry, name) for name in _FIELD_NAMES}
    obj["data"] = thaw(entry.data)
    return obj


def _write_lines(
    file: IO[str], header: dict[str, JsonValue], entries: Sequence[TimelineEntry]
) -> None:
    """One line at a time, so a 100 000-entry export never sits whole in memory."""
    file.write(_dumps(header) + "\n")
    for entry in entries:
        file.write(_dumps(entry_to_json(entry)) + "\n")


def write_jsonl(
    entries: Sequence[TimelineEntry],
    target: PathOrFile,
    *,
    created: float | None = None,
    app_version: str = __version__,
) -> int:
    """Write the header and ``entries`` to ``target``; return the number of entry lines.

    A path is written through a temporary file then renamed, so a failed export never
    leaves half a file under the name the user chose.
    """
    if created is not None and not math.isfinite(created):
        raise ValueError(f"created must be a finite epoch time, got {created!r}")
    header = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "app_version": app_version,
        "created": created,
        "created_utc": None if created is None else _utc_text(created),
        "entries": len(entries),
    }
    if isinstance(target, str | os.PathLike):
        path = Path(target)
        temporary = path.with_name(path.name + ".part")
        try:
            with temporary.open("w", encoding="utf-8", newline="\n") as file:
                _write_lines(file, header, entries)
            temporary.replace(path)
        finally:
            temporary.unlink(missing_ok=True)
    else:
        _write_lines(target, header, entries)
    return len(entries)


# ---------------------------------------------------------------------------------------------
# Reading


def read_jsonl(source: PathOrFile) -> TimelineFile:
    """Read an export back; raise :class:`TimelineFormatError` saying which line is wrong."""
    if isinstance(source, str | os.PathLike):
        with Path(source).open(encoding="utf-8") as file:
            return _read_lines(file)
    return _read_lines(source)


def _read_lines(lines: IO[str]) -> TimelineFile:
    header: TimelineHeader | None = None
    entries: list[TimelineEntry] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        obj = _load_object(line, number)
        if header is None:
            header = _header_from_json(obj, number)
        else:
            entries.append(_entry_from_json(obj, number, expected_seq=len(entries)))
    if header is None:
        raise TimelineFormatError(0, "empty file: no timeline header")
    if header.entry_count is not None and header.entry_count != len(entries):
        raise TimelineFormatError(
            0,
            f"the header announces {header.entry_count} entries but the file holds "
            f"{len(entries)}: it was probably cut short",
        )
    return TimelineFile(header, tuple(entries))


def _load_object(line: str, number: int) -> dict[str, Any]:
    try:
        obj = json.loads(line)
    except ValueError as exc:
        raise TimelineFormatError(number, f"not valid JSON ({exc})") from None
    if not isinstance(obj, dict):
        raise TimelineFormatError(number, f"a JSON {type(obj).__name__}, not an object")
    return obj


def _header_from_json(obj: dict[str, Any], number: int) -> TimelineHeader:
    if obj.get("format") != FORMAT_NAME:
        raise TimelineFormatError(
            number, f"not an H2B Workbench timeline (format {obj.get('format')!r})"
        )
    version = obj.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise TimelineFormatError(number, f"bad format_version {version!r}")
    app_version = obj.get("app_version")
    if version > FORMAT_VERSION:
        raise TimelineFormatError(
            number,
            f"written in timeline format {version} (by H2B Workbench {app_version}); this "
            f"version ({__version__}) reads format {FORMAT_VERSION}: update to open it",
        )
    created = obj.get("created")
    count = obj.get("entries")
    known = {"format", "format_version", "app_version", "created", "created_utc", "entries"}
    return TimelineHeader(
        format_version=version,
        app_version=str(app_version) if app_version is not None else "",
        created=float(created) if _is_number(created) else None,
        entry_count=count if isinstance(count, int) and not isinstance(count, bool) else None,
        extra=MappingProxyType({key: value for key, value in obj.items() if key not in known}),
    )


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check(ok: bool, number: int, key: str, value: object, wanted: str) -> None:
    if not ok:
        raise TimelineFormatError(number, f"{key} must be {wanted}, got {value!r}")


def _entry_from_json(obj: dict[str, Any], number: int, expected_seq: int) -> TimelineEntry:
    for key in _REQUIRED:
        if key not in obj:
            raise TimelineFormatError(number, f"entry has no {key!r}")
    seq = obj["seq"]
    if seq != expected_seq or isinstance(seq, bool):
        raise TimelineFormatError(number, f"seq {seq!r} where {expected_seq} was expected")
    _check(obj["kind"] in KINDS, number, "kind", obj["kind"], f"one of {', '.join(KINDS)}")
    direction = obj["direction"]
    _check(direction in DIRECTIONS, number, "direction", direction, "sent, received or local")
    for key in ("wall", "mono"):
        _check(_is_number(obj[key]), number, key, obj[key], "a number")
    for key in ("name", "channel_id", "summary", "raw"):
        _check(isinstance(obj.get(key, ""), str), number, key, obj.get(key), "a string")
    for key in ("request_id", "pairs", "audio_sample"):
        value = obj.get(key)
        valid = value is None or (isinstance(value, int) and not isinstance(value, bool))
        _check(valid, number, key, value, "an integer or null")
    pairs = obj.get("pairs")
    _check(pairs is None or 0 <= pairs < seq, number, "pairs", pairs, "the seq of an earlier entry")
    latency = obj.get("latency_ms")
    _check(latency is None or _is_number(latency), number, "latency_ms", latency, "a number")
    for key in ("completion_cause", "sdk_reason"):
        value = obj.get(key)
        _check(value is None or isinstance(value, str), number, key, value, "a string or null")
    sdk_ok = obj.get("sdk_ok")
    _check(sdk_ok is None or isinstance(sdk_ok, bool), number, "sdk_ok", sdk_ok, "true/false/null")
    data = obj.get("data", {})
    _check(isinstance(data, dict), number, "data", data, "an object")
    return TimelineEntry(
        seq=seq,
        kind=obj["kind"],
        direction=direction,
        name=obj["name"],
        request_id=obj.get("request_id"),
        channel_id=obj.get("channel_id", ""),
        completion_cause=obj.get("completion_cause"),
        summary=obj.get("summary", ""),
        raw=obj.get("raw", ""),
        wall=float(obj["wall"]),
        mono=float(obj["mono"]),
        pairs=pairs,
        latency_ms=None if latency is None else float(latency),
        sdk_ok=sdk_ok,
        sdk_reason=obj.get("sdk_reason"),
        audio_sample=obj.get("audio_sample"),
        data=data,
    )
