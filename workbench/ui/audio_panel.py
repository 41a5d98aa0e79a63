"""The audio panel: input device, source choice, mute and pause, waveform, level meter, status.

The panel shows :class:`~workbench.controller.audio_input.AudioInput` and calls it; it holds no
audio logic and never waits. Every choice starts an ``AudioInput`` coroutine as a task on the
running asyncio loop (qasync: the GUI thread's), and the panel learns what happened from
``AudioInput``'s observers and the stream's chunks, both carried onto the GUI thread by a
:class:`~workbench.ui.qt_bridge.QtBridge`. A choice that fails is reported by ``AudioInput``'s
"source failed" observer; the panel turns it into :attr:`AudioPanel.status_message` for the
window's status area, so no exception ever reaches the user as a traceback.

The panel subscribes to the stream's chunks: each one feeds the waveform's history and the
level meter (cheap copies; the waveform redraws on its own timer). What is shown is what is
*sent*: muted or paused audio shows flat.

The window persists :meth:`AudioPanel.choices` (device, source, file, text, recent files) and
gives them back with :meth:`AudioPanel.restore` at the next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from workbench.audio import tts
from workbench.audio.chunks import Chunk
from workbench.audio.devices import InputDevice
from workbench.audio.levels import LevelMeter
from workbench.audio.source import AudioSourceError
from workbench.controller.audio_input import AudioInput, DeviceListing, SourceKind
from workbench.ui.audio_widgets import TTS_INSTALL, DevicePicker, FilePage, SourceChooser, TextPage
from workbench.ui.level_meter import LevelMeterView
from workbench.ui.qt_bridge import QtBridge
from workbench.ui.waveform_view import DEFAULT_FPS, DEFAULT_SECONDS, WaveformView

StatusLevel = Literal["info", "warning", "error"]
STATUS_POLL_MS: Final = 500
MAX_RECENT_FILES: Final = 10
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AudioChoices:
    """What the panel remembers between runs (the window keeps it in the settings)."""

    device_name: str | None = None
    source_kind: SourceKind = "silence"
    file_path: str | None = None
    file_loop: bool = False
    text: str = ""
    text_loop: bool = False
    engine: str | None = None
    voice: str | None = None
    recent_files: tuple[str, ...] = ()


class AudioPanel(QWidget):
    """Audio input controls and views for one :class:`AudioInput` (see the module docstring).

    Signals: ``status_message(text, level)`` with level ``"info"``, ``"warning"`` or ``"error"``,
    for the window's status area; ``choices_changed()`` when something :meth:`choices` returns
    changed (worth saving).
    """

    status_message = Signal(str, str)
    choices_changed = Signal()

    def __init__(
        self,
        audio_input: AudioInput,
        parent: QWidget | None = None,
        *,
        waveform_seconds: float = DEFAULT_SECONDS,
        fps: int = DEFAULT_FPS,
    ) -> None:
        super().__init__(parent)
        self._audio = audio_input
        self._bridge = QtBridge(self)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._levels = LevelMeter()
        self._recent: list[str] = []
        self._activate_microphone = False  # restore() chose it before the device list came

        self.devices = DevicePicker(self)
        self.sources = SourceChooser(self)
        self.file_page = FilePage(self)
        self.text_page = TextPage(self)
        self.sources.add_page("file", self.file_page)
        self.sources.add_page("text", self.text_page)
        self.mute_button = _toggle("Mute", "Send silence; the source keeps playing unheard")
        self.pause_button = _toggle(
            "Pause", "Send silence and hold a file or text where it is (a microphone is dropped)"
        )
        self.waveform = WaveformView(waveform_seconds, fps, self)
        self.meter = LevelMeterView(self)
        self.status_line = QLabel("Silence", self)
        self.status_line.setAccessibleName("Audio input status")

        layout = QVBoxLayout(self)
        layout.addWidget(self.devices)
        layout.addWidget(self.sources)
        layout.addLayout(_row(self.mute_button, self.pause_button))
        layout.addWidget(self.waveform, stretch=1)
        layout.addWidget(self.meter)
        layout.addWidget(self.status_line)

        self.devices.refresh_button.clicked.connect(self.refresh_devices)
        self.devices.combo.activated.connect(self.on_devices_combo_activated)
        self.sources.chosen.connect(self.on_sources_chosen)
        self.file_page.browse_button.clicked.connect(self.file_page.open_dialog)
        self.file_page.file_chosen.connect(self.play_file)
        self.text_page.speak_button.clicked.connect(self.on_text_page_speak)
        self.text_page.line_edit.returnPressed.connect(self.on_text_page_speak)
        self.text_page.engine_combo.currentTextChanged.connect(self.on_engine_changed)
        self.file_page.loop_check.toggled.connect(self.on_loop_check_toggled)
        self.text_page.loop_check.toggled.connect(self.on_loop_check_toggled)
        self.mute_button.toggled.connect(self.on_mute_button_toggled)
        self.pause_button.toggled.connect(self.on_pause_button_toggled)

        relay = self._bridge.wrap
        self._unsubscribers: list[Callable[[], None]] = [
            audio_input.stream.subscribe(relay(self.on_chunk)),
            audio_input.subscribe_devices(relay(self.on_devices_listed)),
            audio_input.subscribe_source_failed(relay(self.on_source_failed)),
            audio_input.subscribe_source_ended(relay(self.on_source_ended)),
            audio_input.subscribe_source_changed(relay(lambda _label: self.show_status())),
            audio_input.subscribe_waiting(relay(lambda _waiting: self.show_status())),
        ]
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_POLL_MS)
        self._status_timer.timeout.connect(self.show_status)
        self._status_timer.start()
        self._show_engines()
        listing = audio_input.last_listing
        if listing is not None:
            self.on_devices_listed(listing)
        self.load_devices()

    # -- actions (the buttons call these; so may the window and the tests) ----------------

    def refresh_devices(self) -> None:
        """Re-read the device list from the drivers (a device plugged in, a server started)."""
        self._spawn(self._audio.devices, True)

    def load_devices(self) -> None:
        """Read the device list as PortAudio knows it (at start-up)."""
        self._spawn(self._audio.devices, False)

    def choose_microphone(self, device: InputDevice | None = None) -> None:
        """Capture from ``device`` (None: the one selected in the list, else the default)."""
        self.sources.select("microphone")
        self._spawn(self._audio.use_microphone, device or self.devices.selected())
        self.choices_changed.emit()

    def play_file(self, path: str | Path, loop: bool | None = None) -> None:
        """Play an audio file (``loop`` None: as the Loop box says)."""
        if loop is not None:
            self.file_page.loop_check.setChecked(loop)
        self.sources.select("file")
        self.file_page.set_path(str(path))
        self._spawn(self._play_file, str(path), self.file_page.loop_check.isChecked())

    def speak(self, text: str | None = None) -> None:
        """Say ``text`` (None: what is typed) with the selected engine and voice."""
        page = self.text_page
        if text is not None:
            page.line_edit.setText(text)
        self.sources.select("text")
        engine, voice = page.engine_combo.currentText() or None, page.voice()
        said = page.line_edit.text()
        self._spawn(self._audio.use_text, said, engine, voice, page.loop_check.isChecked())
        self.choices_changed.emit()

    def choose_silence(self) -> None:
        """Send silence."""
        self.sources.select("silence")
        self._spawn(self._audio.use_silence)
        self.choices_changed.emit()

    # -- what the window saves and restores -----------------------------------------------

    def choices(self) -> AudioChoices:
        page = self.text_page
        return AudioChoices(
            device_name=self.devices.selected_name(),
            source_kind=self.sources.kind(),
            file_path=self.file_page.path() or None,
            file_loop=self.file_page.loop_check.isChecked(),
            text=page.line_edit.text(),
            text_loop=page.loop_check.isChecked(),
            engine=page.engine_combo.currentText() or None,
            voice=page.voice(),
            recent_files=tuple(self._recent),
        )

    def restore(self, choices: AudioChoices, *, activate: bool = False) -> None:
        """Show ``choices``; with ``activate``, also start that source (the microphone as soon
        as the device list has come)."""
        self.devices.prefer(choices.device_name)
        self._recent = list(choices.recent_files)[:MAX_RECENT_FILES]
        self.file_page.set_recent(self._recent)
        if choices.file_path:
            self.file_page.set_path(choices.file_path)
        self.file_page.loop_check.setChecked(choices.file_loop)
        self.text_page.restore(choices.text, choices.engine, choices.voice, choices.text_loop)
        self.sources.select(choices.source_kind)
        if not activate:
            return
        if choices.source_kind == "microphone":
            self._activate_microphone = True
            if self._audio.last_listing is not None:
                self.on_devices_listed(self._audio.last_listing)
        elif choices.source_kind == "file" and choices.file_path:
            self.play_file(choices.file_path)
        elif choices.source_kind == "text" and choices.text:
            self.speak()
        else:
            self.choose_silence()

    def shutdown(self) -> None:
        """Stop listening and cancel what is pending (the window calls this when it closes)."""
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers.clear()
        self._bridge.close()
        self._status_timer.stop()
        for task in tuple(self._tasks):
            task.cancel()

    @property
    def busy(self) -> bool:
        """True while a choice or a device refresh is still running."""
        return bool(self._tasks)

    # -- slots ------------------------------------------------------------------------------

    def on_chunk(self, chunk: Chunk) -> None:
        self.waveform.feed(chunk.pcm)
        self.meter.set_level(self._levels.feed(chunk.pcm))

    def on_devices_listed(self, listing: DeviceListing) -> None:
        self.devices.show_listing(listing)
        reason = listing.unavailable_reason
        self.sources.set_enabled("microphone", reason is None, reason or "Capture from a device")
        if listing.postponed:
            self.status_message.emit(
                "The device list will be re-read when the microphone is closed.", "info"
            )
        if self._activate_microphone and reason is None:
            self._activate_microphone = False
            self.choose_microphone()

    def on_devices_combo_activated(self, _index: int) -> None:
        self.devices.prefer(self.devices.selected_name())
        if self.sources.kind() == "microphone":
            self.choose_microphone()
        self.choices_changed.emit()

    def on_sources_chosen(self, kind: SourceKind) -> None:
        if kind == "microphone":
            self.choose_microphone()
        elif kind == "silence":
            self.choose_silence()
        elif kind == "file":
            path = self.file_page.path()
            if path:
                self.play_file(path)
            else:
                self.file_page.open_dialog()
        else:
            self._show_engines()
            self.text_page.line_edit.setFocus()

    def on_text_page_speak(self, *_: object) -> None:
        self.speak()

    def on_engine_changed(self, engine: str) -> None:
        if engine in tts.ENGINES:
            self._spawn(self._list_voices, engine)

    def on_loop_check_toggled(self, _checked: bool) -> None:
        kind = self._audio.status().kind
        if kind in ("file", "text"):
            page = self.file_page if kind == "file" else self.text_page
            self._audio.set_looping(page.loop_check.isChecked())
        self.choices_changed.emit()

    def on_mute_button_toggled(self, muted: bool) -> None:
        self._audio.set_muted(muted)
        self.show_status()

    def on_pause_button_toggled(self, paused: bool) -> None:
        self._audio.set_paused(paused)
        self.show_status()

    def on_source_failed(self, message: str) -> None:
        self.status_message.emit(message, "error")
        self.show_status()

    def on_source_ended(self, label: str) -> None:
        self.status_message.emit(f"{label} ended; sending silence.", "info")

    def show_status(self) -> None:
        text = self._audio.status().describe()
        if text != self.status_line.text():
            self.status_line.setText(text)

    # -- internals ----------------------------------------------------------------------------

    async def _play_file(self, path: str, loop: bool) -> None:
        if await self._audio.use_file(path, loop):
            self._bridge.wrap(self._remember_file)(path)

    def _remember_file(self, path: str) -> None:
        self._recent = [path, *(p for p in self._recent if p != path)][:MAX_RECENT_FILES]
        self.file_page.set_recent(self._recent)
        self.choices_changed.emit()

    async def _list_voices(self, engine: tts.TtsEngineName) -> None:
        try:
            listed = await tts.voices(engine)
        except AudioSourceError as error:
            _log.info("no voice list from %s: %s", engine, error)
            return
        self._bridge.wrap(self.text_page.show_voices)(engine, listed)

    def _show_engines(self) -> None:
        engines = tts.available_engines()
        self.text_page.show_engines(engines)
        reason = None if engines else f"No TTS engine: {TTS_INSTALL}"
        self.sources.set_enabled("text", bool(engines), reason or "Say typed text with a TTS")

    def _spawn(self, start: Callable[..., Coroutine[Any, Any, object]], *args: Any) -> None:
        """Run ``start(*args)`` as a task of the running loop; its failure becomes a message.

        Before the loop runs (the window is being built) the start waits for the first turn of
        the Qt event loop, which under qasync is the asyncio loop's.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            QTimer.singleShot(0, self, lambda: self._spawn_later(start, *args))
            return
        task = loop.create_task(start(*args))
        self._tasks.add(task)
        task.add_done_callback(_retrieve)  # even when the panel is gone by then
        task.add_done_callback(self._bridge.wrap(self._on_task_done))

    def _spawn_later(self, start: Callable[..., Coroutine[Any, Any, object]], *args: Any) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            message = "Internal error: the asyncio loop is not running (start the app with qasync)."
            self.status_message.emit(message, "error")
            return
        self._spawn(start, *args)

    def _on_task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is None or isinstance(error, AudioSourceError):
            return  # an AudioSourceError was reported by AudioInput's observer already
        _log.error("audio panel action failed", exc_info=error)
        self.status_message.emit(f"Unexpected error ({type(error).__name__}: {error}).", "error")


def _retrieve(task: asyncio.Task[Any]) -> None:
    """Mark the task's exception as seen, so asyncio does not log it as never retrieved."""
    if not task.cancelled():
        task.exception()


def _toggle(text: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setCheckable(True)
    button.setToolTip(tip)
    return button


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    return row
