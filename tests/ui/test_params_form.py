"""The parameters form and the RECOGNIZE overrides, driven as a user would (offscreen)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox
from pytestqt.qtbot import QtBot

from workbench.protocol.messages import DefaultParams
from workbench.protocol.params import ParamKind, ParamScope, default_params, specs_for_scope
from workbench.ui.param_field import InvalidParamsError, ParamField
from workbench.ui.params_form import ParamsForm
from workbench.ui.recognize_overrides import RecognizeOverrides

EDITOR_BY_KIND = {
    ParamKind.INT: QSpinBox,
    ParamKind.FLOAT: QDoubleSpinBox,
    ParamKind.BOOL: QCheckBox,
    ParamKind.CHOICE: QComboBox,
    ParamKind.STRING: QLineEdit,
}


@pytest.fixture
def form(qtbot: QtBot) -> ParamsForm:
    widget = ParamsForm()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def retype(qtbot: QtBot, field: ParamField, text: str) -> None:
    """Select the editor's text and type ``text`` over it, key by key."""
    editor = field.editor
    assert isinstance(editor, QSpinBox | QDoubleSpinBox | QLineEdit)
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, text)


def test_one_editor_per_spec_with_its_range_default_and_help(form: ParamsForm) -> None:
    specs = specs_for_scope(ParamScope.SET_PARAMS)
    assert [field.name for field in form.fields()] == [spec.name for spec in specs]
    assert "content_type" not in [spec.name for spec in specs]  # RECOGNIZE only
    for spec in specs:
        field = form.field(spec.name)
        assert isinstance(field.editor, EDITOR_BY_KIND[spec.kind]), spec.name
        assert spec.describe() in field.editor.toolTip()
        assert spec.help in field.editor.toolTip()
        assert field.value == spec.default
        assert field.is_default
        assert not field.reset_button.isEnabled()
        assert form.label(spec.name).toolTip() == spec.help

    timeout = form.field("no_input_timeout")
    assert isinstance(timeout.editor, QSpinBox)
    assert (timeout.editor.value(), timeout.editor.suffix()) == (5000, " ms")
    assert timeout.hint is not None
    assert timeout.hint.text() == "0–600000"
    threshold = form.field("confidence_threshold").editor
    assert isinstance(threshold, QDoubleSpinBox)
    assert threshold.text() == "0.500"  # C locale whatever the user's: parse_text reads it
    mode = form.field("recognition_mode").editor
    assert isinstance(mode, QComboBox)
    assert [mode.itemText(i) for i in range(mode.count())] == ["normal", "hotword"]
    language = form.field("speech_language").editor
    assert isinstance(language, QLineEdit)
    assert language.placeholderText() == "default: fr"
    assert form.valid
    assert form.values() == {}
    assert form.values(changed_only=False) == default_params()

    recognize_form = ParamsForm(ParamScope.RECOGNIZE)
    assert "content_type" in [field.name for field in recognize_form.fields()]
    recognize_form.deleteLater()


def test_an_out_of_range_value_is_marked_with_the_reason_and_flips_validity(
    qtbot: QtBot, form: ParamsForm
) -> None:
    field = form.field("no_input_timeout")
    flips: list[bool] = []
    form.validity_changed.connect(flips.append)

    retype(qtbot, field, "700000")

    reason = "no_input_timeout=700000 is out of range"
    assert field.problem is not None
    assert field.problem.startswith(reason)
    assert "between 0 and 600000" in field.problem
    assert field.editor.property("invalid") is True
    assert field.editor.toolTip().startswith(reason)
    assert not form.valid
    assert list(form.problems()) == ["no_input_timeout"]
    assert form.problems_label.isVisibleTo(form)
    assert reason in form.problems_label.text()
    with pytest.raises(InvalidParamsError) as raised:
        form.values()
    assert list(raised.value.problems) == ["no_input_timeout"]

    retype(qtbot, field, "6000")
    assert field.problem is None
    assert field.editor.property("invalid") is False
    assert not field.editor.toolTip().startswith(reason)
    assert form.valid
    # Clearing and retyping flips validity key by key; each flip is signalled exactly once.
    assert flips == [False, True, False, True]
    assert form.values() == {"no_input_timeout": 6000}


def test_malformed_values_are_refused_with_the_core_reason(qtbot: QtBot, form: ParamsForm) -> None:
    language = form.field("speech_language")
    retype(qtbot, language, "english")
    assert language.problem is not None
    assert "speech_language='english' is not well formed" in language.problem
    assert "language tag" in language.editor.toolTip()

    threshold = form.field("confidence_threshold")
    retype(qtbot, threshold, "1.5")
    assert threshold.problem is not None
    assert "out of range" in threshold.problem

    best = form.field("n_best_list_length")
    retype(qtbot, best, "abc")  # a spin box does not even take the letters
    assert best.text() == ""
    assert best.problem is not None
    assert "cannot be read" in best.problem
    retype(qtbot, best, "0")
    assert best.problem is not None
    assert "between 1 and 10" in best.problem

    assert set(form.problems()) == {"speech_language", "confidence_threshold", "n_best_list_length"}
    for name in ("speech_language", "confidence_threshold", "n_best_list_length"):
        form.field(name).reset_button.click()
    assert form.valid


def test_a_default_params_reply_fills_the_form_and_lists_what_it_cannot_show(
    form: ParamsForm,
) -> None:
    headers = {
        **default_params(),
        "speech_language": "en-US",
        "no_input_timeout": 7000,
        "recognition_mode": "hotword",
        "start_input_timers": False,
        "confidence_threshold": 0.7,
        "n_best_list_length": "3",  # a server writing numbers as text is still understood
        "logging_tag": "support",
        "speech_sensitivity": 0.4,  # not in our schema
        "custom_id": "abc",  # an OPEN attribute, not a SET-PARAMS parameter
        "hotword_max_duration": True,  # wrong type: no editor can hold it
    }
    reply = DefaultParams(request_id=4, headers=headers)

    left_out = form.set_values(reply.headers)

    assert set(left_out) == {"speech_sensitivity", "custom_id", "hotword_max_duration"}
    assert "not a SET-PARAMS parameter" in left_out["speech_sensitivity"]
    assert "wrong type" in left_out["hotword_max_duration"]
    assert form.other_values() == {
        "speech_sensitivity": 0.4,
        "custom_id": "abc",
        "hotword_max_duration": True,
    }
    assert form.other_box.isVisibleTo(form)
    table = form.other_table
    assert table.rowCount() == 3
    rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(3)}
    assert rows == {"speech_sensitivity": "0.4", "custom_id": "abc", "hotword_max_duration": "true"}

    def editor(name: str) -> object:
        return form.field(name).editor

    assert isinstance(spin := editor("no_input_timeout"), QSpinBox)
    assert spin.value() == 7000
    assert isinstance(combo := editor("recognition_mode"), QComboBox)
    assert combo.currentText() == "hotword"
    assert isinstance(box := editor("start_input_timers"), QCheckBox)
    assert not box.isChecked()
    assert form.field("hotword_max_duration").value == 10000  # kept as it was
    assert form.valid
    changed = {
        "speech_language": "en-US",
        "no_input_timeout": 7000,
        "recognition_mode": "hotword",
        "start_input_timers": False,
        "confidence_threshold": 0.7,
        "n_best_list_length": 3,
        "logging_tag": "support",
    }
    assert form.values() == changed
    assert form.values(changed_only=False) == {**default_params(), **changed}
    assert form.label("no_input_timeout").font().bold()
    assert not form.label("speech_complete_timeout").font().bold()

    form.set_values({"no_input_timeout": 700000})  # out of our range: shown, and marked
    assert form.field("no_input_timeout").text() == "700000"
    assert list(form.problems()) == ["no_input_timeout"]
    assert not form.other_box.isVisibleTo(form)  # replaced by the latest reply


def test_changed_only_view_and_resets(qtbot: QtBot, form: ParamsForm) -> None:
    retype(qtbot, form.field("speech_complete_timeout"), "800")
    mode = form.field("recognition_mode").editor
    assert isinstance(mode, QComboBox)
    mode.setCurrentText("hotword")
    assert form.changed_names() == ("speech_complete_timeout", "recognition_mode")
    assert "speech_complete_timeout, recognition_mode" in form.summary_label.text()

    form.changed_only_box.setChecked(True)
    shown = [field.name for field in form.fields() if form.is_row_shown(field.name)]
    assert shown == ["speech_complete_timeout", "recognition_mode"]

    field = form.field("speech_complete_timeout")
    assert field.reset_button.isEnabled()
    field.reset_button.click()
    assert field.value == 1000
    assert form.values() == {"recognition_mode": "hotword"}
    assert form.is_row_shown("speech_complete_timeout")  # no row vanishes under the user

    form.reset_all_button.click()
    assert form.values() == {}
    assert not any(form.is_row_shown(field.name) for field in form.fields())
    form.changed_only_box.setChecked(False)
    assert all(form.is_row_shown(field.name) for field in form.fields())
    assert form.summary_label.text() == "Every parameter holds its default."


def test_recognize_overrides_grow_from_a_picker(qtbot: QtBot) -> None:
    overrides = RecognizeOverrides()
    qtbot.addWidget(overrides)
    overrides.show()
    picker = overrides.picker
    names = [picker.itemText(i) for i in range(1, picker.count())]
    assert names == [
        s.name for s in specs_for_scope(ParamScope.RECOGNIZE) if s.name != "content_type"
    ]
    assert overrides.overrides() == ()
    assert overrides.values() == {}
    assert overrides.empty_label.isVisibleTo(overrides)

    picker.setCurrentIndex(picker.findText("no_input_timeout"))
    assert overrides.overrides() == ("no_input_timeout",)
    assert picker.currentIndex() == 0
    assert picker.findText("no_input_timeout") == -1
    assert not overrides.empty_label.isVisibleTo(overrides)
    assert overrides.values() == {"no_input_timeout": 5000}  # a default override is still sent

    flips: list[bool] = []
    overrides.validity_changed.connect(flips.append)
    retype(qtbot, overrides.field("no_input_timeout"), "-")
    assert not overrides.valid
    assert "no_input_timeout" in overrides.problems()
    with pytest.raises(InvalidParamsError):
        overrides.values()
    retype(qtbot, overrides.field("no_input_timeout"), "50000")
    mode = overrides.add_override("recognition_mode", "hotword")
    assert mode.value == "hotword"
    assert overrides.values() == {"no_input_timeout": 50000, "recognition_mode": "hotword"}

    overrides.remove_override("no_input_timeout")
    assert overrides.values() == {"recognition_mode": "hotword"}
    assert picker.findText("no_input_timeout") > 0
    assert flips == [False, True]

    refused = overrides.set_values(
        {"speech_language": "fr-BE", "content_type": "text/uri-list", "recognition_mode": "x"}
    )
    assert overrides.values() == {"speech_language": "fr-BE"}
    assert set(refused) == {"content_type", "recognition_mode"}
    assert "expected one of: normal, hotword" in refused["recognition_mode"]
    with pytest.raises(KeyError):
        overrides.add_override("custom_id")
    overrides.clear()
    assert overrides.overrides() == ()
