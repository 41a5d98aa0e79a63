"""The labelled dev set for the recognition quality report, generated with the TTS voices.

Every phrase is spoken by every voice of ``VOICES`` at 8 kHz, clean and with added noise, so the
report covers several speakers and a telephone-grade signal. The ``OUT_OF_GRAMMAR`` sentences are
said against every grammar and should match nothing (value None): their rows, conditions ``oog``
and ``oog+n`` (noisy), give 100 % minus the false-accept rate.
"""

from __future__ import annotations

import numpy as np

from tests.audio_fixtures import VOICES, silence, synthesize
from workbench.recognition.evaluation import LabelledUtterance

DIGITS = "builtin:speech/spelling/digits?regex=[0-9]{1,2}"
BOOLEAN = "builtin:speech/boolean"
KEYWORDS = "builtin:speech/keywords?alternatives=billing|support|cancel|sales"
GRAMMARS = (DIGITS, BOOLEAN, KEYWORDS)

PHRASES: list[tuple[str, str, object]] = [
    (DIGITS, "forty two", "42"),
    (DIGITS, "seven", "7"),
    (DIGITS, "ninety nine", "99"),
    (DIGITS, "thirteen", "13"),
    (DIGITS, "sixty five", "65"),
    (DIGITS, "zero", "0"),
    (BOOLEAN, "yes", True),
    (BOOLEAN, "no", False),
    (BOOLEAN, "yeah", True),
    (BOOLEAN, "nope", False),
    (BOOLEAN, "sure", True),
    (BOOLEAN, "no thanks", False),
    (KEYWORDS, "billing", "billing"),
    (KEYWORDS, "i want to cancel", "cancel"),
    (KEYWORDS, "support please", "support"),
    (KEYWORDS, "sales", "sales"),
]

OUT_OF_GRAMMAR = (
    "what is the weather like in paris",
    "hello how are you",
    "please call me later",
    "hello",
    "maybe",
)
"""Answers that none of the dev set's grammars accepts, said against each of them."""

NOISE_SNR_DB = 20.0


def _with_noise(pcm: bytes, seed: int) -> bytes:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    power = float(np.mean(samples**2)) or 1.0
    sd = np.sqrt(power / (10 ** (NOISE_SNR_DB / 10)))
    noisy = samples + np.random.default_rng(seed).normal(0.0, sd, samples.size)
    return bytes(np.clip(noisy, -32768, 32767).astype("<i2").tobytes())


def devset(*, quick: bool = False) -> list[LabelledUtterance]:
    """All phrases × voices × (clean, noisy), then the out-of-grammar ones against each grammar.

    ``quick`` keeps one voice, clean audio and the labelled phrases only.
    """
    voices = VOICES[3:4] if quick else VOICES
    negatives = [] if quick else [(g, t, None) for t in OUT_OF_GRAMMAR for g in GRAMMARS]
    items = []
    for index, (grammar, text, expected) in enumerate([*PHRASES, *negatives]):
        clean, noisy = ("clean", "noisy") if expected is not None else ("oog", "oog+n")
        for engine, voice in voices:
            speech = silence(300) + synthesize(text, voice, engine) + silence(300)
            items.append(LabelledUtterance(grammar, expected, speech, f"{text} / {voice}", clean))
            if not quick:
                label = f"{text} / {voice} +noise"
                noised = _with_noise(speech, seed=index)
                items.append(LabelledUtterance(grammar, expected, noised, label, noisy))
    return items
