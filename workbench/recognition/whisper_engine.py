"""faster-whisper as a recognition engine: open vocabulary, far better on free speech.

Whisper is not a streaming recognizer: a decoder keeps the utterance's audio and transcribes it
when asked, at most once per new audio: the server asks at pauses in speech (hotword matches,
end-of-speech decisions) and the final n-best then comes from that same pass. The grammars bias
it through an initial prompt ("Yes. No." for booleans, a few numbers, the keywords themselves).
Output text is normalised to protocol transcripts ("42." → "forty two"). When a keyword list is
requested and no hypothesis is in it, whisper scores the keywords themselves
(:mod:`workbench.recognition.whisper_phrases`) and the best one may join the n-best.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import soxr

from workbench.protocol.grammars import GrammarUri, split_alternatives
from workbench.recognition.engine import (
    SAMPLE_RATE,
    EngineUnavailableError,
    Hypothesis,
    UnsupportedError,
)
from workbench.recognition.transcript_text import normalise_transcript
from workbench.recognition.whisper_phrases import PhraseList, grammar_hypothesis, phrase_list

NBEST_BEAMS = 8
TRANSCRIBE_WORKERS = 2
CONFIDENCE_EXPONENT = 0.35
"""Calibration of exp(mean token log-probability) × P(speech) into a 0..1 confidence.

Measured on the dev set (``make quality``): 95 % of the right answers score above 0.15 raw and
most false matches below 0.2, so raising to 0.35 puts the default confidence_threshold (0.5)
at a raw 0.14: right answers pass, many false ones do not."""
MAX_TOKENS = 96
_WHISPER_RATE = 16000
_PROMPTS = {
    "speech/boolean": "Yes. No.",
    "speech/spelling/digits": "Numbers: 7, 42, 99, 2024.",
    "speech/zipcode": "Zip code 90210.",
    "speech/spelling/phone_number": "Phone number 415 555 0123.",
    "speech/date": "March 5th, 2024.",
    "speech/spelling/mixed": "A B C 1 2 3.",
}


def _prompt(grammars: Sequence[GrammarUri]) -> str | None:
    parts = []
    for grammar in grammars:
        if grammar.path == "speech/keywords":
            words = split_alternatives(grammar.param("alternatives") or "")
            parts.append(", ".join(word.replace("-", " ") for word in words) + ".")
        elif grammar.path in _PROMPTS:
            parts.append(_PROMPTS[grammar.path])
    return " ".join(parts) or None


class WhisperEngine:
    """faster-whisper with a CTranslate2 model directory (or a model name to download once)."""

    name = "faster-whisper"

    def __init__(self, model: str | Path, *, download_root: Path | None = None) -> None:
        self._model_ref = model
        self._download_root = download_root
        self._model: Any = None
        self._load_lock = threading.Lock()
        self._tokenizer_cache: Any = None
        label = Path(model).name if isinstance(model, Path) else str(model)
        self.asr_model = f"en.whisper-{label}" if label.endswith(".en") else f"whisper-{label}"

    def languages(self) -> frozenset[str]:
        """English for ``*.en`` models and directories without a multilingual vocabulary."""
        return frozenset({"en"})

    def load(self) -> Any:
        """Load the model now (the first decoder would otherwise pay for it); thread-safe."""
        with self._load_lock:
            if self._model is None:
                self._model = self._open()
            return self._model

    def _open(self) -> Any:
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise EngineUnavailableError(
                "faster-whisper is not installed: pip install 'h2b-workbench[whisper]'"
            ) from None
        reference = self._model_ref
        if isinstance(reference, Path) and not (reference / "model.bin").is_file():
            raise EngineUnavailableError(
                f"{reference} holds no CTranslate2 whisper model (model.bin is missing)"
            )
        try:
            return WhisperModel(
                str(reference),
                device="cpu",
                compute_type="int8",
                cpu_threads=2,
                num_workers=TRANSCRIBE_WORKERS,
                download_root=str(self._download_root) if self._download_root else None,
            )
        except Exception as error:  # download and load failures come in many types
            raise EngineUnavailableError(
                f"cannot get the whisper model {str(reference)!r}: {type(error).__name__}: "
                f"{error}. If this machine is offline, copy a CTranslate2 model directory "
                "here and pass it with --whisper-model DIR"
            ) from None

    def decoder(self, grammars: Sequence[GrammarUri], language: str) -> WhisperDecoder:
        """A decoder biased towards ``grammars``; English only."""
        primary = language.split("-", maxsplit=1)[0].lower()
        if primary not in self.languages():
            raise UnsupportedError(
                f"speech_language {language!r} is not available with {self.asr_model}; "
                f"available: {', '.join(sorted(self.languages()))}"
            )
        return WhisperDecoder(self, _prompt(grammars), phrase_list(grammars))

    def transcribe(
        self,
        audio16k: np.ndarray,
        prompt: str | None,
        n_best: int = 1,
        listed: PhraseList | None = None,
    ) -> list[Hypothesis]:
        """Up to ``n_best`` distinct transcripts of one utterance (≤ 30 s), best first.

        The beam is at least ``NBEST_BEAMS`` wide whatever ``n_best`` is; empty and repeated
        transcripts are dropped. With ``listed`` phrases and none of the transcripts accepted by
        their grammars, the best phrase whisper finds likely enough is placed among them by its
        confidence (within the first ``n_best``).
        """
        from faster_whisper.audio import pad_or_trim

        model = self.load()
        beams = max(n_best, NBEST_BEAMS)
        tokenizer = self._tokenizer(model)
        # Thread-safe: CTranslate2 runs TRANSCRIBE_WORKERS calls at once and queues the rest.
        features = pad_or_trim(model.feature_extractor(audio16k))
        encoded = model.encode(features)
        previous = tokenizer.encode(" " + prompt.strip()) if prompt else []
        tokens = model.get_prompt(tokenizer, previous_tokens=previous, without_timestamps=True)
        result = model.model.generate(
            encoded,
            [tokens],
            beam_size=beams,
            num_hypotheses=beams,
            return_scores=True,
            return_no_speech_prob=True,
            max_length=MAX_TOKENS,
            suppress_blank=True,
        )[0]
        speech = 1.0 - float(result.no_speech_prob)
        hypotheses: list[Hypothesis] = []
        seen: dict[str, str] = {}
        for ids, score in zip(result.sequences_ids, result.scores, strict=True):
            decoded = tokenizer.decode(ids)
            text = normalise_transcript(decoded)
            if not text or text in seen:
                continue
            seen[text] = decoded
            confidence = (math.exp(min(float(score), 0.0)) * speech) ** CONFIDENCE_EXPONENT
            hypotheses.append(Hypothesis(text, max(0.0, min(1.0, confidence))))
        hypotheses = hypotheses[:n_best]
        if listed and hypotheses and not any(listed.accepts(h.transcript) for h in hypotheses):
            heard = seen[hypotheses[0].transcript]
            found = grammar_hypothesis(
                model.model, tokenizer, encoded, tokens, listed=listed, heard=heard, speech=speech
            )
            if found is not None:
                at = next(
                    (i for i, h in enumerate(hypotheses) if h.confidence < found.confidence),
                    len(hypotheses),
                )
                hypotheses.insert(min(at, n_best - 1), found)
        return hypotheses[:n_best]

    def _tokenizer(self, model: Any) -> Any:
        with self._load_lock:
            return self._make_tokenizer(model)

    def _make_tokenizer(self, model: Any) -> Any:
        if self._tokenizer_cache is None:
            from faster_whisper.tokenizer import Tokenizer

            multilingual = bool(model.model.is_multilingual)
            language = "en" if multilingual else None
            self._tokenizer_cache = Tokenizer(
                model.hf_tokenizer, multilingual, task="transcribe", language=language
            )
        return self._tokenizer_cache


class WhisperDecoder:
    """Keeps one utterance's audio; transcribes it when asked, once per new audio."""

    def __init__(
        self, engine: WhisperEngine, prompt: str | None, listed: PhraseList | None = None
    ) -> None:
        self._engine = engine
        self._prompt = prompt
        self._listed = listed
        self._chunks: list[np.ndarray] = []
        self._samples = 0
        self._decoded_samples = -1
        self._decoded: list[Hypothesis] = []

    def feed(self, pcm: bytes) -> None:
        """Keep 8 kHz int16 audio."""
        self._chunks.append(np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0)
        self._samples += len(pcm) // 2

    def _audio16k(self) -> np.ndarray:
        audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.float32)
        return np.asarray(soxr.resample(audio, SAMPLE_RATE, _WHISPER_RATE), dtype=np.float32)

    def _nbest(self, depth: int) -> list[Hypothesis]:
        """The n-best of all the audio so far, computed once per new audio."""
        if self._decoded_samples != self._samples or depth > NBEST_BEAMS:
            self._decoded = self._engine.transcribe(
                self._audio16k(), self._prompt, max(depth, NBEST_BEAMS), self._listed
            )
            self._decoded_samples = self._samples
        return self._decoded[:depth]

    def partial(self) -> str:
        """The best transcript of the audio so far.

        It is the full n-best decoding, kept: when the caller asks at the end of speech (as the
        server does) and feeds nothing more, ``finish`` costs nothing.
        """
        if not self._samples:
            return ""
        best = self._nbest(NBEST_BEAMS)
        return best[0].transcript if best else ""

    def finish(self, n_best: int = 1) -> list[Hypothesis]:
        """The n-best transcripts of the whole utterance."""
        if not self._samples:
            return []
        return self._nbest(n_best)
