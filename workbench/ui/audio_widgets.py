"""The pieces of the audio panel: device picker, source chooser, file page and text page.

Plain widgets with no behaviour of their own beyond showing what they are given and saying what
the user picked; :class:`workbench.ui.audio_panel.AudioPanel` wires them to ``AudioInput``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final, get_args

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.audio import tts
from workbench.audio.devices import InputDevice
from workbench.controller.audio_input import DeviceListing, SourceKind

KINDS: Final[tuple[SourceKind, ...]] = get_args(SourceKind)
TITLES: Final[dict[SourceKind, str]] = {
    "microphone": "Microphone",
    "file": "File",
    "text": "Text (TTS)",
    "silence": "Silence",
}
AUDIO_FILES: Final = "Audio files (*.wav *.wave *.raw *.pcm *.alaw *.ulaw *.al *.ul);;All files (*)"
TTS_INSTALL: Final = "install espeak-ng (apt install espeak-ng) or flite (apt install flite)"


def device_text(device: InputDevice) -> str:
    """How a device shows in the list: "pulse (ALSA)", "default (ALSA) — default device"."""
    return f"{device.label} — default device" if device.is_default else device.label


class DevicePicker(QWidget):
    """The input devices (the default one marked) and a button to re-read them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._preferred: str | None = None
        self.combo = QComboBox(self)
        self.combo.setAccessibleName("Input device")
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.combo.addItem("Looking for input devices…")
        self.combo.setEnabled(False)
        self.refresh_button = QToolButton(self)
        self.refresh_button.setText("Refresh")
        self.refresh_button.setToolTip("Read the device list again (a device plugged in later)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Input device:", self))
        layout.addWidget(self.combo)
        layout.addWidget(self.refresh_button)

    def prefer(self, name: str | None) -> None:
        """Select the device called ``name`` whenever it is listed (the last one used)."""
        self._preferred = name
        index = self._index_of(name)
        if index >= 0:
            self.combo.setCurrentIndex(index)

    def show_listing(self, listing: DeviceListing) -> None:
        keep = self.selected_name() or self._preferred
        self.combo.blockSignals(True)
        try:
            self.combo.clear()
            for device in listing.devices:
                self.combo.addItem(device_text(device), device)
                tip = f"{device.input_channels} input channels, {device.default_rate:g} Hz"
                self.combo.setItemData(self.combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
            if not listing.devices:
                self.combo.addItem("PortAudio missing" if listing.error else "No input device")
            self.combo.setEnabled(bool(listing.devices))
            self.combo.setToolTip(listing.unavailable_reason or "The microphone to capture from")
            index = self._index_of(keep)
            if index < 0 and listing.default is not None:
                index = listing.devices.index(listing.default)
            self.combo.setCurrentIndex(max(index, 0))
        finally:
            self.combo.blockSignals(False)

    def selected(self) -> InputDevice | None:
        data = self.combo.currentData()
        return data if isinstance(data, InputDevice) else None

    def selected_name(self) -> str | None:
        device = self.selected()
        return device.name if device is not None else self._preferred

    def names(self) -> list[str]:
        """The device names listed, in order."""
        found = (self.combo.itemData(i) for i in range(self.combo.count()))
        return [data.name for data in found if isinstance(data, InputDevice)]

    def _index_of(self, name: str | None) -> int:
        if name is None:
            return -1
        return next((i for i, n in enumerate(self.names()) if n == name), -1)


class SourceChooser(QWidget):
    """One radio button per source kind, and the chosen kind's page under them.

    ``chosen(kind)`` is emitted when the user clicks a radio button (not on :meth:`select`).
    """

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = QButtonGroup(self)
        self.radios: dict[SourceKind, QRadioButton] = {}
        self.pages = QStackedWidget(self)
        row = QHBoxLayout()
        for number, kind in enumerate(KINDS):
            radio = QRadioButton(TITLES[kind], self)
            self.radios[kind] = radio
            self.group.addButton(radio, number)
            row.addWidget(radio)
            self.pages.addWidget(QLabel(_PAGE_TEXT.get(kind, ""), self))
        row.addStretch(1)
        self.radios["silence"].setChecked(True)
        self.pages.setCurrentIndex(KINDS.index("silence"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.pages)
        self.group.idClicked.connect(self.on_group_id_clicked)

    def add_page(self, kind: SourceKind, page: QWidget) -> None:
        index = KINDS.index(kind)
        old = self.pages.widget(index)
        self.pages.insertWidget(index, page)
        if old is not None:
            self.pages.removeWidget(old)
            old.deleteLater()
        self.pages.setCurrentIndex(KINDS.index(self.kind()))

    def kind(self) -> SourceKind:
        return KINDS[max(0, self.group.checkedId())]

    def select(self, kind: SourceKind) -> None:
        """Check ``kind`` and show its page, without emitting ``chosen``."""
        self.radios[kind].setChecked(True)
        self.pages.setCurrentIndex(KINDS.index(kind))

    def set_enabled(self, kind: SourceKind, enabled: bool, tooltip: str) -> None:
        self.radios[kind].setEnabled(enabled)
        self.radios[kind].setToolTip(tooltip)

    def on_group_id_clicked(self, number: int) -> None:
        self.pages.setCurrentIndex(number)
        self.chosen.emit(KINDS[number])


_PAGE_TEXT: Final[dict[SourceKind, str]] = {
    "microphone": "Audio from the input device above, converted to 8 kHz.",
    "silence": "Silence keeps the line open between utterances, as the SDK examples do.",
}


class FilePage(QWidget):
    """Recent files, a button opening a file dialog, and a Loop box; ``file_chosen(path)``."""

    file_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recent_combo = QComboBox(self)
        self.recent_combo.setAccessibleName("Recent files")
        self.recent_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.recent_combo.setPlaceholderText("No file chosen yet")
        self.browse_button = QPushButton("Choose file…", self)
        self.loop_check = QCheckBox("Loop", self)
        self.loop_check.setToolTip("Start again from the beginning at the end of the file")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.recent_combo, self.browse_button, self.loop_check):
            layout.addWidget(widget)
        self.recent_combo.activated.connect(self.on_recent_combo_activated)
        self._dialog: QFileDialog | None = None

    def path(self) -> str:
        return self.recent_combo.currentText()

    def set_path(self, path: str) -> None:
        index = self.recent_combo.findText(path)
        if index < 0:
            self.recent_combo.insertItem(0, path)
            index = 0
        self.recent_combo.setCurrentIndex(index)

    def set_recent(self, paths: Sequence[str]) -> None:
        current = self.path()
        self.recent_combo.clear()
        self.recent_combo.addItems(list(paths))
        if current:
            self.set_path(current)

    def open_dialog(self) -> None:
        """A non-blocking file dialog (the event loop keeps running while it is open)."""
        start = str(Path(self.path()).parent) if self.path() else str(Path.home())
        dialog = QFileDialog(self, "Choose an audio file", start, AUDIO_FILES)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.file_chosen)
        dialog.finished.connect(dialog.deleteLater)
        self._dialog = dialog
        dialog.open()

    def on_recent_combo_activated(self, index: int) -> None:
        self.file_chosen.emit(self.recent_combo.itemText(index))


class TextPage(QWidget):
    """Text to say, the TTS engine and voice, a Loop box and a Speak button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line_edit = QLineEdit(self)
        self.line_edit.setPlaceholderText("Type what the bot should hear, then Speak")
        self.line_edit.setAccessibleName("Text to speak")
        self.engine_combo = QComboBox(self)
        self.engine_combo.setAccessibleName("TTS engine")
        self.voice_combo = QComboBox(self)
        self.voice_combo.setEditable(True)
        self.voice_combo.setAccessibleName("TTS voice")
        self.voice_combo.setToolTip("Any voice the engine knows (espeak-ng: en-us, en-gb+klatt…)")
        self.loop_check = QCheckBox("Loop", self)
        self.speak_button = QPushButton("Speak", self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line_edit, stretch=1)
        for widget in (self.engine_combo, self.voice_combo, self.loop_check, self.speak_button):
            layout.addWidget(widget)

    def voice(self) -> str | None:
        return self.voice_combo.currentText().strip() or None

    def show_engines(self, engines: Sequence[str]) -> None:
        current = self.engine_combo.currentText()
        if [self.engine_combo.itemText(i) for i in range(self.engine_combo.count())] == list(
            engines
        ):
            return
        self.engine_combo.clear()
        self.engine_combo.addItems(list(engines))
        if current in engines:
            self.engine_combo.setCurrentText(current)
        self.speak_button.setEnabled(bool(engines))
        self.speak_button.setToolTip("" if engines else f"No TTS engine: {TTS_INSTALL}")

    def show_voices(self, engine: str, listed: Sequence[str]) -> None:
        """The curated voices the engine has first, then its other English ones."""
        if engine != self.engine_combo.currentText() or engine not in tts.ENGINES:
            return
        curated = tts.CURATED_VOICES[engine]
        installed = set(listed)
        first = [voice for voice in curated if voice.split("+")[0] in installed]
        rest = sorted(v for v in installed if v.startswith("en") and v not in first)
        current = self.voice()
        self.voice_combo.clear()
        self.voice_combo.addItems(first + rest)
        self.voice_combo.setCurrentText(current or tts.DEFAULT_VOICES[engine])

    def restore(self, text: str, engine: str | None, voice: str | None, loop: bool) -> None:
        self.line_edit.setText(text)
        if engine:
            self.engine_combo.setCurrentText(engine)
        if voice:
            self.voice_combo.setCurrentText(voice)
        self.loop_check.setChecked(loop)
