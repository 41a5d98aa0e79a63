"""pocketsphinx as a recognition engine: offline, with the en-US model bundled in its wheel.

Theory of operation
-------------------
Each recognition gets a fresh ``pocketsphinx.Decoder``: a reused one carries state (cepstral
mean, noise estimate) from one utterance to the next, and its results then depend on what it
heard before, even after ``set_cmn`` (FEASIBILITY.md §4; re-checked here). Loading the 134,000
word dictionary is most of a decoder's start-up, so a grammar decoder starts with no dictionary
and is given just the grammar's words (with every pronunciation variant), looked up in one
dictionary-only decoder the engine keeps: about 15 ms instead of 90 ms. A language-model
decoder needs the whole dictionary: about 0.27 s, mostly building the LM search.

* Closed grammars (yes/no, digits, keywords, dates…) are compiled into one JSGF by
  :mod:`workbench.recognition.jsgf`; the decoder can then only output the grammars' phrases, as
  words ("forty two"), which the NLU turns into values. Words missing from the dictionary
  (keywords) are added with a guessed pronunciation before the grammar is loaded.
* Open grammars (transcribe, text2num, postal_address), or a mix of open and closed ones, use the
  generic trigram language model ``en-us.lm.bin``: a grammar that accepts anything makes the
  others pointless (H2B.md §10.1).

Audio: the acoustic model is trained on 16 kHz speech. Telephone audio is resampled 8→16 kHz with
a streaming soxr resampler, then the 0–4 kHz band is mirrored into the empty 4–8 kHz band at
``FOLD_GAIN`` (multiplying by 1 + g·(−1)ⁿ). With an empty upper band the model's filterbank sees
nothing like its training data; the fold roughly halves the errors. Measured on 7 TTS voices
(espeak-ng, flite): short answers (digits, yes/no, keywords) 50 → 75 exact of 91, free
transcription WER 79 % → 37 % (301 words).

Confidence, grammars: the mean acoustic score per frame of the words' span (pocketsphinx scores
every frame relative to the best-scoring model state, so this measures how far the grammar
forced the path away from what the audio sounds like), through a logistic around
``ACOUSTIC_MIDPOINT``. On 182 TTS utterances, 58 of them out of grammar, it separates right from
wrong answers with AUC 0.92. The midpoint favours right answers: 96 % of them get ≥ 0.5 (91 %
≥ 0.7), and so do 35 % of wrong or out-of-grammar ones; short words ("seven") score lowest.
Below ``REJECT_BELOW`` nothing was recognised (noise decoded as "oh"), in ``partial()`` too.
A grammar search returns one hypothesis: pocketsphinx's n-best A* costs seconds on looping
grammars (digits) and only found the same words with other alignments.
Confidence, language model: the mean word posterior from the bestpath lattice (AUC 0.78 between
sentences with WER ≤ 20 % and ≥ 50 %); alternatives from the n-best list, scaled below it.

Threads: a decoder is used by one thread at a time; decoders share nothing but the read-only
look-up dictionary. pocketsphinx never releases the GIL: two decoders in two threads are slower
than one after the other, and every call blocks other Python threads while it runs. ``feed``
passes audio in ``SLICE_SAMPLES`` slices so that one call blocks for at most about 15 ms
(grammar) or 40–80 ms (language model); but a language-model ``decoder()`` (0.3 s) and
``finish()`` (0.4 s for 6 s of speech, 1.5 s for 40 s) block in one piece.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pocketsphinx
import soxr

from workbench.protocol.grammar_catalogue import BUILTIN_GRAMMARS
from workbench.protocol.grammars import GrammarUri
from workbench.recognition.engine import (
    SAMPLE_RATE,
    EngineUnavailableError,
    Hypothesis,
    UnsupportedError,
)
from workbench.recognition.jsgf import JsgfError, build_jsgf, is_open

MODEL_RATE = 16000
"""Sample rate of the bundled acoustic model."""
FOLD_GAIN = 0.4
"""Level of the mirrored 0–4 kHz band written into 4–8 kHz (0.25–1.0 all measured about equal)."""
SLICE_SAMPLES = 640
"""Samples (40 ms at 16 kHz) per ``process_raw`` call; the GIL is held during each call."""
NBEST_SCAN = 30
"""N-best paths read for language-model alternatives (many repeat a transcript)."""
ACOUSTIC_MIDPOINT = -38.0
"""Mean acoustic score per frame (scaled log base 1.0001) that gets confidence 0.5."""
ACOUSTIC_WIDTH = 4.0
"""Score per frame that moves confidence from 0.5 to 0.73."""
REJECT_BELOW = 1e-3
"""Grammar hypotheses less confident than this are dropped (noise; about -66 per frame)."""
LANGUAGE = "en"
_SEARCH = "h2b"


class PocketsphinxEngine:
    """The bundled pocketsphinx en-US model: grammars as JSGF, open speech with the trigram LM."""

    name = "pocketsphinx"
    asr_model = "en.pocketsphinx"

    def __init__(self, model_dir: Path | None = None) -> None:
        """``model_dir`` holds ``en-us/`` (acoustic model), ``en-us.lm.bin`` and
        ``cmudict-en-us.dict``; by default, the copy inside the pocketsphinx package."""
        base = Path(model_dir or pocketsphinx.get_model_path("en-us"))
        self._hmm = base / "en-us"
        self._lm = base / "en-us.lm.bin"
        self._dict = base / "cmudict-en-us.dict"
        missing = [str(p) for p in (self._hmm / "mdef", self._lm, self._dict) if not p.is_file()]
        if missing:
            raise EngineUnavailableError(
                f"the pocketsphinx en-US model is incomplete, missing: {', '.join(missing)}; "
                "reinstall pocketsphinx (pip install --force-reinstall pocketsphinx)"
            )
        self._lexicon: Any = None
        self._lexicon_lock = threading.Lock()

    def load(self) -> None:
        """Load the look-up dictionary now (about 0.1 s) rather than in the first decoder()."""
        self._dictionary()

    def languages(self) -> frozenset[str]:
        """English only: pocketsphinx ships no other model."""
        return frozenset({LANGUAGE})

    def decoder(self, grammars: Sequence[GrammarUri], language: str) -> PocketsphinxDecoder:
        """A fresh decoder for one utterance; closed grammars are compiled and checked here.

        Raises :class:`UnsupportedError` for another language, a session alias, an unknown
        builtin or a grammar that cannot be compiled.
        """
        primary = language.replace("_", "-").split("-", maxsplit=1)[0].lower()
        if primary != LANGUAGE:
            raise UnsupportedError(
                f"speech_language {language!r} is not available: this server has English (en) "
                f"models only ({self.asr_model}); use en, en-US or en-GB"
            )
        for grammar in grammars:
            _check_grammar(grammar)
        if not grammars or any(is_open(grammar) for grammar in grammars):
            return PocketsphinxDecoder(self._new(lm=str(self._lm)), "language model")
        lexicon = self._dictionary()
        decoder = self._new(lm=None, dict=None, bestpath=False)
        try:
            jsgf = build_jsgf(grammars, lexicon.lookup_word)
            guessed = dict(jsgf.pronunciations)
            for word in sorted(jsgf.words):
                variants = [guessed[word]] if word in guessed else _variants(lexicon, word)
                for index, phones in enumerate(variants):
                    decoder.add_word(_variant(word, index), phones, False)
            decoder.add_jsgf_string(_SEARCH, jsgf.text)
        except (JsgfError, ValueError, RuntimeError) as error:
            names = ", ".join(str(grammar) for grammar in grammars)
            raise UnsupportedError(f"pocketsphinx cannot compile {names}: {error}") from None
        decoder.activate_search(_SEARCH)
        return PocketsphinxDecoder(decoder, "grammar", jsgf.notes)

    def _new(self, **settings: Any) -> Any:
        settings.setdefault("dict", str(self._dict))
        return pocketsphinx.Decoder(hmm=str(self._hmm), loglevel="FATAL", **settings)

    def _dictionary(self) -> Any:
        """The decoder (no search) whose full dictionary answers pronunciation look-ups."""
        with self._lexicon_lock:
            if self._lexicon is None:
                self._lexicon = self._new(lm=None)
            return self._lexicon


def _variant(word: str, index: int) -> str:
    """The dictionary entry of a pronunciation: ``word``, then ``word(2)``, ``word(3)``…"""
    return word if index == 0 else f"{word}({index + 1})"


def _variants(lexicon: Any, word: str) -> list[str]:
    """Every pronunciation of ``word`` in the full dictionary, main one first."""
    found: list[str] = []
    while (phones := lexicon.lookup_word(_variant(word, len(found)))) is not None:
        found.append(phones)
    return found


def _check_grammar(grammar: GrammarUri) -> None:
    if not grammar.is_builtin:
        raise UnsupportedError(
            f"grammar {grammar} is a session alias: resolve it to its builtin grammar first"
        )
    if grammar.path not in BUILTIN_GRAMMARS:
        known = ", ".join(BUILTIN_GRAMMARS)
        raise UnsupportedError(f"unknown grammar {grammar}; pocketsphinx knows: {known}")


class PocketsphinxDecoder:
    """Decodes one utterance of 8 kHz int16 audio, fed incrementally from one thread."""

    def __init__(self, decoder: Any, search: str, notes: tuple[str, ...] = ()) -> None:
        self._decoder = decoder
        self.search = search
        """``"grammar"`` (JSGF) or ``"language model"`` (free transcription)."""
        self.notes = notes
        """Approximations made when compiling the grammars (guessed pronunciations…)."""
        self._resampler = soxr.ResampleStream(SAMPLE_RATE, MODEL_RATE, 1, dtype="float32")
        self._odd_byte = b""
        self._parity = 0
        self._started = False
        self._result: list[Hypothesis] | None = None

    def feed(self, pcm: bytes) -> None:
        """Add 8 kHz int16 LE mono audio (any length; an odd byte waits for the next call)."""
        if self._result is not None:
            raise RuntimeError("feed() after finish(): create a new decoder per utterance")
        data = self._odd_byte + pcm
        usable = len(data) - len(data) % 2
        self._odd_byte = data[usable:]
        if usable:
            samples = np.frombuffer(data[:usable], dtype="<i2").astype(np.float32) / 32768.0
            self._process(self._resampler.resample_chunk(samples))

    def _process(self, audio16k: np.ndarray) -> None:
        if not self._started:
            self._decoder.start_utt()
            self._started = True
        if not audio16k.size:
            return
        signs = 1.0 - 2.0 * ((np.arange(audio16k.size) + self._parity) % 2)
        self._parity = (self._parity + audio16k.size) % 2
        folded = audio16k.reshape(-1) * (1.0 + FOLD_GAIN * signs)
        pcm16 = np.clip(np.rint(folded * 32768.0), -32768, 32767).astype("<i2")
        for start in range(0, pcm16.size, SLICE_SAMPLES):
            self._decoder.process_raw(pcm16[start : start + SLICE_SAMPLES].tobytes(), False, False)

    def partial(self) -> str:
        """The best hypothesis so far ("" before any word); after finish(), the final one."""
        if self._result is not None:
            return self._result[0].transcript if self._result else ""
        if not self._started:
            return ""
        if self.search == "grammar":
            reading = self._grammar_reading()
            return reading.transcript if reading else ""
        hyp = self._decoder.hyp()
        return " ".join(hyp.hypstr.split()) if hyp is not None else ""

    def finish(self, n_best: int = 1) -> list[Hypothesis]:
        """End the utterance; up to ``n_best`` distinct transcripts, the decoder's best first.

        Empty when nothing was fed or nothing recognisable was heard; a grammar search gives at
        most one. Calling it again returns the same result.
        """
        if n_best < 1:
            raise ValueError(f"n_best must be at least 1, got {n_best}")
        if self._result is None:
            if self._started:
                tail = self._resampler.resample_chunk(np.zeros(0, np.float32), last=True)
                self._process(tail)
                self._decoder.end_utt()
            self._result = self._hypotheses() if self._started else []
        return self._result[:n_best]

    def _hypotheses(self) -> list[Hypothesis]:
        if self.search == "grammar":
            reading = self._grammar_reading()
            return [reading] if reading else []
        hyp = self._decoder.hyp()
        best = " ".join(hyp.hypstr.split()) if hyp is not None else ""
        words = [seg for seg in self._decoder.seg() or () if not _is_filler(seg)]
        if not best or not words:
            return []
        confidence = _unit(sum(seg.prob for seg in words) / len(words))
        return [Hypothesis(best, confidence), *self._alternatives(best, confidence)]

    def _grammar_reading(self) -> Hypothesis | None:
        """The current best grammar path and its acoustic confidence; None when rejected."""
        hyp = self._decoder.hyp()
        best = " ".join(hyp.hypstr.split()) if hyp is not None else ""
        segments = [seg for seg in self._decoder.seg() or () if seg.start_frame >= 0]
        words = [index for index, seg in enumerate(segments) if not _is_filler(seg)]
        if not best or not words:
            return None
        span = segments[words[0] : words[-1] + 1]  # inner pauses count, leading/trailing do not
        frames = sum(seg.end_frame - seg.start_frame + 1 for seg in span)
        logmath = self._decoder.get_logmath()
        score = sum(_log(logmath, seg.ascore) for seg in span) / max(frames, 1)
        logit = max((score - ACOUSTIC_MIDPOINT) / ACOUSTIC_WIDTH, -700.0)
        confidence = _unit(1.0 / (1.0 + math.exp(-logit)))
        return Hypothesis(best, confidence) if confidence >= REJECT_BELOW else None

    def _alternatives(self, best: str, confidence: float) -> list[Hypothesis]:
        """Other transcripts of the language-model lattice, best first, below ``confidence``."""
        logmath = self._decoder.get_logmath()
        scores: dict[str, float] = {}
        for path in itertools.islice(self._decoder.nbest() or (), NBEST_SCAN):
            text = " ".join(path.hypstr.split()) if path is not None else ""
            if text:
                scores[text] = max(scores.get(text, -math.inf), _log(logmath, path.score))
        top = scores.pop(best, max(scores.values(), default=0.0))
        # Path scores are log base 1.0001; pocketsphinx divides them by ascale for posteriors.
        scale = math.log(float(self._decoder.config["logbase"])) / self._decoder.config["ascale"]
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        return [
            Hypothesis(text, _unit(confidence * math.exp(max(min(s - top, 0.0) * scale, -700.0))))
            for text, s in ranked
        ]


def _is_filler(segment: Any) -> bool:
    return bool(segment.word.startswith(("<", "[", "(")))  # <sil> <s> </s> [NOISE] (NULL)


def _log(logmath: Any, probability: float) -> float:
    """Back to pocketsphinx's integer log domain (-inf for an underflowed probability)."""
    return float(logmath.log(probability)) if probability > 0.0 else -math.inf


def _unit(value: float) -> float:
    return 0.0 if math.isnan(value) else min(1.0, max(0.0, value))
