"""What the benchmarks share: result tables, and engines built once per run."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from workbench.recognition.engine import Engine
from workbench.recognition.engines import find_whisper_model, make_engine

IN_PROCESS = "pocketsphinx-in-process"
"""A bare ``PocketsphinxEngine`` in the test process, not what ``make_engine`` wraps it in."""


@dataclass
class Table:
    """One benchmark's results: a title, a header row, rows, and notes saying what was measured."""

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([str(cell) for cell in cells])

    def markdown(self) -> str:
        """The table as aligned Markdown, readable as is in a terminal."""
        widths = [len(header) for header in self.headers]
        for row in self.rows:
            widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]

        def line(cells: list[str]) -> str:
            return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

        lines = [f"### {self.title}", "", line(self.headers)]
        lines.append("|" + "|".join("-" * (width + 2) for width in widths) + "|")
        lines.extend(line(row) for row in self.rows)
        if self.notes:
            lines.append("")
            lines.extend(f"- {note}" for note in self.notes)
        return "\n".join(lines)


_ENGINES: dict[str, Engine] = {}
_READY_S: dict[str, float] = {}


def resolve(name: str) -> str:
    """The engine ``make_engine(name)`` builds here: ``auto`` becomes whisper or pocketsphinx."""
    if name == "auto":
        return "whisper" if find_whisper_model() is not None else "pocketsphinx"
    return name


def _build(key: str) -> Engine:
    if key == IN_PROCESS:
        from workbench.recognition.pocketsphinx_engine import PocketsphinxEngine

        return PocketsphinxEngine()
    return make_engine(key)


def bench_engine(name: str) -> Engine:
    """``make_engine(name)`` (or :data:`IN_PROCESS`) made ready, once per run."""
    key = resolve(name)
    if key not in _ENGINES:
        started = time.perf_counter()
        engine = _build(key)
        load = getattr(engine, "load", None)
        if callable(load):
            load()
        _READY_S[key] = time.perf_counter() - started
        _ENGINES[key] = engine
    return _ENGINES[key]


def ready_seconds(name: str) -> float:
    """How long building ``name`` and its ``load()`` took (after :func:`bench_engine`)."""
    return _READY_S[resolve(name)]


def engine_label(name: str) -> str:
    """``pocketsphinx [ProcessEngine]``: the engine's name and the class that runs it."""
    engine = bench_engine(name)
    label = f"{engine.name} [{type(engine).__name__}]"
    return f"auto = {label}" if name == "auto" else label


def close_engines() -> None:
    """Stop what the engines started (worker processes), at the end of the run."""
    for engine in _ENGINES.values():
        close = getattr(engine, "close", None)
        if callable(close):
            close()
    _ENGINES.clear()
