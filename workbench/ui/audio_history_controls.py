"""Below the audio history plot: From and To, Play, Stop, "Save audio…" and a status line.

:class:`AudioHistoryControls` keeps the selection of the audio history view as stream
positions (8 kHz samples). "From" and "To" list the markers of the shown request and the start
and end of the view (:class:`Choice`); picking one moves the selection, and the selection
survives the markers being recomputed (a running recognition) because choices are known by a
key, not a row. A selection dragged on the plot is kept as it is, the lists then showing its
times. Play, Stop and Save call the :class:`~workbench.controller.audio_review.AudioReview`;
saving runs as an asyncio task and every failure reads as a plain sentence in the status line
(the traceback of an unexpected one goes to the log).
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.audio.playback import PlaybackError
from workbench.controller.audio_review import AudioSaveError
from workbench.session.audio_markers import RATE, AudioMarker, MarkerSet
from workbench.ui.entry_style import KIND_COLOURS
from workbench.ui.qt_bridge import QtBridge
from workbench.ui.widget_tasks import WidgetTasks

if TYPE_CHECKING:
    from workbench.controller.audio_review import AudioReview

__all__ = ["AudioHistoryControls", "Choice", "default_file_name", "marker_key"]

START: Final = "start"
END: Final = "end"
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Choice:
    """One entry of the From and To lists: a marker, or the start or end of the view."""

    key: str
    """The same after the markers are recomputed: :func:`marker_key`, ``start`` or ``end``."""
    text: str
    sample: int
    name: str
    """For file names: ``RECOGNIZE``, ``speech-start``, ``start``…"""
    tip: str


def marker_key(marker: AudioMarker) -> str:
    """How a marker is known in the lists: kind, entry and label."""
    return f"{marker.kind}:{marker.seq}:{marker.label}"


def default_file_name(request_id: int | None, start: str, stop: str) -> str:
    """``request-6-RECOGNIZE-to-RECOGNITION-COMPLETE.wav`` (``audio-…`` without a request)."""
    head = f"request-{request_id}" if request_id is not None else "audio"
    return f"{head}-{start}-to-{stop}.wav"


class AudioHistoryControls(QWidget):
    """From, To, Play, Stop, Save and the status line (see the module docstring).

    Signals: ``selection_changed(start, stop)`` (stream positions) when From or To moved it;
    ``playing_changed(bool)`` from the review; ``status_message(text, level)`` after a save or
    a failure, for the window's status area.
    """

    selection_changed = Signal(int, int)
    playing_changed = Signal(bool)
    status_message = Signal(str, str)

    def __init__(self, review: AudioReview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._review = review
        self._markers: MarkerSet | None = None
        self._choices: list[Choice] = []
        self._keys: tuple[str, str] | None = None
        """The chosen From and To; None when the selection was dragged (or there is none)."""
        self._selection: tuple[int, int] | None = None
        self._save_dir = Path.home()

        self.from_combo = _combo("From", "Where the selection starts", self)
        self.to_combo = _combo("To", "Where the selection ends", self)
        self.play_button = QPushButton("Play", self)
        self.play_button.setToolTip("Listen to the selection as the server heard it")
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.setToolTip("Stop playing")
        self.save_button = QPushButton("Save audio…", self)
        self.save_button.setToolTip("Save the selection as a WAV file (8 kHz, 16-bit linear)")
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        picks = QHBoxLayout()
        picks.addWidget(QLabel("From", self))
        picks.addWidget(self.from_combo, 1)
        picks.addWidget(QLabel("To", self))
        picks.addWidget(self.to_combo, 1)
        buttons = QHBoxLayout()
        for button in (self.play_button, self.stop_button, self.save_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(picks)
        layout.addLayout(buttons)
        layout.addWidget(self.status_label)

        self._bridge = QtBridge(self)
        self._tasks = WidgetTasks(self._bridge, self.say, "saving the audio")
        self._unsubscribe = review.subscribe(self._bridge.wrap(self.on_review_playing))
        self.from_combo.activated.connect(self.on_from_combo_activated)
        self.to_combo.activated.connect(self.on_to_combo_activated)
        self.play_button.clicked.connect(self.on_play_button_clicked)
        self.stop_button.clicked.connect(self.on_stop_button_clicked)
        self.save_button.clicked.connect(self.on_save_button_clicked)
        self._update_buttons()

    # -- the selection -------------------------------------------------------------------------

    @property
    def choices(self) -> tuple[Choice, ...]:
        """What the From and To lists hold, in order."""
        return tuple(self._choices)

    def selection(self) -> tuple[int, int] | None:
        """The selected stream positions ``(start, stop)``; None when there is none."""
        return self._selection

    def set_markers(self, found: MarkerSet | None, start: int = 0, stop: int = 0) -> None:
        """List ``found``'s markers and the view's ``start`` and ``stop``; the selection stays
        on the same choices (or where it was dragged), else goes to the defaults."""
        self._markers = found
        self._choices = [] if found is None else _choices(found, start, stop)
        for combo in (self.from_combo, self.to_combo):
            combo.clear()
            for choice in self._choices:
                combo.addItem(choice.text, choice.key)
                combo.setItemData(combo.count() - 1, choice.tip, Qt.ItemDataRole.ToolTipRole)
        if found is None:
            self._keys = self._selection = None
        elif self._keys is None and self._selection is not None:  # dragged: it stays
            self._show_dragged()
        else:
            self.select(*(self._keys or self._default_keys()))
        self._update_buttons()

    def set_edges(self, start: int, stop: int) -> None:
        """The view now runs from ``start`` to ``stop`` (it follows a running recognition):
        the "start" and "end" choices move, and the selection with them when it is on them."""
        if not self._choices or self._markers is None:
            return
        found = self._markers
        for row, (key, sample) in ((0, (START, start)), (len(self._choices) - 1, (END, stop))):
            edge = _edge(found, key, sample)
            self._choices[row] = edge
            for combo in (self.from_combo, self.to_combo):
                combo.setItemText(row, edge.text)
        if self._keys is not None and {START, END} & set(self._keys):
            self.select(*self._keys)

    def forget_selection(self) -> None:
        """The next :meth:`set_markers` selects the defaults (another request is shown)."""
        self._keys = self._selection = None

    def select(self, start_key: str, stop_key: str) -> None:
        """Select from the choice ``start_key`` to ``stop_key`` (keys of :attr:`choices`;
        an unknown key takes the default)."""
        rows = {choice.key: row for row, choice in enumerate(self._choices)}
        if not rows:
            return
        defaults = self._default_keys()
        start_key = start_key if start_key in rows else defaults[0]
        stop_key = stop_key if stop_key in rows else defaults[1]
        self._keys = (start_key, stop_key)
        self.from_combo.setCurrentIndex(rows[start_key])
        self.to_combo.setCurrentIndex(rows[stop_key])
        a, b = self._choices[rows[start_key]].sample, self._choices[rows[stop_key]].sample
        self._selection = (min(a, b), max(a, b))
        self._update_buttons()
        self.selection_changed.emit(*self._selection)

    def set_dragged(self, start: int, stop: int) -> None:
        """The user dragged the selection to these stream positions."""
        self._keys = None
        self._selection = (min(start, stop), max(start, stop))
        self._show_dragged()
        self._update_buttons()

    def _show_dragged(self) -> None:
        found, selection = self._markers, self._selection
        assert found is not None
        assert selection is not None
        for combo, sample in zip((self.from_combo, self.to_combo), selection, strict=True):
            combo.setCurrentIndex(-1)
            combo.setPlaceholderText(f"{found.seconds(sample):+.2f} s")

    def _default_keys(self) -> tuple[str, str]:
        """From the request's command to its last answer (to the end while it runs)."""
        found = self._markers
        assert found is not None
        frames = [m for m in found.markers if m.kind in ("command", "event")]
        first = next((m for m in frames if m.sample == found.origin), None)
        first = first or (frames[0] if frames else None)
        start_key = marker_key(first) if first is not None else START
        if found.running or not frames or frames[-1] is first:
            return start_key, END
        return start_key, marker_key(frames[-1])

    def on_from_combo_activated(self, row: int) -> None:
        self._pick(row, self.to_combo.currentIndex())

    def on_to_combo_activated(self, row: int) -> None:
        self._pick(self.from_combo.currentIndex(), row)

    def _pick(self, from_row: int, to_row: int) -> None:
        keys = self._keys or (START, END)
        start_key = self._choices[from_row].key if 0 <= from_row < len(self._choices) else keys[0]
        stop_key = self._choices[to_row].key if 0 <= to_row < len(self._choices) else keys[1]
        self.select(start_key, stop_key)

    # -- play ----------------------------------------------------------------------------------

    def on_play_button_clicked(self) -> None:
        if self._selection is None:
            return
        try:
            self._review.play(*self._selection)
        except (PlaybackError, ValueError) as error:
            self.say(str(error), "error")
            return
        self.status_label.clear()

    def on_stop_button_clicked(self) -> None:
        self._review.stop()

    def on_review_playing(self, playing: bool) -> None:
        self._update_buttons()
        self.playing_changed.emit(playing)

    # -- save ----------------------------------------------------------------------------------

    def on_save_button_clicked(self) -> None:
        """A non-blocking save dialog; the audio is saved when a file is chosen."""
        path = str(self._save_dir / self.default_file_name())
        dialog = QFileDialog(self, "Save the selected audio", path, "WAV audio (*.wav)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("wav")
        dialog.fileSelected.connect(self.save_to)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def default_file_name(self) -> str:
        """``request-6-RECOGNIZE-to-RECOGNITION-COMPLETE.wav`` for the current selection."""
        found, selection = self._markers, self._selection
        if found is None or selection is None:
            return default_file_name(None, START, END)
        names = {choice.key: choice.name for choice in self._choices}
        if self._keys is not None:
            start, stop = names[self._keys[0]], names[self._keys[1]]
            if self._choices_reversed():
                start, stop = stop, start
        else:
            start, stop = (f"{found.seconds(s):.2f}s".replace("-", "minus-") for s in selection)
        return default_file_name(found.request_id, start, stop)

    def _choices_reversed(self) -> bool:
        rows = {choice.key: row for row, choice in enumerate(self._choices)}
        assert self._keys is not None
        a, b = (self._choices[rows[key]].sample for key in self._keys)
        return a > b

    def save_to(self, path: str | Path) -> asyncio.Task[Any] | None:
        """Save the selection to ``path`` in the background; the status line tells how it went."""
        if self._selection is None:
            self.say("Nothing is selected to save.", "error")
            return None
        target = Path(path)
        self._save_dir = target.parent
        return self._tasks.spawn(self._save(target, *self._selection))

    async def _save(self, path: Path, start: int, stop: int) -> None:
        self.say(f"Saving to {path}…", "info", post=False)
        try:
            count = await self._review.save(path, start, stop)
        except (AudioSaveError, ValueError) as error:
            self.say(str(error), "error")
            return
        self.say(f"Saved {count / RATE:.2f} s of audio to {path}.", "info")

    # -- status --------------------------------------------------------------------------------

    def say(self, text: str, level: str, *, post: bool = True) -> None:
        """Show ``text`` as a sentence in the status line (and the window's, when ``post``)."""
        text = _sentence(text)
        error = level == "error"
        self.status_label.setStyleSheet(f"color: {KIND_COLOURS['error']};" if error else "")
        self.status_label.setText(text)
        if post:
            self.status_message.emit(text, level)

    def _update_buttons(self) -> None:
        selection = self._selection
        has = selection is not None and selection[1] > selection[0]
        self.play_button.setEnabled(has)
        self.save_button.setEnabled(has)
        self.stop_button.setEnabled(self._review.playing)
        for combo in (self.from_combo, self.to_combo):
            combo.setEnabled(bool(self._choices))

    def shutdown(self) -> None:
        """Stop following the review; cancel a save still running."""
        self._unsubscribe()
        self._bridge.close()
        self._tasks.cancel_all()


def _combo(name: str, tip: str, parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    combo.setAccessibleName(name)
    combo.setToolTip(tip)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(12)
    return combo


def _edge(found: MarkerSet, key: str, sample: int) -> Choice:
    text = f"{key} of the view ({found.seconds(sample):+.2f} s)"
    return Choice(key, text, sample, key, "The edge of the audio shown")


def _choices(found: MarkerSet, start: int, stop: int) -> list[Choice]:
    listed = [
        Choice(
            marker_key(marker),
            f"{marker.label} ({found.seconds(marker.sample):+.2f} s)",
            marker.sample,
            _file_part(marker.label),
            marker.detail or marker.label,
        )
        for marker in found.markers
    ]
    return [_edge(found, START, start), *listed, _edge(found, END, stop)]


def _file_part(label: str) -> str:
    """``RECOGNITION-COMPLETE #6 (Success)`` → ``RECOGNITION-COMPLETE``; ``no-input 5000 ms`` →
    ``no-input-5000-ms``."""
    name = label.split(" #", maxsplit=1)[0]
    return re.sub(r"[^A-Za-z0-9-]+", "-", name).strip("-") or "marker"


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return "Something went wrong."
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?", "…")) else text + "."
