"""The timeline as a Qt table model: one row per entry, appended in batches, never copied.

Theory of operation
-------------------
The model holds no entries of its own. Row ``r`` shows ``timeline.entries[first + r]``: the
timeline's entry list is append-only with O(1) indexing, and an entry updated in place (the
audio summary growing, a secret masked late) is replaced at the same ``seq``, so reading it
at paint time always shows the current version.

Appends are coalesced. The timeline notifies each entry (through a
:class:`~workbench.ui.qt_bridge.QtBridge`, so from any thread); the model only notes how far
the timeline has grown and starts a single-shot timer. When it fires (``batch_ms``, 50 ms by
default) all the new rows go in with one ``beginInsertRows``/``endInsertRows``: at 1 000
entries a second the view lays out and repaints 20 times a second, not 1 000. Updates emit
``dataChanged`` for their row alone.

"Clear" is :meth:`TimelineModel.show_from`: the model shows entries from a ``seq`` on. The
timeline is never cleared: it is the session's record (exports, bundles, pairing).

Only visible cells are ever asked for, and Qt's delegate asks for all its roles of a cell in
one ``multiData`` call; how a row looks (its texts, colours, font) is worked out once and kept
in a small cache, so a repaint costs little more than Qt's own drawing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Final, NamedTuple, TypeAlias, cast

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont

from workbench.session.entries import TimelineChange, TimelineEntry
from workbench.session.timeline import Timeline
from workbench.ui.entry_style import KIND_COLOURS, ROW_TINTS
from workbench.ui.qt_bridge import QtBridge
from workbench.ui.theme import Scheme, current_theme
from workbench.ui.timeline_columns import (
    COLUMN_TIPS,
    COLUMN_TITLES,
    NUMERIC_COLUMNS,
    Column,
    cell_texts,
    entry_tooltip,
)

__all__ = ["DEFAULT_BATCH_MS", "RoleData", "TimelineModel"]

DEFAULT_BATCH_MS: Final = 50
_CACHE_ROWS: Final = 1024

Index = QModelIndex | QPersistentModelIndex
RoleData: TypeAlias = QModelRoleDataSpan | QModelRoleData
"""What ``multiData`` is handed: the roles a view wants for one cell, filled in place."""


# Roles as plain ints: comparing ints is much cheaper than comparing PySide's enum members.
_DISPLAY: Final = Qt.ItemDataRole.DisplayRole.value
_FOREGROUND: Final = Qt.ItemDataRole.ForegroundRole.value
_BACKGROUND: Final = Qt.ItemDataRole.BackgroundRole.value
_FONT: Final = Qt.ItemDataRole.FontRole.value
_ALIGNMENT: Final = Qt.ItemDataRole.TextAlignmentRole.value
_TOOLTIP: Final = Qt.ItemDataRole.ToolTipRole.value
_ENTRY: Final = Qt.ItemDataRole.UserRole.value + 1
_SEQ: Final = Qt.ItemDataRole.UserRole.value + 2


_ON_DEMAND: Final = frozenset({_TOOLTIP, _ENTRY, _SEQ})
_ALIGNMENTS: Final = tuple(
    (Qt.AlignmentFlag.AlignRight if column in NUMERIC_COLUMNS else Qt.AlignmentFlag.AlignLeft).value
    | Qt.AlignmentFlag.AlignVCenter.value
    for column in Column
)


class _Look(NamedTuple):
    """How one row is drawn, worked out once and kept while the row is on screen."""

    texts: tuple[str, ...]
    foreground: QColor | None
    background: QColor | None
    font: QFont | None
    styled: dict[int, QColor | QFont]
    """The three above by role, those that are set: what :meth:`TimelineModel.fill` copies."""


class TimelineModel(QAbstractTableModel):
    """The rows of a :class:`Timeline` (see the module docstring); read-only.

    ``EntryRole`` gives a row's :class:`TimelineEntry`, ``SeqRole`` its ``seq``. Signals:
    ``entry_updated(seq)`` after a row shown was replaced in place.
    """

    EntryRole: Final = _ENTRY
    SeqRole: Final = _SEQ

    entry_updated = Signal(int)

    def __init__(
        self, timeline: Timeline, parent: QObject | None = None, *, batch_ms: int = DEFAULT_BATCH_MS
    ) -> None:
        super().__init__(parent)
        self._timeline = timeline
        self._entries: Sequence[TimelineEntry] = timeline.entries
        self._first = 0
        self._end = len(self._entries)
        self._grown = self._end
        self._related: frozenset[int] = frozenset()
        self._looks: dict[int, _Look] = {}
        self._names: set[str] = {entry.name for entry in self._entries}
        self.batches = 0
        """How many coalesced inserts happened (what the tests and the benchmark count)."""
        self._scheme: Scheme = "light"
        self._foregrounds = {kind: QColor(colour) for kind, colour in KIND_COLOURS.items()}
        self._bold = QFont()
        self._bold.setBold(True)
        self._tints: dict[str, QColor] = {}
        self.set_scheme(current_theme().scheme)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(batch_ms)
        self._timer.timeout.connect(self.flush)
        self._bridge = QtBridge(self)
        self._unsubscribe: Callable[[], None] = timeline.subscribe(
            self._bridge.wrap(self._on_timeline_change)
        )

    # -- what is shown -------------------------------------------------------------------------

    @property
    def timeline(self) -> Timeline:
        return self._timeline

    @property
    def first_seq(self) -> int:
        """The ``seq`` of row 0 (0 until the view is cleared)."""
        return self._first

    @property
    def end_seq(self) -> int:
        """One past the last ``seq`` shown (entries from here on wait for the next batch)."""
        return self._end

    @property
    def start_mono(self) -> float:
        """Where the "+s" column counts from: the timeline's first entry (not the clear)."""
        return self._entries[0].mono if len(self._entries) else 0.0

    @property
    def names(self) -> frozenset[str]:
        """Every entry name seen so far (the name filter offers these)."""
        return frozenset(self._names)

    @property
    def pending(self) -> int:
        """Entries appended to the timeline and not yet shown (waiting for the batch)."""
        return self._grown - self._end

    def entry(self, row: int) -> TimelineEntry:
        """The entry shown at ``row``."""
        if not 0 <= row < self._end - self._first:
            raise IndexError(f"no row {row} (there are {self._end - self._first})")
        return self._entries[self._first + row]

    def row_of(self, seq: int) -> int | None:
        """The row showing ``seq``, or None (cleared, or not yet shown)."""
        return seq - self._first if self._first <= seq < self._end else None

    def flush(self) -> None:
        """Insert every entry appended since the last batch, in one go (the timer calls this)."""
        self._timer.stop()
        if self._grown <= self._end:
            return
        first_row, last_row = self._end - self._first, self._grown - 1 - self._first
        self.beginInsertRows(QModelIndex(), first_row, last_row)
        self._end = self._grown
        self.endInsertRows()
        self.batches += 1

    def show_from(self, seq: int) -> None:
        """Show the entries from ``seq`` on (clamped to what exists); the timeline is untouched.

        ``show_from(len(timeline))`` is the view's Clear; ``show_from(0)`` shows everything.
        """
        seq = max(0, min(seq, self._grown))
        self.beginResetModel()
        self._first = seq
        self._end = max(self._end, seq)
        self._looks.clear()
        self.endResetModel()

    def clear(self) -> None:
        """Hide every entry so far: the view starts again from the next one."""
        self.show_from(self._grown)

    def set_related(self, seqs: Iterable[int]) -> None:
        """Tint the rows of ``seqs`` (the selected entry's command, replies and events)."""
        related = frozenset(seqs)
        changed = related ^ self._related
        self._related = related
        roles = [Qt.ItemDataRole.BackgroundRole]
        for seq in sorted(changed):
            self._looks.pop(seq, None)
            row = self.row_of(seq)
            if row is not None:
                self.dataChanged.emit(
                    self.index(row, 0), self.index(row, len(COLUMN_TITLES) - 1), roles
                )

    @property
    def related(self) -> frozenset[int]:
        return self._related

    def is_related(self, seq: int) -> bool:
        return seq in self._related

    def set_scheme(self, scheme: Scheme) -> None:
        """Tint rows for a light or dark background (the view follows the theme)."""
        self._scheme = scheme
        tints = ROW_TINTS[scheme]
        self._tints = {
            "error": QColor(tints.error),
            "violation": QColor(tints.violation),
            "related": QColor(tints.related),
        }
        self._looks.clear()
        rows = self._end - self._first
        if rows:
            self.dataChanged.emit(self.index(0, 0), self.index(rows - 1, len(COLUMN_TITLES) - 1))

    def shutdown(self) -> None:
        """Stop following the timeline (rows already shown stay)."""
        self._unsubscribe()
        self._bridge.close()
        self._timer.stop()

    # -- Qt's model interface ------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's names
        return 0 if parent.isValid() else self._end - self._first

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMN_TITLES)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMN_TITLES):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMN_TITLES[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMN_TIPS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = index.row()
        if not index.isValid() or not 0 <= row < self._end - self._first:
            return None
        return self.cell(self._first + row, index.column(), role)

    def multiData(self, index: Index, roleDataSpan: RoleData) -> None:  # noqa: N802, N803
        row = index.row()
        if index.isValid() and 0 <= row < self._end - self._first:
            self.fill(self._first + row, index.column(), roleDataSpan)

    def cell(self, seq: int, column: int, role: int) -> object:
        """What :meth:`data` returns for the entry ``seq`` (no index: the filter calls this)."""
        role = int(role)
        if role == _DISPLAY:
            return self._look(seq).texts[column]
        if role == _FOREGROUND:
            return self._look(seq).foreground
        if role == _BACKGROUND:
            return self._look(seq).background
        if role == _FONT:
            return self._look(seq).font
        if role == _ALIGNMENT:
            return _ALIGNMENTS[column]
        if role == _TOOLTIP:
            return entry_tooltip(self._entries[seq])
        if role == _ENTRY:
            return self._entries[seq]
        if role == _SEQ:
            return seq
        return None

    def fill(self, seq: int, column: int, span: RoleData) -> None:
        """:meth:`cell` for every role of ``span`` (Qt's delegate asks for seven per cell).

        The hot path of painting: one call into Python per cell instead of one per role.
        Every role is set or cleared: Qt's delegate reuses its span from cell to cell, so a
        role left alone would keep the previous cell's value (a tint bleeding down the table).
        """
        look = self._looks.get(seq) or self._look(seq)
        styled = look.styled
        # PySide iterates a span (its stubs do not say so); a lone QModelRoleData is one role.
        roles = (
            (span,) if isinstance(span, QModelRoleData) else cast("Iterable[QModelRoleData]", span)
        )
        for role_data in roles:
            role = role_data.role()
            if role == _DISPLAY:
                role_data.setData(look.texts[column])
            elif role == _ALIGNMENT:
                role_data.setData(_ALIGNMENTS[column])
            elif role in styled:
                role_data.setData(styled[role])
            elif role in _ON_DEMAND:
                role_data.setData(self.cell(seq, column, role))
            else:
                role_data.clearData()

    # -- internals -----------------------------------------------------------------------------

    def _look(self, seq: int) -> _Look:
        look = self._looks.get(seq)
        if look is None:
            if len(self._looks) >= _CACHE_ROWS:
                self._looks.clear()
            entry = self._entries[seq]
            alarming = entry.kind in ("error", "violation") or entry.sdk_ok is False
            background = None
            if seq in self._related:
                background = self._tints["related"]
            elif entry.kind == "error":
                background = self._tints["error"]
            elif alarming:
                background = self._tints["violation"]
            foreground = self._foregrounds.get(entry.kind)
            font = self._bold if alarming else None
            styled = {
                role: value
                for role, value in (
                    (_FOREGROUND, foreground),
                    (_BACKGROUND, background),
                    (_FONT, font),
                )
                if value is not None
            }
            look = _Look(cell_texts(entry, self.start_mono), foreground, background, font, styled)
            self._looks[seq] = look
        return look

    def _on_timeline_change(self, change: TimelineChange) -> None:
        seq = change.entry.seq
        self._names.add(change.entry.name)
        if change.kind == "appended":
            self._grown = max(self._grown, seq + 1)
            if not self._timer.isActive():
                self._timer.start()
            return
        self._looks.pop(seq, None)
        row = self.row_of(seq)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMN_TITLES) - 1))
            self.entry_updated.emit(seq)
