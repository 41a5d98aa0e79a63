"""Simulated time and scripted sources for deterministic tests of the outgoing stream.

:class:`SimClock` is a discrete-event clock: ``sleep`` parks the caller until the test moves
time past its deadline with :meth:`SimClock.run_until`, which wakes sleepers one at a time, in
deadline order, setting ``now`` to each deadline (plus an optional oversleep, to model a loop
that wakes late). Nothing depends on the machine's speed.
"""

from __future__ import annotations

import asyncio
import bisect
import heapq
import itertools
from collections.abc import Callable

import numpy as np

from workbench.audio.source import Pcm, SourceStats


def ramp(count: int, start: int = 0) -> Pcm:
    """Distinct, recognisable samples: start, start+1, … wrapped into the int16 range."""
    return ((np.arange(start, start + count) % 65536) - 32768).astype(np.int16)


class SimClock:
    """A clock for ``AudioStream(clock=..., sleep=...)`` that only moves when the test says."""

    def __init__(self, oversleep: Callable[[], float] | None = None) -> None:
        self.now = 0.0
        self._oversleep = oversleep
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self.wakes = 0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        extra = self._oversleep() if self._oversleep is not None else 0.0
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        when = self.now + max(delay, 0.0) + extra
        heapq.heappush(self._sleepers, (when, next(self._order), future))
        await future

    async def settle(self) -> None:
        """Let every runnable task run until it waits again."""
        for _ in range(8):
            await asyncio.sleep(0)

    async def run_until(self, until: float, max_wakes: int = 1_000_000) -> None:
        """Advance to ``until``, waking each sleeper whose deadline comes first."""
        for _ in range(max_wakes):
            await self.settle()
            while self._sleepers and self._sleepers[0][2].done():
                heapq.heappop(self._sleepers)  # cancelled sleepers
            if not self._sleepers or self._sleepers[0][0] > until:
                self.now = max(self.now, until)
                return
            when, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, when)
            self.wakes += 1
            future.set_result(None)
        raise AssertionError(f"SimClock: more than {max_wakes} wakes before t={until}")


class ScriptedLiveSource:
    """A live source that delivers ``ramp`` samples on a schedule of (time, count) pairs.

    Samples delivered by time t are readable from then on. ``fail_at`` makes :meth:`read`
    raise once the clock reaches it.
    """

    live = True

    def __init__(
        self,
        clock: SimClock,
        schedule: list[tuple[float, int]],
        label: str = "Microphone: scripted",
        start_value: int = 0,
    ) -> None:
        self.clock = clock
        ordered = sorted(schedule)
        self._times = [when for when, _ in ordered]
        self._totals = list(itertools.accumulate(count for _, count in ordered))
        self._label = label
        self.samples = ramp(self._totals[-1] if self._totals else 0, start_value)
        self.position = 0
        self.started = False
        self.closed = False

    @property
    def label(self) -> str:
        return self._label

    @property
    def exhausted(self) -> bool:
        return self.closed

    def delivered(self) -> int:
        """Samples delivered by now (a nanosecond of slack for rounding in the times)."""
        index = bisect.bisect_right(self._times, self.clock.now + 1e-9)
        return self._totals[index - 1] if index else 0

    def start(self) -> None:
        self.started = True

    def read(self, max_samples: int) -> Pcm:
        end = min(self.delivered(), self.position + max_samples)
        out = self.samples[self.position : end]
        self.position = end
        return out

    def stats(self) -> SourceStats:
        return SourceStats(samples_read=self.position)

    def close(self) -> None:
        self.closed = True


def regular(
    rate_hz: float, block: int, until: float, start: float = 0.0
) -> list[tuple[float, int]]:
    """A device calling back with ``block`` samples every ``block / rate_hz`` seconds."""
    period = block / rate_hz
    count = int((until - start) / period)
    return [(start + (i + 1) * period, block) for i in range(count)]
