"""The builtin grammars of Stream H2B (H2B.md §10.2) as data, and help for their ``regex=``.

The catalogue feeds the grammar help panel and ``grammars.validate_grammar_uri``. It lists what the
retrieved documentation and examples show; the real service may know more grammars (H2B.md §16), so
an unknown path is reported as a problem, not as a certainty. :func:`regex_examples` turns a
``regex=`` value into a few sample strings ("accepts e.g. 7, 42, 05").
"""

from __future__ import annotations

import difflib
import random
import re
import string
import warnings
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal, TypeAlias

if TYPE_CHECKING:
    from collections.abc import Mapping

ParamKind = Literal["regex", "alternatives"]
"""How a query parameter value is read: a regular expression or a ``|``-separated keyword list."""


@dataclass(frozen=True, slots=True)
class GrammarParam:
    """One query parameter a builtin grammar accepts, such as ``regex=`` or ``alternatives=``."""

    name: str
    kind: ParamKind
    required: bool
    help: str


@dataclass(frozen=True, slots=True)
class BuiltinGrammar:
    """One builtin grammar: what it recognises, its parameters and what ``nlu.value`` holds.

    ``always_matches`` marks grammars that accept any speech: listing them next to other grammars
    in one RECOGNIZE is pointless, because the first grammar that matches wins. ``alias_of`` names
    the path this grammar is documented as an alias of.
    """

    path: str
    title: str
    help: str
    value: str
    params: tuple[GrammarParam, ...] = ()
    always_matches: bool = False
    alias_of: str | None = None
    examples: tuple[str, ...] = ()

    @property
    def uri(self) -> str:
        """The URI without query string, as ``nlu.type`` reports it (``builtin:<path>``)."""
        return f"builtin:{self.path}"

    @property
    def required_params(self) -> tuple[GrammarParam, ...]:
        """The parameters that must be given."""
        return tuple(param for param in self.params if param.required)

    def param(self, name: str) -> GrammarParam | None:
        """The parameter called ``name``, or None when this grammar does not take it."""
        return next((param for param in self.params if param.name == name), None)


def _regex_param(example: str) -> GrammarParam:
    return GrammarParam(
        name="regex",
        kind="regex",
        required=False,
        help=f"Pattern the spelled characters must match, e.g. {example} (sent raw).",
    )


_ALTERNATIVES = GrammarParam(
    name="alternatives",
    kind="alternatives",
    required=True,
    help="Keywords separated by '|'; a backslash makes the next character literal (allo\\-media).",
)

_CATALOGUE = (
    BuiltinGrammar(
        path="grammar/none",
        title="Free transcript",
        help="Accepts any speech and returns what was said, numbers written out in words.",
        value="string: the raw transcript",
        always_matches=True,
        examples=("builtin:grammar/none",),
    ),
    BuiltinGrammar(
        path="speech/transcribe",
        title="Transcribe",
        help="Same as grammar/none under a friendlier name: any speech, returned as text.",
        value="string: the transcript",
        always_matches=True,
        alias_of="grammar/none",
        examples=("builtin:speech/transcribe",),
    ),
    BuiltinGrammar(
        path="speech/none",
        title="Transcribe (old name)",
        help="Another name for speech/transcribe.",
        value="string: the transcript",
        always_matches=True,
        alias_of="speech/transcribe",
        examples=("builtin:speech/none",),
    ),
    BuiltinGrammar(
        path="speech/text2num",
        title="Transcript with numbers",
        help="Accepts any speech; numbers in the transcript come back as digits.",
        value="string: the transcript with numbers as digits",
        always_matches=True,
        examples=("builtin:speech/text2num",),
    ),
    BuiltinGrammar(
        path="speech/boolean",
        title="Yes / no",
        help="Recognises an agreement or a refusal.",
        value="JSON boolean",
        examples=("builtin:speech/boolean",),
    ),
    BuiltinGrammar(
        path="speech/keywords",
        title="Keywords",
        help="Recognises one keyword from the list given in alternatives=.",
        value="string: the keyword that matched",
        params=(_ALTERNATIVES,),
        examples=(
            "builtin:speech/keywords?alternatives=adresse|multi|arrêt|date",
            "builtin:speech/keywords?alternatives=allo\\-media",
        ),
    ),
    BuiltinGrammar(
        path="speech/spelling/mixed",
        title="Spelled letters and digits",
        help="Recognises letters and digits spelled one by one, optionally checked by a regex.",
        value="string of lowercase letters and digits, no spaces",
        params=(_regex_param("[a-z]{2}[0-9]{9}[a-z]{2}"),),
        examples=(
            "builtin:speech/spelling/mixed?regex=[a-z]{2}[0-9]{9}[a-z]{2}",
            "builtin:speech/spelling/mixed?regex=[a-z][0-9]{3}[a-z]",
        ),
    ),
    BuiltinGrammar(
        path="speech/spelling/digits",
        title="Spelled digits",
        help="Recognises digits said one after the other, optionally checked by a regex.",
        value="string of digits",
        params=(_regex_param("[0-9]{1,2}"),),
        examples=(
            "builtin:speech/spelling/digits",
            "builtin:speech/spelling/digits?regex=[0-9]{1,2}",
        ),
    ),
    BuiltinGrammar(
        path="speech/spelling/phone_number",
        title="Phone number",
        help="Recognises a phone number; the country comes from speech_language (fr-FR, en-US).",
        value="string: phone number in E.164 format",
        examples=("builtin:speech/spelling/phone_number",),
    ),
    BuiltinGrammar(
        path="speech/postal_address",
        title="Postal address",
        help="Recognises a postal address and splits it into its parts.",
        value="object with number, street, zipcode, city, complement (strings)",
        examples=("builtin:speech/postal_address",),
    ),
    BuiltinGrammar(
        path="speech/zipcode",
        title="Postal code",
        help="Recognises a postal code.",
        value="string: the postal code",
        examples=("builtin:speech/zipcode",),
    ),
    BuiltinGrammar(
        path="speech/date",
        title="Date",
        help="Recognises a date; an incomplete date may end as PartialMatch.",
        value="object with day, month, year, valid",
        examples=("builtin:speech/date",),
    ),
)

BUILTIN_GRAMMARS: Mapping[str, BuiltinGrammar] = MappingProxyType(
    {grammar.path: grammar for grammar in _CATALOGUE}
)
"""Every known builtin grammar by path (``speech/boolean``), in catalogue order."""


def builtin_grammar(path: str) -> BuiltinGrammar | None:
    """The builtin grammar for ``path``, or None when it is not in the catalogue.

    ``path`` may also be a full URI such as an ``nlu.type`` value (``builtin:speech/date``);
    the ``builtin:`` prefix and any query string are ignored.
    """
    path = path.removeprefix("builtin:").partition("?")[0]
    return BUILTIN_GRAMMARS.get(path)


def close_builtin_paths(path: str, limit: int = 3) -> tuple[str, ...]:
    """Known builtin paths that look like ``path``, best first, for "did you mean" messages.

    A path is close when its last segment starts like, or resembles, the last segment of
    ``path`` (``speech/digits`` suggests ``speech/spelling/digits``), or when it resembles
    ``path`` as a whole.
    """
    known = list(BUILTIN_GRAMMARS)
    last_segments = sorted({known_path.rpartition("/")[2] for known_path in known})
    last = path.rpartition("/")[2]
    found = [p for p in known if len(last) >= 4 and p.rpartition("/")[2].startswith(last)]
    for name in difflib.get_close_matches(last, last_segments, cutoff=0.7):
        found.extend(p for p in known if p.rpartition("/")[2] == name and p not in found)
    for known_path in difflib.get_close_matches(path, known, cutoff=0.75):
        if known_path not in found:
            found.append(known_path)
    return tuple(found[:limit])


# --- Regular expressions: compile check and example strings ---------------------------------

_REGEX_ERRORS = (re.error, OverflowError, RecursionError)


def _compile(pattern: str) -> re.Pattern[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. FutureWarning "possible nested set"
        return re.compile(pattern)


def regex_error(pattern: str) -> str | None:
    """Why ``pattern`` is not a usable ``regex=`` value, or None when Python ``re`` compiles it.

    The message reads after the pattern, e.g. ``does not compile: unterminated character set at
    position 0``. The server's regex dialect is not documented; Python ``re`` is the reference.
    """
    if not pattern:
        return "is empty: give a pattern or drop the parameter"
    try:
        _compile(pattern)
    except _REGEX_ERRORS as exc:
        return f"does not compile: {exc}"
    return None


_CLASS_ESCAPES = {"d": string.digits, "w": string.ascii_letters + string.digits + "_", "s": " "}
_BRACES = re.compile(r"\{(\d*)(,?)(\d*)\}")
_EXTRA_REPEATS = 4  # upper bound added to open quantifiers (* + {m,}) and cap on wide ones


@dataclass(frozen=True, slots=True)
class _Chars:
    chars: str


@dataclass(frozen=True, slots=True)
class _Seq:
    items: tuple[_Node, ...]


@dataclass(frozen=True, slots=True)
class _Alt:
    options: tuple[_Node, ...]


@dataclass(frozen=True, slots=True)
class _Repeat:
    node: _Node
    low: int
    high: int


_Node: TypeAlias = _Chars | _Seq | _Alt | _Repeat


class _UnsupportedPatternError(Exception):
    """The pattern uses a construct the example generator does not handle."""


class _PatternReader:
    """Recursive-descent reader for the regex subset that :func:`regex_examples` handles."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.pos = 0

    def peek(self, ahead: int = 0) -> str:
        index = self.pos + ahead
        return self.pattern[index] if index < len(self.pattern) else ""

    def take(self) -> str:
        char = self.peek()
        if not char:
            raise _UnsupportedPatternError
        self.pos += 1
        return char

    def alternation(self) -> _Node:
        options = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            options.append(self.sequence())
        return options[0] if len(options) == 1 else _Alt(tuple(options))

    def sequence(self) -> _Node:
        items: list[_Node] = []
        while self.peek() not in ("", "|", ")"):
            items.append(self.quantified(self.atom()))
        return _Seq(tuple(items))

    def atom(self) -> _Node:
        char = self.take()
        if char == "(":
            if self.pattern.startswith("?:", self.pos):
                self.pos += 2
            elif self.peek() == "?":
                raise _UnsupportedPatternError  # look-arounds, named groups, inline flags
            node = self.alternation()
            if self.take() != ")":
                raise _UnsupportedPatternError
            return node
        if char == "[":
            return self.char_class()
        if char == "\\":
            return _Chars(self.escape())
        if char == ".":
            return _Chars(string.ascii_lowercase + string.digits)
        if char in "^$*+?{":
            raise _UnsupportedPatternError
        return _Chars(char)

    def escape(self) -> str:
        char = self.take()
        if char in _CLASS_ESCAPES:
            return _CLASS_ESCAPES[char]
        if char.isalnum() or char == "_":
            raise _UnsupportedPatternError  # \b, \n, \x41, back-references…
        return char

    def char_class(self) -> _Chars:
        if self.peek() == "^":
            raise _UnsupportedPatternError
        chars: list[str] = []
        while True:
            char = self.take()
            if char == "]" and chars:
                return _Chars("".join(dict.fromkeys("".join(chars))))
            if char == "[":
                raise _UnsupportedPatternError
            if char == "\\":
                chars.append(self.escape())
            elif self.peek() == "-" and self.peek(1) not in ("", "]"):
                self.pos += 1
                end = self.take()
                if end in "\\[" or ord(end) - ord(char) > 0x10000:
                    raise _UnsupportedPatternError
                chars.extend(chr(code) for code in range(ord(char), ord(end) + 1))
            else:
                chars.append(char)

    def quantified(self, node: _Node) -> _Node:
        char = self.peek()
        if char in ("*", "+", "?"):
            self.pos += 1
            low, high = {"*": (0, _EXTRA_REPEATS), "+": (1, 1 + _EXTRA_REPEATS), "?": (0, 1)}[char]
        elif char == "{":
            match = _BRACES.match(self.pattern, self.pos)
            if match is None or not (match.group(1) or match.group(2)):
                raise _UnsupportedPatternError  # Python reads such braces as literal text
            low = int(match.group(1) or 0)
            if match.group(3):
                high = int(match.group(3))
            else:
                high = low + _EXTRA_REPEATS if match.group(2) else low
            self.pos = match.end()
        else:
            return node
        if self.peek() == "?":
            self.pos += 1  # a lazy quantifier accepts the same strings
        if self.peek() in ("*", "+", "?", "{") or low > 100:
            raise _UnsupportedPatternError
        return _Repeat(node, low, min(high, low + _EXTRA_REPEATS))


def _generate(node: _Node, rng: random.Random) -> str:
    if isinstance(node, _Chars):
        return rng.choice(node.chars)
    if isinstance(node, _Seq):
        return "".join(_generate(item, rng) for item in node.items)
    if isinstance(node, _Alt):
        return _generate(rng.choice(node.options), rng)
    return "".join(_generate(node.node, rng) for _ in range(rng.randint(node.low, node.high)))


def regex_examples(pattern: str, n: int = 5) -> list[str]:
    """Up to ``n`` different strings that ``pattern`` fully matches, for "accepts e.g. …" hints.

    Handles the subset grammars use: literals, ``.``, escaped punctuation, ``\\d \\w \\s``,
    classes with ranges, groups (plain or ``(?:…)``), alternation, ``? * + {m} {m,n} {m,}`` (also
    lazy) and a leading ``^`` / trailing ``$``. Returns [] for anything else or a pattern that
    does not compile. Deterministic for a given pattern; each example is checked by fullmatch.
    """
    if n <= 0:
        return []
    try:
        compiled = _compile(pattern)
    except _REGEX_ERRORS:
        return []
    body = pattern.removeprefix("^")
    before_dollar = body[:-1]
    if body.endswith("$") and (len(before_dollar) - len(before_dollar.rstrip("\\"))) % 2 == 0:
        body = before_dollar
    reader = _PatternReader(body)
    try:
        tree = reader.alternation()
        if reader.pos != len(body):
            raise _UnsupportedPatternError
    except (_UnsupportedPatternError, RecursionError):
        return []
    rng = random.Random(pattern)
    found: list[str] = []
    for _ in range(20 * n):
        example = _generate(tree, rng)
        if example not in found and compiled.fullmatch(example):
            found.append(example)
            if len(found) == n:
                break
    return found
