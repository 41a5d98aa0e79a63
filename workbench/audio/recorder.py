"""Recording what the server heard: the payload of every audio frame sent, as a WAV of that codec.

The recorder sits after encoding, so the file holds the very bytes that went on the wire (int16
little-endian for ``linear``, A-law or µ-law bytes for ``g711a``/``g711u``), with no second
encoding that could hide or add an artefact. A WAV has one codec, so a session that reopens
with another codec needs a new file: :meth:`StreamRecorder.write` refuses the change rather
than mixing two encodings under one header.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

from workbench.audio.g711 import CODEC_BYTES_PER_SAMPLE
from workbench.audio.resample import PROTOCOL_RATE
from workbench.audio.wav_files import WavWriter


class CodecChangedError(ValueError):
    """The stream's codec changed while a recording was running."""


class StreamRecorder:
    """Writes the sent audio payloads of one codec to ``path`` as a WAV (8 kHz mono).

    The file is valid from the first chunk on (see :class:`~workbench.audio.wav_files.WavWriter`);
    :meth:`close` writes the final sizes. Opening errors are the ``OSError`` of ``open``.
    """

    def __init__(self, path: str | os.PathLike[str], codec: str) -> None:
        if codec not in CODEC_BYTES_PER_SAMPLE:
            raise ValueError(f"unknown audio codec {codec!r}: expected linear, g711a or g711u")
        self.codec = codec
        self._bytes_per_second = CODEC_BYTES_PER_SAMPLE[codec] * PROTOCOL_RATE
        self._writer = WavWriter(path, codec, PROTOCOL_RATE)

    @property
    def path(self) -> Path:
        """The WAV file being written."""
        return self._writer.path

    @property
    def bytes_written(self) -> int:
        """Payload bytes recorded so far."""
        return self._writer.bytes_written

    @property
    def duration_s(self) -> float:
        """Seconds of audio recorded so far (8 kHz, this codec's bytes per sample)."""
        return self._writer.bytes_written / self._bytes_per_second

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has run."""
        return self._writer.closed

    def write(self, payload: bytes, codec: str | None = None) -> None:
        """Record one sent payload, byte for byte.

        ``codec``, when given, is the codec the payload was sent in; a codec other than the
        recording's raises :class:`CodecChangedError` and records nothing (start a new file).
        """
        if codec is not None and codec != self.codec:
            raise CodecChangedError(
                f"the stream switched from {self.codec} to {codec} while recording to "
                f"{self.path.name}; a WAV file holds one codec, so start a new recording"
            )
        self._writer.write(payload)

    def close(self) -> None:
        """Finish the file (final sizes written); idempotent."""
        self._writer.close()

    def __enter__(self) -> StreamRecorder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
