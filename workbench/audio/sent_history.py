"""The audio the client really sent, kept to listen back and save: a ring by stream position.

The outgoing :class:`~workbench.audio.stream.AudioStream` numbers its samples 0, 1, 2… from its
start (:attr:`~workbench.audio.chunks.Chunk.first_sample`); :class:`SentAudioHistory` keeps the
chunks that really went to the server under those numbers, so "play what the server heard between
12.4 s and 15 s" is a lookup. What it has to get right:

* **Gaps.** Not every chunk is sent: none while no session is open, and a full send queue drops
  some. Chunks therefore arrive in increasing position order but not contiguously. A sorted list
  of sent spans ``[start, stop)`` records what was sent; contiguous chunks extend the last span,
  so an unbroken session is one span however long it runs.
* **A fixed memory bound.** Sample ``p`` lives at ``ring[p % capacity]``; a chunk is copied in
  with at most two slice copies (the ring wraps once), like
  :class:`~workbench.audio.levels.WaveformHistory`. Positions older than ``end - capacity`` have
  been overwritten: spans ending before that are dropped and the first one is clipped to it, so
  the bookkeeping stays as bounded as the ring. The default 15 minutes take 14.4 MB.
* **Stale slots.** A gap is not written into the ring (that would cost as much as the gap), so
  the slots of positions inside a gap still hold older audio. Reading therefore copies only the
  sent spans and leaves zeros elsewhere: unsent or forgotten audio always reads as silence, and
  :meth:`SentAudioHistory.spans` tells a view which silence was really sent.

Not thread-safe: the controller appends and the views read on the same (event loop) thread.
"""

from __future__ import annotations

import operator
from bisect import bisect_right

import numpy as np
import numpy.typing as npt

from workbench.audio.levels import minmax_decimate
from workbench.audio.resample import PROTOCOL_RATE
from workbench.audio.source import Pcm

DEFAULT_SECONDS = 900.0
"""15 minutes: a long support call, at 8 kHz int16."""


class SentAudioHistory:
    """The sent audio of the last ``seconds``, by stream sample position (see the module doc)."""

    def __init__(self, seconds: float = DEFAULT_SECONDS, rate: int = PROTOCOL_RATE) -> None:
        capacity = round(seconds * rate)
        if capacity <= 0 or rate <= 0:
            raise ValueError(
                f"SentAudioHistory: needs a positive length and rate, got {seconds} s at {rate} Hz"
            )
        self.capacity = capacity
        """Samples the ring holds: older audio falls out."""
        self.rate = rate
        self.changes = 0
        """Incremented by every :meth:`append` and :meth:`clear`: a view that remembers it knows
        whether anything is new since it last drew."""
        self._ring = np.zeros(capacity, dtype=np.int16)
        self._end = 0
        # The sent spans still (partly) held, sorted and never touching: span i is
        # [self._starts[i], self._stops[i]).
        self._starts: list[int] = []
        self._stops: list[int] = []

    @property
    def end(self) -> int:
        """The stream position just after the newest sample held (0 when empty)."""
        return self._end

    @property
    def start(self) -> int:
        """The oldest stream position still held (:attr:`end` when empty)."""
        return self._starts[0] if self._starts else self._end

    def append(self, first_sample: int, pcm: Pcm) -> None:
        """Record that ``pcm`` was sent from stream position ``first_sample`` on.

        ``first_sample`` may be past :attr:`end` (the positions between were not sent), never
        before it. A chunk longer than the capacity keeps only its tail.
        """
        first = operator.index(first_sample)
        if first < self._end:
            raise ValueError(
                f"sent audio must be recorded in stream order: a chunk starting at sample "
                f"{first} overlaps what is already recorded up to sample {self._end} (was the "
                "stream restarted? clear the history first)"
            )
        samples = np.asarray(pcm, dtype=np.int16).reshape(-1)
        count = len(samples)
        if not count:
            return
        stop = first + count
        kept = samples[-self.capacity :]
        at = (stop - len(kept)) % self.capacity
        head = min(len(kept), self.capacity - at)
        self._ring[at : at + head] = kept[:head]
        self._ring[: len(kept) - head] = kept[head:]
        if self._stops and self._stops[-1] == first:
            self._stops[-1] = stop
        else:
            self._starts.append(first)
            self._stops.append(stop)
        self._end = stop
        self._forget_before(stop - self.capacity)
        self.changes += 1

    def _forget_before(self, horizon: int) -> None:
        """Drop the spans the ring no longer holds and clip the first one to ``horizon``."""
        gone = bisect_right(self._stops, horizon)
        if gone:
            del self._starts[:gone], self._stops[:gone]
        if self._starts and self._starts[0] < horizon:
            self._starts[0] = horizon

    def spans(self, start: int, stop: int) -> list[tuple[int, int]]:
        """The sent spans still held that meet ``[start, stop)``, clipped to it, in order.

        Contiguous chunks come out as one span; two spans never touch.
        """
        start, stop = operator.index(start), operator.index(stop)
        result: list[tuple[int, int]] = []
        if stop <= start:
            return result
        index = bisect_right(self._stops, start)
        while index < len(self._starts) and self._starts[index] < stop:
            result.append((max(self._starts[index], start), min(self._stops[index], stop)))
            index += 1
        return result

    def read(self, start: int, stop: int) -> Pcm:
        """The samples of ``[start, stop)`` as a new array of ``max(0, stop - start)`` samples.

        Zeros where nothing was sent or the ring has forgotten; ``start`` may be negative and
        ``stop`` past :attr:`end`.
        """
        start, stop = operator.index(start), operator.index(stop)
        out = np.zeros(max(0, stop - start), dtype=np.int16)
        for first, last in self.spans(start, stop):
            at = first % self.capacity
            head = min(last - first, self.capacity - at)
            out[first - start : first - start + head] = self._ring[at : at + head]
            out[first - start + head : last - start] = self._ring[: last - first - head]
        return out

    def envelope(
        self, start: int, stop: int, columns: int
    ) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int16]]:
        """Each pixel column's (min, max) sample over ``[start, stop)``, for drawing.

        The columns are :func:`~workbench.audio.levels.minmax_decimate`'s: ``min(stop - start,
        columns)`` of them (none for an empty range). Unsent audio reads as silence here; use
        :meth:`spans` to shade it. Five minutes into 1000 columns take a few milliseconds.
        """
        mins, maxs = minmax_decimate(self.read(start, stop), columns)
        return mins.astype(np.int16, copy=False), maxs.astype(np.int16, copy=False)

    def clear(self) -> None:
        """Forget everything: the history is empty and :attr:`end` is 0 again."""
        self._starts.clear()
        self._stops.clear()
        self._end = 0
        self.changes += 1
