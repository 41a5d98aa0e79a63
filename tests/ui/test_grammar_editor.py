"""The grammar editor: catalogue builder, live regex checks, raw URI, alias and preset library."""

from __future__ import annotations

import json
import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from workbench.protocol.grammars import BUILTIN_GRAMMARS
from workbench.session.grammar_library import GrammarLibrary, GrammarPreset
from workbench.ui.grammar_editor import GrammarEditor
from workbench.ui.grammar_param_editors import KeywordsEditor, RegexEditor

DIGITS = "builtin:speech/spelling/digits?regex=[0-9]{1,2}"


@pytest.fixture
def editor(qtbot: QtBot) -> GrammarEditor:
    widget = GrammarEditor()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def pick(editor: GrammarEditor, path: str) -> None:
    """Choose ``path`` in the catalogue combo, as a user would."""
    picker = editor.builder.picker
    picker.setCurrentIndex(picker.findData(path))


def regex_editor(editor: GrammarEditor) -> RegexEditor:
    found = editor.builder.editor("regex")
    assert isinstance(found, RegexEditor)
    return found


def keywords_editor(editor: GrammarEditor) -> KeywordsEditor:
    found = editor.builder.editor("alternatives")
    assert isinstance(found, KeywordsEditor)
    return found


def retype(qtbot: QtBot, line: QLineEdit, text: str) -> None:
    line.setFocus()
    line.selectAll()
    qtbot.keyClick(line, Qt.Key.Key_Delete)
    qtbot.keyClicks(line, text)


def test_the_catalogue_is_offered_with_descriptions(editor: GrammarEditor) -> None:
    assert not editor.use_button.isEnabled()
    assert editor.use_button.toolTip() == "Pick a builtin grammar or type a grammar URI first."
    assert not editor.uri_problems_label.isVisibleTo(editor)  # nothing typed, nothing to scold
    picker = editor.builder.picker
    paths = [picker.itemData(i) for i in range(1, picker.count())]
    assert paths == list(BUILTIN_GRAMMARS)
    pick(editor, "speech/boolean")
    assert editor.uri() == "builtin:speech/boolean"
    assert "JSON boolean" in editor.builder.description_label.text()
    assert editor.builder.editors() == {}
    assert editor.valid


def test_digits_with_a_regex_gives_the_seed_uri_and_examples(
    qtbot: QtBot, editor: GrammarEditor
) -> None:
    pick(editor, "speech/spelling/digits")
    assert editor.uri() == "builtin:speech/spelling/digits"  # the regex is optional
    regex = regex_editor(editor)

    qtbot.keyClicks(regex.line_edit, "[0-9]{1,2}")

    assert editor.uri() == DIGITS
    assert editor.problems() == []
    examples = regex.examples()
    assert len(examples) >= 3
    assert all(re.fullmatch(r"[0-9]{1,2}", example) for example in examples)
    assert regex.examples_label.isVisibleTo(editor)
    assert regex.examples_label.text() == "Accepts e.g.: " + "   ".join(examples)
    assert not regex.error_label.isVisibleTo(editor)
    assert editor.use_button.isEnabled()
    with qtbot.waitSignal(editor.use_requested, timeout=1000) as used:
        editor.use_button.click()
    assert used.args == [DIGITS]


def test_a_bad_regex_is_shown_before_anything_is_sent(qtbot: QtBot, editor: GrammarEditor) -> None:
    pick(editor, "speech/spelling/digits")
    editor.set_alias("num_in_range100")
    regex = regex_editor(editor)
    with qtbot.waitSignal(editor.validity_changed, timeout=1000) as flipped:
        qtbot.keyClicks(regex.line_edit, "[0-9")
    assert flipped.args == [False]

    error = "regex '[0-9' does not compile: unterminated character set at position 0"
    assert regex.error_label.isVisibleTo(editor)
    assert regex.error_label.text() == error
    assert regex.line_edit.property("invalid") is True
    assert regex.line_edit.toolTip().startswith(error)
    assert regex.examples() == []
    assert not regex.examples_label.isVisibleTo(editor)
    assert editor.uri() == "builtin:speech/spelling/digits?regex=[0-9"
    assert editor.problems() == [error]
    assert error in editor.uri_problems_label.text()
    for button in (editor.use_button, editor.define_button):
        assert not button.isEnabled()
        assert button.toolTip() == f"Fix the grammar first: {error}"
    with (
        qtbot.assertNotEmitted(editor.use_requested),
        qtbot.assertNotEmitted(editor.define_requested),
    ):
        editor.use_button.click()
        editor.define_button.click()

    qtbot.keyClicks(regex.line_edit, "]")
    assert editor.valid
    assert editor.define_button.isEnabled()


def test_raw_uri_edits_round_trip_into_the_builder(qtbot: QtBot, editor: GrammarEditor) -> None:
    qtbot.keyClicks(editor.uri_edit, "builtin:speech/spelling/mixed?regex=[a-z]{2}")
    assert editor.builder.path() == "speech/spelling/mixed"
    regex = regex_editor(editor)
    assert regex.line_edit.text() == "[a-z]{2}"
    assert not editor.builder.note_label.isVisibleTo(editor)

    qtbot.keyClicks(regex.line_edit, "[0-9]{9}")  # and back: the builder rewrites the raw text
    assert editor.uri() == "builtin:speech/spelling/mixed?regex=[a-z]{2}[0-9]{9}"

    retype(qtbot, editor.uri_edit, "builtin:speech/spelling/digits?regex=[0-9]&size=2")
    assert editor.builder.path() is None  # "Custom URI": the raw text is the only truth
    assert editor.builder.note_label.isVisibleTo(editor)
    assert "takes no parameter 'size'" in editor.builder.note_label.text()
    assert any("unknown parameter 'size'" in problem for problem in editor.problems())

    editor.set_uri("session:num_in_range100")
    assert editor.builder.path() is None
    assert "is an alias" in editor.builder.note_label.text()
    assert editor.valid  # the session's aliases are not known: nothing to check against
    editor.set_known_aliases({"other"})
    assert "not defined in this session" in editor.problems()[0]

    editor.set_uri(DIGITS)
    assert editor.builder.path() == "speech/spelling/digits"
    assert regex_editor(editor).line_edit.text() == "[0-9]{1,2}"
    assert editor.uri() == DIGITS


def test_keywords_are_edited_as_a_list_and_joined_with_bars(
    qtbot: QtBot, editor: GrammarEditor
) -> None:
    pick(editor, "speech/keywords")
    keywords = keywords_editor(editor)
    assert any("needs the parameter 'alternatives'" in p for p in editor.problems())
    assert not keywords.add_button.isEnabled()

    qtbot.keyClicks(keywords.new_keyword_edit, "oui")
    qtbot.keyClick(keywords.new_keyword_edit, Qt.Key.Key_Return)
    qtbot.keyClicks(keywords.new_keyword_edit, "non|allo-media")  # wire syntax: two at once
    keywords.add_button.click()
    assert keywords.keywords() == ["oui", "non", "allo-media"]
    assert editor.uri() == "builtin:speech/keywords?alternatives=oui|non|allo\\-media"
    assert editor.valid

    qtbot.keyClicks(keywords.new_keyword_edit, "oui")
    assert not keywords.add_button.isEnabled()
    assert keywords.add_button.toolTip() == "'oui' is already in the list"
    retype(qtbot, keywords.new_keyword_edit, "a||b")
    assert "empty alternative" in keywords.add_button.toolTip()

    keywords.list_widget.setCurrentRow(1)
    keywords.remove_button.click()
    assert editor.uri() == "builtin:speech/keywords?alternatives=oui|allo\\-media"

    editor.set_uri("builtin:speech/keywords?alternatives=arrêt|a\\|b")
    assert keywords_editor(editor).keywords() == ["arrêt", "a|b"]
    assert editor.uri() == "builtin:speech/keywords?alternatives=arrêt|a\\|b"  # kept as typed


def test_an_alias_is_defined_through_a_signal(qtbot: QtBot, editor: GrammarEditor) -> None:
    editor.set_uri(DIGITS)
    assert not editor.define_button.isEnabled()
    assert editor.define_button.toolTip() == "Type an alias to define."

    qtbot.keyClicks(editor.alias_edit, "num in range")
    assert not editor.define_button.isEnabled()
    assert "whitespace" in editor.define_button.toolTip()
    assert editor.alias_edit.property("invalid") is True

    retype(qtbot, editor.alias_edit, "num_in_range100")
    assert editor.define_button.isEnabled()
    with qtbot.waitSignal(editor.define_requested, timeout=1000) as defined:
        editor.define_button.click()
    assert defined.args == ["num_in_range100", DIGITS]

    editor.set_uri("session:num_in_range100")
    assert editor.use_button.isEnabled()
    assert not editor.define_button.isEnabled()
    assert "only stand for a builtin" in editor.define_button.toolTip()


def test_the_preset_library_ships_presets_and_saves_the_users(
    qtbot: QtBot, editor: GrammarEditor
) -> None:
    view = editor.library_view
    for name in ("num_in_range100", "boolean"):
        assert name in view.names()
        view.select(name)
        assert view.tree.currentItem().text(1) == "shipped"
        assert not view.delete_button.isEnabled()
        assert view.delete_button.toolTip() == "Shipped presets are read-only."

    view.select("num_in_range100")
    view.load_button.click()
    assert (editor.uri(), editor.alias()) == (DIGITS, "num_in_range100")
    assert regex_editor(editor).line_edit.text() == "[0-9]{1,2}"

    regex = regex_editor(editor)
    retype(qtbot, regex.line_edit, "[0-9]{3}")
    qtbot.keyClicks(view.name_edit, "three digits")
    with qtbot.waitSignal(editor.library_changed, timeout=1000) as saved:
        view.save_button.click()
    records = json.loads(saved.args[0])
    assert records == [
        {
            "name": "three digits",
            "uri": "builtin:speech/spelling/digits?regex=[0-9]{3}",
            "alias": "num_in_range100",
            "description": "",
        }
    ]
    assert view.tree.currentItem().text(1) == "saved"
    assert view.delete_button.isEnabled()

    retype(qtbot, view.name_edit, "boolean")
    with qtbot.assertNotEmitted(editor.library_changed):
        view.save_button.click()
    assert "already exists" in view.status_label.text()

    retype(qtbot, regex.line_edit, "[0-9")  # an invalid grammar cannot be saved
    assert not view.save_button.isEnabled()
    assert "does not compile" in view.save_button.toolTip()

    view.select("three digits")
    with qtbot.waitSignal(editor.library_changed, timeout=1000) as deleted:
        view.delete_button.click()
    assert deleted.args == ["[]"]
    assert "three digits" not in view.names()


def test_a_saved_library_is_shown_with_its_problems(qtbot: QtBot) -> None:
    saved = json.dumps(
        [
            {"name": "guess", "uri": DIGITS, "alias": "guess"},
            {"name": "stale", "uri": "builtin:speech/removed"},
        ]
    )
    editor = GrammarEditor(GrammarLibrary.from_json(saved))
    qtbot.addWidget(editor)
    view = editor.library_view
    assert view.names()[-2:] == ["guess", "stale"]
    view.select("stale")
    assert view.tree.currentItem().toolTip(0).startswith("Problems: unknown builtin grammar")

    with qtbot.waitSignal(view.load_requested, timeout=1000) as loaded:
        view.load_button.click()
    assert loaded.args == [GrammarPreset("stale", "builtin:speech/removed")]
    assert not editor.valid

    view.select("guess")
    retype(qtbot, view.name_edit, "my guess")
    with qtbot.waitSignal(editor.library_changed, timeout=1000) as renamed:
        view.rename_button.click()
    assert [record["name"] for record in json.loads(renamed.args[0])] == ["my guess", "stale"]
