"""Schema of the H2B recognition parameters (H2B.md §7) and OPEN attributes (§4.1, §11).

One table drives everything: the UI parameter form, the CLI ``--param k=v`` parser and the
local server's validation. Pure data and checks: no I/O, no clock.

The official parameter page was never retrieved, so defaults and ranges here are our own
choices (the [INF] local-server defaults of H2B.md §7), not the real service's limits.
``speech_language`` defaults to "fr" to mirror the real service and the SDK examples, even
though the local server ships English models only.
"""

from __future__ import annotations

import difflib
import enum
import math
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "AUDIO_CODECS",
    "OPEN_ATTRIBUTES",
    "PARAMETERS",
    "ParamError",
    "ParamKind",
    "ParamScope",
    "ParamSpec",
    "ParamValue",
    "default_params",
    "parse_assignment",
    "specs_for_scope",
    "validate_params",
]

ParamValue: TypeAlias = int | float | bool | str
"""A parameter value as it travels in JSON headers."""

AUDIO_CODECS: tuple[str, ...] = ("linear", "g711a", "g711u")
"""Values allowed for the OPEN ``audio_codec`` attribute (H2B.md §6)."""

_REPR_LIMIT = 60
_UNIT_WORDS: Mapping[str, str] = MappingProxyType({"ms": "milliseconds"})
_TRUE_WORDS = frozenset({"true", "yes", "1", "on"})
_FALSE_WORDS = frozenset({"false", "no", "0", "off"})
_INT_TEXT = re.compile(r"[+-]?[0-9]+")
_FLOAT_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# BCP 47 subtags are case-insensitive, so "fr-fr" and "EN-us" are accepted as well.
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(?:-(?:[a-z]{2}|[0-9]{3}))?", re.IGNORECASE)


class ParamKind(enum.Enum):
    """The value type of a parameter."""

    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    STRING = "string"
    CHOICE = "choice"


class ParamScope(enum.Flag):
    """Where a name may appear: SET-PARAMS headers, RECOGNIZE headers, or OPEN."""

    SET_PARAMS = enum.auto()
    RECOGNIZE = enum.auto()
    OPEN = enum.auto()

    @property
    def label(self) -> str:
        """The wire spelling, e.g. ``SET-PARAMS`` (members joined with ``or``)."""
        return " or ".join((m.name or "").replace("_", "-") for m in self)


_SESSION = ParamScope.SET_PARAMS | ParamScope.RECOGNIZE


class ParamError(ValueError):
    """A parameter name or value that is not allowed; ``str()`` is the message."""

    def __init__(self, name: str, value: object, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.value = value
        self.message = message


def _short_repr(value: object) -> str:
    try:
        text = repr(value)
    except ValueError:  # e.g. an int too large for the int-to-str digit limit
        text = f"<{type(value).__name__}>"
    return text if len(text) <= _REPR_LIMIT else text[: _REPR_LIMIT - 3] + "..."


def _number(x: float) -> str:
    return str(x) if isinstance(x, int) else f"{x:g}"


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """Name, type, bounds, default and help of one parameter or OPEN attribute."""

    name: str
    kind: ParamKind
    default: ParamValue
    help: str
    scope: ParamScope
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    pattern: re.Pattern[str] | None = None
    pattern_hint: str = ""
    envelope: bool = False  # True: a field of the command envelope, not a header

    def __post_init__(self) -> None:
        if (self.kind is ParamKind.CHOICE) != bool(self.choices):
            raise ValueError(f"{self.name}: choices must be given exactly for CHOICE kinds")
        problem = self.validate(self.default)
        if problem is not None:
            raise ValueError(f"bad default in schema: {problem}")

    def describe(self) -> str:
        """Say in plain words what values are allowed, e.g. ``an integer between 1 and 10``."""
        unit = _UNIT_WORDS.get(self.unit, self.unit)
        match self.kind:
            case ParamKind.INT:
                what = f"an integer number of {unit}" if unit else "an integer"
            case ParamKind.FLOAT:
                what = "a number"
            case ParamKind.BOOL:
                return "true or false"
            case ParamKind.CHOICE:
                return "one of: " + ", ".join(self.choices)
            case ParamKind.STRING:
                what = self.pattern_hint or "a string"
                if self.max_length is not None:
                    what += f" of at most {self.max_length} characters"
                return what
        if self.minimum is not None and self.maximum is not None:
            return f"{what} between {_number(self.minimum)} and {_number(self.maximum)}"
        if self.minimum is not None:
            return f"{what} of at least {_number(self.minimum)}"
        if self.maximum is not None:
            return f"{what} of at most {_number(self.maximum)}"
        return what

    def _problem(self, value: object) -> str | None:
        """Return what is wrong with ``value`` in a few words, or None when it is allowed."""
        match self.kind:
            case ParamKind.BOOL:
                return None if isinstance(value, bool) else "has the wrong type"
            case ParamKind.CHOICE:
                return (
                    None if isinstance(value, str) and value in self.choices else "is not allowed"
                )
            case ParamKind.STRING:
                if not isinstance(value, str):
                    return "has the wrong type"
                if self.max_length is not None and len(value) > self.max_length:
                    return "is too long"
                if self.pattern is not None and self.pattern.fullmatch(value) is None:
                    return "is not well formed"
                return None
            case ParamKind.INT:
                # bool is a subclass of int: JSON true must not pass as 1.
                if isinstance(value, bool) or not isinstance(value, int):
                    return "has the wrong type"
                number: float = value
            case ParamKind.FLOAT:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    return "has the wrong type"
                if not math.isfinite(value):
                    return "is not a finite number"
                number = value
        if (self.minimum is not None and number < self.minimum) or (
            self.maximum is not None and number > self.maximum
        ):
            return "is out of range"
        return None

    def validate(self, value: object) -> str | None:
        """Return None when ``value`` is allowed, else a message naming parameter and value."""
        problem = self._problem(value)
        if problem is None:
            return None
        return f"{self.name}={_short_repr(value)} {problem}: expected {self.describe()}"

    def check(self, value: object) -> None:
        """Raise ParamError when ``value`` is not allowed."""
        message = self.validate(value)
        if message is not None:
            raise ParamError(self.name, value, message)

    def parse_text(self, text: str) -> ParamValue:
        """Convert text typed in the UI or on the CLI to a valid value, or raise ParamError.

        Numbers, booleans and choices ignore surrounding blanks; booleans accept
        true/false, yes/no, on/off and 1/0, and choices any letter case. Strings are kept as is.
        """
        value = self._convert(text)
        if value is None:
            expected = self.describe()
            if self.kind is ParamKind.BOOL:
                expected = "true or false (or yes/no, on/off, 1/0)"
            message = f"{self.name}={_short_repr(text)} cannot be read: expected {expected}"
            raise ParamError(self.name, text, message)
        self.check(value)
        return value

    def _convert(self, text: str) -> ParamValue | None:
        stripped = text.strip()
        match self.kind:
            case ParamKind.STRING:
                return text
            case ParamKind.BOOL:
                word = stripped.lower()
                return True if word in _TRUE_WORDS else False if word in _FALSE_WORDS else None
            case ParamKind.CHOICE:
                folded = {c.casefold(): c for c in self.choices}
                return folded.get(stripped.casefold())
            case ParamKind.INT:
                if _INT_TEXT.fullmatch(stripped) is None:
                    return None
                try:
                    return int(stripped)
                except ValueError:  # more digits than int() agrees to read
                    return None
            case ParamKind.FLOAT:
                if _FLOAT_TEXT.fullmatch(stripped) is None:
                    return None
                return float(stripped)  # overflow gives inf, which check() then rejects


# [INF] MRCP timers are non-negative milliseconds with implementation-defined maxima. Ten
# minutes is far above any value in the SDK examples (at most 50 s) and still catches a
# runaway or mistyped value.
_MAX_MS = 600_000


def _ms(name: str, default: int, text: str) -> ParamSpec:
    return ParamSpec(name, ParamKind.INT, default, text, _SESSION, "ms", 0, _MAX_MS)


def _text(name: str, text: str, scope: ParamScope = _SESSION, length: int = 256) -> ParamSpec:
    return ParamSpec(name, ParamKind.STRING, "", text, scope, max_length=length)


def _choice(name: str, text: str, scope: ParamScope, choices: tuple[str, ...]) -> ParamSpec:
    return ParamSpec(name, ParamKind.CHOICE, choices[0], text, scope, choices=choices)


# Scopes. H2B.md §7 says every parameter may be a SET-PARAMS session default or a RECOGNIZE
# per-request override. The SDK always sends recognition_mode and start_input_timers in
# RECOGNIZE, but a session default still matters for clients that omit them, so both scopes
# are kept. content_type describes the body of the RECOGNIZE message itself and has a single
# allowed value, so a session default means nothing: it is RECOGNIZE-only and therefore not
# part of default_params().
_SESSION_SPECS: tuple[ParamSpec, ...] = (
    ParamSpec(
        "speech_language",
        ParamKind.STRING,
        "fr",
        "Language of the speech, such as fr, en or fr-FR; the region matters for phone numbers.",
        _SESSION,
        pattern=_LANGUAGE_TAG,
        pattern_hint="a language tag such as fr, en, fr-FR or en-US",
    ),
    _ms("no_input_timeout", 5000, "How long to wait for speech to start."),
    _ms("speech_complete_timeout", 1000, "Silence that ends an utterance that fully matches."),
    _ms("speech_incomplete_timeout", 2000, "Silence that ends an utterance that partly matches."),
    _ms("speech_nomatch_timeout", 3000, "Speech without any match before recognition gives up."),
    _ms("recognition_timeout", 20000, "Longest a normal recognition may take."),
    _ms("hotword_max_duration", 10000, "Longest to listen for a hotword."),
    _choice(
        "recognition_mode",
        "normal recognizes one utterance; hotword listens until something matches.",
        _SESSION,
        ("normal", "hotword"),
    ),
    ParamSpec(
        "start_input_timers",
        ParamKind.BOOL,
        True,
        "Start the no-input timer at once; false waits for START-INPUT-TIMERS.",
        _SESSION,
    ),
    _choice(
        "content_type",
        "Format of the RECOGNIZE body: a list of grammar URIs.",
        ParamScope.RECOGNIZE,
        ("text/uri-list",),
    ),
    ParamSpec(
        "confidence_threshold",
        ParamKind.FLOAT,
        0.5,
        "Results with a lower confidence count as no match.",
        _SESSION,
        minimum=0.0,
        maximum=1.0,
    ),
    ParamSpec(
        "n_best_list_length",
        ParamKind.INT,
        1,
        "How many hypotheses to return, best first.",
        _SESSION,
        minimum=1,
        maximum=10,
    ),
    _text("logging_tag", "Free text attached to the server logs of this session."),
)

# [INF] The real limits of the identifiers are unknown; 256 characters keeps a local server
# from storing unbounded text while allowing any realistic reference.
_OPEN_SPECS: tuple[ParamSpec, ...] = (
    _text("custom_id", "Your own reference, shown in logs and invoice reports.", ParamScope.OPEN),
    _text("session_id", "Your own id, shown next to the channel id in logs.", ParamScope.OPEN),
    _choice(
        "audio_codec",
        "Audio format: linear 16-bit PCM, G.711 A-law or G.711 mu-law, all 8 kHz mono.",
        ParamScope.OPEN,
        AUDIO_CODECS,
    ),
    ParamSpec(
        "channel_id",
        ParamKind.STRING,
        "",
        "Optional prefix of the channel id the server generates.",
        ParamScope.OPEN,
        max_length=256,
        envelope=True,
    ),
)

PARAMETERS: Mapping[str, ParamSpec] = MappingProxyType({s.name: s for s in _SESSION_SPECS})
"""Every recognition parameter of H2B.md §7, in display order."""

OPEN_ATTRIBUTES: Mapping[str, ParamSpec] = MappingProxyType({s.name: s for s in _OPEN_SPECS})
"""OPEN attributes; ``channel_id`` is an envelope field (``envelope=True``), the rest headers."""


_KNOWN: Mapping[str, ParamSpec] = MappingProxyType({**PARAMETERS, **OPEN_ATTRIBUTES})


def specs_for_scope(scope: ParamScope) -> tuple[ParamSpec, ...]:
    """Return the specs allowed in every part of ``scope``, in display order."""
    return tuple(s for s in _KNOWN.values() if scope in s.scope)


def _lookup(name: str, scope: ParamScope, value: object) -> ParamSpec:
    """Return the spec of ``name`` if it is allowed in ``scope``, else raise ParamError."""
    spec = _KNOWN.get(name)
    if spec is not None and scope in spec.scope:
        return spec
    if spec is not None:
        message = f"{name} cannot be given in {scope.label}; it belongs in {spec.scope.label}"
        raise ParamError(name, value, message)
    allowed = [s.name for s in specs_for_scope(scope)]
    message = f"unknown parameter {_short_repr(name)}"
    close = difflib.get_close_matches(name, allowed, n=1)
    if close:
        message += f"; did you mean {close[0]!r}?"
    raise ParamError(name, value, message)


def validate_params(
    params: Mapping[str, object], *, scope: ParamScope = ParamScope.SET_PARAMS
) -> list[ParamError]:
    """Check every name and value of ``params`` for ``scope``; return the errors in order.

    Unknown names get a "did you mean" suggestion; known names used in the wrong place say
    where they belong. For ``ParamScope.OPEN`` the mapping may also hold ``channel_id``.
    """
    errors: list[ParamError] = []
    for name, value in params.items():
        try:
            _lookup(name, scope, value).check(value)
        except ParamError as error:
            errors.append(error)
    return errors


def parse_assignment(
    text: str, *, scope: ParamScope = ParamScope.SET_PARAMS
) -> tuple[str, ParamValue]:
    """Parse CLI text ``name=value`` into a checked ``(name, value)`` pair, or raise ParamError."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ParamError(name, text, f"{_short_repr(text)} is not of the form name=value")
    return name, _lookup(name, scope, raw).parse_text(raw)


def default_params() -> dict[str, object]:
    """Return every SET-PARAMS parameter with its default, as DEFAULT-PARAMS reports it."""
    return {s.name: s.default for s in _SESSION_SPECS if ParamScope.SET_PARAMS in s.scope}
