"""The local server's NLU: an English transcript in, the ``nlu.value`` of a builtin grammar out.

Rules (numbers are read as described in :mod:`workbench.recognition.english_numbers`)
-------------------------------------------------------------------------------------
* Words are compared lowercase, without accents, hyphens and punctuation read as spaces.
* ``confidence`` is 1.0 when every word took part in the parse, otherwise
  ``0.6 + 0.4 * used / total``: filler around the answer lowers it but still matches.
* boolean: a yes phrase gives True, a no phrase ("no", "not really", "not" + a yes word) False,
  both kinds together NONE; other words are filler. French oui/non and a few more are known.
* spelling/digits and spelling/mixed: the words spell a string (fillers such as "uh" skipped, any
  other word gives NONE), checked against ``regex=`` (default ``[0-9]+`` / ``[a-z0-9]+``): FULL
  on a full match, PARTIAL when the string is a proper prefix of something the regex accepts,
  else NONE. The prefix check is a bounded search, sound but not complete: PARTIAL is only given
  when a completion was found, trying the string followed by 1..16 copies of each character of
  the alphabet and by the tails of :func:`regex_examples` of the regex. In mixed spelling, single
  letters and letter names ("bee", "alpha") are letters, "o"/"oh" may be a letter or zero (the
  reading the regex accepts wins), "double u" is w, "b as in bravo" is one b.
* keywords: the first alternative, in the list's order, whose words appear in a row in the
  transcript (as spoken, or with numbers in digits); the value is the keyword as written. Else
  a near match (:mod:`~workbench.recognition.fuzzy_keywords`), its confidence × ``NEAR_FACTOR``.
* text2num: the transcript with numbers in digits; grammar/none, speech/transcribe, speech/none:
  the transcript. All four are FULL for any non-empty transcript.
* zipcode: 5 digits FULL, fewer PARTIAL. phone_number: E.164 for the country of ``language``
  (en-US and default: 10 digits or 1 + 10; fr-FR: 0 + 9 digits; fr-BE, fr-CH, en-GB, en-CA
  too); "plus" starts an international number; fewer digits give PARTIAL with the prefix so far.
* date: ``{"day", "month", "year", "valid"}``; a missing day or year is null and gives PARTIAL;
  ``valid`` is False for a day the month does not have. No month named gives NONE.
* postal_address: ``number street-words street-type [complement] city-words [zipcode]``;
  FULL with number, street and city, PARTIAL with some of them, NONE with none.
"""

from __future__ import annotations

import functools
import itertools
import re
import string
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Final

from workbench.protocol.grammars import GrammarError, regex_examples, split_alternatives
from workbench.recognition import english_numbers as en
from workbench.recognition.fuzzy_keywords import near_keyword

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from workbench.protocol.grammars import GrammarUri

__all__ = ["MatchKind", "NluResult", "interpret", "phrases", "vocabulary"]


class MatchKind(Enum):
    """How well a transcript fits a grammar: completely, as a beginning, or not at all."""

    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class NluResult:
    """An interpretation: its kind, the JSON-serialisable ``nlu.value`` and a 0..1 confidence."""

    kind: MatchKind
    value: object
    confidence: float


NO_MATCH: Final = NluResult(MatchKind.NONE, None, 0.0)
NEAR_FACTOR: Final = 0.7
"""Confidence factor of a keyword matched nearly (misspelt by the recognizer), not as such."""

_YES: Final = (
    *"yes yeah yep yup sure correct right exactly absolutely okay ok affirmative true".split(),
    *"alright definitely certainly indeed oui ouais exactement d'accord".split(),
    *("of course", "all right", "bien sur", "tout a fait"),
)
_NO: Final = (
    *"no nope nah negative incorrect wrong false non".split(),
    *("not really", "of course not", "absolutely not", "certainly not", "definitely not"),
    *("not at all", "no way", "pas du tout"),
)
_BOOLEAN: Final = {tuple(p.split()): True for p in _YES} | {tuple(p.split()): False for p in _NO}
_FILLERS: Final = frozenset(
    "uh um umm er erm ah eh hmm mm well so it's its it is the my number code zip zipcode postal "
    "phone that's i think please".split()
)
_NATO: Final = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november "
    "oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu"
).split()
_LETTER_NAMES: Final = (
    "b bee be|c see sea cee|d dee|f ef eff|g gee|h aitch haitch|i eye|j jay|k kay|l el ell|m em|"
    "n en|p pee pea|q queue cue|r ar are|s es ess|t tee tea|u you|v vee|x ex|y why|z zee zed"
)
_LETTERS: Final = (
    {letter: letter for letter in "aeow"}
    | {n: g[0] for g in _LETTER_NAMES.split("|") for n in g.split()}
) | {name: name[0] for name in (*_NATO, "alfa", "juliett", "whisky")}
_SPELLING_FILLERS: Final = frozenset(
    "uh um er erm hmm capital uppercase lowercase letter small".split()
)
_STREET_TYPES: Final = frozenset(
    "street st avenue ave road rd boulevard blvd lane drive court place way terrace parkway "
    "highway circle square alley trail crescent".split()
)
_ADDRESS_KEYS: Final = ("number", "street", "zipcode", "city", "complement")
_COMPLEMENTS: Final = frozenset("apartment apt suite unit floor building room flat".split())
_ADDRESS_LEAD_IN: Final = frozenset("uh um er so well i live at my address is it's it".split())
# Phone plans: country code, trunk prefix said before national numbers, national lengths.
_PHONE_PLANS: Final = {
    "US": ("1", "1", (10,)),
    "CA": ("1", "1", (10,)),
    "FR": ("33", "0", (9,)),
    "BE": ("32", "0", (8, 9)),
    "CH": ("41", "0", (9,)),
    "GB": ("44", "0", (10,)),
}


def _coverage(used: int, total: int) -> float:
    return 1.0 if used >= total else round(0.6 + 0.4 * used / total, 3)


@functools.lru_cache(maxsize=128)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except (re.error, OverflowError, RecursionError):
        return None


@functools.lru_cache(maxsize=128)
def _example_tails(pattern: str) -> tuple[str, ...]:
    return tuple(regex_examples(pattern, 24))


def _regex_result(
    grammar: GrammarUri, readings: Sequence[str], used: int, total: int, default: str
) -> NluResult:
    """FULL for the first reading the regex accepts, else PARTIAL for one it may complete."""
    pattern = grammar.param("regex") or default
    compiled = _compiled(pattern)
    if compiled is None:
        return NO_MATCH
    alphabet = string.digits if default == "[0-9]+" else string.digits + string.ascii_lowercase
    for value in readings:
        if compiled.fullmatch(value):
            return NluResult(MatchKind.FULL, value, _coverage(used, total))
    for value in readings[:4]:
        tails = [char * count for count in range(1, 17) for char in alphabet]
        tails += [e[len(value) :] for e in _example_tails(pattern) if len(e) > len(value)]
        if any(compiled.fullmatch(value + tail) for tail in tails):
            return NluResult(MatchKind.PARTIAL, value, _coverage(used, total))
    return NO_MATCH


def _boolean(grammar: GrammarUri, transcript: str, words: Sequence[str], lang: str) -> NluResult:
    if any(f" {doubt} " in f" {' '.join(words)} " for doubt in ("not sure", "don't know")):
        return NO_MATCH
    found: set[bool] = set()
    used = index = 0
    while index < len(words):
        for size in (3, 2, 1):
            phrase = tuple(words[index : index + size])
            polarity = _BOOLEAN.get(phrase)
            if polarity is None and size == 2 and phrase[0] == "not":
                polarity = False if _BOOLEAN.get(phrase[1:]) else None
            if polarity is not None:
                found.add(polarity)
                used, index = used + size, index + size
                break
        else:
            index += 1
    if len(found) != 1:
        return NO_MATCH
    return NluResult(MatchKind.FULL, found.pop(), _coverage(used, len(words)))


def _digits(grammar: GrammarUri, transcript: str, words: Sequence[str], lang: str) -> NluResult:
    value, used = en.digit_string(words, _FILLERS)
    return _regex_result(grammar, [value] if value else [], used, len(words), "[0-9]+")


def _spell(words: Sequence[str]) -> tuple[list[tuple[str, ...]], int] | None:
    options: list[tuple[str, ...]] = []
    used = index = 0
    choice: tuple[str, ...] | None
    while index < len(words):
        word, after = words[index], words[index + 1] if index + 1 < len(words) else ""
        step, choice = 1, None
        if word == "double" and after in ("u", "you"):
            step, choice = 2, ("w", "uu")
        elif word == "x" and after == "ray":
            step, choice = 2, ("x",)
        elif word in en.REPEATS and (_LETTERS.get(after) or en.single_digit(after)):
            char = _LETTERS.get(after) or en.single_digit(after) or ""
            step, choice = 2, (char * en.REPEATS[word],)
        elif word in ("o", "oh"):
            choice = ("o", "0") if word == "o" else ("0", "o")
        elif word in _LETTERS:
            choice = (_LETTERS[word],)
        elif word == "as" and after == "in" and index + 2 < len(words):
            index += 3
            continue
        elif (span := en.read_number(words, index)) is not None:
            step, choice = span.end - index, (span.digits,)
        elif word not in _SPELLING_FILLERS:
            return None
        if choice is not None:
            options.append(choice)
            used += step
        index += step
    return options, used


def _mixed(grammar: GrammarUri, transcript: str, words: Sequence[str], lang: str) -> NluResult:
    spelled = _spell(words)
    if spelled is None or not spelled[0]:
        return NO_MATCH
    options, used = spelled
    readings = ["".join(parts) for parts in itertools.islice(itertools.product(*options), 16)]
    return _regex_result(grammar, readings, used, len(words), "[a-z0-9]+")


def _keywords(grammar: GrammarUri, transcript: str, words: Sequence[str], lang: str) -> NluResult:
    try:
        keywords = split_alternatives(grammar.param("alternatives") or "")
    except GrammarError:
        return NO_MATCH
    heard = (tuple(words), en.words(en.text_to_digits(" ".join(words))))
    for keyword in keywords:
        wanted = en.words(keyword)
        for said in heard:
            starts = range(len(said) - len(wanted) + 1)
            if wanted and any(said[i : i + len(wanted)] == wanted for i in starts):
                return NluResult(MatchKind.FULL, keyword, _coverage(len(wanted), len(said)))
    if (near := near_keyword(words, keywords)) is None:
        return NO_MATCH
    confidence = round(NEAR_FACTOR * _coverage(near[1], len(words)), 3)
    return NluResult(MatchKind.FULL, near[0], confidence)


def _transcribe(grammar: GrammarUri, transcript: str, words: Sequence[str], lang: str) -> NluResult:
    return NluResult(MatchKind.FULL, " ".join(transcript.split()), 1.0)


def _text2num(grammar: GrammarUri, transcript: str, words: Sequence[str], lang: str) -> NluResult:
    return NluResult(MatchKind.FULL, en.text_to_digits(transcript.strip()), 1.0)


def _zipcode(grammar: GrammarUri, transcript: str, words: Sequence[str], lang: str) -> NluResult:
    value, used = en.digit_string(words, _FILLERS)
    if not value or len(value) > 5:
        return NO_MATCH
    kind = MatchKind.FULL if len(value) == 5 else MatchKind.PARTIAL
    return NluResult(kind, value, _coverage(used, len(words)))


def _phone(grammar: GrammarUri, transcript: str, words: Sequence[str], lang: str) -> NluResult:
    plus = "plus" in words[:3]
    value, used = en.digit_string([w for w in words if w != "plus"], _FILLERS)
    if not value:
        return NO_MATCH
    region = lang.partition("-")[2].upper() or ("FR" if lang.lower().startswith("fr") else "US")
    code, trunk, lengths = _PHONE_PLANS.get(region, _PHONE_PLANS["US"])
    if plus:
        plan = next((p for p in _PHONE_PLANS.values() if value.startswith(p[0])), None)
        if plan is None:
            kind = MatchKind.FULL if 8 <= len(value) <= 15 else MatchKind.PARTIAL
            kind = MatchKind.NONE if len(value) > 15 else kind
            return NluResult(kind, "+" + value, _coverage(used + 1, len(words)))
        code, trunk, lengths = plan
        national = value[len(code) :]
        used += 1
    elif value.startswith(trunk):
        national = value[len(trunk) :]
    elif code != trunk and value.startswith(code) and len(value) > max(lengths):
        national = value[len(code) :]
    else:
        national = value
    if len(national) > max(lengths):
        return NO_MATCH
    kind = MatchKind.FULL if len(national) in lengths else MatchKind.PARTIAL
    return NluResult(kind, f"+{code}{national}", _coverage(used, len(words)))


def _date(grammar: GrammarUri, transcript: str, words: Sequence[str], lang: str) -> NluResult:
    date = en.read_date(words)
    if date is None:
        return NO_MATCH
    value = {"day": date.day, "month": date.month, "year": date.year, "valid": date.valid}
    complete = date.day is not None and date.year is not None
    kind = MatchKind.FULL if complete else MatchKind.PARTIAL
    return NluResult(kind, value, _coverage(date.used, len(words)))


def _address(grammar: GrammarUri, transcript: str, words: Sequence[str], lang: str) -> NluResult:
    start = 0
    while start < len(words) and words[start] in _ADDRESS_LEAD_IN:
        start += 1
    run = list(itertools.takewhile(lambda span: not span.ordinal, en.number_run(words, start)))
    number = "".join(span.digits for span in run)
    rest = list(words[run[-1].end if run else start :])
    street_end = next((i + 1 for i, word in enumerate(rest) if word in _STREET_TYPES), 0)
    street, rest = " ".join(rest[:street_end]), rest[street_end:]
    complement = ""
    if rest and rest[0] in _COMPLEMENTS and len(rest) > 1:
        unit = en.number_run(rest, 1)
        end = unit[-1].end if unit else 2
        label = "".join(span.digits for span in unit) if unit else rest[1]
        if unit and end < len(rest) and len(rest[end]) == 1 and rest[end].isalpha():
            label, end = label + rest[end], end + 1
        complement, rest = f"{rest[0]} {label}", rest[end:]
    zipcode = ""
    for begin in range(len(rest)):
        tail = en.digit_string(rest[begin:])[0]
        if len(tail) == 5 and en.read_number(rest, begin) is not None:
            zipcode, rest = tail, rest[:begin]
            break
    if not street_end:
        street, rest = " ".join(rest), []
    city = " ".join(word for word in rest if word not in ("in", "at"))
    if not (number or street_end or zipcode):
        return NO_MATCH
    value = dict(zip(_ADDRESS_KEYS, (number, street, zipcode, city, complement), strict=True))
    if number and street_end and city:
        return NluResult(MatchKind.FULL, value, 1.0 if zipcode else 0.9)
    return NluResult(MatchKind.PARTIAL, value, 0.5)


_HANDLERS: Final[dict[str, Callable[[GrammarUri, str, Sequence[str], str], NluResult]]] = {
    "grammar/none": _transcribe,
    "speech/transcribe": _transcribe,
    "speech/none": _transcribe,
    "speech/text2num": _text2num,
    "speech/boolean": _boolean,
    "speech/keywords": _keywords,
    "speech/spelling/digits": _digits,
    "speech/spelling/mixed": _mixed,
    "speech/spelling/phone_number": _phone,
    "speech/zipcode": _zipcode,
    "speech/date": _date,
    "speech/postal_address": _address,
}


def interpret(grammar: GrammarUri, transcript: str, language: str = "en") -> NluResult:
    """The ``nlu`` of ``transcript`` for the builtin ``grammar`` (aliases already resolved).

    ``transcript`` is an English ASR transcript, numbers in words; ``language`` (``en-US``,
    ``fr-FR``…) only picks the phone numbering plan. An unknown grammar, a session URI or an
    empty transcript gives a NONE result.
    """
    handler = _HANDLERS.get(grammar.path) if grammar.is_builtin else None
    words = en.words(transcript)
    if handler is None or not words:
        return NO_MATCH
    return handler(grammar, transcript, words, language)


def phrases(grammar: GrammarUri) -> tuple[str, ...] | None:
    """The spoken forms of a grammar with a closed list of phrases (boolean, keywords), or None.

    Keywords come lowercased with hyphens read as spaces ("allo-media" → "allo media").
    """
    if grammar.is_builtin and grammar.path == "speech/boolean":
        return tuple(" ".join(phrase) for phrase in _BOOLEAN)
    if grammar.is_builtin and grammar.path == "speech/keywords":
        try:
            keywords = split_alternatives(grammar.param("alternatives") or "")
        except GrammarError:
            return None
        return tuple(" ".join(keyword.lower().replace("-", " ").split()) for keyword in keywords)
    return None


def vocabulary(grammar: GrammarUri) -> tuple[str, ...] | None:
    """The words a closed grammar is made of (for decoder grammars or biasing), or None.

    None for open grammars (transcribe, text2num, postal_address) and unknown ones.
    """
    if not grammar.is_builtin:
        return None
    numbers = en.CARDINAL_WORDS
    words: Sequence[str] | None = {
        "speech/spelling/digits": numbers,
        "speech/zipcode": numbers,
        "speech/spelling/phone_number": (*numbers, "plus"),
        "speech/spelling/mixed": (*numbers, *_LETTERS, "x", "ray"),
        "speech/date": (*numbers, *en.ORDINAL_WORDS, *en.MONTHS, "the", "of"),
    }.get(grammar.path)
    if grammar.path in ("speech/boolean", "speech/keywords"):
        words = [word for phrase in phrases(grammar) or () for word in phrase.split()]
    return None if words is None else tuple(dict.fromkeys(words))
