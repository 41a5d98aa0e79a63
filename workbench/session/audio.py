"""The running tally behind one audio entry: chunks, bytes and duration of one stream.

Audio goes out as one binary frame per chunk (16 per second with the SDK's 60 ms chunks);
a timeline with one entry per chunk would drown the frames that matter. So each stream gets
one entry, rebuilt from this tally whenever it grows, at the same ``seq``.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.session.entries import TimelineEntry
from workbench.session.summaries import audio_summary

__all__ = ["BYTES_PER_SECOND", "AudioRun"]

BYTES_PER_SECOND: dict[str, int] = {"linear": 16_000, "g711a": 8_000, "g711u": 8_000}
"""8 kHz mono: 16-bit linear PCM, or one byte per sample for G.711 (H2B.md §6)."""


@dataclass(slots=True, kw_only=True)
class AudioRun:
    """What has been sent on one audio stream so far; ``seq`` is its entry."""

    seq: int
    codec: str
    source: str
    wall: float
    mono: float
    first_sample: int | None = None
    """Stream position of the run's first sample (the entry's ``audio_sample``)."""
    chunks: int = 0
    byte_count: int = 0
    last_wall: float | None = None
    last_mono: float | None = None
    state: str = "streaming"
    reason: str = ""

    def add(self, chunks: int, byte_count: int, wall: float, mono: float) -> None:
        """Count ``chunks`` more chunks holding ``byte_count`` more bytes, sent at ``mono``."""
        self.chunks += chunks
        self.byte_count += byte_count
        self.last_wall, self.last_mono = wall, mono

    def stop(self, wall: float, mono: float, reason: str) -> None:
        """The stream ended (``reason`` in plain words, may be empty)."""
        self.state = "stopped"
        self.reason = reason
        self.last_wall, self.last_mono = wall, mono

    @property
    def seconds(self) -> float:
        """Audio sent, in seconds: from the byte count when the codec is known, else elapsed."""
        rate = BYTES_PER_SECOND.get(self.codec)
        if rate is not None:
            return self.byte_count / rate
        return 0.0 if self.last_mono is None else max(0.0, self.last_mono - self.mono)

    def entry(self) -> TimelineEntry:
        """The audio entry as it stands now (its times stay those of the stream's start)."""
        seconds = self.seconds
        summary = audio_summary(
            chunks=self.chunks,
            byte_count=self.byte_count,
            seconds=seconds,
            codec=self.codec,
            source=self.source,
            state=self.state if not self.reason else f"{self.state} ({self.reason})",
        )
        data = {
            "codec": self.codec,
            "source": self.source,
            "chunks": self.chunks,
            "bytes": self.byte_count,
            "seconds": seconds,
            "state": self.state,
            "reason": self.reason,
            "last_wall": self.last_wall,
            "last_mono": self.last_mono,
        }
        return TimelineEntry(
            seq=self.seq,
            kind="audio",
            direction="sent",
            name="AUDIO",
            summary=summary,
            wall=self.wall,
            mono=self.mono,
            audio_sample=self.first_sample,
            data=data,
        )
