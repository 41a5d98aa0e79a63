"""The help dialog: the keyboard shortcuts, read from the actions, and a first-run guide.

The table is generated from :class:`~workbench.ui.actions.SessionActions` at the moment the
dialog opens, so a shortcut that changes (or is edited by the user one day) is listed as it
is, never as a hand-written table remembers it.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.ui.actions import SessionActions

__all__ = ["FIRST_RECOGNITION_GUIDE", "HelpDialog", "shortcut_rows"]

FIRST_RECOGNITION_GUIDE: Final = """\
<h3>Your first recognition in a minute</h3>
<ol>
<li><b>Connect</b> to the local server (it starts with the workbench; no credentials to
type).</li>
<li><b>Open session</b>: the defaults do (codec linear).</li>
<li>In the parameters form set <code>speech_language</code> to <code>en</code>, then
<b>Set params</b>.</li>
<li>In the grammar editor pick <code>speech/spelling/digits</code>, type the regex
<code>[0-9]{1,2}</code>, the alias <code>num_in_range100</code>, and <b>Define</b>: the
recognize panel lists <code>session:num_in_range100</code>.</li>
<li><b>Recognize</b>, then speak "forty two" (or say it with the audio panel's Text source).
The result panel shows <span style="color:#188038"><b>Success</b></span> and the value
<code>"42"</code>; the event list shows every frame.</li>
</ol>
<p>A yes/no question: grammar <code>builtin:speech/boolean</code>, mode <b>hotword</b>: the
server listens until it hears yes or no (no START-OF-INPUT in this mode). Greyed-out
buttons say in their tooltip why they cannot be used now.</p>
"""


def shortcut_rows(actions: SessionActions) -> list[tuple[str, str, str]]:
    """(action, shortcut, what it does) for every action, shortcuts as this platform writes them."""
    rows = []
    for info in actions.infos:
        action = actions.action(info.key)
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        rows.append((action.text(), shortcut or "(none)", info.help))
    return rows


class HelpDialog(QDialog):
    """Shortcuts of ``actions`` and the first-recognition guide."""

    def __init__(self, actions: SessionActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("H2B Workbench — help")
        rows = shortcut_rows(actions)
        self.shortcuts_table = QTableWidget(len(rows), 3, self)
        self.shortcuts_table.setObjectName("shortcuts")
        self.shortcuts_table.setHorizontalHeaderLabels(["Action", "Shortcut", "What it does"])
        self.shortcuts_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.shortcuts_table.verticalHeader().hide()
        header = self.shortcuts_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        for row, cells in enumerate(rows):
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.shortcuts_table.setItem(row, column, item)
        self.guide_label = QLabel(FIRST_RECOGNITION_GUIDE, self)
        self.guide_label.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Keyboard shortcuts</b>", self))
        layout.addWidget(self.shortcuts_table, 1)
        layout.addWidget(self.guide_label)
        layout.addWidget(buttons)
        self.resize(720, 560)

    def rows(self) -> list[tuple[str, str, str]]:
        """The table's cells, row by row (what a test reads)."""
        table = self.shortcuts_table
        cells: list[tuple[str, str, str]] = []
        for row in range(table.rowCount()):
            items = [table.item(row, column) for column in range(3)]
            texts = [item.text() if item is not None else "" for item in items]
            cells.append((texts[0], texts[1], texts[2]))
        return cells
