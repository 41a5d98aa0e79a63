"""English numbers as an ASR spells them: cardinals, ordinals, digit strings, years and dates.

Rules
-----
* Input is a sequence of lowercase words; :func:`words` makes one from text (accents dropped,
  hyphens and punctuation read as spaces, apostrophes kept: "forty-two" gives ``forty two``).
* A *number* is the longest cardinal the words allow, read left to right: units, teens, tens
  optionally followed by a unit, ``hundred`` after 1..99 ("nineteen hundred" is 1900),
  ``thousand``/``million``/``billion`` after a smaller number, ``and`` only after hundred or a
  scale and before more number words, ``a`` only before a scale ("a hundred"). A number ends where
  the next word cannot continue it: "forty two" is 42, but "four two", "twenty twenty four" and
  "nineteen ninety nine" are two numbers each (4|2, 20|24, 19|99).
* An ordinal word ("fifth", "twenty first", "hundredth") ends its number and marks it ordinal.
* ``zero``, ``oh``, ``o`` and ``nought`` are a number of their own (digit "0"); ``double`` or
  ``triple`` before a digit repeats it ("double five" is "55"); digit tokens ("42", "5th") are
  read as written, leading zeros kept.
* A *digit string* joins the numbers of a row: "forty two" → "42", "nine eight seven six" →
  "9876", "twenty twenty four" → "2024", "one hundred and twelve" → "112", "zero seven" → "07".
* A *year* is a digit string of four digits not starting with 0 ("twenty oh five" → 2005,
  "two thousand twenty four" → 2024, "nineteen ninety nine" → 1999).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Sequence

UNITS: Final = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
TEENS: Final = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS: Final = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
SCALES: Final = {"hundred": 100, "thousand": 1_000, "million": 10**6, "billion": 10**9}
ZERO_WORDS: Final = ("zero", "oh", "o", "nought")
REPEATS: Final = {"double": 2, "triple": 3}
MONTHS: Final = {
    name: number
    for number, name in enumerate(
        "january february march april may june july august september october november "
        "december".split(),
        start=1,
    )
}

_IRREGULAR_ORDINALS = {
    "first": "one",
    "second": "two",
    "third": "three",
    "fifth": "five",
    "eighth": "eight",
    "ninth": "nine",
    "twelfth": "twelve",
}
_ORDINALS: dict[str, str] = dict(_IRREGULAR_ORDINALS)
for _name in (*UNITS, *TEENS, *SCALES):
    if _name not in _IRREGULAR_ORDINALS.values():
        _ORDINALS[_name + "th"] = _name
for _name in TENS:
    _ORDINALS[_name[:-1] + "ieth"] = _name

CARDINAL_WORDS: Final = (*ZERO_WORDS, *UNITS, *TEENS, *TENS, *SCALES, "and", "a", *REPEATS)
"""Every word a cardinal number or digit sequence can be made of."""
ORDINAL_WORDS: Final = tuple(_ORDINALS)
"""The ordinal words ("first" … "ninetieth", "hundredth" …)."""

_DIGIT_TOKEN = re.compile(r"([0-9]+)(st|nd|rd|th)?")
_NOT_WORD = re.compile(r"[^\w']+|_")
# Which word kinds may come right before each kind inside one cardinal number.
_FOLLOWS: Final[dict[str, frozenset[str | None]]] = {
    "unit": frozenset({None, "tens", "hundred", "scale", "and"}),
    "teen": frozenset({None, "hundred", "scale", "and"}),
    "tens": frozenset({None, "hundred", "scale", "and"}),
    "hundred": frozenset({"unit", "teen", "tens"}),
    "scale": frozenset({"unit", "teen", "tens", "hundred"}),
}


def words(text: str) -> tuple[str, ...]:
    """The lowercase words of ``text``: accents dropped, punctuation and hyphens read as spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("\u2019", "'"))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return tuple(word for word in _NOT_WORD.sub(" ", plain).split() if word.strip("'"))


@dataclass(frozen=True, slots=True)
class NumberSpan:
    """One number read from ``words[start:end]``: its value and how it is written in digits."""

    start: int
    end: int
    value: int
    digits: str
    ordinal: bool = False


def _classify(word: str) -> tuple[str, int, bool] | None:
    base = _ORDINALS.get(word, word)
    ordinal = base != word
    for kind, table in (("unit", UNITS), ("teen", TEENS), ("tens", TENS)):
        if base in table:
            return kind, table[base], ordinal
    if base in SCALES:
        return ("hundred" if base == "hundred" else "scale"), SCALES[base], ordinal
    return None


def single_digit(word: str) -> str | None:
    """The digit a single word stands for ("oh" → "0", "seven" → "7", "7" → "7"), else None."""
    if word in ZERO_WORDS:
        return "0"
    if word in UNITS:
        return str(UNITS[word])
    return word if len(word) == 1 and word.isdigit() else None


def read_number(tokens: Sequence[str], start: int) -> NumberSpan | None:
    """The longest number starting at ``tokens[start]`` (see the module rules), or None."""
    if start >= len(tokens):
        return None
    word = tokens[start]
    match = _DIGIT_TOKEN.fullmatch(word)
    if match:
        return NumberSpan(start, start + 1, int(match[1]), match[1], match[2] is not None)
    if word in ZERO_WORDS:
        return NumberSpan(start, start + 1, 0, "0")
    if word in REPEATS and start + 1 < len(tokens):
        digit = single_digit(tokens[start + 1])
        if digit is not None:
            digits = digit * REPEATS[word]
            return NumberSpan(start, start + 2, int(digits), digits)
    return _read_cardinal(tokens, start)


def _read_cardinal(tokens: Sequence[str], start: int) -> NumberSpan | None:
    total = current = smallest_scale = 0
    last: str | None = None
    index = end = start
    ordinal = False
    if tokens[start] == "a" and start + 1 < len(tokens):
        after = _classify(tokens[start + 1])
        if after is not None and after[0] in ("hundred", "scale"):
            current, last, index = 1, "unit", start + 1
    while index < len(tokens) and not ordinal:
        if tokens[index] == "and":
            after = _classify(tokens[index + 1]) if index + 1 < len(tokens) else None
            if last in ("hundred", "scale") and after and after[0] in ("unit", "teen", "tens"):
                last, index = "and", index + 1
                continue
            break
        info = _classify(tokens[index])
        if info is None or last not in _FOLLOWS[info[0]]:
            break
        kind, value, is_ordinal = info
        if kind == "hundred":
            if current >= 100:
                break
            current *= 100
        elif kind == "scale":
            if smallest_scale and value >= smallest_scale:
                break
            total, current, smallest_scale = total + current * value, 0, value
        else:
            current += value
        last, ordinal = kind, is_ordinal
        index = end = index + 1
    if end == start:
        return None
    return NumberSpan(start, end, total + current, str(total + current), ordinal)


def number_run(tokens: Sequence[str], start: int) -> list[NumberSpan]:
    """The numbers that follow each other from ``start`` on (empty when none starts there)."""
    run: list[NumberSpan] = []
    while (span := read_number(tokens, run[-1].end if run else start)) is not None:
        run.append(span)
    return run


def digit_string(tokens: Sequence[str], skip: frozenset[str] = frozenset()) -> tuple[str, int]:
    """The digits all of ``tokens`` spell and how many words spelled them.

    Words in ``skip`` (fillers such as "uh") are passed over; any other word that is not part of
    a number makes the result ``("", 0)``.
    """
    digits: list[str] = []
    used = index = 0
    while index < len(tokens):
        span = read_number(tokens, index)
        if span is not None:
            digits.append(span.digits)
            used += span.end - span.start
            index = span.end
        elif tokens[index] in skip:
            index += 1
        else:
            return "", 0
    return "".join(digits), used


def ordinal_suffix(value: int) -> str:
    """The English suffix of ``value`` written as an ordinal: 1 → "st", 12 → "th", 22 → "nd"."""
    if value % 100 in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")


def _is_number_word(word: str) -> bool:
    return word in CARDINAL_WORDS or word in _ORDINALS


def text_to_digits(text: str) -> str:
    """``text`` with its numbers written in digits ("i want forty two apples" → "i want 42 apples").

    Numbers in a row are joined as in a digit string ("four one five" → "415"); ordinals get a
    suffix and stand alone ("fifth" → "5th"), except "first" and "second", which stay words
    ("one second"); "oh"/"o" count as zero only next to another number; other words are kept.
    """
    tokens: list[str] = []
    for word in text.split():
        parts = word.split("-")
        all_numbers = len(parts) > 1 and all(_is_number_word(p.lower()) for p in parts)
        tokens.extend(parts if all_numbers else [word])
    lowered = [token.lower() for token in tokens]
    out: list[str] = []
    run: list[str] = []
    index = 0
    while index < len(tokens):
        span = read_number(lowered, index)
        if span is not None and lowered[index] in ("oh", "o") and not run:
            ahead = index
            while ahead < len(tokens) and lowered[ahead] in ZERO_WORDS:
                ahead += 1
            if read_number(lowered, ahead) is None:
                span = None
        if span is not None and lowered[index] in ("first", "second"):
            span = None
        if span is None or span.ordinal:
            out.extend(["".join(run)] if run else [])
            run = []
        if span is None:
            out.append(tokens[index])
            index += 1
        elif span.ordinal:
            out.append(span.digits + ordinal_suffix(span.value))
            index = span.end
        else:
            run.append(span.digits)
            index = span.end
    out.extend(["".join(run)] if run else [])
    return " ".join(out)


def year_of(run: Sequence[NumberSpan]) -> int | None:
    """The year a run of numbers spells (four digits, not starting with 0), or None."""
    digits = "".join(span.digits for span in run)
    if len(digits) != 4 or digits[0] == "0" or any(span.ordinal for span in run):
        return None
    return int(digits)


def _day_of(span: NumberSpan) -> int | None:
    return span.value if 1 <= span.value <= 31 and len(span.digits) <= 2 else None


@dataclass(frozen=True, slots=True)
class DateReading:
    """A date read from words; ``used`` counts the words that took part in it."""

    day: int | None
    month: int
    year: int | None
    used: int

    @property
    def valid(self) -> bool:
        """Whether such a day exists (a missing year allows 29 February, a missing day is valid)."""
        if self.day is None:
            return True
        return self.day <= calendar.monthrange(self.year or 2000, self.month)[1]


def read_date(tokens: Sequence[str]) -> DateReading | None:
    """The date in ``tokens``: "march fifth twenty twenty four", "the fifth of march", "march 5th".

    A month name anchors it; the day comes right before it ("[the] fifth [of] march") or right
    after it ("march [the] fifth"), the year after the day. "march twenty twenty four" reads as
    March 2024 without a day. The first month with a day or year next to it wins, else the first
    month alone, except "may" and "march", which are verbs too. None when no month is found.
    """
    readings = [_read_date_at(tokens, i) for i, word in enumerate(tokens) if word in MONTHS]
    dated = [r for r in readings if r.day is not None or r.year is not None]
    alone = [r for r in readings if r.month not in (MONTHS["may"], MONTHS["march"])]
    return next(iter(dated or alone), None)


def _read_date_at(tokens: Sequence[str], month_at: int) -> DateReading:
    used = 1
    day: int | None = None
    before = month_at - (1 if month_at > 0 and tokens[month_at - 1] == "of" else 0)
    scan = 0
    while scan < before:
        span = read_number(tokens, scan)
        if span is not None and span.end == before and _day_of(span) is not None:
            day = _day_of(span)
            had_the = span.start > 0 and tokens[span.start - 1] == "the"
            used += span.end - span.start + (month_at - before) + had_the
        scan = span.end if span is not None else scan + 1
    after = month_at + 1
    if day is None and after < len(tokens) and tokens[after] == "the":
        after += 1
    run = number_run(tokens, after)
    if not run:
        return DateReading(day, MONTHS[tokens[month_at]], None, used)
    year: int | None = None
    taken: Sequence[NumberSpan] = ()
    if day is not None:
        year = year_of(run)
        taken = run if year is not None else ()
    elif len(run) == 1 and _day_of(run[0]) is not None:
        day, taken = _day_of(run[0]), run
    elif _day_of(run[0]) is not None and year_of(run[1:]) is not None:
        day, year, taken = _day_of(run[0]), year_of(run[1:]), run
    elif year_of(run) is not None:
        year, taken = year_of(run), run
    elif _day_of(run[0]) is not None:
        day, taken = _day_of(run[0]), run[:1]
    if taken:
        used += taken[-1].end - month_at - 1
    return DateReading(day, MONTHS[tokens[month_at]], year, used)
