"""The result panel: the last recognition's outcome, what was heard and understood, how fast.

The panel reads the :class:`~workbench.session.timeline.Timeline` (through a
:class:`~workbench.ui.qt_bridge.QtBridge`), not the controller: whatever sent the RECOGNIZE
(a button, a shortcut, an expert's raw frame, later a replay), its result shows here.

* RECOGNIZE sent: the previous result is cleared and the panel says it waits;
* RECOGNITION-COMPLETE: the completion cause, colour-coded by its outcome (green success, amber
  no result or partial, red failure) with its meaning from the protocol core's table
  (:data:`workbench.protocol.causes.CAUSE_INFO`), the transcript and its confidence, the NLU
  value pretty-printed as JSON, the alternatives, the grammar that matched and the latencies
  the timeline measured (RECOGNIZE → START-OF-INPUT, → RECOGNITION-COMPLETE);
* an error event answering RECOGNIZE takes the result's place, in red; any error event is also
  named on the last line; STOPPED or a lost connection say that no result will come.

The frame is decoded again by the protocol core's codec: the timeline keeps the raw text and
a summary, and the alternatives are only in the former.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Final

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from workbench.protocol.causes import CAUSE_INFO, CompletionCause, Outcome
from workbench.protocol.codec import decode_event
from workbench.protocol.messages import (
    ErrorEvent,
    Event,
    JsonValue,
    ProtocolViolation,
    RecognitionComplete,
    RecognitionResult,
)
from workbench.session.entries import TimelineChange, TimelineEntry
from workbench.session.timeline import Timeline
from workbench.ui.qt_bridge import QtBridge

__all__ = ["OUTCOME_COLOURS", "ResultPanel", "alternative_text", "latency_text", "pretty_value"]

OUTCOME_COLOURS: Final[dict[Outcome, tuple[str, str]]] = {
    Outcome.SUCCESS: ("#188038", "#ffffff"),
    Outcome.PARTIAL: ("#f9ab00", "#202124"),
    Outcome.NO_RESULT: ("#f9ab00", "#202124"),
    Outcome.FAILURE: ("#d93025", "#ffffff"),
}
"""(background, text) of the cause label per outcome; readable on light and dark themes."""

_NOT_SHOWN: Final = "—"


def pretty_value(value: JsonValue) -> str:
    """The NLU value as indented JSON, non-ASCII letters kept (``"42"``, ``true``, objects)."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def alternative_text(result: RecognitionResult) -> str:
    """One alternative on one line: what was heard, what it means, with which grammar."""
    parts: list[str] = []
    if result.asr is not None:
        parts.append(f"'{result.asr.transcript}' ({result.asr.confidence:.2f})")
    if result.nlu is not None:
        value = json.dumps(result.nlu.value, ensure_ascii=False)
        parts.append(f"→ {value} ({result.nlu.confidence:.2f})")
    else:
        parts.append("→ no match")
    if result.grammar_uri:
        parts.append(f"via {result.grammar_uri}")
    return " ".join(parts)


def latency_text(
    reply_ms: float | None, start_of_input_ms: float | None, complete_ms: float | None
) -> str:
    """``RECOGNIZE → START-OF-INPUT 812 ms → RECOGNITION-COMPLETE 2140 ms (reply 3 ms)``."""
    steps = [("START-OF-INPUT", start_of_input_ms), ("RECOGNITION-COMPLETE", complete_ms)]
    shown = " → ".join(f"{name} {ms:.0f} ms" for name, ms in steps if ms is not None)
    text = f"RECOGNIZE → {shown}" if shown else "RECOGNIZE → (nothing yet)"
    if start_of_input_ms is None and complete_ms is not None:
        text += "; no START-OF-INPUT"
    if reply_ms is not None:
        text += f" (reply {reply_ms:.0f} ms)"
    return text


def _decoded(entry: TimelineEntry) -> Event | None:
    decoded = decode_event(entry.raw)
    return decoded.event if isinstance(decoded, ProtocolViolation) else decoded


class ResultPanel(QWidget):
    """The last recognition of ``timeline`` (see the module docstring)."""

    def __init__(self, timeline: Timeline, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._timeline = timeline
        self._bridge = QtBridge(self)
        self._request_id: int | None = None
        self._waiting = False
        self._outcome: Outcome | None = None

        self._build()
        self._unsubscribe: Callable[[], None] = timeline.subscribe(
            self._bridge.wrap(self._on_timeline_change)
        )
        self._show_last()

    def _build(self) -> None:
        self.request_label = QLabel("No recognition yet.", self)
        self.request_label.setWordWrap(True)
        self.cause_label = QLabel(_NOT_SHOWN, self)
        self.cause_label.setObjectName("completion_cause")
        self.cause_label.setAccessibleName("Completion cause")
        font = self.cause_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.cause_label.setFont(font)
        self.meaning_label = QLabel(self)
        self.meaning_label.setWordWrap(True)
        self.transcript_label = QLabel(_NOT_SHOWN, self)
        self.transcript_label.setWordWrap(True)
        self.value_view = QPlainTextEdit(self)
        self.value_view.setObjectName("nlu_value")
        self.value_view.setReadOnly(True)
        self.value_view.setMaximumHeight(120)
        self.nlu_label = QLabel(_NOT_SHOWN, self)
        self.grammar_label = QLabel(_NOT_SHOWN, self)
        self.latency_label = QLabel(_NOT_SHOWN, self)
        self.latency_label.setWordWrap(True)
        self.alternatives_list = QListWidget(self)
        self.alternatives_list.setMaximumHeight(100)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("last_error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #d93025;")
        self.error_label.hide()
        for label in (self.transcript_label, self.nlu_label, self.grammar_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        form.addRow("Transcript", self.transcript_label)
        form.addRow("NLU value", self.value_view)
        form.addRow("Interpretation", self.nlu_label)
        form.addRow("Matched grammar", self.grammar_label)
        form.addRow("Latencies", self.latency_label)
        form.addRow("Alternatives", self.alternatives_list)
        layout = QVBoxLayout(self)
        layout.addWidget(self.request_label)
        layout.addWidget(self.cause_label)
        layout.addWidget(self.meaning_label)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addStretch(1)

    # -- what tests and the window read -----------------------------------------------------------

    @property
    def request_id(self) -> int | None:
        """The RECOGNIZE whose outcome is shown (or awaited)."""
        return self._request_id

    @property
    def waiting(self) -> bool:
        """True from RECOGNIZE until its result, error, STOPPED or the loss of the connection."""
        return self._waiting

    @property
    def outcome(self) -> Outcome | None:
        """How the shown cause reads (None while waiting, after STOP or with nothing shown)."""
        return self._outcome

    # -- entries -------------------------------------------------------------------------------

    def show_entry(self, entry: TimelineEntry) -> None:
        """Take one timeline entry into account (the panel calls it for every new one)."""
        if entry.kind == "command" and entry.name == "RECOGNIZE":
            self._begin(entry)
        elif entry.name == "RECOGNITION-COMPLETE" and entry.is_received:
            event = _decoded(entry)
            if isinstance(event, RecognitionComplete):
                self._show_complete(entry, event)
        elif entry.kind == "error":
            self._show_error(entry)
        elif self._waiting and entry.name == "STOPPED" and self._paired_name(entry) == "STOP":
            self._end_without_result("Stopped", "STOP ended the recognition: no result follows.")
        elif self._waiting and entry.kind == "connection" and entry.name == "lost":
            self._end_without_result("Lost", entry.summary)

    def clear(self) -> None:
        """Show nothing."""
        self._request_id, self._waiting = None, False
        self.request_label.setText("No recognition yet.")
        self._set_cause(_NOT_SHOWN, None)
        self._clear_result()

    def _on_timeline_change(self, change: TimelineChange) -> None:
        if change.kind == "appended":
            self.show_entry(change.entry)

    def _show_last(self) -> None:
        """Show the last recognition of a timeline that already holds entries (a reload)."""
        entries = self._timeline.entries
        for seq in range(len(entries) - 1, -1, -1):
            entry = entries[seq]
            if entry.kind == "command" and entry.name == "RECOGNIZE":
                for later in entries[seq:]:
                    self.show_entry(later)
                return

    def _begin(self, command: TimelineEntry) -> None:
        self._request_id, self._waiting = command.request_id, True
        grammars = command.data.get("grammars") or ()
        mode = command.data.get("recognition_mode") or "normal"
        listed = ", ".join(str(g) for g in grammars) if isinstance(grammars, tuple) else ""
        self.request_label.setText(f"RECOGNIZE #{command.request_id}: {listed} ({mode})")
        self._set_cause("Waiting for the result…", None)
        self._clear_result()

    def _show_complete(self, entry: TimelineEntry, event: RecognitionComplete) -> None:
        if entry.request_id != self._request_id:
            command = self._timeline.command_for(event.request_id)
            if command is not None:
                self._begin(command)
            self._request_id = event.request_id
        self._waiting = False
        cause = event.completion_cause
        info = CAUSE_INFO.get(cause) if cause is not None else None
        self._set_cause(
            cause.value if cause is not None else "No completion cause",
            info.outcome if info is not None else Outcome.FAILURE,
        )
        meaning = info.meaning if info is not None else "the server gave no completion cause"
        if info is not None:
            meaning += f" (MRCPv2 {info.mrcp_code:03d})"
        reason = event.completion_reason
        if reason and reason.lower() != "success":
            meaning += f" — {reason}"
        self.meaning_label.setText(meaning[:1].upper() + meaning[1:])
        self._show_body(event.body)
        latencies = self._timeline.latencies(event.request_id)
        if latencies is not None:
            self.latency_label.setText(
                latency_text(latencies.reply_ms, latencies.start_of_input_ms, latencies.complete_ms)
            )

    def _show_body(self, body: RecognitionResult | None) -> None:
        asr = body.asr if body is not None else None
        nlu = body.nlu if body is not None else None
        self.transcript_label.setText(
            f"{asr.transcript} (confidence {asr.confidence:.2f})"
            if asr is not None
            else "nothing heard"
        )
        self.value_view.setPlainText(pretty_value(nlu.value) if nlu is not None else "")
        self.nlu_label.setText(
            f"{nlu.type}, confidence {nlu.confidence:.2f}" if nlu is not None else "no match"
        )
        self.grammar_label.setText(body.grammar_uri if body and body.grammar_uri else "none")
        self.alternatives_list.clear()
        for alternative in body.alternatives if body is not None else ():
            self.alternatives_list.addItem(alternative_text(alternative))
        if not self.alternatives_list.count():
            self.alternatives_list.addItem("none")

    def _show_error(self, entry: TimelineEntry) -> None:
        self.error_label.setText(f"Last error: {entry.summary}")
        self.error_label.show()
        if self._paired_name(entry) != "RECOGNIZE":
            return
        if entry.request_id != self._request_id:
            command = self._timeline.command_for(entry.request_id or 0)
            if command is not None:
                self._begin(command)
        self._waiting = False
        self._clear_result()
        event = _decoded(entry)
        cause = entry.completion_cause
        self._set_cause(f"{entry.name}" + (f" · {cause}" if cause else ""), Outcome.FAILURE)
        try:
            known = CompletionCause(cause) if cause else None
        except ValueError:  # a cause the SDK does not know: the timeline flags it
            known = None
        meaning = (
            CAUSE_INFO[known].meaning if known is not None else "the server refused the RECOGNIZE"
        )
        reason = event.completion_reason if isinstance(event, ErrorEvent) else None
        text = meaning + (f" — {reason}" if reason else "")
        self.meaning_label.setText(text[:1].upper() + text[1:])

    def _end_without_result(self, title: str, why: str) -> None:
        self._waiting = False
        self._set_cause(title, None)
        self.meaning_label.setText(why)

    def _paired_name(self, entry: TimelineEntry) -> str | None:
        if entry.pairs is None:
            return None
        return self._timeline.entry(entry.pairs).name

    def _set_cause(self, text: str, outcome: Outcome | None) -> None:
        self._outcome = outcome
        self.cause_label.setText(text)
        if outcome is None:
            self.cause_label.setStyleSheet("")
            return
        background, foreground = OUTCOME_COLOURS[outcome]
        self.cause_label.setStyleSheet(
            f"QLabel {{ background: {background}; color: {foreground}; padding: 4px; "
            "border-radius: 3px; }"
        )

    def _clear_result(self) -> None:
        self.meaning_label.setText("")
        for label in (self.transcript_label, self.nlu_label, self.grammar_label):
            label.setText(_NOT_SHOWN)
        self.latency_label.setText(_NOT_SHOWN)
        self.value_view.setPlainText("")
        self.alternatives_list.clear()

    def shutdown(self) -> None:
        """Stop following the timeline (the window calls this when it closes)."""
        self._unsubscribe()
        self._bridge.close()
