"""Make an engine's text look like an H2B ``asr.transcript``: lowercase words, numbers spelled.

Whisper writes "Yes." and "42 apples"; the protocol's transcript is the raw words ("yes",
"forty two apples") and the digits belong to the NLU value. Digit strings are spelled as a
number when short and natural ("42" → "forty two", "2024" → "two thousand twenty four") and
digit by digit when they look like a code ("0612" or any run longer than four digits).
"""

from __future__ import annotations

import re

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)


def spell_number(value: int) -> str:
    """English words for 0 ≤ value < 1 000 000 ("one hundred twelve")."""
    if not 0 <= value < 1_000_000:
        raise ValueError(f"{value} is outside 0..999999")
    if value < 20:
        return _ONES[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")
    if value < 1000:
        hundreds, rest = divmod(value, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {spell_number(rest)}" if rest else "")
    thousands, rest = divmod(value, 1000)
    return f"{spell_number(thousands)} thousand" + (f" {spell_number(rest)}" if rest else "")


def spell_digits(digits: str) -> str:
    """Digit by digit: "0612" → "zero six one two"."""
    return " ".join(_ONES[int(d)] for d in digits)


def _spell(token: str) -> str:
    if "." in token or "," in token:
        whole, _, fraction = token.replace(",", ".").partition(".")
        return f"{_spell(whole)} point {spell_digits(fraction)}"
    if (len(token) > 1 and token.startswith("0")) or len(token) > 4:
        return spell_digits(token)
    return spell_number(int(token))


def normalise_transcript(text: str) -> str:
    """Lowercase words separated by single spaces, punctuation dropped, numbers in words."""
    words = []
    for token in _TOKEN.findall(text):
        words.append(_spell(token) if token[0].isdigit() else token.lower().replace("’", "'"))
    return " ".join(words)
