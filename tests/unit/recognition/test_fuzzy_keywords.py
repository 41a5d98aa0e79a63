"""Near keyword matches: what counts as a misspelt keyword, and what does not."""

from __future__ import annotations

import pytest

from workbench.protocol.grammars import parse_grammar_uri
from workbench.recognition.fuzzy_keywords import near_keyword, sound_key
from workbench.recognition.nlu import NEAR_FACTOR, MatchKind, interpret

ACCOUNTS = ("checking", "savings", "loans", "mortgage")


@pytest.mark.parametrize(
    ("words", "keywords", "expected"),
    [
        ("loan", ACCOUNTS, ("loans", 1)),  # singular for plural
        ("i want to check in", ACCOUNTS, ("checking", 2)),  # one word heard as two
        ("cacking please", ACCOUNTS, ("checking", 1)),  # two letters off in a long word
        ("law order", ("new order", "returns"), ("new order", 2)),
        ("salem", ("billing", "sales"), ("sales", 1)),
        ("can you read that", ("red", "green", "blue"), None),  # short keywords: exact only
        ("hello how are you", ACCOUNTS, None),
        ("payroll", ("billing", "sales"), None),  # sounds different
        ("mines", ("miner", "mined"), None),  # as near to two keywords: neither
    ],
)
def test_near_keyword(words: str, keywords: tuple[str, ...], expected: object) -> None:
    assert near_keyword(words.split(), keywords) == expected


def test_sound_key_merges_spellings_of_one_sound() -> None:
    assert sound_key("checking") == sound_key("check in") == "xkn"
    assert sound_key("cancel") == sound_key("kansel")
    assert sound_key("sales") != sound_key("fails")


def test_the_nlu_takes_a_near_keyword_with_less_confidence() -> None:
    grammar = parse_grammar_uri("builtin:speech/keywords?alternatives=checking|loans")
    exact, near = interpret(grammar, "loans"), interpret(grammar, "loan")
    assert (exact.kind, exact.value, exact.confidence) == (MatchKind.FULL, "loans", 1.0)
    assert (near.kind, near.value, near.confidence) == (MatchKind.FULL, "loans", NEAR_FACTOR)
    assert interpret(grammar, "loan checking").value == "checking"  # an exact match wins
