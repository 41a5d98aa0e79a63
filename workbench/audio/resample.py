"""Any rate, any channel count → the protocol's 8 kHz mono int16, block by block.

soxr's streaming resampler (high quality: a linear-phase low-pass at the new Nyquist frequency,
so a 5 kHz tone in a 48 kHz capture does not fold back into the telephone band as naive
decimation would). Channels are averaged first, then resampled as float32, then rounded and
clipped to int16. The stream keeps its filter state between blocks, so blocks of any size give
the same samples as the whole signal at once; :meth:`StreamResampler.flush` returns the tail the
filter still holds when the input ends.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import soxr

PROTOCOL_RATE: Final = 8000
"""The H2B stream rate (H2B.md §6)."""

Pcm = npt.NDArray[np.int16]


def to_float32(block: npt.NDArray[np.generic]) -> npt.NDArray[np.float32]:
    """Samples of any integer or float dtype as float32 in [-1, 1)."""
    if block.dtype == np.float32:
        return block  # type: ignore[return-value]
    if np.issubdtype(block.dtype, np.floating):
        return block.astype(np.float32)
    if block.dtype == np.uint8:  # WAV 8-bit is unsigned, centred on 128
        return ((block.astype(np.float32) - 128.0) / 128.0).astype(np.float32)
    scale = float(2 ** (8 * block.dtype.itemsize - 1))
    return (block.astype(np.float64) / scale).astype(np.float32)


def to_int16(samples: npt.NDArray[np.floating]) -> Pcm:
    """float samples in [-1, 1) → int16, rounded, clipped at full scale."""
    scaled = np.rint(np.asarray(samples, dtype=np.float64) * 32768.0)
    return np.clip(scaled, -32768, 32767).astype(np.int16)


def downmix(block: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """frames × channels → mono by averaging (a 1-D block is already mono)."""
    if block.ndim == 1:
        return block
    if block.shape[1] == 1:
        return block[:, 0]
    return np.asarray(block.mean(axis=1, dtype=np.float32), dtype=np.float32)


class StreamResampler:
    """Blocks at ``in_rate`` with ``channels`` channels in, 8 kHz mono int16 out."""

    def __init__(self, in_rate: float, channels: int = 1, out_rate: int = PROTOCOL_RATE) -> None:
        if in_rate <= 0 or channels <= 0:
            raise ValueError(
                f"StreamResampler: bad input format {in_rate} Hz × {channels} channels"
            )
        self.in_rate = float(in_rate)
        self.out_rate = out_rate
        self.channels = channels
        self._passthrough = self.in_rate == out_rate
        self._stream = (
            None
            if self._passthrough
            else soxr.ResampleStream(self.in_rate, out_rate, 1, "float32", "HQ")
        )

    def process(self, block: npt.NDArray[np.generic]) -> Pcm:
        """Resample one block (frames, or frames × channels, any sample dtype)."""
        mono = downmix(to_float32(block))
        if self._stream is None:
            return to_int16(mono)
        return to_int16(self._stream.resample_chunk(np.ascontiguousarray(mono)))

    def flush(self) -> Pcm:
        """The samples the filter still holds; the stream is ready for a new signal after."""
        if self._stream is None:
            return np.zeros(0, dtype=np.int16)
        tail = self._stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
        self._stream.clear()
        return to_int16(tail)


def resample_all(samples: npt.NDArray[np.generic], in_rate: float, channels: int = 1) -> Pcm:
    """A whole signal (frames or frames × channels) → 8 kHz mono int16, tail included."""
    resampler = StreamResampler(in_rate, channels)
    head = resampler.process(samples)
    return np.concatenate([head, resampler.flush()])
