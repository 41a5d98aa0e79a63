"""What every audio source is to the rest of the workbench: 8 kHz mono int16 samples on demand.

A source is a microphone, an audio file, text spoken by a TTS, or silence. The outgoing stream
(:mod:`workbench.audio.stream`) pulls from whichever source is current; a source never pushes.

* :meth:`AudioSource.start` acquires what the source needs (opens the device, decodes the file)
  and raises :class:`AudioSourceError` with a plain-words cause and remedy when it cannot.
* :meth:`AudioSource.read` never blocks: it returns the samples available now, at most
  ``max_samples`` (an empty array when none are ready yet).
* ``live`` sources (a microphone) produce samples on their own clock: the stream follows it and
  cannot play them faster. Other sources have every sample ready at once and are paced by the
  stream (real time, or as fast as possible).
* ``exhausted`` turns true when no sample will ever come again (a file played to its end, not
  looping); the stream then goes on with silence or stops, as it is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Pcm = npt.NDArray[np.int16]
"""8 kHz mono int16 samples (H2B ``linear`` before byte order)."""


class AudioSourceError(Exception):
    """A source cannot start or stopped working; the message says what, why and what to do.

    ``source`` names the source ("microphone 'USB Headset'", "file 'call.wav'"), ``cause`` says
    what went wrong in plain words, ``remedy`` what the user can do about it.
    """

    def __init__(self, source: str, cause: str, remedy: str = "") -> None:
        self.source = source
        self.cause = cause
        self.remedy = remedy
        text = f"{source}: {cause}"
        super().__init__(f"{text}. {remedy[:1].upper()}{remedy[1:]}" if remedy else text)


@dataclass(frozen=True)
class SourceStats:
    """Counters a source reports (cumulative since :meth:`AudioSource.start`)."""

    samples_read: int = 0
    """8 kHz samples handed to the stream."""
    overruns: int = 0
    """Times input was lost because the consumer was too slow (ring full, device overflow)."""
    overrun_ms: float = 0.0
    """Audio lost to overruns, in milliseconds."""
    device_errors: int = 0
    """Status flags raised by the device driver (input overflow/underflow reported by PortAudio)."""


@runtime_checkable
class AudioSource(Protocol):
    """The interface of every source; see the module docstring for the contract."""

    @property
    def label(self) -> str:
        """What the user picked, in words: "Microphone: USB Headset", "File: call.wav"."""
        ...

    @property
    def live(self) -> bool:
        """True when the source runs on its own clock (a microphone)."""
        ...

    @property
    def exhausted(self) -> bool:
        """True when no more samples will come."""
        ...

    def start(self) -> None:
        """Acquire the device or data; raise :class:`AudioSourceError` on failure."""
        ...

    def read(self, max_samples: int) -> Pcm:
        """Up to ``max_samples`` 8 kHz int16 samples available now; never blocks."""
        ...

    def stats(self) -> SourceStats:
        """Counters since :meth:`start`."""
        ...

    def close(self) -> None:
        """Release the device or data; idempotent."""
        ...


EMPTY: Pcm = np.zeros(0, dtype=np.int16)
