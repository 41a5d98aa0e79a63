"""The audio history view: the audio sent around a timeline entry, its markers, play and save.

Selecting a timeline row (:meth:`AudioHistoryView.show_entry`) shows the audio the client had
sent around that request, from the :class:`~workbench.audio.sent_history.SentAudioHistory`,
with a marker at each moment :func:`~workbench.session.audio_markers.markers_for` places
(RECOGNIZE, START-OF-INPUT, RECOGNITION-COMPLETE, the reported speech, the timer deadlines).
Three parts:

* a title (the request and how it ended) and a line saying what is shown;
* the plot (:class:`~workbench.ui.audio_history_plot.AudioHistoryPlot`): envelope, unsent
  stretches shaded, markers, the selection (draggable) and the play head;
* the controls (:class:`~workbench.ui.audio_history_controls.AudioHistoryControls`): From and
  To over the markers, Play, Stop, "Save audio…" and a status line.

Clicking a command or event marker emits ``marker_selected(seq)``: the timeline follows.

Live: a ``QTimer`` ticks ten times a second while the view is visible and does nothing unless
the history got new audio or the timeline got entries of the shown request (the timeline's
notifications arrive through a :class:`~workbench.ui.qt_bridge.QtBridge` and only set a flag).
While the recognition runs the markers are recomputed and the view follows the audio. Nothing
here reads a file or a device: the review does that, saving in an asyncio task.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from workbench.session.audio_markers import RATE, MarkerSet, markers_for
from workbench.session.entries import TimelineChange
from workbench.ui.audio_history_controls import AudioHistoryControls
from workbench.ui.audio_history_plot import AudioHistoryPlot
from workbench.ui.qt_bridge import QtBridge

if TYPE_CHECKING:
    from workbench.audio.sent_history import SentAudioHistory
    from workbench.controller.audio_review import AudioReview
    from workbench.session.timeline import Timeline

__all__ = ["NOTHING_SELECTED", "NO_AUDIO", "AudioHistoryView"]

NOTHING_SELECTED: Final = (
    "Select a row of the timeline to see the audio sent around it. Until you do, each new "
    "recognition shows here by itself."
)
NO_AUDIO: Final = "No audio had been sent when this happened."
REFRESH_MS: Final = 100
"""At most ten refreshes a second."""
HEAD_MS: Final = 33
"""The play head moves 30 times a second while playing."""


class AudioHistoryView(QWidget):
    """The audio history of ``timeline``'s entries (see the module docstring).

    Signals: ``marker_selected(seq)`` when a command or event marker is clicked;
    ``status_message(text, level)`` after a save or a failure, for the window's status area.
    """

    marker_selected = Signal(int)
    status_message = Signal(str, str)

    def __init__(
        self,
        timeline: Timeline,
        history: SentAudioHistory,
        review: AudioReview,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._timeline = timeline
        self._history = history
        self._review = review
        self._seq: int | None = None
        self._anchor: int | None = None
        self.following = True
        """No row chosen yet: each new RECOGNIZE is shown as it is sent."""
        self._markers: MarkerSet | None = None
        self._drawn: tuple[int, ...] = ()
        self._dirty = False
        self._seen_changes = history.changes
        self.redraws = 0
        """How many times the audio was drawn (a tick with nothing new draws nothing)."""

        self.title_label = QLabel(self)
        self.title_label.setObjectName("audio_history_title")
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.info_label = QLabel(self)
        self.plot = AudioHistoryPlot(self)
        self.placeholder = QLabel(NOTHING_SELECTED, self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.plot)
        self.controls = AudioHistoryControls(review, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title_label)
        layout.addWidget(self.info_label)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.controls)

        self._bridge = QtBridge(self)
        self._unsubscribe = timeline.subscribe(self._bridge.wrap(self._on_timeline_change))
        self.plot.marker_clicked.connect(self.on_plot_marker_clicked)
        self.plot.region_dragged.connect(self.on_plot_region_dragged)
        self.controls.selection_changed.connect(self.on_controls_selection_changed)
        self.controls.playing_changed.connect(self.on_controls_playing_changed)
        self.controls.status_message.connect(self.status_message)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.on_timer_timeout)
        self._head_timer = QTimer(self)
        self._head_timer.setInterval(HEAD_MS)
        self._head_timer.timeout.connect(self.on_head_timer_timeout)
        self._show_nothing(NOTHING_SELECTED)

    # -- public API ----------------------------------------------------------------------------

    @property
    def marker_set(self) -> MarkerSet | None:
        """The markers shown (None while the placeholder is)."""
        return self._markers

    @property
    def showing_placeholder(self) -> bool:
        return self.stack.currentWidget() is self.placeholder

    def selection(self) -> tuple[int, int] | None:
        """The selected stream positions ``(start, stop)``, 8 kHz samples; None when none."""
        return self.controls.selection()

    def show_entry(self, seq: int) -> None:
        """Show the audio around timeline entry ``seq`` (the timeline's ``entry_selected``).

        Another entry of the request shown keeps the selection. The view stops following new
        recognitions: it stays on what the user chose.
        """
        self.following = False
        self._seq = seq
        self._anchor = self._timeline.related(seq)[0].seq
        found = self._compute()
        if not _same_request(self._markers, found):
            self.controls.forget_selection()
        self._refresh(markers=True, found=found)

    def shutdown(self) -> None:
        """Stop following the timeline and the review (the window is closing)."""
        self._timer.stop()
        self._head_timer.stop()
        self._unsubscribe()
        self._bridge.close()
        self.controls.shutdown()

    # -- drawing -------------------------------------------------------------------------------

    def _compute(self) -> MarkerSet | None:
        if self._seq is None:
            return None
        return markers_for(self._timeline, self._seq, now_sample=self._history.end)

    def _refresh(self, *, markers: bool, found: MarkerSet | None = None) -> None:
        """Recompute the markers when asked (``found``: just computed); redraw what changed."""
        self._dirty = False
        self._seen_changes = self._history.changes
        if markers:
            found = found if found is not None else self._compute()
            if found is None:
                self._show_nothing(NOTHING_SELECTED if self._seq is None else NO_AUDIO)
                return
            if found != self._markers:
                self._show_markers(found)
        if self._markers is not None:
            self._draw_audio(self._markers)

    def _show_nothing(self, text: str) -> None:
        self._markers, self._drawn = None, ()
        self.placeholder.setText(text)
        self.stack.setCurrentWidget(self.placeholder)
        self.title_label.clear()
        self.info_label.clear()
        self.plot.clear()
        self.controls.set_markers(None)

    def _show_markers(self, found: MarkerSet) -> None:
        self._markers = found
        self.stack.setCurrentWidget(self.plot)
        self.title_label.setText(found.title)
        self.plot.set_markers(found.markers, [found.seconds(m.sample) for m in found.markers])
        self._drawn = ()
        self.controls.set_markers(found, *self._view_range(found))

    def _view_range(self, found: MarkerSet) -> tuple[int, int]:
        """What the MarkerSet says, to the newest audio while the recognition runs."""
        stop = max(found.stop, self._history.end) if found.running else found.stop
        return found.start, stop

    def _draw_audio(self, found: MarkerSet) -> None:
        start, stop = self._view_range(found)
        history = self._history
        columns = self.plot.columns()
        drawn = (start, stop, max(start, history.start), min(stop, history.end), columns)
        if drawn == self._drawn:
            return
        if self._drawn[:2] != drawn[:2]:
            self.controls.set_edges(start, stop)
        self._drawn = drawn
        x0, x1 = found.seconds(start), found.seconds(stop)
        self.plot.set_range(x0, x1)
        mins, maxs = history.envelope(start, stop, columns)
        self.plot.set_envelope(x0, x1, mins, maxs)
        unsent, cursor = [], start
        for first, last in [*history.spans(start, stop), (stop, stop)]:
            if first > cursor:
                unsent.append((cursor, first))
            cursor = last
        self.plot.set_unsent([(found.seconds(a), found.seconds(b)) for a, b in unsent])
        info = f"{x0:+.2f} s to {x1:+.2f} s from the command"
        missing = sum(b - a for a, b in unsent)
        if missing:
            info += f"; shaded: {missing / RATE:.2f} s not sent"
        if found.running:
            info += "; still recognizing: following the audio"
        self.info_label.setText(info)
        self.redraws += 1

    # -- slots ---------------------------------------------------------------------------------

    def on_plot_marker_clicked(self, index: int) -> None:
        found = self._markers
        if found is None or not 0 <= index < len(found.markers):
            return
        marker = found.markers[index]
        if marker.kind in ("command", "event") and marker.seq is not None:
            self.marker_selected.emit(marker.seq)

    def on_plot_region_dragged(self, x0: float, x1: float) -> None:
        found = self._markers
        if found is not None:
            self.controls.set_dragged(
                found.origin + round(x0 * RATE), found.origin + round(x1 * RATE)
            )

    def on_controls_selection_changed(self, start: int, stop: int) -> None:
        found = self._markers
        if found is not None:
            self.plot.set_region(found.seconds(start), found.seconds(stop))

    def on_controls_playing_changed(self, playing: bool) -> None:
        if playing:
            self._head_timer.start()
            self.on_head_timer_timeout()
        else:
            self._head_timer.stop()
            self.plot.set_head(None)

    def on_head_timer_timeout(self) -> None:
        position, found = self._review.play_position, self._markers
        self.plot.set_head(None if position is None or found is None else found.seconds(position))

    # -- live updates --------------------------------------------------------------------------

    def _on_timeline_change(self, change: TimelineChange) -> None:
        """An entry of the request shown (or any while it runs): recompute at the next tick.

        While following, a new RECOGNIZE becomes the request shown.
        """
        entry = change.entry
        new_recognition = entry.kind == "command" and entry.name == "RECOGNIZE"
        if self.following and change.kind == "appended" and new_recognition:
            self._seq = self._anchor = entry.seq
            self.controls.forget_selection()
            self._dirty = True
            return
        if self._seq is None:
            return
        found = self._markers
        ours = self._anchor in (entry.seq, entry.pairs)
        shown = found is not None and any(m.seq == entry.seq for m in found.markers)
        if ours or shown or (found is not None and found.running):
            self._dirty = True

    def on_timer_timeout(self) -> None:
        if not self._dirty and self._history.changes == self._seen_changes:
            return  # nothing new: nothing to do
        running = self._markers is not None and self._markers.running
        self._refresh(markers=self._dirty or running)

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self._dirty = True
        self._timer.start()

    def hideEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        self._timer.stop()  # nothing to draw for nobody
        super().hideEvent(event)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._dirty = True  # more or fewer columns


def _same_request(shown: MarkerSet | None, found: MarkerSet | None) -> bool:
    return (
        shown is not None
        and found is not None
        and (shown.request_id, shown.origin) == (found.request_id, found.origin)
    )
