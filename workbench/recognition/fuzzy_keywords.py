"""Near matches of keywords: a keyword the recognizer spelt slightly wrong still counts.

Whisper writes what it hears, and a keyword can come out as its singular ("loan" for "loans"),
split in two ("check in" for "checking") or one sound off ("salem" for "sales").
:func:`near_keyword` is the NLU's fallback when no keyword is in a transcript as such: the one
keyword that some consecutive words of the transcript (as many as the keyword has, or one more,
joined) nearly spell, where nearly means

* at most :data:`MAX_EDITS` letter edits (insert, delete, substitute), two for keywords of
  :data:`LONG_LETTERS` letters or more, and
* sounding alike: :func:`sound_key` (a consonant skeleton: vowels dropped, voiced and voiceless
  pairs merged, common spellings of one sound unified) differs by at most one edit.

Keywords shorter than :data:`MIN_LETTERS` letters never match nearly: one letter is too much
for them ("read" is not "red"). When two keywords are equally near, there is no match.
Measured with whisper on the dev set and four held-out keyword lists × eleven voices: 18 more
answers right (of 584), one more false match of 385 out-of-grammar sentences ("hello" heard as
"the loan" → loans).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MIN_LETTERS = 5
MAX_EDITS = 1
LONG_LETTERS = 8
_SPELLINGS = (
    ("x", "ks"), ("tch", "c"), ("sch", "sk"), ("ph", "f"), ("ck", "k"), ("sh", "x"), ("ch", "x"),
    ("th", "0"), ("gh", ""), ("qu", "kw"), ("wh", "w"), ("ng", "n"), ("kn", "n"), ("wr", "r"),
    ("mb", "m"),
)  # fmt: skip
_VOICELESS = str.maketrans("bdgvzqj", "ptkfskx")
_VOWELS = frozenset("aeiouy")


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


def sound_key(word: str) -> str:
    """A rough consonant skeleton: "sales" → "sls", "checking" → "xkn", "cancel" → "knsl"."""
    text = re.sub(r"[^a-z]", "", word.lower())
    for spelling, sound in _SPELLINGS:
        text = text.replace(spelling, sound)
    text = re.sub(r"c(?=[eiy])", "s", text).replace("c", "k").translate(_VOICELESS)
    key: list[str] = []
    for index, char in enumerate(text):
        following = text[index + 1 : index + 2]
        if char in _VOWELS or (char in "hw" and following not in _VOWELS):
            continue
        if not key or key[-1] != char:
            key.append(char)
    return "".join(key)


def _distance(heard: str, wanted: str) -> int | None:
    """Letter edits from ``heard`` to ``wanted`` when they are near, else None."""
    if len(wanted) < MIN_LETTERS:
        return None
    edits = edit_distance(heard, wanted)
    allowed = MAX_EDITS + (len(wanted) >= LONG_LETTERS)
    if edits > allowed or edit_distance(sound_key(heard), sound_key(wanted)) > 1:
        return None
    return edits


def near_keyword(words: Sequence[str], keywords: Sequence[str]) -> tuple[str, int] | None:
    """The keyword some consecutive ``words`` nearly spell, and how many words; None if none.

    ``words`` are the transcript's lowercase words; ``keywords`` as written in the grammar.
    """
    nearest: dict[str, tuple[int, int]] = {}
    for keyword in keywords:
        parts = re.sub(r"[^a-z0-9 ]", " ", keyword.lower().replace("-", " ")).split()
        wanted = "".join(parts)
        for size in {len(parts), len(parts) + 1}:
            for start in range(len(words) - size + 1):
                edits = _distance("".join(words[start : start + size]), wanted)
                if edits is not None and edits < nearest.get(keyword, (99, 0))[0]:
                    nearest[keyword] = (edits, size)
    if not nearest:
        return None
    fewest = min(edits for edits, _ in nearest.values())
    found = [(keyword, size) for keyword, (edits, size) in nearest.items() if edits == fewest]
    return found[0] if len(found) == 1 else None
