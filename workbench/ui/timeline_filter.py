"""The timeline's filter: by kind, by name, by free text; an index-list proxy model.

Why not ``QSortFilterProxyModel``? It asks ``filterAcceptsRow`` once per row, a call from C++
into Python that costs more than the test itself: at 100 000 rows a kind filter took it five
to eight times as long as the list comprehension below, and it keeps a mapping per row even
when nothing is filtered (``tests/benchmarks/test_timeline_benchmarks.py`` measures both, with
the same predicate). This proxy holds
the accepted source rows as a sorted Python list (rows only ever arrive at the end, so the
list stays sorted and a lookup is a bisection), or nothing at all while no filter is set.

Filter changes rebuild the list and reset the proxy (the view puts the selection back by
``seq``); so does a reset of the source (the view's Clear). The source only ever inserts
rows at the end or resets: it never removes one. New rows are tested as they arrive, in the
batch the source inserts. A row updated in place (the audio entry growing) is tested again:
it may start or stop matching the text.

The criteria are a frozen value, :class:`FilterCriteria`, whose :meth:`~FilterCriteria.predicate`
is plain Python (no Qt): one test for the view, the benchmark's baseline and anyone else.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Final, overload

from PySide6.QtCore import (
    QAbstractProxyModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from workbench.session.entries import TimelineEntry
from workbench.ui.timeline_columns import COLUMN_TITLES
from workbench.ui.timeline_model import RoleData, TimelineModel

__all__ = ["FilterCriteria", "TimelineFilter"]

Index = QModelIndex | QPersistentModelIndex
_FLAGS: Final = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_CONTENT_ROLES: Final = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole})


@dataclass(frozen=True, slots=True)
class FilterCriteria:
    """Which entries to show: every set criterion must hold (None / "" = no criterion).

    ``kinds`` and ``names`` are sets of accepted values; ``text`` is looked for, ignoring
    case (``str.casefold``), in the entry's name, summary and raw frame.
    """

    kinds: frozenset[str] | None = None
    names: frozenset[str] | None = None
    text: str = ""

    @property
    def active(self) -> bool:
        """False when every entry passes (the proxy then maps rows one to one)."""
        return self.kinds is not None or self.names is not None or bool(self.text)

    def predicate(self) -> Callable[[TimelineEntry], bool]:
        """A fast test for one entry (a closure: the criteria are read once, not per entry)."""
        kinds, names, needle = self.kinds, self.names, self.text.casefold()

        def accepts(entry: TimelineEntry) -> bool:
            if kinds is not None and entry.kind not in kinds:
                return False
            if names is not None and entry.name not in names:
                return False
            # casefold() + ``in`` is 2.5 times as fast as a case-insensitive regular expression.
            return (
                not needle
                or needle in entry.name.casefold()
                or needle in entry.summary.casefold()
                or needle in entry.raw.casefold()
            )

        return accepts

    def accepts(self, entry: TimelineEntry) -> bool:
        """Whether ``entry`` passes (for one entry; loops use :meth:`predicate`)."""
        return self.predicate()(entry)


class TimelineFilter(QAbstractProxyModel):
    """The rows of a :class:`TimelineModel` that pass a :class:`FilterCriteria`.

    ``criteria_changed(FilterCriteria)`` is emitted after the rows were filtered anew, whoever
    changed the criteria (the toolbar follows it).
    """

    criteria_changed = Signal(object)

    def __init__(self, model: TimelineModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._criteria = FilterCriteria()
        self._accepts = self._criteria.predicate()
        self._rows: list[int] | None = None  # accepted source rows; None = all of them
        self._count = model.rowCount()  # rows shown while unfiltered
        self.setSourceModel(model)
        model.rowsInserted.connect(self._on_model_rows_inserted)
        model.modelAboutToBeReset.connect(self.beginResetModel)
        model.modelReset.connect(self._on_model_reset)
        model.dataChanged.connect(self._on_model_data_changed)

    # -- criteria ------------------------------------------------------------------------------

    @property
    def criteria(self) -> FilterCriteria:
        return self._criteria

    def set_criteria(self, criteria: FilterCriteria) -> None:
        """Show the rows passing ``criteria`` (nothing happens when they did not change)."""
        if criteria != self._criteria:
            self._criteria = criteria
            self._accepts = criteria.predicate()
            self._rebuild()
            self.criteria_changed.emit(criteria)

    def set_kinds(self, kinds: Iterable[str] | None) -> None:
        """Only these kinds (None: every kind)."""
        chosen = None if kinds is None else frozenset(kinds)
        self.set_criteria(replace(self._criteria, kinds=chosen))

    def set_names(self, names: Iterable[str] | None) -> None:
        """Only these names (None: every name)."""
        chosen = None if names is None else frozenset(names)
        self.set_criteria(replace(self._criteria, names=chosen))

    def set_text(self, text: str) -> None:
        """Only entries whose name, summary or raw frame holds ``text`` (any case; "" = all)."""
        self.set_criteria(replace(self._criteria, text=text.strip()))

    # -- reading -------------------------------------------------------------------------------

    def source_row(self, row: int) -> int:
        """The source model's row shown at ``row`` of this proxy."""
        return row if self._rows is None else self._rows[row]

    def proxy_row(self, source_row: int) -> int | None:
        """The row showing the source model's ``source_row``, or None (filtered out)."""
        if self._rows is None:
            return source_row if 0 <= source_row < self._count else None
        position = bisect.bisect_left(self._rows, source_row)
        if position < len(self._rows) and self._rows[position] == source_row:
            return position
        return None

    def entry(self, row: int) -> TimelineEntry:
        """The entry shown at ``row``."""
        return self._model.entry(self.source_row(row))

    def row_of(self, seq: int) -> int | None:
        """The row showing the entry ``seq``, or None (filtered out, cleared, not yet shown)."""
        source_row = self._model.row_of(seq)
        return None if source_row is None else self.proxy_row(source_row)

    def visible_entries(self) -> list[TimelineEntry]:
        """The entries shown, top to bottom: what an export of the visible rows writes."""
        entries, first = self._model.timeline.entries, self._model.first_seq
        if self._rows is None:
            return list(entries[first : first + self._count])
        return [entries[first + row] for row in self._rows]

    # -- Qt's proxy interface ------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's names
        if parent.isValid():
            return 0
        return self._count if self._rows is None else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMN_TITLES)

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if parent.isValid() or not 0 <= column < len(COLUMN_TITLES):
            return QModelIndex()
        if not 0 <= row < self.rowCount():
            return QModelIndex()
        return self.createIndex(row, column)

    @overload
    def parent(self) -> QObject | None: ...
    @overload
    def parent(self, child: Index) -> QModelIndex: ...
    def parent(self, child: Index | None = None) -> QObject | QModelIndex | None:
        if child is None:  # QObject.parent(): the owner, not an index
            return QObject.parent(self)
        return QModelIndex()

    def sibling(self, row: int, column: int, index: Index) -> QModelIndex:
        return self.index(row, column)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and self.rowCount() > 0

    def mapToSource(self, proxy_index: Index) -> QModelIndex:  # noqa: N802
        if not proxy_index.isValid():
            return QModelIndex()
        return self._model.index(self.source_row(proxy_index.row()), proxy_index.column())

    def mapFromSource(self, source_index: Index) -> QModelIndex:  # noqa: N802
        if not source_index.isValid():
            return QModelIndex()
        row = self.proxy_row(source_index.row())
        return QModelIndex() if row is None else self.createIndex(row, source_index.column())

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation != Qt.Orientation.Horizontal:
            return None
        return self._model.headerData(section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = index.row()
        if not index.isValid() or not 0 <= row < self.rowCount():
            return None
        return self._model.cell(self._model.first_seq + self.source_row(row), index.column(), role)

    def multiData(self, index: Index, roleDataSpan: RoleData) -> None:  # noqa: N802, N803
        # Qt's delegate asks for seven roles per cell at once: one call into Python, not seven.
        row = index.row()
        if index.isValid() and 0 <= row < self.rowCount():
            seq = self._model.first_seq + self.source_row(row)
            self._model.fill(seq, index.column(), roleDataSpan)

    # -- following the source ------------------------------------------------------------------

    def _rebuild(self) -> None:
        self.beginResetModel()
        self._recompute()
        self.endResetModel()

    def _on_model_reset(self) -> None:
        # The source announced it (modelAboutToBeReset began our reset): rows changed meaning.
        self._recompute()
        self.endResetModel()

    def _recompute(self) -> None:
        self._count = self._model.rowCount()
        self._rows = self._accepted(0, self._count) if self._criteria.active else None

    def _accepted(self, first_row: int, end_row: int) -> list[int]:
        """The source rows in ``first_row``…``end_row - 1`` that pass (the hot loop)."""
        first = self._model.first_seq
        entries: Sequence[TimelineEntry] = self._model.timeline.entries[
            first + first_row : first + end_row
        ]
        accepts = self._accepts
        return [first_row + i for i, entry in enumerate(entries) if accepts(entry)]

    def _on_model_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if parent.isValid():
            return
        if self._rows is None:
            self.beginInsertRows(QModelIndex(), first, last)
            self._count = self._model.rowCount()
            self.endInsertRows()
            return
        self._count = self._model.rowCount()
        accepted = self._accepted(first, last + 1)
        if accepted:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(accepted) - 1)
            self._rows.extend(accepted)
            self.endInsertRows()

    def _on_model_data_changed(
        self, top_left: QModelIndex, bottom_right: QModelIndex, roles: Sequence[int] = ()
    ) -> None:
        top, bottom = top_left.row(), bottom_right.row()
        content = not roles or any(role in _CONTENT_ROLES for role in roles)
        if self._rows is None or not content:
            first, last = self.proxy_row_range(top, bottom)
            if first <= last:
                self.dataChanged.emit(
                    self.index(first, 0), self.index(last, len(COLUMN_TITLES) - 1), list(roles)
                )
            return
        for source_row in range(top, bottom + 1):
            self._recheck(source_row)

    def proxy_row_range(self, top: int, bottom: int) -> tuple[int, int]:
        """The proxy rows showing source rows ``top``…``bottom`` (first > last when none)."""
        if self._rows is None:
            return max(0, top), min(bottom, self._count - 1)
        return (
            bisect.bisect_left(self._rows, top),
            bisect.bisect_right(self._rows, bottom) - 1,
        )

    def _recheck(self, source_row: int) -> None:
        """Test an updated row again: it may now pass, or no longer pass."""
        assert self._rows is not None
        passes = self._accepts(self._model.entry(source_row))
        position = bisect.bisect_left(self._rows, source_row)
        shown = position < len(self._rows) and self._rows[position] == source_row
        if passes and not shown:
            self.beginInsertRows(QModelIndex(), position, position)
            self._rows.insert(position, source_row)
            self.endInsertRows()
        elif shown and not passes:
            self.beginRemoveRows(QModelIndex(), position, position)
            del self._rows[position]
            self.endRemoveRows()
        elif shown:
            last = len(COLUMN_TITLES) - 1
            self.dataChanged.emit(self.index(position, 0), self.index(position, last))
