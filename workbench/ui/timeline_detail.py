"""The timeline's detail pane: one entry in full, for the support engineer reading a session.

* a heading (seq, name, kind, direction, time), the official SDK's verdict on a received frame
  and why it would reject it, and the pairing: the command a reply or event answers and its
  latency, or, for a command, every answer with its latency;
* **Result**, for RECOGNITION-COMPLETE only: what was heard (asr transcript and confidence),
  what it means (nlu type, value, confidence), the grammar, and the alternatives as a table;
* **JSON**: the frame pretty-printed (``json.dumps(indent=2)``) with syntax colours that follow
  the theme; a local entry (note, audio) shows its timeline record instead;
* **Raw**: the frame text exactly as sent or received. Wrapping there is visual only, and the
  Copy buttons copy the entry's own strings, never the widget's text (a text document turns
  some characters, such as non-breaking spaces, into others).

The pane only reads: the view hands it an entry and the timeline it belongs to.
"""

from __future__ import annotations

import json
from typing import Final

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QGuiApplication,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.protocol.causes import CAUSE_INFO
from workbench.protocol.codec import decode_event
from workbench.protocol.messages import ProtocolViolation, RecognitionComplete, RecognitionResult
from workbench.session.entries import TimelineEntry
from workbench.session.jsonl import entry_to_json
from workbench.session.timeline import Timeline
from workbench.ui.entry_style import JSON_COLOURS
from workbench.ui.result_panel import latency_text as recognition_latency_text
from workbench.ui.result_panel import pretty_value
from workbench.ui.theme import Scheme, current_theme
from workbench.ui.timeline_columns import latency_text, wall_text

__all__ = ["JsonHighlighter", "TimelineDetail", "pairing_text", "pretty_json", "recognition"]

_TOKENS: Final = QRegularExpression(
    r'(?<key>"(?:[^"\\]|\\.)*"(?=\s*:))'
    r'|(?<string>"(?:[^"\\]|\\.)*")'
    r"|(?<number>-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)"
    r"|(?<literal>\b(?:true|false|null)\b)"
)
_TOKEN_NAMES: Final = ("key", "string", "number", "literal")
_ALTERNATIVE_COLUMNS: Final = ("#", "Transcript", "ASR conf", "NLU type", "Value", "NLU conf")
_NONE: Final = "—"


def pretty_json(entry: TimelineEntry) -> tuple[str, str]:
    """The JSON tab's text and a note: the frame indented, or why it cannot be.

    A local entry (no frame) shows its timeline record, the same object an export writes.
    """
    if not entry.raw:
        record = json.dumps(entry_to_json(entry), indent=2, ensure_ascii=False)
        return record, "A local entry: its timeline record (no frame went over the socket)."
    try:
        value = json.loads(entry.raw)
    except ValueError as exc:
        return "", f"The frame is not JSON ({exc}); the Raw tab has it as received."
    return json.dumps(value, indent=2, ensure_ascii=False), ""


def recognition(entry: TimelineEntry) -> RecognitionComplete | None:
    """The RECOGNITION-COMPLETE an entry holds (even inside a protocol violation), or None."""
    if entry.name != "RECOGNITION-COMPLETE" or not entry.raw:
        return None
    decoded = decode_event(entry.raw)
    event = decoded.event if isinstance(decoded, ProtocolViolation) else decoded
    return event if isinstance(event, RecognitionComplete) else None


def pairing_text(entry: TimelineEntry, timeline: Timeline) -> str:
    """How ``entry`` pairs: the command it answers and its latency, or a command's answers."""
    lines: list[str] = []
    if entry.kind == "command":
        answers = [e for e in timeline.related(entry.seq) if e.seq != entry.seq]
        shown = ", ".join(_answer_text(answer) for answer in answers)
        lines.append(f"Answered by: {shown}." if shown else "No answer yet.")
        latest = timeline.command_for(entry.request_id) if entry.request_id is not None else None
        if entry.name == "RECOGNIZE" and latest is entry and entry.request_id is not None:
            times = timeline.latencies(entry.request_id)
            started = times is not None and times.start_of_input_ms is not None
            if times is not None and (started or times.complete_ms is not None):
                lines.append(
                    recognition_latency_text(
                        times.reply_ms, times.start_of_input_ms, times.complete_ms
                    )
                )
    elif entry.pairs is not None:
        command = timeline.entry(entry.pairs)
        head = f"{command.name} #{command.request_id}" if command.request_id else command.name
        if entry.latency_ms is not None:
            after = latency_text(entry.latency_ms)
            lines.append(f"Answers {head} (entry {command.seq}) after {after} ms.")
        else:
            lines.append(f"About {head} (entry {command.seq}).")
    for flag in ("unpaired", "duplicate", "mismatch"):
        if flag in entry.data:
            lines.append(f"{flag.capitalize()}: {entry.data[flag]}")
    if entry.kind == "violation" and "reason" in entry.data:
        lines.append(f"Protocol violation: {entry.data['reason']}")
    return "\n".join(lines)


def _answer_text(answer: TimelineEntry) -> str:
    if answer.latency_ms is None:
        return f"{answer.name} (entry {answer.seq})"
    return f"{answer.name} (entry {answer.seq}, {latency_text(answer.latency_ms)} ms)"


class JsonHighlighter(QSyntaxHighlighter):
    """Colours keys, strings, numbers and literals of pretty-printed JSON (one line a block)."""

    def __init__(self, document: QTextDocument, scheme: Scheme) -> None:
        super().__init__(document)
        self._formats: dict[str, QTextCharFormat] = {}
        self.set_scheme(scheme)

    def set_scheme(self, scheme: Scheme) -> None:
        colours = JSON_COLOURS[scheme]
        self._formats = {}
        for name in _TOKEN_NAMES:
            text_format = QTextCharFormat()
            text_format.setForeground(QColor(getattr(colours, name)))
            self._formats[name] = text_format
        self.rehighlight()

    def token_format(self, name: str) -> QTextCharFormat:
        return self._formats[name]

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt's name
        # QRegularExpression counts in UTF-16 units, as setFormat does (Python's re would not).
        matches = _TOKENS.globalMatch(text)
        while matches.hasNext():
            match = matches.next()
            for name in _TOKEN_NAMES:
                start = match.capturedStart(name)
                if start >= 0:
                    self.setFormat(start, match.capturedLength(name), self._formats[name])
                    break


def _monospace_editor(parent: QWidget, wrap: bool) -> QPlainTextEdit:
    editor = QPlainTextEdit(parent)
    editor.setReadOnly(True)
    editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    mode = QPlainTextEdit.LineWrapMode.WidgetWidth if wrap else QPlainTextEdit.LineWrapMode.NoWrap
    editor.setLineWrapMode(mode)
    return editor


class TimelineDetail(QWidget):
    """One entry of ``timeline`` in full (see the module docstring); :meth:`show_entry`."""

    def __init__(self, timeline: Timeline, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._timeline = timeline
        self._entry: TimelineEntry | None = None
        self._pretty = ""
        self._preferred_tab: str | None = None
        self.title_label = QLabel("Select a row to see the entry in full.", self)
        self.title_label.setWordWrap(True)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.verdict_label = QLabel(self)
        self.verdict_label.setWordWrap(True)
        self.pairing_label = QLabel(self)
        self.pairing_label.setWordWrap(True)
        self.pairing_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note_label = QLabel(self)
        self.note_label.setWordWrap(True)
        self.json_edit = _monospace_editor(self, wrap=False)
        self.json_edit.setAccessibleName("Pretty JSON")
        self.highlighter = JsonHighlighter(self.json_edit.document(), current_theme().scheme)
        self.raw_edit = _monospace_editor(self, wrap=True)
        self.raw_edit.setAccessibleName("Raw frame")
        self.result_page = self._build_result_page()
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.result_page, "Result")
        self.tabs.addTab(self.json_edit, "JSON")
        self.tabs.addTab(self.raw_edit, "Raw")
        self.tabs.tabBarClicked.connect(self.on_tabs_tab_bar_clicked)
        self.copy_json_button = QPushButton("Copy JSON", self)
        self.copy_json_button.setToolTip("Copy the pretty-printed JSON")
        self.copy_json_button.clicked.connect(self.copy_json)
        self.copy_raw_button = QPushButton("Copy raw", self)
        self.copy_raw_button.setToolTip("Copy the frame exactly as sent or received")
        self.copy_raw_button.clicked.connect(self.copy_raw)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.copy_json_button)
        buttons.addWidget(self.copy_raw_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        for label in (self.title_label, self.verdict_label, self.pairing_label, self.note_label):
            layout.addWidget(label)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        self.show_entry(None)

    def _build_result_page(self) -> QWidget:
        page = QWidget(self)
        self.result_fields: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, title in (
            ("cause", "Completion cause"),
            ("grammar", "Grammar"),
            ("transcript", "Transcript (asr)"),
            ("asr_confidence", "ASR confidence"),
            ("nlu_type", "NLU type"),
            ("value", "NLU value"),
            ("confidence", "NLU confidence"),
        ):
            label = QLabel(_NONE, page)
            label.setWordWrap(True)
            label.setAccessibleName(title)
            self.result_fields[key] = label
            form.addRow(f"{title}:", label)
        self.alternatives_table = QTableWidget(0, len(_ALTERNATIVE_COLUMNS), page)
        self.alternatives_table.setHorizontalHeaderLabels(list(_ALTERNATIVE_COLUMNS))
        self.alternatives_table.verticalHeader().setVisible(False)
        self.alternatives_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.alternatives_table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(QLabel("Alternatives:", page))
        layout.addWidget(self.alternatives_table, 1)
        return page

    # -- showing -------------------------------------------------------------------------------

    @property
    def entry(self) -> TimelineEntry | None:
        return self._entry

    @property
    def pretty_text(self) -> str:
        """What Copy JSON copies."""
        return self._pretty

    def show_entry(self, entry: TimelineEntry | None) -> None:
        """Show ``entry`` (None: nothing selected)."""
        self._entry = entry
        if entry is None:
            self.title_label.setText("Select a row to see the entry in full.")
            for label in (self.verdict_label, self.pairing_label, self.note_label):
                label.clear()
                label.setVisible(False)
            self._pretty = ""
            self.json_edit.clear()
            self.raw_edit.clear()
            self.tabs.setTabVisible(0, False)
            self.copy_json_button.setEnabled(False)
            self.copy_raw_button.setEnabled(False)
            return
        start = self._timeline.entries[0].mono if len(self._timeline) else entry.mono
        request = "" if entry.request_id is None else f" #{entry.request_id}"
        self.title_label.setText(
            f"Entry {entry.seq}: {entry.name}{request} — {entry.kind}, {entry.direction}, "
            f"{wall_text(entry.wall)} (+{entry.mono - start:.3f} s)"
        )
        self._show_verdict(entry)
        pairing = pairing_text(entry, self._timeline)
        self.pairing_label.setText(pairing)
        self.pairing_label.setVisible(bool(pairing))
        self._pretty, note = pretty_json(entry)
        self.note_label.setText(note)
        self.note_label.setVisible(bool(note))
        self.json_edit.setPlainText(self._pretty)
        self.raw_edit.setPlainText(entry.raw)
        self.copy_json_button.setEnabled(bool(self._pretty))
        self.copy_raw_button.setEnabled(bool(entry.raw))
        complete = recognition(entry)
        self.tabs.setTabVisible(0, complete is not None)
        if complete is not None:
            self._show_result(complete)
        self._choose_tab(complete is not None)

    def _show_verdict(self, entry: TimelineEntry) -> None:
        if entry.sdk_ok is None:
            self.verdict_label.setVisible(False)
            return
        if entry.sdk_ok:
            text, colour = "Official SDK (uhlive 2.1.0): accepts this frame.", ""
        else:
            text = f"Official SDK (uhlive 2.1.0): would reject this frame — {entry.sdk_reason}"
            colour = "color: #d93025; font-weight: bold;"
        self.verdict_label.setText(text)
        self.verdict_label.setStyleSheet(colour)
        self.verdict_label.setVisible(True)

    def _show_result(self, complete: RecognitionComplete) -> None:
        fields = self.result_fields
        cause = complete.completion_cause
        meaning = CAUSE_INFO[cause].meaning if cause is not None else ""
        fields["cause"].setText(f"{cause.value} — {meaning}" if cause is not None else _NONE)
        body = complete.body or RecognitionResult()
        asr, nlu = body.asr, body.nlu
        fields["grammar"].setText(body.grammar_uri or _NONE)
        fields["transcript"].setText(asr.transcript if asr is not None else _NONE)
        fields["asr_confidence"].setText(f"{asr.confidence:.2f}" if asr is not None else _NONE)
        fields["nlu_type"].setText(nlu.type if nlu is not None else _NONE)
        fields["value"].setText(pretty_value(nlu.value) if nlu is not None else _NONE)
        fields["confidence"].setText(f"{nlu.confidence:.2f}" if nlu is not None else _NONE)
        table = self.alternatives_table
        table.setRowCount(len(body.alternatives))
        for row, alternative in enumerate(body.alternatives):
            a_asr, a_nlu = alternative.asr, alternative.nlu
            cells = (
                str(row + 1),
                a_asr.transcript if a_asr is not None else _NONE,
                f"{a_asr.confidence:.2f}" if a_asr is not None else _NONE,
                a_nlu.type if a_nlu is not None else _NONE,
                json.dumps(a_nlu.value, ensure_ascii=False) if a_nlu is not None else _NONE,
                f"{a_nlu.confidence:.2f}" if a_nlu is not None else _NONE,
            )
            for column, text in enumerate(cells):
                table.setItem(row, column, QTableWidgetItem(text))

    def _choose_tab(self, has_result: bool) -> None:
        """Result for a recognition unless the user picked another tab; else their pick."""
        wanted = self._preferred_tab
        if has_result and wanted in (None, "Result"):
            self.tabs.setCurrentIndex(0)
            return
        if wanted is None or wanted == "Result":
            wanted = "JSON"
        for index in range(self.tabs.count()):
            if self.tabs.tabText(index) == wanted:
                self.tabs.setCurrentIndex(index)

    def apply_scheme(self, scheme: Scheme) -> None:
        """Recolour the JSON for a light or dark background."""
        self.highlighter.set_scheme(scheme)

    # -- slots ---------------------------------------------------------------------------------

    def on_tabs_tab_bar_clicked(self, index: int) -> None:
        if index >= 0:
            self._preferred_tab = self.tabs.tabText(index)

    def copy_json(self) -> None:
        """Put the pretty-printed JSON on the clipboard."""
        if self._pretty:
            QGuiApplication.clipboard().setText(self._pretty)

    def copy_raw(self) -> None:
        """Put the frame, exactly as sent or received, on the clipboard."""
        if self._entry is not None and self._entry.raw:
            QGuiApplication.clipboard().setText(self._entry.raw)
