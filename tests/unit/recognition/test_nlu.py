"""Tests for the local server's NLU: English transcripts to the ``nlu.value`` of each builtin."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.protocol.grammars import GrammarUri
from workbench.recognition import english_numbers as en
from workbench.recognition.nlu import MatchKind, NluResult, interpret, phrases, vocabulary

FULL, PARTIAL, NONE = MatchKind.FULL, MatchKind.PARTIAL, MatchKind.NONE
DIGITS = "builtin:speech/spelling/digits"
GUESS = "builtin:speech/spelling/digits?regex=[0-9]{1,2}"
PARCEL = "builtin:speech/spelling/mixed?regex=[a-z]{2}[0-9]{9}[a-z]{2}"
KEYWORDS = "builtin:speech/keywords?alternatives=allo\\-media|adresse|arrêt"


def run(uri: str, transcript: str, language: str = "en-US") -> NluResult:
    result = interpret(GrammarUri.parse(uri), transcript, language)
    assert 0.0 <= result.confidence <= 1.0
    json.dumps(result.value)  # nlu.value must be JSON-serialisable
    if result.kind is NONE:
        assert result.value is None
    return result


# (grammar, transcript, kind, value)
CASES = [
    # speech/boolean
    ("builtin:speech/boolean", "yes", FULL, True),
    ("builtin:speech/boolean", "uh yes please", FULL, True),
    ("builtin:speech/boolean", "yeah sure", FULL, True),
    ("builtin:speech/boolean", "of course", FULL, True),
    ("builtin:speech/boolean", "okay", FULL, True),
    ("builtin:speech/boolean", "that's right", FULL, True),
    ("builtin:speech/boolean", "oui bien sûr", FULL, True),
    ("builtin:speech/boolean", "no", FULL, False),
    ("builtin:speech/boolean", "no thanks", FULL, False),
    ("builtin:speech/boolean", "nope", FULL, False),
    ("builtin:speech/boolean", "not really", FULL, False),
    ("builtin:speech/boolean", "of course not", FULL, False),
    ("builtin:speech/boolean", "that's not correct", FULL, False),
    ("builtin:speech/boolean", "non", FULL, False),
    ("builtin:speech/boolean", "no no no", FULL, False),
    ("builtin:speech/boolean", "yes no", NONE, None),
    ("builtin:speech/boolean", "i'm not sure", NONE, None),
    ("builtin:speech/boolean", "i don't know", NONE, None),
    ("builtin:speech/boolean", "forty two", NONE, None),
    ("builtin:speech/boolean", "", NONE, None),
    # speech/spelling/digits: the guess-the-number seed first
    (GUESS, "forty two", FULL, "42"),
    (GUESS, "seven", FULL, "7"),
    (GUESS, "one hundred", NONE, None),
    (GUESS, "four two", FULL, "42"),
    (GUESS, "uh forty-two", FULL, "42"),
    (GUESS, "hello", NONE, None),
    (GUESS, "forty two apples", NONE, None),
    (DIGITS, "forty two", FULL, "42"),
    (DIGITS, "nine eight seven six", FULL, "9876"),
    (DIGITS, "oh", FULL, "0"),
    (DIGITS, "zero seven", FULL, "07"),
    (DIGITS, "one hundred and twelve", FULL, "112"),
    (DIGITS, "a hundred", FULL, "100"),
    (DIGITS, "double five", FULL, "55"),
    (DIGITS, "triple oh seven", FULL, "0007"),
    (DIGITS, "twenty twenty four", FULL, "2024"),
    (DIGITS, "two thousand twenty four", FULL, "2024"),
    (DIGITS, "nineteen ninety nine", FULL, "1999"),
    (DIGITS, "nineteen hundred", FULL, "1900"),
    (DIGITS, "the number is four one five", FULL, "415"),
    (DIGITS, "42", FULL, "42"),
    (DIGITS + "?regex=[0-9]{4}", "forty two", PARTIAL, "42"),
    (DIGITS + "?regex=[0-9]{4}", "four two one three five", NONE, None),
    (DIGITS + "?regex=0[1-9][0-9]{8}", "zero six one two", PARTIAL, "0612"),
    (DIGITS + "?regex=0[1-9][0-9]{8}", "six one two", NONE, None),
    (DIGITS + "?regex=[0-9", "four", NONE, None),
    # speech/spelling/mixed
    (PARCEL, "l e one three seven one three seven eight six six c n", FULL, "le137137866cn"),
    (PARCEL, "el e one three seven one three seven eight six six see en", FULL, "le137137866cn"),
    (PARCEL, "lima echo one three seven one three seven eight six six charlie november", FULL,
     "le137137866cn"),
    (PARCEL, "el e one three seven", PARTIAL, "le137"),
    (PARCEL, "one two three", NONE, None),
    (PARCEL, "hello world", NONE, None),
    ("builtin:speech/spelling/mixed?regex=[a-z][0-9]{3}[a-z]", "a one two three b", FULL, "a123b"),
    ("builtin:speech/spelling/mixed?regex=[a-z][0-9]{3}[a-z]", "oh one oh two oh", FULL, "o102o"),
    ("builtin:speech/spelling/mixed?regex=[a-z][0-9]{3}[a-z]", "b as in bravo one twenty three "
     "double u", FULL, "b123w"),
    ("builtin:speech/spelling/mixed", "x ray double seven capital zed", FULL, "x77z"),
    ("builtin:speech/spelling/mixed", "uh", NONE, None),
    # speech/keywords
    (KEYWORDS, "allo media", FULL, "allo-media"),
    (KEYWORDS, "hey allo-media", FULL, "allo-media"),
    (KEYWORDS, "ALLO MÉDIA", FULL, "allo-media"),
    (KEYWORDS, "my adresse please", FULL, "adresse"),
    (KEYWORDS, "arret", FULL, "arrêt"),
    (KEYWORDS, "adresse arrêt", FULL, "adresse"),
    (KEYWORDS, "arrêt adresse", FULL, "adresse"),
    (KEYWORDS, "allo", NONE, None),
    (KEYWORDS, "", NONE, None),
    ("builtin:speech/keywords?alternatives=a\\|b|c", "a b", FULL, "a|b"),
    ("builtin:speech/keywords?alternatives=room 101|lobby", "room one oh one", FULL, "room 101"),
    ("builtin:speech/keywords?alternatives=bad|", "bad", NONE, None),
    ("builtin:speech/keywords", "anything", NONE, None),
    # speech/text2num and the transcript grammars
    ("builtin:speech/text2num", "i want forty two apples", FULL, "i want 42 apples"),
    ("builtin:speech/text2num", "call four one five five five five", FULL, "call 415555"),
    ("builtin:speech/text2num", "in twenty twenty four", FULL, "in 2024"),
    ("builtin:speech/text2num", "one hundred and twelve and three", FULL, "112 and 3"),
    ("builtin:speech/text2num", "a hundred dollars", FULL, "100 dollars"),
    ("builtin:speech/text2num", "the fifth of march", FULL, "the 5th of march"),
    ("builtin:speech/text2num", "the twenty first floor", FULL, "the 21st floor"),
    ("builtin:speech/text2num", "wait one second", FULL, "wait 1 second"),
    ("builtin:speech/text2num", "first things first", FULL, "first things first"),
    ("builtin:speech/text2num", "oh my god", FULL, "oh my god"),
    ("builtin:speech/text2num", "nine oh two", FULL, "902"),
    ("builtin:speech/text2num", "forty-two allo-media", FULL, "42 allo-media"),
    ("builtin:speech/text2num", "hello there", FULL, "hello there"),
    ("builtin:speech/text2num", "  ", NONE, None),
    ("builtin:grammar/none", "forty two apples", FULL, "forty two apples"),
    ("builtin:speech/transcribe", "hello  world ", FULL, "hello world"),
    ("builtin:speech/none", "oui bien sûr", FULL, "oui bien sûr"),
    ("builtin:speech/transcribe", "", NONE, None),
    # speech/zipcode
    ("builtin:speech/zipcode", "nine oh two one oh", FULL, "90210"),
    ("builtin:speech/zipcode", "it's nine oh two one oh", FULL, "90210"),
    ("builtin:speech/zipcode", "nine oh two", PARTIAL, "902"),
    ("builtin:speech/zipcode", "nine oh two one oh one", NONE, None),
    ("builtin:speech/zipcode", "springfield", NONE, None),
    # speech/spelling/phone_number (en-US)
    ("builtin:speech/spelling/phone_number", "four one five five five five zero one two three",
     FULL, "+14155550123"),
    ("builtin:speech/spelling/phone_number", "one four one five five five five oh one two three",
     FULL, "+14155550123"),
    ("builtin:speech/spelling/phone_number", "four one five triple five oh one twenty three", FULL,
     "+14155550123"),
    ("builtin:speech/spelling/phone_number", "four one five", PARTIAL, "+1415"),
    ("builtin:speech/spelling/phone_number", "plus three three six one two three four five six "
     "seven eight", FULL, "+33612345678"),
    ("builtin:speech/spelling/phone_number", "four one five five five five zero one two three "
     "four", NONE, None),
    ("builtin:speech/spelling/phone_number", "hello", NONE, None),
    # speech/date
    ("builtin:speech/date", "march fifth twenty twenty four", FULL,
     {"day": 5, "month": 3, "year": 2024, "valid": True}),
    ("builtin:speech/date", "the fifth of march twenty twenty four", FULL,
     {"day": 5, "month": 3, "year": 2024, "valid": True}),
    ("builtin:speech/date", "march the fifth two thousand twenty four", FULL,
     {"day": 5, "month": 3, "year": 2024, "valid": True}),
    ("builtin:speech/date", "march five twenty twenty four", FULL,
     {"day": 5, "month": 3, "year": 2024, "valid": True}),
    ("builtin:speech/date", "december thirty first nineteen ninety nine", FULL,
     {"day": 31, "month": 12, "year": 1999, "valid": True}),
    ("builtin:speech/date", "twenty first june twenty oh five", FULL,
     {"day": 21, "month": 6, "year": 2005, "valid": True}),
    ("builtin:speech/date", "march 5th 2024", FULL,
     {"day": 5, "month": 3, "year": 2024, "valid": True}),
    ("builtin:speech/date", "march 5th", PARTIAL,
     {"day": 5, "month": 3, "year": None, "valid": True}),
    ("builtin:speech/date", "the fifth of march", PARTIAL,
     {"day": 5, "month": 3, "year": None, "valid": True}),
    ("builtin:speech/date", "march twenty twenty four", PARTIAL,
     {"day": None, "month": 3, "year": 2024, "valid": True}),
    ("builtin:speech/date", "february thirtieth twenty twenty four", FULL,
     {"day": 30, "month": 2, "year": 2024, "valid": False}),
    ("builtin:speech/date", "february twenty ninth twenty twenty four", FULL,
     {"day": 29, "month": 2, "year": 2024, "valid": True}),
    ("builtin:speech/date", "february twenty ninth twenty twenty three", FULL,
     {"day": 29, "month": 2, "year": 2023, "valid": False}),
    ("builtin:speech/date", "february twenty ninth", PARTIAL,
     {"day": 29, "month": 2, "year": None, "valid": True}),
    ("builtin:speech/date", "i may come on march fifth", PARTIAL,
     {"day": 5, "month": 3, "year": None, "valid": True}),
    ("builtin:speech/date", "in june", PARTIAL,
     {"day": None, "month": 6, "year": None, "valid": True}),
    ("builtin:speech/date", "we may march", NONE, None),
    ("builtin:speech/date", "tomorrow", NONE, None),
    ("builtin:speech/date", "the fifth", NONE, None),
    # speech/postal_address
    ("builtin:speech/postal_address", "thirty seven main street springfield", FULL,
     {"number": "37", "street": "main street", "zipcode": "", "city": "springfield",
      "complement": ""}),
    ("builtin:speech/postal_address", "i live at one twenty three elm street apartment four b "
     "boston nine oh two one oh", FULL,
     {"number": "123", "street": "elm street", "zipcode": "90210", "city": "boston",
      "complement": "apartment 4b"}),
    ("builtin:speech/postal_address", "fifth avenue new york", PARTIAL,
     {"number": "", "street": "fifth avenue", "zipcode": "", "city": "new york",
      "complement": ""}),
    ("builtin:speech/postal_address", "thirty seven main", PARTIAL,
     {"number": "37", "street": "main", "zipcode": "", "city": "", "complement": ""}),
    ("builtin:speech/postal_address", "hello there", NONE, None),
    # unknown grammars
    ("builtin:speech/unknown", "yes", NONE, None),
    ("session:parcel", "yes", NONE, None),
]  # fmt: skip


@pytest.mark.parametrize(("uri", "transcript", "kind", "value"), CASES)
def test_interpret(uri: str, transcript: str, kind: MatchKind, value: object) -> None:
    result = run(uri, transcript)
    assert (result.kind, result.value) == (kind, value)


@pytest.mark.parametrize(
    ("transcript", "language", "kind", "value"),
    [
        ("zero six one two three four five six seven eight", "fr-FR", FULL, "+33612345678"),
        ("zero six", "fr-FR", PARTIAL, "+336"),
        ("zero six one two three four five six seven eight", "fr", FULL, "+33612345678"),
        ("zero four seven two one two three four five six", "fr-BE", FULL, "+32472123456"),
        ("zero two one two three four five six seven", "fr-BE", FULL, "+3221234567"),
        ("zero seven nine one one one two three four five six", "en-GB", FULL, "+447911123456"),
        ("four one five five five five zero one two three", "en", FULL, "+14155550123"),
        ("four one five five five five zero one two three", "es-MX", FULL, "+14155550123"),
    ],
)
def test_phone_number_follows_the_language(
    transcript: str, language: str, kind: MatchKind, value: str
) -> None:
    result = run("builtin:speech/spelling/phone_number", transcript, language)
    assert (result.kind, result.value) == (kind, value)


@pytest.mark.parametrize(
    ("uri", "exact", "with_filler"),
    [
        ("builtin:speech/boolean", "yes", "uh yes please"),
        (GUESS, "forty two", "uh it's forty two"),
        (KEYWORDS, "adresse", "the adresse please"),
        (
            "builtin:speech/date",
            "march fifth twenty twenty four",
            "on march fifth twenty twenty four",
        ),
    ],
)
def test_confidence_is_one_for_an_exact_parse_and_lower_with_filler(
    uri: str, exact: str, with_filler: str
) -> None:
    assert run(uri, exact).confidence == 1.0
    assert 0.5 < run(uri, with_filler).confidence < 1.0


def test_a_partial_digit_string_can_be_completed_by_the_regex() -> None:
    pattern = "[0-9]{2}[13579]"
    result = run(f"{DIGITS}?regex={pattern}", "four two")
    assert result.kind is PARTIAL
    assert re.fullmatch(pattern, f"{result.value}1")


def test_an_ambiguous_letter_takes_the_reading_the_regex_accepts() -> None:
    assert run("builtin:speech/spelling/mixed?regex=[0-9]+", "o one").value == "01"
    assert run("builtin:speech/spelling/mixed?regex=[a-z]+", "oh bee").value == "ob"
    assert run("builtin:speech/spelling/mixed?regex=[a-z]+", "double u").value == "w"
    assert run("builtin:speech/spelling/mixed?regex=u{2}", "double u").value == "uu"


# --- vocabulary and phrases ---------------------------------------------------------------------


def test_vocabulary_of_closed_grammars() -> None:
    digits = vocabulary(GrammarUri.parse(GUESS))
    assert digits is not None
    assert {"zero", "oh", "forty", "two", "hundred", "double"} <= set(digits)
    boolean = vocabulary(GrammarUri.parse("builtin:speech/boolean"))
    assert boolean is not None
    assert {"yes", "no", "oui", "non", "course"} <= set(boolean)
    assert vocabulary(GrammarUri.parse(KEYWORDS)) == ("allo", "media", "adresse", "arrêt")
    mixed = vocabulary(GrammarUri.parse(PARCEL))
    assert mixed is not None
    assert {"a", "bee", "alpha", "zulu", "seven"} <= set(mixed)
    date = vocabulary(GrammarUri.parse("builtin:speech/date"))
    assert date is not None
    assert {"march", "fifth", "twenty", "of"} <= set(date)
    for vocab in (digits, boolean, mixed, date):
        assert len(vocab) == len(set(vocab))


@pytest.mark.parametrize(
    "uri",
    [
        "builtin:speech/transcribe",
        "builtin:grammar/none",
        "builtin:speech/text2num",
        "builtin:speech/postal_address",
        "builtin:speech/unknown",
        "session:parcel",
    ],
)
def test_open_grammars_have_no_vocabulary(uri: str) -> None:
    assert vocabulary(GrammarUri.parse(uri)) is None
    assert phrases(GrammarUri.parse(uri)) is None


def test_phrases() -> None:
    assert phrases(GrammarUri.parse(KEYWORDS)) == ("allo media", "adresse", "arrêt")
    boolean = phrases(GrammarUri.parse("builtin:speech/boolean"))
    assert boolean is not None
    assert {"yes", "of course", "not really", "oui", "non"} <= set(boolean)
    assert phrases(GrammarUri.parse(DIGITS)) is None
    assert phrases(GrammarUri.parse("builtin:speech/keywords?alternatives=a||b")) is None


# --- english_numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("forty two", [(42, "42", False)]),
        ("four two", [(4, "4", False), (2, "2", False)]),
        ("twenty twenty four", [(20, "20", False), (24, "24", False)]),
        ("one hundred and twelve", [(112, "112", False)]),
        ("a thousand and one", [(1001, "1001", False)]),
        ("twenty first", [(21, "21", True)]),
        ("one hundredth", [(100, "100", True)]),
        ("two million three hundred thousand", [(2_300_000, "2300000", False)]),
        ("forty two forty two", [(42, "42", False), (42, "42", False)]),
        ("twelve hundred", [(1200, "1200", False)]),
        ("oh seven", [(0, "0", False), (7, "7", False)]),
        ("007", [(7, "007", False)]),
    ],
)
def test_number_runs(text: str, expected: list[tuple[int, str, bool]]) -> None:
    run_ = en.number_run(en.words(text), 0)
    assert [(span.value, span.digits, span.ordinal) for span in run_] == expected
    assert run_[-1].end == len(en.words(text))


def test_words_normalises_case_accents_hyphens_and_apostrophes() -> None:
    assert en.words("It’s Forty-Two, ARRÊT!") == ("it's", "forty", "two", "arret")


@pytest.mark.parametrize(("value", "suffix"), [(1, "st"), (2, "nd"), (3, "rd"), (4, "th"),
                                                (11, "th"), (12, "th"), (13, "th"), (21, "st"),
                                                (102, "nd"), (111, "th")])  # fmt: skip
def test_ordinal_suffix(value: int, suffix: str) -> None:
    assert en.ordinal_suffix(value) == suffix


# --- property: an independent English speller reads back through the digits grammar ------------

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "- - twenty thirty forty fifty sixty seventy eighty ninety".split()


def _spell_below_100(n: int, hyphen: bool) -> str:
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + (("-" if hyphen else " ") + _ONES[ones] if ones else "")


def _spell_below_1000(n: int, use_and: bool, hyphen: bool) -> list[str]:
    hundreds, rest = divmod(n, 100)
    words = [_ONES[hundreds], "hundred"] if hundreds else []
    if rest:
        words += (["and"] if hundreds and use_and else []) + [_spell_below_100(rest, hyphen)]
    return words


def spell(n: int, use_and: bool = False, hyphen: bool = False) -> str:
    """English words for 0 <= n < 1_000_000, British "and" and hyphens optional."""
    if n == 0:
        return "zero"
    thousands, rest = divmod(n, 1000)
    words = [*_spell_below_1000(thousands, use_and, hyphen), "thousand"] if thousands else []
    if rest:
        words += ["and"] if thousands and rest < 100 and use_and else []
        words += _spell_below_1000(rest, use_and, hyphen)
    return " ".join(words)


def test_the_speller_itself() -> None:
    assert spell(42) == "forty two"
    assert spell(1005, use_and=True) == "one thousand and five"
    assert spell(999_999, hyphen=True) == (
        "nine hundred ninety-nine thousand nine hundred ninety-nine"
    )


@given(st.integers(0, 999_999), st.booleans(), st.booleans())
def test_spelled_numbers_parse_back_through_the_digits_grammar(
    n: int, use_and: bool, hyphen: bool
) -> None:
    result = run(DIGITS, spell(n, use_and, hyphen))
    assert (result.kind, result.value) == (FULL, str(n))


@given(st.integers(0, 999_999), st.booleans())
def test_spelled_numbers_become_digits_in_text2num(n: int, use_and: bool) -> None:
    result = run("builtin:speech/text2num", f"i have {spell(n, use_and)} apples")
    assert result.value == f"i have {n} apples"


@given(st.lists(st.integers(0, 9), min_size=1, max_size=12), st.booleans())
def test_digit_by_digit_spelling_keeps_leading_zeros(digits: list[int], say_oh: bool) -> None:
    words = ["oh" if d == 0 and say_oh else _ONES[d] for d in digits]
    result = run(DIGITS, " ".join(words))
    assert result.value == "".join(map(str, digits))


@given(st.text(max_size=40))
def test_any_text_gives_a_well_formed_result_for_every_grammar(text: str) -> None:
    for uri in (
        "builtin:speech/boolean",
        GUESS,
        PARCEL,
        KEYWORDS,
        "builtin:speech/text2num",
        "builtin:speech/zipcode",
        "builtin:speech/spelling/phone_number",
        "builtin:speech/date",
        "builtin:speech/postal_address",
    ):
        run(uri, text)
