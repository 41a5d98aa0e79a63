"""The small interface every recognition engine implements.

The local server never talks to pocketsphinx or whisper directly: it asks an :class:`Engine`
for a :class:`Decoder` per recognition, feeds it 8 kHz mono int16 audio as it arrives, asks for
the running hypothesis (hotword mode, end-of-speech decisions) and finally for the n-best list.
Decoders are used from one worker thread at a time and may block (they never run on the
event loop).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from workbench.protocol.grammars import GrammarUri

SAMPLE_RATE = 8000
"""The protocol's audio rate; decoders receive int16 little-endian mono at this rate."""


@dataclass(frozen=True, slots=True)
class Hypothesis:
    """One decoding of an utterance: the words heard and how sure the engine is (0..1)."""

    transcript: str
    confidence: float


class UnsupportedError(Exception):
    """The engine cannot serve this grammar or language; the message says what it can do."""


class Decoder(Protocol):
    """Decodes one utterance, fed incrementally."""

    def feed(self, pcm: bytes) -> None:
        """Add 8 kHz int16 LE mono audio."""

    def partial(self) -> str:
        """The best hypothesis so far ("" when nothing recognisable was heard)."""

    def finish(self, n_best: int = 1) -> list[Hypothesis]:
        """End the utterance and return up to ``n_best`` hypotheses, best first (may be empty)."""


class Engine(Protocol):
    """A recognizer that can build decoders for a set of grammars and a language."""

    name: str
    """Short name shown to users, e.g. ``pocketsphinx``."""
    asr_model: str
    """The ``asr_model`` reported in results, e.g. ``en.pocketsphinx``."""

    def languages(self) -> frozenset[str]:
        """Primary language subtags it has models for, e.g. ``{"en"}``."""

    def decoder(self, grammars: Sequence[GrammarUri], language: str) -> Decoder:
        """A decoder constrained, where the engine can, to ``grammars`` (builtins only).

        Raises :class:`UnsupportedError` naming what is available when it cannot serve them.
        """


class EngineUnavailableError(Exception):
    """An engine cannot start (model missing, download impossible); the message says what to do."""
