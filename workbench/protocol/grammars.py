"""Grammar URIs of Stream H2B (H2B.md §4.4, §4.5, §10): parse, build, validate and explain them.

Theory of operation
-------------------
A grammar URI is ``builtin:<path>[?<query>]`` or ``session:<alias>``. The query travels raw, never
URL-encoded: ``regex=[0-9]{1,2}`` and ``alternatives=allo\\-media|arrêt`` are sent exactly as
written, so nothing here decodes or encodes and ``str(parse_grammar_uri(t)) == t``.

Parameters are separated by ``&``, but a regex may itself contain ``&``. The query is therefore
split only at an ``&`` directly followed by ``name=`` (``name`` an ASCII identifier) and not escaped
by a backslash; ``\\&`` keeps a literal ``&`` that would otherwise start a new parameter.

Checking has two levels. :func:`parse_grammar_uri` (and constructing a :class:`GrammarUri`) rejects
text that is not a grammar URI at all by raising :class:`GrammarError`. :func:`validate_grammar_uri`
then lists every problem of a well-formed URI against the builtin catalogue, so a UI can show them
all at once; :func:`check_grammar_uri` does both and raises on the first problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from workbench.protocol.grammar_catalogue import (
    BUILTIN_GRAMMARS,
    BuiltinGrammar,
    GrammarParam,
    ParamKind,
    builtin_grammar,
    close_builtin_paths,
    regex_error,
    regex_examples,
)

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping, Sequence

__all__ = [
    "BUILTIN_GRAMMARS",
    "BuiltinGrammar",
    "GrammarError",
    "GrammarParam",
    "GrammarProblem",
    "GrammarScheme",
    "GrammarUri",
    "ParamKind",
    "builtin_grammar",
    "check_grammar_uri",
    "close_builtin_paths",
    "grammar_list_problems",
    "grammars_body",
    "join_alternatives",
    "parse_grammar_uri",
    "parse_grammars_body",
    "regex_error",
    "regex_examples",
    "split_alternatives",
    "validate_alias",
    "validate_grammar_uri",
]

GrammarScheme = Literal["builtin", "session"]
"""The two URI schemes: catalogue grammars and aliases made by DEFINE-GRAMMAR."""

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PARAM_START = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=")
_PATH = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# join_alternatives escapes what split_alternatives unescapes ('\' and '|'), '&' so that a keyword
# can never start a query parameter, and the regex metacharacters: the SDK's only example escapes
# '-' (allo\-media), which suggests the server builds a pattern from the keywords, and under the
# rule "a backslash makes the next character literal" escaping punctuation is harmless.
_ESCAPED_IN_KEYWORDS = frozenset("\\|&-.^$*+?()[]{}")


class GrammarError(ValueError):
    """A grammar URI, alias, keyword list or RECOGNIZE body that cannot be used.

    ``part`` names the offending part: ``uri``, ``scheme``, ``path``, ``query``, ``alias``,
    ``body``, ``alternatives`` or the name of a query parameter such as ``regex``. When the error
    sums up a validation, ``problems`` holds every problem found.
    """

    def __init__(
        self, message: str, *, part: str, problems: tuple[GrammarProblem, ...] = ()
    ) -> None:
        super().__init__(message)
        self.part = part
        self.problems = problems


@dataclass(frozen=True, slots=True)
class GrammarProblem:
    """One problem found by validation: the part at fault and a message naming it."""

    part: str
    message: str

    def __str__(self) -> str:
        return self.message


def _error(text: str, part: str, message: str) -> GrammarError:
    return GrammarError(f"grammar '{text}': {message}", part=part)


@dataclass(frozen=True, slots=True)
class GrammarUri:
    """A grammar URI as written on the wire: ``builtin:<path>?k=v&k2=v2`` or ``session:<alias>``.

    ``path`` is the builtin path (``speech/spelling/digits``) or the session alias; ``query`` holds
    the raw ``(name, value)`` pairs in order. Construction checks the form only; the catalogue is
    checked by :func:`validate_grammar_uri`.
    """

    scheme: GrammarScheme
    path: str
    query: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        _check_form(self)

    @classmethod
    def builtin(cls, path: str, **params: str) -> GrammarUri:
        """``builtin:<path>`` with the keyword arguments as query parameters, in order."""
        return cls("builtin", path, tuple(params.items()))

    @classmethod
    def session(cls, alias: str) -> GrammarUri:
        """``session:<alias>`` for an alias defined with DEFINE-GRAMMAR."""
        return cls("session", alias)

    @classmethod
    def parse(cls, text: str) -> GrammarUri:
        """Same as :func:`parse_grammar_uri`."""
        return parse_grammar_uri(text)

    @property
    def text(self) -> str:
        """The exact wire form, e.g. ``builtin:speech/keywords?alternatives=oui|non``."""
        if not self.query:
            return self.base
        return self.base + "?" + "&".join(f"{name}={value}" for name, value in self.query)

    def __str__(self) -> str:
        return self.text

    @property
    def base(self) -> str:
        """The URI without query string; for a builtin this is what ``nlu.type`` carries."""
        return f"{self.scheme}:{self.path}"

    @property
    def is_builtin(self) -> bool:
        """True for ``builtin:`` URIs."""
        return self.scheme == "builtin"

    @property
    def is_session(self) -> bool:
        """True for ``session:`` URIs."""
        return self.scheme == "session"

    def param(self, name: str) -> str | None:
        """The raw value of the first parameter called ``name``, or None when it is absent."""
        return next((value for key, value in self.query if key == name), None)


def _split_query(query: str) -> list[str]:
    """Split at every unescaped ``&`` that is directly followed by ``name=``."""
    pieces: list[str] = []
    start = 0
    backslashes = 0
    for index, char in enumerate(query):
        if char == "&" and backslashes % 2 == 0 and _PARAM_START.match(query, index + 1):
            pieces.append(query[start:index])
            start = index + 1
        backslashes = backslashes + 1 if char == "\\" else 0
    pieces.append(query[start:])
    return pieces


def _check_form(uri: GrammarUri) -> None:
    text = uri.text
    if uri.scheme not in ("builtin", "session"):
        raise _error(text, "scheme", f"unknown scheme '{uri.scheme}' (expected builtin or session)")
    if uri.is_session:
        if uri.query:
            raise _error(text, "query", "a session: URI takes no query string")
        problem = validate_alias(uri.path)
        if problem is not None:
            raise _error(text, "alias", problem)
        return
    if not uri.path:
        raise _error(text, "path", "the builtin path is empty")
    if not _PATH.fullmatch(uri.path):
        raise _error(
            text,
            "path",
            f"path '{uri.path}' must be segments of letters, digits, '_', '.' or '-' joined by '/'",
        )
    for name, value in uri.query:
        if not _IDENTIFIER.fullmatch(name):
            raise _error(text, "query", f"parameter name '{name}' is not an identifier")
        if _CONTROL.search(value):
            raise _error(text, name, f"value of '{name}' holds a control character (newline, tab…)")
    if uri.query:
        pieces = _split_query(text.partition("?")[2])
        for (name, value), piece in zip(uri.query, [*pieces, ""], strict=False):
            if piece != f"{name}={value}":
                raise _error(
                    text, name, f"value of '{name}' would be split at '&name='; write '\\&'"
                )


def parse_grammar_uri(text: str) -> GrammarUri:
    """Parse a grammar URI exactly as sent on the wire; ``str()`` of the result gives ``text`` back.

    Raises :class:`GrammarError` when ``text`` is not a grammar URI; catalogue problems (unknown
    path, bad regex…) are left to :func:`validate_grammar_uri`.
    """
    if not text.strip():
        raise _error(text, "uri", "the grammar URI is empty")
    scheme, colon, rest = text.partition(":")
    if not colon:
        hint = f"; did you mean 'builtin:{text}'?" if builtin_grammar(text) else ""
        raise _error(text, "scheme", f"no scheme: write builtin:<path> or session:<alias>{hint}")
    if scheme == "session":
        return GrammarUri("session", rest)
    if scheme != "builtin":
        raise _error(text, "scheme", f"unknown scheme '{scheme}' (expected builtin or session)")
    path, question, query_text = rest.partition("?")
    if not question:
        return GrammarUri("builtin", path)
    if not query_text:
        raise _error(text, "query", "the query string after '?' is empty")
    query: list[tuple[str, str]] = []
    for piece in _split_query(query_text):
        match = _PARAM_START.match(piece)
        if match is None:
            raise _error(text, "query", f"'{piece}' is not of the form name=value")
        query.append((match.group(1), piece[match.end() :]))
    return GrammarUri("builtin", path, tuple(query))


def validate_alias(alias: str) -> str | None:
    """Why ``alias`` cannot be a session alias, or None when it can.

    Rule: non-empty, no whitespace or control character (the alias is copied verbatim into the
    newline-separated RECOGNIZE body) and no ``:`` (``session:a:b`` would read like a scheme).
    """
    if not alias:
        return "the alias is empty"
    for index, char in enumerate(alias):
        if char.isspace() or _CONTROL.match(char):
            return f"alias '{alias}' holds whitespace or a control character at position {index}"
        if char == ":":
            return f"alias '{alias}' holds ':' at position {index}"
    return None


def split_alternatives(text: str) -> tuple[str, ...]:
    """The keywords of an ``alternatives=`` value: ``|`` separates, ``\\`` makes the next
    character literal (``allo\\-media`` gives ``allo-media``, ``a\\|b`` the single keyword ``a|b``).

    Raises :class:`GrammarError` (part ``alternatives``) for an empty alternative or a trailing
    lone backslash, naming the 0-based position in ``text``.
    """

    def fail(position: int, what: str) -> GrammarError:
        message = f"alternatives '{text}': {what} at position {position}"
        return GrammarError(message, part="alternatives")

    words: list[str] = []
    current: list[str] = []
    escaped = False
    for index, char in enumerate(text):
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            if not current:
                raise fail(index, "empty alternative")
            words.append("".join(current))
            current = []
        else:
            current.append(char)
    if escaped:
        raise fail(len(text) - 1, "trailing lone backslash")
    if not current:
        raise fail(len(text), "empty alternative")
    words.append("".join(current))
    return tuple(words)


def join_alternatives(words: Iterable[str]) -> str:
    """The ``alternatives=`` value for ``words``; ``split_alternatives`` gives ``words`` back.

    Escapes ``\\`` and ``|``, ``&`` (so a keyword never starts a new query parameter) and regex
    metacharacters such as ``-``, as the SDK example ``allo\\-media`` does.
    """
    items = list(words)
    if not items:
        raise GrammarError("alternatives: at least one keyword is needed", part="alternatives")
    for index, word in enumerate(items):
        if not word:
            raise GrammarError(f"alternatives: keyword {index + 1} is empty", part="alternatives")
    escaped = ("".join(f"\\{c}" if c in _ESCAPED_IN_KEYWORDS else c for c in w) for w in items)
    return "|".join(escaped)


def _check_value(kind: ParamKind, name: str, value: str) -> list[GrammarProblem]:
    if kind == "regex":
        error = regex_error(value)
        return [] if error is None else [GrammarProblem(name, f"{name} '{value}' {error}")]
    try:
        words = split_alternatives(value)
    except GrammarError as exc:
        return [GrammarProblem(name, str(exc))]
    repeated = sorted({word for word in words if words.count(word) > 1})
    return [GrammarProblem(name, f"keyword '{word}' is listed more than once") for word in repeated]


def validate_grammar_uri(
    uri: GrammarUri, aliases: Collection[str] | None = None
) -> list[GrammarProblem]:
    """Every problem of ``uri`` against the builtin catalogue; an empty list when it looks usable.

    Checks: known builtin path (with "did you mean" suggestions), known and non-repeated
    parameters, required parameters, ``regex=`` non-empty and compiling with Python ``re``,
    ``alternatives=`` well formed. ``aliases``, when given, are the aliases defined in the
    session, and a ``session:`` URI naming another alias is a problem.
    """
    if uri.is_session:
        if aliases is None or uri.path in aliases:
            return []
        defined = ", ".join(sorted(aliases)) or "none"
        message = f"alias '{uri.path}' is not defined in this session (defined: {defined})"
        return [GrammarProblem("alias", message)]
    grammar = BUILTIN_GRAMMARS.get(uri.path)
    if grammar is None:
        close = " or ".join(f"'{path}'" for path in close_builtin_paths(uri.path))
        hint = f"; did you mean {close}?" if close else "."
        known = ", ".join(BUILTIN_GRAMMARS)
        message = f"unknown builtin grammar '{uri.path}'{hint} Known grammars: {known}"
        return [GrammarProblem("path", message)]
    problems: list[GrammarProblem] = []
    seen: set[str] = set()
    for name, value in uri.query:
        param = grammar.param(name)
        if param is None:
            accepted = ", ".join(p.name for p in grammar.params) or "none"
            message = f"unknown parameter '{name}' for {grammar.uri} (accepted: {accepted})"
            problems.append(GrammarProblem(name, message))
        elif name in seen:
            problems.append(GrammarProblem(name, f"parameter '{name}' is given more than once"))
        else:
            problems.extend(_check_value(param.kind, name, value))
        seen.add(name)
    for param in grammar.required_params:
        if param.name not in seen:
            example = f", e.g. {grammar.examples[0]}" if grammar.examples else ""
            message = f"{grammar.uri} needs the parameter '{param.name}'{example}"
            problems.append(GrammarProblem(param.name, message))
    return problems


def check_grammar_uri(text: str, aliases: Collection[str] | None = None) -> GrammarUri:
    """Parse and validate ``text``; raise :class:`GrammarError` on the first problem.

    The error's ``problems`` attribute holds every problem :func:`validate_grammar_uri` found.
    """
    uri = parse_grammar_uri(text)
    problems = validate_grammar_uri(uri, aliases)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        message = f"grammar '{text}': {problems[0].message}{more}"
        raise GrammarError(message, part=problems[0].part, problems=tuple(problems))
    return uri


def grammar_list_problems(
    uris: Sequence[GrammarUri], aliases: Mapping[str, GrammarUri] | None = None
) -> list[GrammarProblem]:
    """Problems of the grammar list of one RECOGNIZE taken as a whole.

    Reports an empty list, repeated URIs and always-matching grammars (transcribe, text2num…)
    listed with others: the first grammar that matches wins, so mixing them is pointless.
    ``aliases`` maps session aliases to the URIs they were defined for.
    """
    if not uris:
        return [GrammarProblem("body", "RECOGNIZE needs at least one grammar")]
    problems: list[GrammarProblem] = []
    seen: set[str] = set()
    for uri in uris:
        if uri.text in seen:
            problems.append(GrammarProblem("body", f"{uri} is listed more than once"))
        seen.add(uri.text)
        target = (aliases or {}).get(uri.path, uri) if uri.is_session else uri
        grammar = builtin_grammar(target.path) if target.is_builtin else None
        if len(uris) > 1 and grammar is not None and grammar.always_matches:
            message = f"{uri} matches any speech, so listing other grammars with it is pointless"
            problems.append(GrammarProblem("body", message))
    return problems


def grammars_body(uris: Iterable[GrammarUri | str]) -> str:
    """The RECOGNIZE body: the URIs in order, joined by a single ``\\n`` (not CRLF)."""
    lines = [str(uri) for uri in uris]
    for line in lines:
        if not line or "\n" in line or "\r" in line:
            raise GrammarError(f"grammar body: {line!r} cannot be one line", part="body")
    return "\n".join(lines)


def parse_grammars_body(body: str) -> tuple[str, ...]:
    """The grammar URIs of a RECOGNIZE body, in order.

    CRLF line ends and blank lines are tolerated; other whitespace is kept, so a stray space
    shows up when the URI is parsed.
    """
    lines = (line.removesuffix("\r") for line in body.split("\n"))
    return tuple(line for line in lines if line.strip())
