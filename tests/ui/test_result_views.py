"""The result panel, the event list and the help dialog on timelines fed frame by frame.

Every frame is real (commands stamped by a client protocol core, events encoded by the codec:
``tests/unit/session/harness.py``); times are set by the test, so latencies are exact. No
server and no loop: the timeline notifies synchronously and the widgets follow at once.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.unit.session.harness import WALL0, Harness, complete, result
from workbench.controller import SessionController
from workbench.protocol.causes import CompletionCause, Outcome
from workbench.protocol.messages import (
    InvalidParamValue,
    Open,
    Opened,
    RecognitionInProgress,
    Recognize,
    SetParams,
    StartOfInput,
)
from workbench.session import Timeline
from workbench.ui.actions import ACTIONS, SessionActions
from workbench.ui.event_list import KIND_COLOURS, EventList, EventListModel
from workbench.ui.help_dialog import HelpDialog, shortcut_rows
from workbench.ui.result_panel import OUTCOME_COLOURS, ResultPanel

pytestmark = pytest.mark.timeout(30)

DIGITS = "builtin:speech/spelling/digits?regex=[0-9]{1,2}"


def opened(h: Harness) -> None:
    h.send(Open(), at=0.0)
    h.receive(Opened(request_id=1, channel_id="chan-1"), at=0.01)


def recognize(h: Harness, *grammars: str, at: float) -> int:
    entry = h.send(Recognize(grammars=grammars), at=at)
    assert entry.request_id is not None
    h.receive(
        RecognitionInProgress(request_id=entry.request_id, channel_id="chan-1"), at=at + 0.004
    )
    return entry.request_id


@pytest.fixture
def harness() -> Harness:
    h = Harness()
    opened(h)
    return h


def dispose(widget: ResultPanel | EventList) -> None:
    """Delete ``widget`` now, on this thread.

    It is in a reference cycle through the timeline's observers; left to Python's collector,
    it could be deleted later from a worker thread of another test, timers still registered.
    """
    widget.shutdown()
    widget.hide()
    shiboken6.delete(widget)


@pytest.fixture
def panel(qtbot: QtBot, harness: Harness) -> Iterator[ResultPanel]:
    widget = ResultPanel(harness.timeline)
    widget.show()
    yield widget
    dispose(widget)


def test_a_success_shows_value_alternatives_and_latencies(
    harness: Harness, panel: ResultPanel
) -> None:
    assert panel.cause_label.text() == "—"
    request_id = recognize(harness, "session:num", "builtin:speech/boolean", at=1.0)
    assert panel.waiting
    assert panel.request_label.text() == (
        f"RECOGNIZE #{request_id}: session:num, builtin:speech/boolean (normal)"
    )
    harness.receive(StartOfInput(request_id=request_id, channel_id="chan-1"), at=1.8125)
    runner_up = result("forty three", "43", grammar="session:num", confidence=0.41)
    best = result(
        "forty two", {"number": "42", "digits": [4, 2]}, grammar="session:num",
        asr_confidence=0.876, confidence=0.9, alternatives=(runner_up,),
    )  # fmt: skip
    harness.receive(complete(request_id, body=best), at=3.0)

    assert not panel.waiting
    assert panel.request_id == request_id
    assert panel.cause_label.text() == "Success"
    assert panel.outcome is Outcome.SUCCESS
    background, text = OUTCOME_COLOURS[Outcome.SUCCESS]
    assert f"background: {background}; color: {text}" in panel.cause_label.styleSheet()
    assert panel.meaning_label.text() == "A grammar matched the speech (MRCPv2 000)"
    assert panel.transcript_label.text() == "forty two (confidence 0.88)"
    assert panel.value_view.toPlainText() == (
        '{\n  "number": "42",\n  "digits": [\n    4,\n    2\n  ]\n}'
    )
    assert json.loads(panel.value_view.toPlainText()) == {"number": "42", "digits": [4, 2]}
    assert panel.nlu_label.text() == "session:num, confidence 0.90"
    assert panel.grammar_label.text() == "session:num"
    assert panel.latency_label.text() == (
        "RECOGNIZE → START-OF-INPUT 812 ms → RECOGNITION-COMPLETE 2000 ms (reply 4 ms)"
    )
    shown = panel.alternatives_list
    alternatives = [shown.item(row).text() for row in range(shown.count())]
    assert alternatives == ["'forty three' (0.88) → \"43\" (0.41) via session:num"]


@pytest.mark.parametrize(
    ("cause", "outcome"),
    [
        (CompletionCause.NO_MATCH, Outcome.NO_RESULT),
        (CompletionCause.NO_INPUT_TIMEOUT, Outcome.NO_RESULT),
        (CompletionCause.PARTIAL_MATCH, Outcome.PARTIAL),
        (CompletionCause.LANGUAGE_UNSUPPORTED, Outcome.FAILURE),
    ],
)
def test_other_causes_are_coloured_by_outcome_with_their_meaning(
    harness: Harness, panel: ResultPanel, cause: CompletionCause, outcome: Outcome
) -> None:
    request_id = recognize(harness, "builtin:speech/boolean", at=1.0)
    body = result("maybe", None) if cause is CompletionCause.NO_MATCH else None
    harness.receive(complete(request_id, cause, body, reason="because"), at=6.0)

    assert panel.cause_label.text() == cause.value
    assert panel.outcome is outcome
    assert OUTCOME_COLOURS[outcome][0] in panel.cause_label.styleSheet()
    assert panel.meaning_label.text().endswith(" — because")
    if cause is CompletionCause.NO_MATCH:
        assert panel.meaning_label.text().startswith("Speech was heard but no grammar matched")
        assert panel.transcript_label.text() == "maybe (confidence 0.88)"
    else:
        assert panel.transcript_label.text() == "nothing heard"
    assert panel.value_view.toPlainText() == ""
    assert panel.nlu_label.text() == "no match"
    assert panel.grammar_label.text() == "none"
    assert panel.latency_label.text() == (
        "RECOGNIZE → RECOGNITION-COMPLETE 5000 ms; no START-OF-INPUT (reply 4 ms)"
    )
    assert OUTCOME_COLOURS[Outcome.SUCCESS][0] not in panel.cause_label.styleSheet()


def test_an_error_for_another_command_is_named_without_hiding_the_result(
    harness: Harness, panel: ResultPanel
) -> None:
    request_id = recognize(harness, "builtin:speech/boolean", at=1.0)
    harness.receive(complete(request_id), at=2.0)
    assert not panel.error_label.isVisible()
    sent = harness.send(SetParams(params={"no_input_timeout": -1}), at=3.0)
    harness.receive(
        InvalidParamValue(request_id=sent.request_id or 0, completion_reason="no_input_timeout"),
        at=3.1,
    )
    assert panel.error_label.isVisible()
    assert panel.error_label.text().startswith("Last error: ERROR InvalidParamValue")
    assert panel.cause_label.text() == "Success"  # still the last recognition's
    assert panel.value_view.toPlainText() == "true"


def test_a_panel_opened_on_a_reloaded_timeline_shows_its_last_recognition(
    qtbot: QtBot, harness: Harness
) -> None:
    first = recognize(harness, "builtin:speech/boolean", at=1.0)
    harness.receive(complete(first, CompletionCause.NO_INPUT_TIMEOUT), at=6.0)
    second = recognize(harness, DIGITS, at=7.0)
    harness.receive(complete(second, body=result("twelve", "12", grammar=DIGITS)), at=8.5)
    panel = ResultPanel(Timeline.load_jsonl(_exported(harness.timeline)))
    try:
        assert panel.request_id == second
        assert panel.value_view.toPlainText() == '"12"'
        assert panel.grammar_label.text() == DIGITS
    finally:
        dispose(panel)


def _exported(timeline: Timeline) -> io.StringIO:
    buffer = io.StringIO()
    timeline.export_jsonl(buffer)
    buffer.seek(0)
    return buffer


# -- the event list ----------------------------------------------------------------------------


def test_the_event_list_shows_rows_coloured_by_kind_and_keeps_the_last_ones(
    qtbot: QtBot, harness: Harness
) -> None:
    events = EventList(harness.timeline, max_rows=40)
    try:
        check_the_event_list(events, harness)
    finally:
        dispose(events)


def check_the_event_list(events: EventList, harness: Harness) -> None:
    events.resize(500, 200)
    events.show()
    model = events.model
    assert model.names() == ["OPEN", "OPENED"]  # what the timeline held already
    request_id = recognize(harness, "builtin:speech/boolean", at=1.25)
    assert model.data(model.index(2)) == (
        f"+1.250 s  RECOGNIZE #{request_id} builtin:speech/boolean"
    )
    colours = [model.data(model.index(row), Qt.ItemDataRole.ForegroundRole) for row in range(4)]
    assert [c.name() for c in colours] == [
        KIND_COLOURS[kind] for kind in ("command", "reply", "command", "reply")
    ]
    assert json.loads(model.data(model.index(2), Qt.ItemDataRole.ToolTipRole))["body"] == (
        "builtin:speech/boolean"
    )

    timeline = harness.timeline
    audio = timeline.audio_started("linear", "TTS: yes", WALL0 + 2, 2.0)
    before = model.rowCount()
    timeline.audio_progress(5, 1600, WALL0 + 2.1, 2.1)
    timeline.audio_progress(5, 1600, WALL0 + 2.2, 2.2)
    assert model.rowCount() == before  # updated in place, as in the timeline
    row = model.row_of(audio.seq)
    assert row is not None
    assert model.entry(row).data["chunks"] == 10
    assert "10 chunks" in model.data(model.index(row))

    scrollbar = events.view.verticalScrollBar()
    for n in range(60):
        timeline.note("note", f"note {n}", "something happened", WALL0 + 3 + n, 3.0 + n)
    assert model.rowCount() == 40
    assert model.entry(0).seq == len(timeline) - 40
    assert model.names()[-1] == "note 59"
    assert model.dropped == len(timeline) - 40
    assert events.count_label.text() == "40 events (the last 40; the timeline keeps them all)"
    assert scrollbar.value() == scrollbar.maximum() > 0  # followed the newest row

    events.follow_box.setChecked(False)
    scrollbar.setValue(0)
    timeline.note("note", "one more", "", WALL0 + 100, 100.0)
    assert scrollbar.value() == 0  # left where the user scrolled
    assert model.row_of(0) is None  # OPEN was dropped long ago
    events.shutdown()
    timeline.note("note", "after shutdown", "", WALL0 + 101, 101.0)
    assert model.names()[-1] == "one more"


def test_the_model_refuses_an_empty_bound() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        EventListModel(0)


# -- the help dialog ---------------------------------------------------------------------------


def test_the_help_dialog_lists_every_action_with_its_shortcut(qtbot: QtBot) -> None:
    owner = QWidget()  # owns the actions: Qt deletes them, not Python's collector
    qtbot.addWidget(owner)
    actions = SessionActions(SessionController(_no_connection, Timeline()), owner)
    dialog = HelpDialog(actions, owner)
    rows = dialog.rows()
    native = QKeySequence.SequenceFormat.NativeText
    assert rows == [
        (info.text, QKeySequence(info.shortcut).toString(native), info.help) for info in ACTIONS
    ]
    assert ("Recognize", "Ctrl+R", ACTIONS[5].help) in rows
    assert ("Stop", "Esc", ACTIONS[7].help) in rows
    assert len({shortcut for _, shortcut, _ in rows}) == len(ACTIONS)  # no clash
    assert "first recognition in a minute" in dialog.guide_label.text().lower()

    actions.action("stop").setShortcut(QKeySequence("Ctrl+."))  # generated, not hand-written
    assert ("Stop", "Ctrl+.", ACTIONS[7].help) in shortcut_rows(actions)


async def _no_connection(*_args: object, **_kwargs: object) -> object:
    raise AssertionError("these tests never connect")
