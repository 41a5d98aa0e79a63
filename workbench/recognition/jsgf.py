"""JSGF grammars for pocketsphinx, built from the closed builtin grammars of H2B (§10.2).

Theory of operation
-------------------
A closed grammar (yes/no, digits, keywords…) becomes one JSGF rule whose phrases are the words a
caller may say; several grammars in one RECOGNIZE become one ``public <main> = <g0> | <g1> …``.
The decoder then only ever outputs such phrases, as words: ``forty two`` or ``four two`` for the
digits ``42``, ``l e one three seven`` for spelled ``le137``. Turning words into ``nlu.value`` is
the NLU's job; :data:`BOOLEAN_WORDS` and the word tuples here are the vocabulary it must know.

Open grammars (transcribe, text2num, postal_address…) have no JSGF form (:func:`is_open`).

``regex=`` shapes the spelling grammars. Patterns of at most two digits are enumerated (every
matching string, said digit by digit or as a number). Longer ones are translated from Python's own
parse tree (``re._parser``; literals, classes, groups, alternation, bounded repeats): each
character becomes its spoken word, other characters (``-``, spaces) are not spoken. A pattern that
cannot be translated falls back to "1 to N characters" with N from the pattern's width.

Keywords missing from the dictionary get a pronunciation made from their parts: dictionary words
(``allo-media`` → ``media``), digits, accents removed (``café`` → ``cafe``), else rough letter-to-
sound rules. The transcript keeps the keyword's spelling (``allo-media``, ``arrêt``);
:attr:`Jsgf.notes` says which pronunciations were guessed.
"""

from __future__ import annotations

import importlib
import re
import string
import unicodedata
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from workbench.protocol.grammars import GrammarError, split_alternatives

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from workbench.protocol.grammars import GrammarUri

    Lookup = Callable[[str], str | None]  # phones of a dictionary word, None when missing

OPEN_GRAMMARS = frozenset(
    {"grammar/none", "speech/transcribe", "speech/none", "speech/text2num", "speech/postal_address"}
)
"""Builtin paths that accept any speech: decoded with the generic language model."""

YES_WORDS = ("yes", "yeah", "yep", "sure", "correct", "right", "okay")
NO_WORDS = ("no", "nope", "nah", "negative")
BOOLEAN_WORDS: Mapping[str, bool] = MappingProxyType(
    {**dict.fromkeys(YES_WORDS, True), **dict.fromkeys(NO_WORDS, False)}
)
"""Every word ``speech/boolean`` can output, and the value it means."""

DIGIT_WORDS = tuple("zero one two three four five six seven eight nine".split())
"""Digit words by value; ``oh`` is also accepted for 0."""
TEEN_WORDS = tuple(
    "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
)
TENS_WORDS = tuple("twenty thirty forty fifty sixty seventy eighty ninety".split())
MONTH_WORDS = tuple(
    "january february march april may june july august september october november december".split()
)
ORDINAL_WORDS = tuple(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split()
)
"""Ordinals 1–20; 21–31 are ``twenty first`` … ``thirtieth``, ``thirty first``."""

_MAX_REPEAT = 24  # longest bounded repeat expanded; beyond, a repeat is written with + / *
_MAX_EXPR = 60_000  # characters of one translated regex before falling back
_CLASS_RULES = {"<letter>": frozenset(string.ascii_lowercase), "<digit>": frozenset(string.digits)}
"""Character classes said with a common rule instead of one alternative per character."""
_SPECIAL = re.compile(r"[^\w'-]+|_+")  # what separates keyword tokens (JSGF syntax included)

_COMMON_RULES = f"""
<digit> = zero | oh | {" | ".join(DIGIT_WORDS[1:])};
<units> = {" | ".join(DIGIT_WORDS[1:])};
<n1_99> = <units> | {" | ".join(TEEN_WORDS)} | <tens> [<units>];
<tens> = {" | ".join(TENS_WORDS)};
<chunk> = <digit> | <n1_99> | <units> hundred [[and] <n1_99>] | <n1_99> thousand [[and] <n1_99>];
<letter> = {" | ".join("abcdefghijklmnopqrstuvwxyz")};
<month> = {" | ".join(MONTH_WORDS)};
<ordinal> = {" | ".join(ORDINAL_WORDS)} | twenty ({" | ".join(ORDINAL_WORDS[:9])}) | thirtieth
    | thirty first;
<day> = <ordinal> | <n1_99>;
<year> = nineteen (<n1_99> | oh <units> | hundred) | two thousand [[and] <n1_99>]
    | twenty (<n1_99> | oh <units>);
<yes> = {" | ".join(YES_WORDS)};
<no> = {" | ".join(NO_WORDS)};
"""


class JsgfError(ValueError):
    """A grammar that cannot be turned into JSGF; the message says why."""


@dataclass(frozen=True, slots=True)
class Jsgf:
    """A complete JSGF grammar and the words the dictionary must learn before loading it."""

    text: str
    pronunciations: tuple[tuple[str, str], ...] = ()
    """``(word, phones)`` for words missing from the dictionary (guessed pronunciations)."""
    notes: tuple[str, ...] = ()
    """Approximations made, in plain words (shown in logs and the grammar help)."""

    @property
    def words(self) -> frozenset[str]:
        """Every word the grammar text uses (the dictionary needs exactly these)."""
        lines = self.text.splitlines()
        body = "\n".join(line for line in lines if not line.startswith(("#", "grammar ")))
        body = re.sub(r"<[^>]*>|^public\b", " ", body, flags=re.MULTILINE)
        return frozenset(re.findall(r"[^\s()\[\]|;=*+]+", body))


def is_open(uri: GrammarUri) -> bool:
    """True when ``uri`` accepts any speech (decoded with the language model, not a JSGF)."""
    return uri.path in OPEN_GRAMMARS


def build_jsgf(grammars: Sequence[GrammarUri], lookup: Lookup) -> Jsgf:
    """One JSGF whose public rule accepts what any of ``grammars`` accepts.

    ``grammars`` are closed builtin URIs, aliases resolved; ``lookup`` gives dictionary
    pronunciations. Raises :class:`JsgfError` for an open, unknown or unusable grammar.
    """
    if not grammars:
        raise JsgfError("no grammar given")
    builder = _Builder(lookup)
    rules = [f"<g{index}> = {builder.rule(uri)};" for index, uri in enumerate(grammars)]
    main = " | ".join(f"<g{index}>" for index in range(len(grammars)))
    text = "\n".join(
        ["#JSGF V1.0;", "grammar h2b;", f"public <main> = {main};", *rules, _COMMON_RULES]
    )
    return Jsgf(text, tuple(builder.pronunciations.items()), tuple(builder.notes))


# --- expressions: JSGF text, "" meaning "nothing is said" -----------------------------------


def _alt(options: Iterable[str]) -> str:
    """One of ``options``; optional when one of them is "" (nothing said)."""
    items = list(options)
    unique = list(dict.fromkeys(item for item in items if item))
    optional = any(not item for item in items)
    body = unique[0] if len(unique) == 1 else "(" + " | ".join(unique) + ")" if unique else ""
    return f"[{body}]" if optional and body else body


def _seq(items: Iterable[str]) -> str:
    return " ".join(item for item in items if item)


def _repeat(item: str, low: int, high: int | None) -> str:
    """``item`` said ``low`` to ``high`` times (``high`` None: no limit)."""
    if not item:
        return ""
    if high is None or high > _MAX_REPEAT:
        tail = f"({item})*" if low == 0 else f"({item})+"
        return _seq([*[item] * max(low - 1, 0), tail])
    optional = ""
    for _ in range(high - low):
        optional = f"[{_seq([item, optional])}]"
    return _seq([*[item] * low, optional])


# --- regular expressions --------------------------------------------------------------------


def _regex_width(pattern: str) -> tuple[int, int | None]:
    """How many characters a fullmatch of ``pattern`` has: (min, max or None for unbounded)."""
    try:
        low, high = importlib.import_module("re._parser").parse(pattern).getwidth()
    except (ImportError, AttributeError, TypeError, ValueError, re.error, RecursionError):
        return 1, None  # a private module: if it changes, only the length bound is lost
    return int(low), (None if high > 10_000 else int(high))


class _UntranslatableError(Exception):
    """A regex construct with no spoken equivalent here."""


def _translate(pattern: str, spoken: Mapping[str, str]) -> str | None:
    """``pattern`` as a JSGF expression where each character is ``spoken[char]``, or None."""
    try:
        tree = importlib.import_module("re._parser").parse(pattern)
        expression = _tree(list(tree), spoken)
    except (_UntranslatableError, RecursionError, re.error, AttributeError, TypeError, ValueError):
        return None
    return expression if expression and len(expression) <= _MAX_EXPR else None


# re._parser has no type stubs: its tree items are (opcode, argument) pairs of varying shapes.
def _tree(items: Iterable[tuple[Any, Any]], spoken: Mapping[str, str]) -> str:
    return _seq(_node(str(op), value, spoken) for op, value in items)


def _node(op: str, value: Any, spoken: Mapping[str, str]) -> str:
    if op == "LITERAL":
        return spoken.get(chr(value).lower(), "")  # punctuation and spaces are not spoken
    if op in ("IN", "ANY"):
        chars = set(_chars(op, value, spoken))
        named = [rule for rule, members in _CLASS_RULES.items() if members <= chars]
        chars -= {char for rule in named for char in _CLASS_RULES[rule]}
        return _alt([*named, *(spoken[char] for char in spoken if char in chars)])
    if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, sub = value
        return _repeat(_tree(sub, spoken), low, None if high > 10_000 else high)
    if op == "SUBPATTERN":
        return _tree(value[-1], spoken)
    if op == "BRANCH":
        return _alt([_tree(branch, spoken) for branch in value[1]])
    if op == "AT":
        return ""  # ^ and $: the whole utterance is matched anyway
    raise _UntranslatableError(op)


def _chars(op: str, value: Any, spoken: Mapping[str, str]) -> list[str]:
    if op == "ANY":
        return list(spoken)
    spoken_categories = {"CATEGORY_DIGIT": string.digits, "CATEGORY_WORD": "".join(spoken)}
    chars: set[str] = set()
    negate = False
    for kind, item in value:
        name = str(kind)
        if name == "NEGATE":
            negate = True
        elif name in ("LITERAL", "RANGE"):
            first, last = (item, item) if name == "LITERAL" else item
            chars.update(chr(code).lower() for code in range(first, min(last, 0x2FF) + 1))
        elif name == "CATEGORY":  # \d and \w are spoken, \s and the others are not
            chars.update(spoken_categories.get(str(item), ""))
        else:
            raise _UntranslatableError(name)
    return [char for char in spoken if (char in chars) != negate]


def _spoken_digit_strings(pattern: str, low: int, high: int) -> list[str]:
    """Each digit string of ``low``..``high`` (≤ 2) digits that ``pattern`` fully matches, said
    digit by digit and, without a leading zero, as a number."""
    compiled = re.compile(pattern)
    phrases: list[str] = []
    candidates = [str(n) for n in range(10)] + [f"{n:02d}" for n in range(100)]
    for text in (c for c in candidates if low <= len(c) <= high and compiled.fullmatch(c)):
        phrases.append(_seq("(zero | oh)" if d == "0" else DIGIT_WORDS[int(d)] for d in text))
        if len(text) == 2 and text[0] != "0":
            phrases.append(_number_words(int(text)))
    return phrases


def _number_words(value: int) -> str:
    if value < 20:
        return (DIGIT_WORDS + TEEN_WORDS)[value]
    tens, units = divmod(value, 10)
    return _seq([TENS_WORDS[tens - 2], DIGIT_WORDS[units] if units else ""])


# --- one rule per builtin grammar -----------------------------------------------------------

_DIGIT_SPOKEN = {"0": "(zero | oh)", **{str(d): DIGIT_WORDS[d] for d in range(1, 10)}}
_MIXED_SPOKEN = {**{c: c for c in string.ascii_lowercase}, **_DIGIT_SPOKEN}


class _Builder:
    def __init__(self, lookup: Lookup) -> None:
        self.lookup = lookup
        self.pronunciations: dict[str, str] = {}
        self.notes: list[str] = []

    def rule(self, uri: GrammarUri) -> str:
        if not uri.is_builtin:
            raise JsgfError(f"grammar '{uri}': resolve session aliases before building a JSGF")
        if is_open(uri):
            raise JsgfError(f"grammar '{uri}' accepts any speech; it has no JSGF form")
        path = uri.path
        if path == "speech/boolean":
            return "<yes> | <no>"
        if path == "speech/spelling/digits":
            return self.digits(uri.param("regex"))
        if path == "speech/spelling/mixed":
            return self.spelled(uri.param("regex"), _MIXED_SPOKEN, "(<letter> | <digit>)")
        if path == "speech/keywords":
            return self.keywords(uri.param("alternatives") or "")
        if path == "speech/zipcode":  # a US ZIP code, digit by digit
            return _repeat("<digit>", 5, 5)
        if path == "speech/spelling/phone_number":
            said = "(<digit> | double <digit> | triple <digit> | <tens> | <units> hundred)"
            return _seq(["[plus]", _repeat(said, 3, 11)])
        if path == "speech/date":
            month_first = _seq(["<month>", "[the]", "<day>"])
            day_first = _seq(["[the]", "<ordinal>", "[of]", "<month>"])
            return f"[on] (({month_first} | {day_first}) [<year>] | <month> <year>)"
        raise JsgfError(f"grammar '{uri}' is not a builtin grammar this engine knows")

    def digits(self, regex: str | None) -> str:
        if regex is None:
            return "(<digit>)+ | (<chunk>)+"
        low, high = _regex_width(regex)
        if high is not None and high <= 2:
            phrases = _spoken_digit_strings(regex, max(low, 1), high)
            if not phrases:
                raise JsgfError(f"regex '{regex}' accepts no string of 1 or 2 digits")
            return _alt(phrases)
        spelled = self.spelled(regex, _DIGIT_SPOKEN, "<digit>")
        # Numbers said in groups ("nineteen eighty four"); more than 4 groups are not bounded.
        groups = _repeat("<chunk>", 1, high if high is not None and high <= 4 else None)
        return _alt([spelled, groups])

    def spelled(self, regex: str | None, spoken: dict[str, str], any_char: str) -> str:
        if regex is None:
            return f"({any_char})+"
        translated = _translate(regex, spoken)
        if translated is not None:
            return translated
        low, high = _regex_width(regex)
        self.notes.append(f"regex '{regex}' is approximated by {low} to {high or 'any'} chars")
        return _repeat(any_char, max(low, 1), high)

    def keywords(self, alternatives: str) -> str:
        try:
            keywords = split_alternatives(alternatives)
        except GrammarError as exc:
            raise JsgfError(str(exc)) from exc
        phrases = []
        for keyword in keywords:
            tokens = [t.strip("'-") for t in _SPECIAL.split(keyword.lower()) if t.strip("'-")]
            if not tokens:
                raise JsgfError(f"keyword '{keyword}' has no word that can be said")
            for token in tokens:
                if self.lookup(token) is None and token not in self.pronunciations:
                    phones, guessed = _pronounce(token, self.lookup)
                    self.pronunciations[token] = phones
                    if guessed:
                        self.notes.append(f"keyword '{keyword}': '{token}' pronounced by rule")
            phrases.append(_seq(tokens))
        return _alt(phrases)


# --- pronunciations for words missing from the dictionary -------------------------------------

# Rough English letter-to-sound rules, longest spelling first ("_" joins two phones, "-" is none).
_LETTER_RULES = [
    tuple(rule.split(":"))
    for rule in (
        "tch:CH sch:SH ch:CH sh:SH th:TH ph:F ck:K ng:NG qu:K_W wh:W gh:- ee:IY ea:IY oo:UW ou:AW "
        "ow:OW ai:EY ay:EY oi:OY oy:OY au:AO aw:AO er:ER ar:AA_R or:AO_R a:AE b:B c:K d:D e:EH f:F "
        "g:G h:HH i:IH j:JH k:K l:L m:M n:N o:AA p:P q:K r:R s:S t:T u:AH v:V w:W x:K_S y:IY z:Z"
    ).split()
]


def _letter_to_sound(word: str) -> str:
    word = re.sub(r"(.)\1", r"\1", word)  # doubled letters sound once
    if len(word) > 3 and word.endswith("e") and word[-2] not in "aeiouy":
        word = word[:-1]  # silent final e
    phones: list[str] = []
    index = 0
    while index < len(word):
        for spelling, rule_sound in _LETTER_RULES:
            if word.startswith(spelling, index):
                sound = rule_sound
                if spelling == "c" and word[index + 1 : index + 2] in ("e", "i", "y"):
                    sound = "S"
                elif spelling == "o" and index == len(word) - 1:
                    sound = "OW"
                elif spelling == "y" and index == 0:
                    sound = "Y"
                phones.extend(sound.replace("_", " ").strip("-").split())
                index += len(spelling)
                break
        else:
            index += 1  # a character with no sound (digits and letters are handled before)
    return " ".join(phones)


def _pronounce(token: str, lookup: Lookup) -> tuple[str, bool]:
    """Phones for ``token`` and whether letter-to-sound rules had to guess part of them."""
    phones: list[str] = []
    guessed = False
    for part in re.split(r"(\d+)|[-']+", token):
        if not part:
            continue
        if part.isdigit():
            said = _number_words(int(part)) if len(part) <= 2 and part[0] != "0" else ""
            words = said.split() or [DIGIT_WORDS[int(digit)] for digit in part]
            phones.extend(lookup(word) or "" for word in words)
            continue
        plain = unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode()
        known = lookup(part) or (lookup(plain) if plain else None)
        if known is None:
            known = _letter_to_sound(plain)
            guessed = True
        phones.append(known)
    result = " ".join(" ".join(phones).split())
    if not result:
        raise JsgfError(f"keyword word '{token}' has no pronounceable letter")
    return result, guessed
