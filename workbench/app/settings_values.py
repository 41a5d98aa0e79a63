"""What the settings file may hold: the value types and the check of every value read or set.

Each check returns the value to keep, or raises ValueError saying in plain words what is wrong;
:data:`CHECKS` says where each value sits in the file and names it for warnings. Split from
:mod:`workbench.app.settings` so that module stays about the file and the accessors.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Final, Literal

MAX_RECENT_FILES: Final = 10
SECRET_WORDS: Final = ("secret", "password", "passwd", "token", "credential", "apikey", "api_key")
"""A profile field whose name holds one of these is refused: secrets belong in the keyring."""

SourceKind = Literal["microphone", "file", "text", "silence"]
JsonScalar = str | int | float | bool | None
SOURCE_KINDS: Final = ("microphone", "file", "text", "silence")


@dataclass(frozen=True)
class SourceChoice:
    """The audio source last chosen, and what each kind of source needs to start again."""

    kind: SourceKind = "silence"
    file: str | None = None
    file_loop: bool = False
    text: str = ""
    text_loop: bool = False
    engine: str | None = None
    voice: str | None = None


def text_or_none(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValueError("expected text")


def base64_text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("expected base64 text")
    try:
        base64.b64decode(value, validate=True)
    except binascii.Error as error:
        raise ValueError(f"not base64 ({error})") from None
    return value


def layouts(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError("expected an object")
    return {str(name): base64_text(blob) for name, blob in value.items()}


def source_dict(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("expected an object")
    known = {field.name for field in fields(SourceChoice)}
    return asdict(source_choice({k: v for k, v in value.items() if k in known}))


def source_choice(values: Mapping[str, Any]) -> SourceChoice:
    """A :class:`SourceChoice` from its fields, every one checked (a dataclass checks none)."""
    choice = SourceChoice(**values)
    if choice.kind not in SOURCE_KINDS:
        raise ValueError(f"unknown source kind {choice.kind!r}")
    for name in ("file", "engine", "voice"):
        text_or_none(getattr(choice, name))
    if not isinstance(choice.text, str):
        raise ValueError("text must be text")
    if not isinstance(choice.file_loop, bool) or not isinstance(choice.text_loop, bool):
        raise ValueError("loop must be true or false")
    return choice


def paths(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("expected a list of paths")
    return list(dict.fromkeys(value))[:MAX_RECENT_FILES]


def profile_fields(value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError("expected an object of texts")
    secret = [str(key) for key in value if looks_secret(str(key))]
    if secret:
        raise ValueError(f"holds secret-looking fields ({', '.join(secret)}), dropped")
    return {str(key): item for key, item in value.items()}


def params(value: object) -> dict[str, JsonScalar]:
    if not isinstance(value, dict):
        raise ValueError("expected an object")
    for name, item in value.items():
        if item is not None and not isinstance(item, str | int | float | bool):
            raise ValueError(f"parameter {name!r} is not a plain value")
    return {str(name): item for name, item in value.items()}


def library(value: object) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError("expected a list of objects")
    json.dumps(value)  # only JSON values (a TypeError here means a caller's bug)
    return [dict(item) for item in value]


CHECKS: Final[dict[tuple[str, ...], tuple[str, Callable[[object], Any]]]] = {
    ("window", "geometry"): ("window position", base64_text),
    ("window", "state"): ("window layout", base64_text),
    ("window", "layouts"): ("panel layouts", layouts),
    ("audio", "device"): ("last input device", text_or_none),
    ("audio", "source"): ("last audio source", source_dict),
    ("audio", "recent_files"): ("recent files", paths),
    ("connection", "profile"): ("connection profile", text_or_none),
    ("connection", "fields"): ("connection profile fields", profile_fields),
    ("session_params",): ("session parameters", params),
    ("grammar_library",): ("grammar library", library),
}
"""Every value this version reads: where it sits in the file, its name in words, its check."""


def looks_secret(name: str) -> bool:
    """True for "client_secret", "Password", "access-token", "API_KEY" and the like."""
    folded = name.casefold().replace("-", "_")
    return any(word in folded for word in SECRET_WORDS)
