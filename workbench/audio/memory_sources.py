"""Sources whose samples are all in memory: a PCM buffer, an audio file, and endless silence.

None of them is live: every sample is ready at once, and the outgoing stream
(:mod:`workbench.audio.stream`) decides how fast they go out (real time or as fast as possible).

* :class:`PcmSource` plays 8 kHz int16 samples held in memory, once or looping. Looping wraps
  inside a single :meth:`~PcmSource.read`, so the loop point is seamless: the last sample is
  followed by the first with nothing in between. TTS output becomes one of these
  (:func:`workbench.audio.tts.tts_source`).
* :class:`FileSource` is a :class:`PcmSource` whose samples come from an audio file, decoded
  by :func:`workbench.audio.wav_files.load_audio` in :meth:`~FileSource.start` (a WAV of any
  rate, channel count and sample width, or headerless 8 kHz linear, A-law or µ-law). Decoding
  a long file takes a while: :meth:`workbench.audio.stream.AudioStream.switch_to` runs
  ``start()`` in a worker thread, so the event loop never waits for it.
* :class:`SilenceSource` is endless zeros: what the stream sends when nothing else is chosen,
  as the SDK examples keep the line busy between utterances.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import numpy.typing as npt

from workbench.audio.source import EMPTY, AudioSourceError, Pcm, SourceStats
from workbench.audio.wav_files import RawFormat, load_audio


def _as_pcm(samples: npt.ArrayLike, label: str) -> Pcm:
    """``samples`` as a read-only 1-D int16 array (copied only when it must be converted)."""
    array = np.asarray(samples)
    if array.ndim != 1:
        raise ValueError(f"{label}: PCM must be 1-D (mono), got shape {array.shape}")
    if array.dtype != np.int16:
        if array.size and not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"{label}: PCM must be int16 samples, got {array.dtype}")
        if array.size and (array.min() < -32768 or array.max() > 32767):
            raise ValueError(f"{label}: samples outside the int16 range")
        array = array.astype(np.int16)
    else:
        array = array.copy() if array.flags.writeable else array
    array.flags.writeable = False
    return array


class PcmSource:
    """8 kHz mono int16 samples held in memory, played once or looped seamlessly.

    Not live. Without ``loop`` it is exhausted once every sample has been read; with ``loop`` it
    never is (unless it holds no sample at all). The samples are kept read-only, copied on
    construction unless they already are read-only, so the caller may reuse its array.
    """

    def __init__(self, pcm: npt.ArrayLike, label: str, *, loop: bool = False) -> None:
        self._label = label
        self._pcm: Pcm = _as_pcm(pcm, label)
        self.loop = loop
        self._position = 0
        self._samples_read = 0
        self._closed = False

    @property
    def label(self) -> str:
        return self._label

    @property
    def live(self) -> bool:
        return False

    @property
    def exhausted(self) -> bool:
        if self._closed or not len(self._pcm):
            return True
        return not self.loop and self._position >= len(self._pcm)

    @property
    def total_samples(self) -> int:
        """How many samples one pass holds."""
        return len(self._pcm)

    @property
    def position(self) -> int:
        """Where the next read starts, in samples from the beginning of the current pass."""
        return self._position

    def start(self) -> None:
        """Nothing to acquire: the samples are already here."""

    def read(self, max_samples: int) -> Pcm:
        """The next ``max_samples`` samples (fewer only at the end of a non-looping source)."""
        if max_samples <= 0 or self.exhausted:
            return EMPTY
        total = len(self._pcm)
        if not self.loop or self._position + max_samples <= total:
            end = min(self._position + max_samples, total)
            out = self._pcm[self._position : end]
            self._position = end % total if self.loop else end
        else:
            pieces: list[Pcm] = []
            wanted = max_samples
            while wanted:
                take = min(wanted, total - self._position)
                pieces.append(self._pcm[self._position : self._position + take])
                self._position = (self._position + take) % total
                wanted -= take
            out = np.concatenate(pieces)
        self._samples_read += len(out)
        return out

    def stats(self) -> SourceStats:
        return SourceStats(samples_read=self._samples_read)

    def close(self) -> None:
        """Forget the position; a closed source is exhausted. Idempotent."""
        self._closed = True

    def _replace_samples(self, pcm: npt.ArrayLike) -> None:
        """For subclasses that get their samples in :meth:`start`."""
        self._pcm = _as_pcm(pcm, self._label)
        self._position = 0
        self._samples_read = 0
        self._closed = False


class FileSource(PcmSource):
    """An audio file, decoded to 8 kHz mono int16 by :meth:`start`; label "File: name.wav".

    ``raw_format`` says how to read a headerless file (``linear``, ``g711a``, ``g711u``); when
    None the extension decides (.raw/.pcm, .alaw, .ulaw…), and a WAV header always wins.
    :meth:`start` raises :class:`workbench.audio.wav_files.AudioFileError` (an
    :class:`AudioSourceError`) when the file is missing, unreadable or in a format it cannot
    decode. Reading before :meth:`start` is an error.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        loop: bool = False,
        raw_format: RawFormat | None = None,
    ) -> None:
        self.path = Path(path)
        self.raw_format: RawFormat | None = raw_format
        super().__init__(EMPTY, f"File: {self.path.name or self.path}", loop=loop)
        self._started = False

    @property
    def exhausted(self) -> bool:
        return self._started and super().exhausted

    def start(self) -> None:
        """Read and decode the whole file (blocking: call it off the event loop)."""
        self._replace_samples(load_audio(self.path, self.raw_format))
        self._started = True

    def read(self, max_samples: int) -> Pcm:
        if not self._started:
            raise AudioSourceError(
                self.label, "was read before it was started", "call start() first (a bug)"
            )
        return super().read(max_samples)

    def close(self) -> None:
        """Drop the decoded samples; idempotent."""
        super().close()
        if self._started:
            self._pcm = EMPTY


class SilenceSource:
    """Endless digital silence (zeros); never live, never exhausted."""

    def __init__(self, label: str = "Silence") -> None:
        self._label = label
        self._samples_read = 0

    @property
    def label(self) -> str:
        return self._label

    @property
    def live(self) -> bool:
        return False

    @property
    def exhausted(self) -> bool:
        return False

    def start(self) -> None:
        """Nothing to acquire."""

    def read(self, max_samples: int) -> Pcm:
        count = max(max_samples, 0)
        self._samples_read += count
        return np.zeros(count, dtype=np.int16)

    def stats(self) -> SourceStats:
        return SourceStats(samples_read=self._samples_read)

    def close(self) -> None:
        """Nothing to release."""
