"""Semantic accuracy of an engine on labelled utterances: what the quality report is built on.

Each utterance is decoded whole (leading and trailing silence trimmed by the VAD, as the server's
end-pointer would), read through its grammar by the NLU, and counted right when the value equals
the label. The table says, per grammar and engine, how often the bot would have understood.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from workbench.protocol.grammars import GrammarUri, parse_grammar_uri
from workbench.recognition.engine import SAMPLE_RATE, Engine
from workbench.recognition.nlu import MatchKind, interpret
from workbench.recognition.vad import make_vad

PAD_MS = 300
RESCORE_DEPTH = 8
"""How many hypotheses are read through the grammars, as the server does."""


@dataclass(frozen=True, slots=True)
class LabelledUtterance:
    """Audio (8 kHz int16), the grammar it answers, and the NLU value it should give."""

    grammar: str
    expected: object
    pcm: bytes
    label: str = ""
    condition: str = "clean"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an engine made of one utterance."""

    utterance: LabelledUtterance
    engine: str
    transcript: str
    value: object
    right: bool
    decode_s: float


def trim(pcm: bytes, pad_ms: int = PAD_MS) -> bytes:
    """Keep the speech the VAD finds, with ``pad_ms`` either side (all of it if none found)."""
    frames = make_vad().feed(pcm)
    speech = [frame for frame in frames if frame.speech]
    if not speech:
        return pcm
    bytes_per_ms = SAMPLE_RATE * 2 // 1000
    start = max(0, (speech[0].start_ms - pad_ms) * bytes_per_ms)
    end = min(len(pcm), (speech[-1].end_ms + pad_ms) * bytes_per_ms)
    return pcm[start:end]


def decode_value(engine: Engine, grammar: GrammarUri, pcm: bytes) -> tuple[str, object]:
    """Decode ``pcm`` against ``grammar``; the transcript and the NLU value (None: no match)."""
    decoder = engine.decoder([grammar], "en")
    chunk = SAMPLE_RATE * 2 * 60 // 1000
    for start in range(0, len(pcm), chunk):
        decoder.feed(pcm[start : start + chunk])
    hypotheses = decoder.finish(RESCORE_DEPTH)
    for hypothesis in hypotheses:  # the first hypothesis the grammar accepts wins
        result = interpret(grammar, hypothesis.transcript)
        if result.kind is MatchKind.FULL:
            return hypothesis.transcript, result.value
    return (hypotheses[0].transcript if hypotheses else ""), None


def evaluate(engine: Engine, utterances: Iterable[LabelledUtterance]) -> list[Outcome]:
    """Run every utterance through ``engine``."""
    outcomes = []
    for utterance in utterances:
        grammar = parse_grammar_uri(utterance.grammar)
        started = time.perf_counter()
        transcript, value = decode_value(engine, grammar, trim(utterance.pcm))
        elapsed = time.perf_counter() - started
        right = value == utterance.expected and type(value) is type(utterance.expected)
        outcomes.append(Outcome(utterance, engine.name, transcript, value, right, elapsed))
    return outcomes


@dataclass(frozen=True, slots=True)
class AccuracyRow:
    """One line of the report."""

    grammar: str
    engine: str
    condition: str
    right: int
    total: int
    accuracy: float
    rtf: float


def accuracy_table(outcomes: Sequence[Outcome]) -> list[AccuracyRow]:
    """Accuracy and real-time factor per grammar (without query), engine and audio condition."""
    groups: dict[tuple[str, str, str], list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        base = parse_grammar_uri(outcome.utterance.grammar).base
        groups[(base, outcome.engine, outcome.utterance.condition)].append(outcome)
    rows = []
    for (grammar, engine, condition), items in sorted(groups.items()):
        right = sum(1 for item in items if item.right)
        audio_s = sum(len(item.utterance.pcm) / (SAMPLE_RATE * 2) for item in items)
        decode_s = sum(item.decode_s for item in items)
        accuracy = 100.0 * right / len(items)
        rows.append(
            AccuracyRow(grammar, engine, condition, right, len(items), accuracy, decode_s / audio_s)
        )
    return rows
