"""Level metering and waveform decimation for the UI's meters and scrolling waveform, without Qt.

Everything here works on 8 kHz int16 chunks with numpy and counts time in samples, never with a
clock: the same audio always gives the same meter readings, which keeps the tests exact and lets
a replayed session show the same meters as the live one.

* :class:`LevelMeter` turns each chunk into a :class:`Level` (RMS, peak, clipping) plus the
  held values a meter widget draws: a peak marker that lingers, then falls, and a clip light
  that stays on for a while after a clipped sample so a one-sample clip is still seen at 30 Hz.
* :func:`minmax_decimate` gives one min/max pair per pixel column, so a waveform of any length
  draws in as many line segments as there are pixels and no peak is lost between them.
* :class:`WaveformHistory` keeps the last few seconds of samples for the scrolling view.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

Pcm = npt.NDArray[np.int16]

RATE: Final = 8000
"""The protocol's sample rate (H2B.md §6); hold times given in seconds are converted with it."""

FULL_SCALE: Final = 32768.0
"""dBFS reference: int16 full scale. A full-scale sine reads 0 dBFS peak and -3.01 dBFS RMS."""

FLOOR_DBFS: Final = -120.0
"""What silence reads, instead of -inf: below the quietest non-zero int16 level (-90.3 dBFS)."""

CLIP_HIGH: Final = 32766
CLIP_LOW: Final = -32767
"""A sample clips when it is at or within one LSB of full scale: >= 32766 or <= -32767.

One LSB of slack because many converters and resamplers stop one step short of the rail
(32767 rounded down, or -32768 never produced), and such audio has been clipped all the same.
"""


def to_dbfs(value: float) -> float:
    """An amplitude on the int16 scale in dBFS, never below :data:`FLOOR_DBFS` (so never -inf)."""
    if value <= 0.0:
        return FLOOR_DBFS
    return max(FLOOR_DBFS, 20.0 * math.log10(value / FULL_SCALE))


@dataclass(frozen=True)
class Level:
    """The meter reading for one chunk.

    ``rms_dbfs``, ``peak_dbfs`` and ``clipping`` describe the chunk alone; ``peak_hold_dbfs`` and
    ``clip_hold`` are the held values at the end of the chunk (see :class:`LevelMeter`). Levels
    are dBFS against 32768, floored at :data:`FLOOR_DBFS`; ``clipping`` means a sample at or
    within one LSB of full scale (>= 32766 or <= -32767).
    """

    rms_dbfs: float
    peak_dbfs: float
    clipping: bool
    peak_hold_dbfs: float = FLOOR_DBFS
    clip_hold: bool = False


SILENT: Final = Level(FLOOR_DBFS, FLOOR_DBFS, False)
"""The reading before any audio (or for an empty chunk with nothing held)."""


class LevelMeter:
    """RMS, peak and clipping per chunk, with a peak hold and a clip hold counted in samples.

    The held peak stays where it was for ``hold_samples`` samples, then falls at
    ``decay_db_per_sample`` until a louder chunk lifts it again. ``clip_hold`` is true for a
    chunk that clipped and then until ``clip_hold_samples`` samples have passed after the last
    clipped sample (so a long chunk that clipped early still lights the lamp). Time is the number
    of samples fed, never the wall clock, so the same chunks always give the same readings.

    The clip hold depends on the audio alone. The peak hold follows the loudest sample of each
    chunk (its last occurrence), so a slightly quieter peak later in the same chunk is not held
    on its own: smaller chunks can show a slightly higher held peak while the loud one falls,
    never a lower one than the loudest sample's own hold-then-fall curve.
    """

    def __init__(
        self,
        hold_s: float = 1.0,
        decay_db_per_s: float = 20.0,
        clip_hold_s: float = 1.0,
        rate: int = RATE,
    ) -> None:
        if hold_s < 0 or decay_db_per_s < 0 or clip_hold_s < 0 or rate <= 0:
            raise ValueError(
                f"LevelMeter: times, decay and rate must not be negative, got hold {hold_s} s, "
                f"decay {decay_db_per_s} dB/s, clip hold {clip_hold_s} s, rate {rate} Hz"
            )
        self.hold_samples = round(hold_s * rate)
        self.decay_db_per_sample = decay_db_per_s / rate
        self.clip_hold_samples = round(clip_hold_s * rate)
        self.reset()

    def reset(self) -> None:
        """Forget the held values and the sample count (a new stream starts)."""
        self.samples_fed = 0
        """Samples fed since the start or the last :meth:`reset`: the meter's clock."""
        self._held_peak_dbfs = FLOOR_DBFS
        self._held_at = 0  # sample index of the held peak
        self._last_clip_end: int | None = None  # index just past the last clipped sample
        self.last = SILENT
        """The reading of the most recent chunk."""

    def _held_value(self, value_dbfs: float, at: int, now: int) -> float:
        """A peak of ``value_dbfs`` seen at sample ``at``, as the hold shows it at ``now``."""
        falling = max(0, now - at - self.hold_samples)
        return max(FLOOR_DBFS, value_dbfs - falling * self.decay_db_per_sample)

    def feed(self, pcm: Pcm) -> Level:
        """Measure one chunk of int16 samples and advance the holds; return the reading."""
        samples = np.asarray(pcm).reshape(-1)
        start = self.samples_fed
        end = start + len(samples)
        self.samples_fed = end
        if len(samples):
            wide = samples.astype(np.int64)
            rms = math.sqrt(float(np.mean(wide * wide, dtype=np.float64)))
            magnitudes = np.abs(wide)
            peak_index = len(magnitudes) - 1 - int(np.argmax(magnitudes[::-1]))  # the last one
            peak = float(magnitudes[peak_index])
            clipped = np.flatnonzero((wide >= CLIP_HIGH) | (wide <= CLIP_LOW))
            if len(clipped):
                self._last_clip_end = start + int(clipped[-1]) + 1
        else:
            rms = peak = 0.0
            peak_index = 0
            clipped = np.zeros(0, dtype=np.intp)
        peak_dbfs = to_dbfs(peak)
        old = self._held_value(self._held_peak_dbfs, self._held_at, end)
        new = self._held_value(peak_dbfs, start + peak_index, end)
        if len(samples) and new >= old:
            self._held_peak_dbfs, self._held_at = peak_dbfs, start + peak_index
        clip_hold = (
            self._last_clip_end is not None and end - self._last_clip_end < self.clip_hold_samples
        ) or bool(len(clipped))
        self.last = Level(
            rms_dbfs=to_dbfs(rms),
            peak_dbfs=peak_dbfs,
            clipping=bool(len(clipped)),
            peak_hold_dbfs=max(old, new),
            clip_hold=clip_hold,
        )
        return self.last


def minmax_decimate(
    pcm: npt.NDArray[np.generic], columns: int
) -> tuple[npt.NDArray[np.generic], npt.NDArray[np.generic]]:
    """Each pixel column's min and max sample, for drawing ``len(pcm)`` samples in ``columns``.

    Column ``c`` holds samples ``[c*N//columns, (c+1)*N//columns)``: every sample falls in
    exactly one column and the columns differ in size by at most one when N is not a multiple.
    With fewer samples than columns each sample is a column of its own, so the result has
    ``min(N, columns)`` entries (none for an empty input); the view spreads them over its
    width. Drawing a vertical line from min to max per column shows every peak, which plain
    subsampling would skip. The dtype is the input's.
    """
    if columns <= 0:
        raise ValueError(f"minmax_decimate: columns must be > 0, got {columns}")
    samples = np.asarray(pcm).reshape(-1)
    count = len(samples)
    if count <= columns:
        return samples.copy(), samples.copy()
    starts = (np.arange(columns, dtype=np.int64) * count) // columns
    return np.minimum.reduceat(samples, starts), np.maximum.reduceat(samples, starts)


class WaveformHistory:
    """The most recent ``seconds`` of samples, for a scrolling waveform; a fixed-size ring.

    Appending copies at most two slices (the ring wraps once), however long the chunk; a chunk
    longer than the history keeps only its tail. Not thread-safe: the controller appends and the
    UI timer takes snapshots on the same (event loop) thread.
    """

    def __init__(self, seconds: float, rate: int = RATE) -> None:
        capacity = round(seconds * rate)
        if capacity <= 0:
            raise ValueError(f"WaveformHistory: needs a positive length, got {seconds} s")
        self.capacity = capacity
        self.rate = rate
        self._ring = np.zeros(capacity, dtype=np.int16)
        self.total_samples = 0
        """Samples ever appended: the position of the newest sample's end in the stream."""

    def append(self, pcm: Pcm) -> None:
        """Add a chunk of int16 samples at the end (the oldest ones fall out)."""
        samples = np.asarray(pcm, dtype=np.int16).reshape(-1)
        count = len(samples)
        if count >= self.capacity:
            # Stream sample i lives at ring[i % capacity]; rolling the tail keeps that true.
            end = (self.total_samples + count) % self.capacity
            self._ring[:] = np.roll(samples[-self.capacity :], end)
        elif count:
            start = self.total_samples % self.capacity
            first = min(count, self.capacity - start)
            self._ring[start : start + first] = samples[:first]
            self._ring[: count - first] = samples[first:]
        self.total_samples += count

    def __len__(self) -> int:
        """Samples held: the history length once it has filled, fewer before."""
        return min(self.total_samples, self.capacity)

    def snapshot(self) -> Pcm:
        """The held samples, oldest first, as a new array."""
        held = len(self)
        start = self.total_samples % self.capacity
        if held < self.capacity:
            return self._ring[:held].copy()
        return np.concatenate([self._ring[start:], self._ring[:start]])

    def clear(self) -> None:
        """Forget the samples and restart the counter."""
        self._ring[:] = 0
        self.total_samples = 0
