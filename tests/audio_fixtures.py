"""Synthetic test speech: espeak-ng or flite, resampled with sox, as 8 kHz mono int16 PCM bytes.

Every function returns little-endian int16 mono PCM (the H2B ``linear`` codec) as ``bytes``.

* :func:`synthesize` speaks ``text`` with one TTS voice, converts it with ``sox -D`` (no dither,
  so the result is the same on every run) and adds a faint, seeded Gaussian noise floor
  (sd 10 on the int16 scale, about -70 dBFS). TTS output holds exact digital zeros between
  words, which real microphones never produce and which hurt pocketsphinx's normalisation
  (FEASIBILITY.md §4). Results are cached on disk under ``$TMPDIR/h2b-workbench-tts-<uid>``.
* :func:`silence` is the same noise floor alone, for padding before and after speech.
* :data:`VOICES` lists the ``(engine, voice)`` pairs of the dev set; :func:`have_tts` tells
  whether the binaries are installed. A missing binary makes :func:`synthesize` raise
  :class:`TtsUnavailableError` naming the Debian package (``make test`` installs them).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Literal

import numpy as np

TtsEngine = Literal["espeak-ng", "flite"]

VOICES: list[tuple[TtsEngine, str]] = [
    ("espeak-ng", "en-us"),
    ("espeak-ng", "en-us+klatt"),
    ("espeak-ng", "en-gb"),
    ("flite", "slt"),
    ("flite", "rms"),
    ("flite", "awb"),
    ("flite", "kal16"),
]
"""The dev-set voices: ``(engine, voice)`` pairs that :func:`synthesize` accepts."""

NOISE_SD = 10.0
"""Standard deviation of the added noise floor, on the int16 scale (about -70 dBFS)."""

_FORMAT_VERSION = "1"  # bump when the processing changes, so old cache entries are ignored
_TIMEOUT_S = 60


class TtsUnavailableError(RuntimeError):
    """A TTS or audio tool needed to synthesize test speech is not installed."""


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise TtsUnavailableError(
            f"'{name}' is not installed; test speech needs it "
            f"(apt-get install {name}, or run `make test`, which installs it)"
        )
    return path


def have_tts(engine: TtsEngine | None = None) -> bool:
    """True when ``sox`` and the given TTS engine (both engines when None) are installed."""
    engines: list[str] = ["espeak-ng", "flite"] if engine is None else [engine]
    return all(shutil.which(name) is not None for name in ["sox", *engines])


def _cache_dir() -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else 0
    path = Path(tempfile.gettempdir()) / f"h2b-workbench-tts-{uid}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _seed(*parts: object) -> int:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "little")


def _noise(samples: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, NOISE_SD, samples)


def _with_noise_floor(pcm: bytes, seed: int) -> bytes:
    clean = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    noisy = np.rint(clean + _noise(clean.size, seed))
    return bytes(np.clip(noisy, -32768, 32767).astype("<i2").tobytes())


def _run(command: list[str], stdin: bytes | None = None) -> None:
    result = subprocess.run(
        command, input=stdin, capture_output=True, timeout=_TIMEOUT_S, check=False
    )
    if result.returncode != 0:
        error = result.stderr.decode(errors="replace").strip()
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {error}")


def _speak(text: str, voice: str, engine: TtsEngine, wav: Path) -> None:
    if engine == "espeak-ng":
        # The text goes through stdin so that a text starting with '-' is never an option.
        _run([_binary("espeak-ng"), "-v", voice, "-w", str(wav), "--stdin"], text.encode())
    elif engine == "flite":
        _run([_binary("flite"), "-voice", voice, "-t", text, "-o", str(wav)])


def synthesize(
    text: str, voice: str = "en-us", engine: TtsEngine = "espeak-ng", rate: int = 8000
) -> bytes:
    """``text`` spoken by ``voice`` as mono int16 LE PCM at ``rate`` Hz, with the noise floor.

    Deterministic: the same arguments always give the same bytes. Raises
    :class:`TtsUnavailableError` when ``sox`` or the engine is missing.
    """
    if not text.strip():
        raise ValueError("synthesize: the text is empty")
    if engine not in ("espeak-ng", "flite"):
        raise ValueError(f"unknown TTS engine '{engine}' (expected 'espeak-ng' or 'flite')")
    sox = _binary("sox")
    _binary(engine)
    key = (_FORMAT_VERSION, engine, voice, rate, NOISE_SD, text)
    name = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
    cached = _cache_dir() / f"{name}.raw"
    try:
        return cached.read_bytes()
    except FileNotFoundError:
        pass  # not made yet (or the cache was cleared): synthesize it
    with tempfile.TemporaryDirectory(prefix="h2b-tts-") as work:
        wav = Path(work) / "speech.wav"
        raw = Path(work) / "speech.raw"
        _speak(text, voice, engine, wav)
        convert = [sox, "-D", str(wav), "-t", "raw", "-r", str(rate), "-c", "1", "-b", "16"]
        _run([*convert, "-e", "signed-integer", "-L", str(raw)])
        pcm = _with_noise_floor(raw.read_bytes(), _seed(*key))
    partial = cached.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(pcm)
    partial.replace(cached)  # atomic: parallel test workers never read half a file
    return pcm


def silence(ms: int, rate: int = 8000, *, noise_floor: bool = True) -> bytes:
    """``ms`` milliseconds of "silence" as int16 LE PCM: the noise floor, or exact zeros."""
    if ms < 0:
        raise ValueError(f"silence: ms must be >= 0, got {ms}")
    samples = rate * ms // 1000
    if not noise_floor:
        return bytes(2 * samples)
    return _with_noise_floor(bytes(2 * samples), _seed("silence", rate, samples))


def duration_s(pcm: bytes, rate: int = 8000) -> float:
    """How long ``pcm`` (int16 mono) lasts, in seconds."""
    return len(pcm) / 2 / rate
