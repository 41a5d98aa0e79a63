"""The grammar preset library: shipped presets, user presets, validation and JSON persistence."""

from __future__ import annotations

import json

import pytest

from workbench.protocol.grammars import check_grammar_uri
from workbench.session.grammar_library import (
    SHIPPED_PRESETS,
    GrammarLibrary,
    GrammarPreset,
    PresetError,
)

DIGITS = "builtin:speech/spelling/digits?regex=[0-9]{1,2}"


def test_the_seed_presets_ship_exactly_as_the_guide_writes_them() -> None:
    library = GrammarLibrary()
    guess = library.get("num_in_range100")
    boolean = library.get("boolean")
    assert guess is not None
    assert boolean is not None
    assert (guess.uri, guess.alias, guess.shipped) == (DIGITS, "num_in_range100", True)
    assert guess.recognize_uri == "session:num_in_range100"
    assert (boolean.uri, boolean.alias, boolean.recognize_uri) == (
        "builtin:speech/boolean",
        None,
        "builtin:speech/boolean",
    )


def test_every_shipped_preset_passes_the_protocol_core() -> None:
    names = [preset.name.casefold() for preset in SHIPPED_PRESETS]
    assert len(names) == len(set(names))
    paths = set()
    for preset in SHIPPED_PRESETS:
        assert preset.problems() == (), preset.name
        uri = check_grammar_uri(preset.uri)  # raises on any problem
        assert str(uri) == preset.uri
        paths.add(uri.path)
    for wanted in ("speech/zipcode", "speech/spelling/phone_number", "speech/keywords"):
        assert wanted in paths
    assert {"speech/date", "speech/text2num"} <= paths


@pytest.mark.parametrize(
    ("preset", "fragment"),
    [
        (GrammarPreset("bad regex", "builtin:speech/spelling/digits?regex=[0-9"), "compile"),
        (GrammarPreset("typo", "builtin:speech/digits"), "did you mean"),
        (GrammarPreset("no scheme", "speech/boolean"), "no scheme"),
        (GrammarPreset("kw", "builtin:speech/keywords"), "needs the parameter 'alternatives'"),
        (GrammarPreset("spaced alias", "builtin:speech/boolean", "yes no"), "whitespace"),
        (GrammarPreset("alias of alias", "session:other", "mine"), "only stand for a builtin"),
        (GrammarPreset(" padded", "builtin:speech/boolean"), "blank"),
        (GrammarPreset("", "builtin:speech/boolean"), "empty"),
    ],
)
def test_add_refuses_what_the_protocol_core_refuses(preset: GrammarPreset, fragment: str) -> None:
    library = GrammarLibrary()
    assert any(fragment in problem for problem in preset.problems())
    with pytest.raises(PresetError, match=fragment):
        library.add(preset)
    assert library.user == ()


def test_user_presets_are_added_renamed_and_removed() -> None:
    library = GrammarLibrary()
    added = library.add(
        GrammarPreset("yes", "builtin:speech/boolean", "yn", "confirm", shipped=True)
    )
    assert added.shipped is False  # whatever the caller says, a saved preset is the user's
    assert library.presets[-1] == added
    assert len(library) == len(SHIPPED_PRESETS) + 1
    assert "YES" in library

    renamed = library.rename("yes", "confirm order")
    assert (renamed.name, renamed.uri, renamed.alias) == ("confirm order", added.uri, "yn")
    assert "yes" not in library
    library.rename("confirm order", "Confirm Order")  # a change of case is allowed

    removed = library.remove("confirm order")
    assert removed.name == "Confirm Order"
    assert library.user == ()


def test_shipped_presets_are_read_only_and_names_stay_unique() -> None:
    library = GrammarLibrary([GrammarPreset("mine", DIGITS)])
    with pytest.raises(PresetError, match="ships with the workbench"):
        library.remove("boolean")
    with pytest.raises(PresetError, match="ships with the workbench"):
        library.rename("num_in_range100", "guess")
    with pytest.raises(PresetError, match="already exists"):
        library.add(GrammarPreset("Boolean", "builtin:speech/boolean"))
    with pytest.raises(PresetError, match="already exists"):
        library.add(GrammarPreset("boolean", "builtin:speech/boolean"), replace_existing=True)
    with pytest.raises(PresetError, match="already exists"):
        library.add(GrammarPreset("MINE", "builtin:speech/date"))
    with pytest.raises(PresetError, match="already exists"):
        library.rename("mine", "date")
    with pytest.raises(PresetError, match="no preset called"):
        library.remove("nothing")
    with pytest.raises(PresetError, match="empty"):
        library.rename("mine", "  ")

    replaced = library.add(GrammarPreset("mine", "builtin:speech/date"), replace_existing=True)
    assert library.user == (replaced,)
    assert [p.name for p in library.shipped] == [p.name for p in SHIPPED_PRESETS]


def test_json_round_trip_keeps_only_user_presets() -> None:
    library = GrammarLibrary(
        [
            GrammarPreset("guess", DIGITS, "guess", "0–99"),
            GrammarPreset("arrêt", "builtin:speech/keywords?alternatives=arrêt|allo\\-media"),
        ]
    )
    text = library.to_json()
    records = json.loads(text)
    assert [record["name"] for record in records] == ["guess", "arrêt"]
    assert "shipped" not in records[0]
    assert "arrêt" in text  # kept readable in the settings file

    again = GrammarLibrary.from_json(text)
    assert again.user == library.user
    assert again.notes == ()
    assert GrammarLibrary.from_records(library.to_records()).user == library.user


def test_loading_keeps_the_users_data_and_says_what_it_changed() -> None:
    saved = [
        {"name": "guess", "uri": DIGITS, "alias": "guess", "description": "mine"},
        {"name": "old", "uri": "builtin:speech/removed_one", "alias": None},
        {"name": "date", "uri": "builtin:speech/date?regex=x"},  # clashes with a shipped name
        {"name": "boolean", "uri": "builtin:speech/boolean"},  # same as the shipped one
        {"name": "Guess", "uri": "builtin:speech/zipcode"},  # clashes with an earlier entry
        {"uri": "builtin:speech/date"},
        "not an object",
        {"name": "odd", "uri": "builtin:speech/boolean", "alias": 3, "description": None},
    ]
    library = GrammarLibrary.from_records(saved)

    assert [p.name for p in library.user] == ["guess", "old", "date (2)", "Guess (2)", "odd"]
    old = library.user[1]
    assert old.problems()  # kept, but flagged
    assert "unknown builtin grammar" in old.problems()[0]
    odd = library.user[-1]
    assert (odd.alias, odd.description) == (None, "")
    assert library.notes == (
        "'date' renamed 'date (2)'",
        "'boolean' skipped: the same grammar is already there",
        "'Guess' renamed 'Guess (2)'",
        "entry 6 skipped: it needs a string name and uri",
        "entry 7 skipped: it needs a string name and uri",
    )


@pytest.mark.parametrize("text", ["{not json", '{"name": "a"}', "[[[" * 10_000])
def test_a_saved_library_that_is_not_a_list_is_refused(text: str) -> None:
    with pytest.raises(PresetError, match="not"):
        GrammarLibrary.from_json(text)
