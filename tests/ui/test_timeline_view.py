"""The timeline view over a real session, and over timelines fed frame by frame.

One real session (module fixture): the embedded server on 127.0.0.1, a :class:`SessionController`
with an audio stream, a :class:`TimelineView` watching from before the first frame, one qasync
loop as in the app. OPEN, SET-PARAMS, a boolean RECOGNIZE answered by flite saying "yes", a
RECOGNIZE of a grammar never defined (the server answers METHOD-FAILED), CLOSE. The tests then
read what the live view inserted, and open fresh views over that timeline to check pairing,
latencies, filters, exports and the detail pane.

Timelines fed frame by frame (``tests/ui/timeline_support.py``: every frame real, judged by a
client protocol core) cover what a well-behaved server never does (a frame the SDK rejects),
batching, Clear, and 100 000 entries.
"""

from __future__ import annotations

import asyncio
import csv
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from tests.audio_fixtures import silence, synthesize
from tests.ui.loop_support import decoder_threads, qasync_loop, run, until
from tests.ui.timeline_support import CHANNEL, big_timeline, open_session, recognition
from tests.unit.session.harness import WALL0, Harness, complete, result, without
from workbench.audio.memory_sources import PcmSource
from workbench.audio.stream import AudioStream
from workbench.client import Credentials, H2BConnection, local_profile
from workbench.controller import CommandFailed, SessionController
from workbench.protocol.messages import ParamsSet, RecognitionInProgress, Recognize, SetParams
from workbench.recognition.engine import Engine
from workbench.server.app import ServerConfig
from workbench.server.auth import Credentials as ServerCredentials
from workbench.server.runner import EmbeddedServer, default_engine
from workbench.session import Timeline, TimelineEntry
from workbench.session.jsonl import entry_to_json
from workbench.ui.entry_style import JSON_COLOURS, KIND_COLOURS, ROW_TINTS
from workbench.ui.theme import DARK, LIGHT, current_theme
from workbench.ui.timeline_columns import COLUMN_TITLES, Column, cell_texts
from workbench.ui.timeline_model import TimelineModel
from workbench.ui.timeline_toolbar import CLEAR_TIP
from workbench.ui.timeline_view import TimelineView

pytestmark = pytest.mark.timeout(60)

CLIENT_ID, SECRET = "timeline-client", "timeline-secret-value"
FAST_ENDPOINTING = {"speech_language": "en", "speech_complete_timeout": 700}
BOOLEAN = "builtin:speech/boolean"
WIRE_ORDER = [
    "OPEN", "OPENED", "SET-PARAMS", "PARAMS-SET", "RECOGNIZE", "RECOGNITION-IN-PROGRESS",
    "START-OF-INPUT", "RECOGNITION-COMPLETE", "RECOGNIZE", "METHOD-FAILED", "CLOSE", "CLOSED",
]  # fmt: skip


@dataclass
class Recorded:
    """What the real session left: its timeline and what the live view did meanwhile."""

    timeline: Timeline
    inserted: list[int]
    """The seqs the live view inserted, in the order it inserted them."""
    shown: list[str]
    """The Name column of the live view at the end, top to bottom."""
    request_id: int
    """The boolean RECOGNIZE's request id."""
    refusal: str


async def _record(engine: Engine) -> Recorded:
    config = ServerConfig(credentials=ServerCredentials(CLIENT_ID, SECRET))
    speech = np.frombuffer(silence(300) + synthesize("yes", "slt", "flite") + silence(300), "<i2")
    async with EmbeddedServer(engine=engine, config=config) as server:
        timeline = Timeline()
        view = TimelineView(timeline)
        view.resize(1200, 500)
        view.show()
        inserted: list[int] = []

        def on_inserted(_parent: QModelIndex, first: int, last: int) -> None:
            inserted.extend(view.filter.entry(row).seq for row in range(first, last + 1))

        view.filter.rowsInserted.connect(on_inserted)
        controller = SessionController(H2BConnection.open, timeline)
        stream = AudioStream()
        controller.attach_audio(stream)
        stream.start()
        refusal = ""
        try:
            await controller.connect(local_profile(server.http_url), Credentials(CLIENT_ID, SECRET))
            await controller.open()
            await controller.set_params(FAST_ENDPOINTING)
            pending = await controller.recognize([BOOLEAN])
            await pending.reply()
            await stream.switch_to(PcmSource(speech, "TTS: yes"))
            await asyncio.wait_for(pending.result(), 20)
            try:
                ghost = await controller.recognize(["session:ghost"])
                await ghost.reply()
            except CommandFailed as failed:
                refusal = str(failed)
            await controller.close()
        finally:
            await controller.aclose()
            await stream.aclose()
        await until(lambda: view.model.pending == 0, what="the last batch")
        shown = [view.filter.entry(row).name for row in range(view.filter.rowCount())]
        view.shutdown()
        view.deleteLater()
    await until(lambda: not decoder_threads(), what="the decoder threads to end")
    return Recorded(timeline, inserted, shown, pending.request_id, refusal)


@pytest.fixture(scope="module")
def recorded(qapp: QApplication) -> Recorded:
    loops = qasync_loop(qapp)
    loop = next(loops)
    try:
        return run(loop, _record(default_engine()))
    finally:
        loops.close()


def make_view(qtbot: QtBot, timeline: Timeline) -> TimelineView:
    view = TimelineView(timeline)
    qtbot.addWidget(view)
    view.resize(1200, 500)
    view.show()
    return view


def frames(timeline: Timeline) -> list[TimelineEntry]:
    return [e for e in timeline.entries if e.is_frame]


def visible_names(view: TimelineView) -> list[str]:
    return [e.name for e in view.visible_entries()]


def text(view: TimelineView, row: int, column: Column) -> str:
    value = view.filter.data(view.filter.index(row, column))
    assert isinstance(value, str)
    return value


def background(view: TimelineView, seq: int) -> str | None:
    row = view.filter.row_of(seq)
    assert row is not None
    colour = view.filter.data(view.filter.index(row, 0), Qt.ItemDataRole.BackgroundRole)
    return None if colour is None else colour.name()


def painted(view: TimelineView, seq: int) -> str:
    """The colour actually painted behind entry ``seq`` (left of its right-aligned Req cell)."""
    row = view.filter.row_of(seq)
    assert row is not None
    rect = view.table.visualRect(view.filter.index(row, Column.REQUEST))
    assert view.table.viewport().rect().contains(rect), f"row {row} is not in view"
    image = view.table.viewport().grab().toImage()
    return image.pixelColor(rect.left() + 2, rect.center().y()).name()


def click_row(qtbot: QtBot, view: TimelineView, seq: int) -> None:
    row = view.filter.row_of(seq)
    assert row is not None
    view.table.scrollTo(view.filter.index(row, 0))
    rect = view.table.visualRect(view.filter.index(row, Column.NAME))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.selected_seq == seq


# -- the real session ---------------------------------------------------------------------------


def test_rows_appear_live_in_order_with_the_names_on_the_wire(recorded: Recorded) -> None:
    timeline = recorded.timeline
    assert recorded.inserted == list(range(len(timeline)))  # each once, in seq order
    assert recorded.shown == [e.name for e in timeline.entries]
    assert [e.name for e in frames(timeline)] == WIRE_ORDER
    for entry in frames(timeline):  # the names as the raw frames spell them
        wire = json.loads(entry.raw)
        assert entry.name == wire.get("command", wire.get("event"))
    assert {"connection", "audio"} <= {e.kind for e in timeline.entries}
    assert "GramLoadFailure" in recorded.refusal


def test_the_columns_show_each_entry(qtbot: QtBot, recorded: Recorded) -> None:
    timeline = recorded.timeline
    view = make_view(qtbot, timeline)
    start = timeline.entries[0].mono
    assert view.filter.rowCount() == len(timeline)
    assert [view.filter.headerData(c, Qt.Orientation.Horizontal) for c in Column] == list(
        COLUMN_TITLES
    )
    for row, entry in enumerate(timeline.entries):
        assert text(view, row, Column.SEQ) == str(entry.seq)
        assert text(view, row, Column.NAME) == entry.name
        assert text(view, row, Column.DIRECTION) == entry.direction
        assert text(view, row, Column.REQUEST) == (
            "" if entry.request_id is None else str(entry.request_id)
        )
        assert text(view, row, Column.CHANNEL) == entry.channel_id
        assert text(view, row, Column.SINCE) == f"{entry.mono - start:.3f}"
        local = datetime.fromtimestamp(entry.wall)
        assert text(view, row, Column.TIME) == (f"{local:%H:%M:%S}.{local.microsecond // 1000:03d}")
        colour = view.filter.data(view.filter.index(row, 0), Qt.ItemDataRole.ForegroundRole)
        assert colour.name() == KIND_COLOURS[entry.kind]
        assert view.filter.data(view.filter.index(row, 3), TimelineModel.EntryRole) is entry
    error = next(e for e in timeline.entries if e.kind == "error")
    row = view.filter.row_of(error.seq)
    assert row is not None
    assert text(view, row, Column.NAME) == "METHOD-FAILED"
    assert text(view, row, Column.CAUSE) == "GramLoadFailure"
    assert background(view, error.seq) == ROW_TINTS[current_theme().scheme].error
    font = view.filter.data(view.filter.index(row, 0), Qt.ItemDataRole.FontRole)
    assert font.bold()
    opened = next(e for e in timeline.entries if e.name == "OPENED")
    assert background(view, opened.seq) is None


def test_the_latency_column_is_the_timelines(qtbot: QtBot, recorded: Recorded) -> None:
    timeline = recorded.timeline
    view = make_view(qtbot, timeline)
    checked = 0
    for command in (e for e in timeline.entries if e.kind == "command"):
        assert command.request_id is not None
        latencies = timeline.latencies(command.request_id)
        assert latencies is not None
        expected = {
            "reply": latencies.reply_ms,
            "START-OF-INPUT": latencies.start_of_input_ms,
            "RECOGNITION-COMPLETE": latencies.complete_ms,
        }
        for answer in timeline.related(command.seq)[1:]:
            ms = expected.get(answer.name, expected["reply"] if answer.is_received else None)
            if ms is None:
                continue
            row = view.filter.row_of(answer.seq)
            assert row is not None
            assert text(view, row, Column.LATENCY) == f"{ms:.1f}"
            checked += 1
        assert text(view, view.filter.row_of(command.seq) or 0, Column.LATENCY) == ""
    assert checked == 7  # 5 replies, START-OF-INPUT, RECOGNITION-COMPLETE
    times = timeline.latencies(recorded.request_id)
    assert times is not None
    assert times.start_of_input_ms is not None
    assert times.complete_ms is not None
    assert times.start_of_input_ms < times.complete_ms


def test_selecting_a_result_highlights_its_request_and_events(
    qtbot: QtBot, recorded: Recorded
) -> None:
    timeline = recorded.timeline
    view = make_view(qtbot, timeline)
    selected: list[int] = []
    view.entry_selected.connect(selected.append)
    related_tint = ROW_TINTS[current_theme().scheme].related
    recognize = timeline.command_for(recorded.request_id)
    assert recognize is not None
    family = [e.seq for e in timeline.related(recognize.seq)]
    names = [timeline.entry(seq).name for seq in family]
    assert names == [
        "RECOGNIZE",
        "RECOGNITION-IN-PROGRESS",
        "START-OF-INPUT",
        "RECOGNITION-COMPLETE",
    ]
    outsiders = [e.seq for e in timeline.entries if e.seq not in family]

    click_row(qtbot, view, family[-1])  # RECOGNITION-COMPLETE
    assert selected == [family[-1]]
    assert [background(view, seq) for seq in family] == [related_tint] * 4
    assert all(background(view, seq) != related_tint for seq in outsiders)
    # What is painted too (the delegate reuses its role data from cell to cell).
    view.resize(1200, 900)
    assert [painted(view, seq) for seq in family[:-1]] == [related_tint] * 3  # last: selected
    tints = ROW_TINTS[current_theme().scheme]
    expected = {
        seq: tints.error if timeline.entry(seq).kind == "error" else None for seq in outsiders
    }
    base = {painted(view, seq) for seq, tint in expected.items() if tint is None}
    assert len(base) == 1
    assert base.isdisjoint({tints.related, tints.error})
    assert [painted(view, seq) for seq, tint in expected.items() if tint] == [tints.error]
    latency = timeline.entry(family[-1]).latency_ms
    assert latency is not None
    assert view.detail.pairing_label.text() == (
        f"Answers RECOGNIZE #{recorded.request_id} (entry {recognize.seq}) after {latency:.1f} ms."
    )

    click_row(qtbot, view, recognize.seq)  # from the request: the same family
    assert [background(view, seq) for seq in family] == [related_tint] * 4
    assert view.detail.pairing_label.text().startswith(
        f"Answered by: RECOGNITION-IN-PROGRESS (entry {family[1]}, "
    )

    opened = next(e for e in timeline.entries if e.name == "OPENED")
    assert view.select_seq(opened.seq)
    assert selected[-1] == opened.seq
    assert all(background(view, seq) != related_tint for seq in family)
    assert opened.pairs is not None
    assert timeline.entry(opened.pairs).name == "OPEN"
    assert background(view, opened.pairs) == related_tint


def test_filters_by_kind_name_and_text(qtbot: QtBot, recorded: Recorded) -> None:
    timeline = recorded.timeline
    view = make_view(qtbot, timeline)
    for kind, action in view.toolbar.kind_actions.items():
        if kind not in ("reply", "event"):
            action.setChecked(False)
    answers = [e for e in timeline.entries if e.kind in ("reply", "event")]
    assert view.visible_entries() == answers
    assert view.toolbar.kinds_button.text() == "Kinds: 2 of 9"
    assert view.toolbar.count_label.text() == f"{len(answers)} of {len(timeline)} rows"

    view.toolbar.all_kinds_action.trigger()
    assert view.visible_entries() == list(timeline.entries)
    assert all(action.isChecked() for action in view.toolbar.kind_actions.values())

    actions = view.toolbar.name_actions()
    assert set(actions) == {e.name for e in timeline.entries}
    actions["RECOGNIZE"].trigger()
    view.toolbar.name_actions()["METHOD-FAILED"].trigger()
    assert visible_names(view) == ["RECOGNIZE", "RECOGNIZE", "METHOD-FAILED"]
    assert view.toolbar.names_button.text() == "Names: 2"
    view.toolbar.set_names(None)

    qtbot.keyClicks(view.toolbar.search_edit, "BOOLEAN")
    assert len(view.visible_entries()) == len(timeline)  # debounced: not yet
    qtbot.waitUntil(lambda: view.filter.criteria.text == "BOOLEAN", timeout=2000)
    expected = [
        e
        for e in timeline.entries
        if any("boolean" in f.lower() for f in (e.name, e.summary, e.raw))
    ]
    assert view.visible_entries() == expected
    assert [e.name for e in expected] == ["RECOGNIZE", "RECOGNITION-COMPLETE"]
    view.toolbar.kind_actions["command"].setChecked(False)  # combined with a kind filter
    assert visible_names(view) == ["RECOGNITION-COMPLETE"]
    view.toolbar.search_edit.clear()
    view.toolbar.apply_search()
    assert len(view.visible_entries()) == len(timeline) - len(
        [e for e in timeline.entries if e.kind == "command"]
    )


def test_exports_hold_exactly_the_visible_rows(
    qtbot: QtBot, recorded: Recorded, tmp_path: Path
) -> None:
    timeline = recorded.timeline
    view = make_view(qtbot, timeline)
    view.filter.set_kinds({"reply", "event", "error"})
    visible = [e for e in timeline.entries if e.kind in ("reply", "event", "error")]
    assert view.export_jsonl(tmp_path / "answers.jsonl", created=WALL0) == len(visible)
    lines = (tmp_path / "answers.jsonl").read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["format"] == "h2b-workbench-timeline"
    assert (header["entries"], header["created"]) == (len(visible), WALL0)
    assert [json.loads(line) for line in lines[1:]] == [
        json.loads(json.dumps(entry_to_json(e))) for e in visible
    ]

    view.table.setColumnHidden(Column.CHANNEL, True)
    assert view.export_csv(tmp_path / "answers.csv") == len(visible)
    with (tmp_path / "answers.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    columns = [c for c in Column if c != Column.CHANNEL]
    assert rows[0] == [COLUMN_TITLES[c] for c in columns]
    start = timeline.entries[0].mono
    assert rows[1:] == [[cell_texts(e, start)[c] for c in columns] for e in visible]
    assert rows[1:] == [
        [text(view, row, c) for c in columns] for row in range(view.filter.rowCount())
    ]

    view.filter.set_kinds(None)  # everything: the export reopens as the same timeline
    messages: list[tuple[str, str]] = []
    view.status_message.connect(lambda message, level: messages.append((message, level)))
    view.toolbar.export_jsonl_action.trigger()  # through the (non-blocking) file dialog
    dialog = view.findChild(QFileDialog)
    assert dialog is not None
    path = tmp_path / "all.jsonl"
    dialog.selectFile(str(path))
    dialog.accept()
    qtbot.waitUntil(lambda: bool(messages), timeout=3000)
    assert messages == [(f"Exported {len(timeline)} timeline rows to {path}.", "info")]
    assert list(Timeline.load_jsonl(path).entries) == list(timeline.entries)


def test_the_detail_pane_shows_pretty_json_the_exact_raw_frame_and_the_result(
    qtbot: QtBot, recorded: Recorded
) -> None:
    timeline = recorded.timeline
    view = make_view(qtbot, timeline)
    entry = next(e for e in timeline.entries if e.name == "RECOGNITION-COMPLETE")
    click_row(qtbot, view, entry.seq)
    detail = view.detail
    frame = json.loads(entry.raw)
    pretty = json.dumps(frame, indent=2, ensure_ascii=False)
    assert detail.json_edit.toPlainText() == pretty
    assert detail.raw_edit.toPlainText() == entry.raw
    assert detail.verdict_label.text() == "Official SDK (uhlive 2.1.0): accepts this frame."
    assert detail.tabs.tabText(detail.tabs.currentIndex()) == "Result"
    body = frame["body"]
    fields = detail.result_fields
    assert fields["transcript"].text() == body["asr"]["transcript"]
    assert fields["asr_confidence"].text() == f"{body['asr']['confidence']:.2f}"
    assert fields["nlu_type"].text() == body["nlu"]["type"]
    assert fields["value"].text() == json.dumps(body["nlu"]["value"])
    assert fields["grammar"].text() == BOOLEAN
    assert fields["cause"].text().startswith(f"{frame['completion_cause']} — ")

    # The key on line 2 ("event") is coloured as a key, its value as a string.
    colours = JSON_COLOURS[current_theme().scheme]
    block = detail.json_edit.document().findBlockByNumber(1)
    spans = {
        block.text()[r.start : r.start + r.length]: r.format.foreground().color().name()
        for r in block.layout().formats()
    }
    assert spans == {'"event"': colours.key, '"RECOGNITION-COMPLETE"': colours.string}

    detail.copy_raw_button.click()
    assert QGuiApplication.clipboard().text() == entry.raw
    detail.copy_json_button.click()
    assert QGuiApplication.clipboard().text() == pretty

    detail.tabs.tabBarClicked.emit(2)  # the user prefers the raw frame from now on
    view.select_seq(0)  # the connection note: no frame, its record as JSON
    assert detail.tabs.tabText(detail.tabs.currentIndex()) == "Raw"
    assert not detail.tabs.isTabVisible(0)
    assert json.loads(detail.json_edit.toPlainText()) == json.loads(
        json.dumps(entry_to_json(timeline.entry(0)))
    )
    assert not detail.copy_raw_button.isEnabled()


# -- timelines fed frame by frame ----------------------------------------------------------------


def test_a_frame_the_sdk_rejects_is_flagged_with_why(qtbot: QtBot) -> None:
    h = Harness()
    open_session(h, at=0.0)
    sent = h.send(SetParams(params={"speech_language": "en"}), at=1.0)
    assert sent.request_id is not None
    raw = without(ParamsSet(request_id=sent.request_id, channel_id=CHANNEL), "completion_reason")
    bad = h.receive_raw(raw, at=1.002)  # judged by ClientProtocol.receive: a ProtocolViolation
    reason = "missing key 'completion_reason' in the PARAMS-SET envelope (KeyError)"
    assert (bad.kind, bad.sdk_ok, bad.sdk_reason) == ("violation", False, reason)
    view = make_view(qtbot, h.timeline)
    row = view.filter.row_of(bad.seq)
    assert row is not None
    assert text(view, row, Column.SDK) == f"✗ {reason}"
    assert text(view, row, Column.KIND) == "violation"
    tooltip = view.filter.data(view.filter.index(row, Column.NAME), Qt.ItemDataRole.ToolTipRole)
    assert f"The official SDK (uhlive 2.1.0) would reject this frame: {reason}" in tooltip
    assert f"Protocol violation: {bad.data['reason']}" in tooltip
    assert background(view, bad.seq) == ROW_TINTS[current_theme().scheme].violation
    assert view.filter.data(view.filter.index(row, 0), Qt.ItemDataRole.FontRole).bold()
    fine = view.filter.row_of(bad.seq - 2)  # OPENED
    assert fine is not None
    assert text(view, fine, Column.SDK) == ""
    view.select_seq(bad.seq)
    assert view.detail.verdict_label.text() == (
        f"Official SDK (uhlive 2.1.0): would reject this frame — {reason}"
    )
    assert view.detail.raw_edit.toPlainText() == raw


def test_alternatives_are_laid_out_and_odd_characters_copied_exactly(qtbot: QtBot) -> None:
    h = Harness()
    open_session(h, at=0.0)
    command = h.send(Recognize(grammars=(BOOLEAN,)), at=1.0)
    assert command.request_id is not None
    h.receive(RecognitionInProgress(request_id=command.request_id, channel_id=CHANNEL), at=1.003)
    alternatives = (result("no", False, confidence=0.4), result("yes\u00a0sir", True))
    entry = h.receive(complete(command.request_id, body=result(alternatives=alternatives)), at=3.0)
    assert entry.kind == "event"
    view = make_view(qtbot, h.timeline)
    view.select_seq(entry.seq)
    table = view.detail.alternatives_table
    cells = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(2)]
    assert cells == [
        ["1", "no", "0.88", BOOLEAN, "false", "0.40"],
        ["2", "yes\u00a0sir", "0.88", BOOLEAN, "true", "0.93"],
    ]
    view.detail.copy_raw_button.click()
    assert QGuiApplication.clipboard().text() == entry.raw
    assert "yes\u00a0sir" in entry.raw


def test_rows_arrive_in_batches_follow_the_bottom_and_update_in_place(qtbot: QtBot) -> None:
    h = Harness()
    open_session(h, at=0.0)
    audio = h.timeline.audio_started("linear", "TTS: yes", WALL0 + 0.5, 0.5)
    view = make_view(qtbot, h.timeline)
    view.resize(900, 200)
    inserted: list[tuple[int, int]] = []
    view.filter.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    before = view.filter.rowCount()
    for n in range(300):
        h.timeline.note("note", f"note {n}", "something happened", WALL0 + 1 + n, 1.0 + n)
    assert view.filter.rowCount() == before  # nothing yet: the batch timer has not fired
    assert view.model.pending == 300
    qtbot.waitUntil(lambda: view.model.pending == 0, timeout=2000)
    assert inserted == [(before, before + 299)]  # one insert for 300 entries
    scrollbar = view.table.verticalScrollBar()
    assert scrollbar.value() == scrollbar.maximum() > 0

    changed: list[tuple[int, int]] = []
    view.filter.dataChanged.connect(
        lambda top, bottom, *_: changed.append((top.row(), bottom.row()))
    )
    h.timeline.audio_progress(10, 3200, WALL0 + 2, 2.0)  # the audio entry grows in place
    row = view.filter.row_of(audio.seq)
    assert changed == [(row, row)]
    assert "10 chunks" in text(view, row or 0, Column.SUMMARY)

    view.toolbar.pause_button.setChecked(True)
    scrollbar.setValue(0)
    for n in range(50):
        h.timeline.note("note", f"more {n}", "", WALL0 + 400 + n, 400.0 + n)
    view.model.flush()
    assert scrollbar.value() == 0  # paused: left where the user scrolled
    view.toolbar.pause_button.setChecked(False)
    assert scrollbar.value() == scrollbar.maximum()


def test_clear_hides_earlier_rows_and_the_timeline_keeps_them(qtbot: QtBot) -> None:
    h = Harness()
    open_session(h, at=0.0)
    recognition(h, 0, at=1.0)
    view = make_view(qtbot, h.timeline)
    kept = list(h.timeline.entries)
    assert "The timeline itself is not cleared" in view.toolbar.clear_button.toolTip() == CLEAR_TIP
    view.select_seq(3)
    view.toolbar.clear_button.click()
    assert view.filter.rowCount() == 0
    assert list(h.timeline.entries) == kept  # the record is untouched
    request_id = recognition(h, 1, at=5.0)
    view.model.flush()
    assert visible_names(view) == [
        "RECOGNIZE", "RECOGNITION-IN-PROGRESS", "START-OF-INPUT", "RECOGNITION-COMPLETE",
    ]  # fmt: skip
    assert view.visible_entries()[0].request_id == request_id
    assert view.toolbar.count_label.text() == f"4 rows (cleared: from #{len(kept)})"
    assert text(view, 0, Column.SEQ) == str(len(kept))  # seqs and times are the timeline's
    assert text(view, 0, Column.SINCE) == "5.000"
    view.toolbar.show_all_action.trigger()
    assert view.visible_entries() == list(h.timeline.entries)
    assert view.selected_seq == 3
    assert view.filter.row_of(3) is not None


def test_a_hundred_thousand_entries(qtbot: QtBot) -> None:
    timeline = big_timeline(100_000)
    entries = list(timeline.entries)
    view = make_view(qtbot, timeline)
    assert view.filter.rowCount() == 100_000
    view.table.scrollToBottom()
    assert view.select_seq(99_999)

    view.filter.set_kinds({"error", "violation"})
    alarming = [e for e in entries if e.kind in ("error", "violation")]
    assert view.visible_entries() == alarming
    assert 100 < len(alarming) < 10_000
    view.filter.set_kinds(None)
    view.filter.set_text("Call Me Back")
    called = [e for e in entries if "call me back" in (e.summary + "\n" + e.raw).lower()]
    assert view.visible_entries() == called
    assert {e.name for e in called} == {"RECOGNITION-COMPLETE"}
    view.filter.set_text("")
    view.toolbar.set_names({"NO-SUCH-EVENT"})
    assert view.filter.rowCount() == 0
    view.toolbar.set_names(None)

    view.filter.set_kinds({"note"})
    batches = view.model.batches
    for n in range(1000):
        kind = "note" if n % 2 else "connection"
        timeline.note(kind, f"late {n}", "", WALL0 + 1e6 + n, 1e6 + n)
    view.model.flush()
    assert view.model.batches == batches + 1
    assert view.model.rowCount() == 101_000
    assert visible_names(view) == [f"late {n}" for n in range(1, 1000, 2)]
    view.clear()
    assert (view.filter.rowCount(), len(timeline)) == (0, 101_000)


def test_the_model_stops_following_after_shutdown(qtbot: QtBot) -> None:
    h = Harness()
    open_session(h, at=0.0)
    model = TimelineModel(h.timeline)
    model.shutdown()
    h.timeline.note("note", "after", "", WALL0 + 9, 9.0)
    model.flush()
    assert model.rowCount() == 3
    with pytest.raises(IndexError, match="no row 3"):
        model.entry(3)


def test_a_growing_audio_entry_enters_and_leaves_a_text_filter(qtbot: QtBot) -> None:
    h = Harness()
    open_session(h, at=0.0)
    audio = h.timeline.audio_started("linear", "TTS: yes", WALL0 + 0.5, 0.5)
    view = make_view(qtbot, h.timeline)
    view.filter.set_text("10 CHUNKS")
    assert view.visible_entries() == []
    h.timeline.audio_progress(10, 3200, WALL0 + 1, 1.0)  # "audio: 10 chunks, …": now it matches
    assert [e.seq for e in view.visible_entries()] == [audio.seq]
    assert "10 chunks" in text(view, 0, Column.SUMMARY)
    h.timeline.audio_progress(5, 1600, WALL0 + 2, 2.0)  # 15 chunks: no longer
    assert view.visible_entries() == []


def test_answers_arriving_later_join_the_highlight_and_the_detail(qtbot: QtBot) -> None:
    h = Harness()
    open_session(h, at=0.0)
    view = make_view(qtbot, h.timeline)
    command = h.send(Recognize(grammars=(BOOLEAN,)), at=1.0)
    assert command.request_id is not None
    assert view.select_seq(command.seq)  # shown at once, before its batch is due
    assert view.detail.pairing_label.text() == "No answer yet."
    answer = h.receive(
        RecognitionInProgress(request_id=command.request_id, channel_id=CHANNEL), at=1.004
    )
    qtbot.waitUntil(lambda: view.model.pending == 0, timeout=2000)
    tint = ROW_TINTS[current_theme().scheme].related
    assert background(view, answer.seq) == tint
    assert view.detail.pairing_label.text() == (
        f"Answered by: RECOGNITION-IN-PROGRESS (entry {answer.seq}, 4.0 ms)."
    )


def test_the_theme_recolours_rows_and_json(qtbot: QtBot) -> None:
    h = Harness()
    open_session(h, at=0.0)
    sent = h.send(SetParams(params={"speech_language": "en"}), at=1.0)
    assert sent.request_id is not None
    bad = h.receive_raw(
        without(ParamsSet(request_id=sent.request_id, channel_id=CHANNEL), "completion_reason"),
        at=1.002,
    )
    view = make_view(qtbot, h.timeline)
    view.select_seq(bad.seq)
    for theme in (DARK, LIGHT):
        view.apply_theme(theme)
        assert background(view, bad.seq) == ROW_TINTS[theme.scheme].related  # selected
        assert background(view, 0) is None
        view.model.set_related(())
        assert background(view, bad.seq) == ROW_TINTS[theme.scheme].violation
        key = view.detail.highlighter.token_format("key").foreground().color().name()
        assert key == JSON_COLOURS[theme.scheme].key
        view.model.set_related({bad.seq})
