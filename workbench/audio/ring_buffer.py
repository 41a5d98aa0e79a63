"""A single-producer, single-consumer ring of audio frames: what the PortAudio callback writes into.

The callback runs on PortAudio's thread and must never wait, allocate much or take a lock the
consumer may hold: :meth:`FrameRing.write` copies the block into preallocated storage and moves
the write counter, nothing more. When the ring is full the newest frames are dropped (the consumer
is too slow) and counted as an overrun; the consumer reads what is there with :meth:`read`.

Thread-safety comes from the counters: the producer only advances ``_written`` and the consumer
only ``_read``, each after its copy is done, and an int assignment is atomic under the GIL.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


class FrameRing:
    """Frames of ``channels`` samples of ``dtype``, at most ``capacity`` of them pending."""

    def __init__(self, capacity: int, channels: int = 1, dtype: npt.DTypeLike = np.float32) -> None:
        if capacity <= 0 or channels <= 0:
            raise ValueError(
                f"FrameRing: capacity and channels must be > 0, got {capacity}, {channels}"
            )
        self.capacity = capacity
        self.channels = channels
        self._data = np.zeros((capacity, channels), dtype=dtype)
        self._written = 0  # total frames ever written (producer's counter)
        self._read = 0  # total frames ever read (consumer's counter)
        self.overrun_frames = 0
        """Frames dropped because the ring was full (producer side)."""
        self.overruns = 0
        """Number of writes that had to drop frames."""

    @property
    def available(self) -> int:
        """Frames written and not read yet."""
        return self._written - self._read

    @property
    def frames_written(self) -> int:
        return self._written

    def write(self, block: npt.NDArray[np.generic]) -> int:
        """Copy ``block`` (frames × channels, or frames for mono) in; return the frames kept."""
        frames = block.reshape(-1, 1) if block.ndim == 1 else block
        room = self.capacity - (self._written - self._read)
        kept = min(len(frames), room)
        if kept < len(frames):
            self.overruns += 1
            self.overrun_frames += len(frames) - kept
        if kept:
            start = self._written % self.capacity
            first = min(kept, self.capacity - start)
            self._data[start : start + first] = frames[:first]
            if kept > first:
                self._data[: kept - first] = frames[first:kept]
            self._written += kept
        return kept

    def read(self, max_frames: int | None = None) -> npt.NDArray[np.generic]:
        """Up to ``max_frames`` (all pending when None) frames, oldest first, as a new array."""
        count = self.available if max_frames is None else min(max_frames, self.available)
        start = self._read % self.capacity
        first = min(count, self.capacity - start)
        out = np.empty((count, self.channels), dtype=self._data.dtype)
        out[:first] = self._data[start : start + first]
        if count > first:
            out[first:] = self._data[: count - first]
        self._read += count
        return out

    def discard(self, frames: int) -> int:
        """Drop up to ``frames`` of the oldest pending frames; return how many were dropped."""
        dropped = min(frames, self.available)
        self._read += dropped
        return dropped
