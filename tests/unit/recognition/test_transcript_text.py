"""Engine text → protocol transcript."""

from __future__ import annotations

import pytest

from workbench.recognition.transcript_text import normalise_transcript, spell_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yes.", "yes"),
        (" 42 apples, please!", "forty two apples please"),
        (
            "My number is 0612 345678",
            "my number is zero six one two three four five six seven eight",
        ),
        ("In 2024", "in two thousand twenty four"),
        ("It's allo-media", "it's allo-media"),
        ("1.5", "one point five"),
        ("", ""),
        ("Arrêt", "arrêt"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise_transcript(text) == expected


def test_spell_number_edges() -> None:
    assert spell_number(0) == "zero"
    assert spell_number(19) == "nineteen"
    assert spell_number(100) == "one hundred"
    assert spell_number(999999) == "nine hundred ninety nine thousand nine hundred ninety nine"
    with pytest.raises(ValueError, match="outside"):
        spell_number(1_000_000)
