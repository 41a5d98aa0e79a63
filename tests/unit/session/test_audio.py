"""Audio is summarised per stream: one entry, updated in place, never one per chunk."""

from __future__ import annotations

import pytest

from workbench.session import Timeline, TimelineChange


def test_a_thousand_chunks_make_one_entry_updated_in_place() -> None:
    timeline = Timeline()
    changes: list[TimelineChange] = []
    timeline.subscribe(changes.append)
    started = timeline.audio_started("linear", "File: call.wav", 1000.0, 5.0)
    for index in range(1000):
        timeline.audio_progress(1, 960, 1000.0 + index * 0.06, 5.0 + index * 0.06)

    assert len(timeline) == 1
    entry = timeline.entry(started.seq)
    assert entry.kind == "audio"
    assert entry.direction == "sent"
    assert (entry.wall, entry.mono) == (1000.0, 5.0)  # the stream's start stays its time
    assert entry.data["chunks"] == 1000
    assert entry.data["bytes"] == 960_000
    assert entry.data["seconds"] == pytest.approx(60.0)
    assert entry.data["state"] == "streaming"
    assert entry.data["last_mono"] == pytest.approx(5.0 + 999 * 0.06)
    assert entry.summary == "audio: 1000 chunks, 960.0 kB, 60.0 s, linear, File: call.wav"
    assert [change.kind for change in changes] == ["appended"] + ["updated"] * 1000
    assert all(change.entry.seq == started.seq for change in changes)
    last = changes[-1]
    assert last.previous is not None
    assert last.previous.data["chunks"] == 999
    assert last.entry is entry


@pytest.mark.parametrize(
    ("codec", "chunk", "summary"),
    [
        ("g711a", 480, "audio: 412 chunks, 197.8 kB, 24.7 s, g711a, File: call.wav"),
        ("linear", 960, "audio: 412 chunks, 395.5 kB, 24.7 s, linear, File: call.wav"),
    ],
)
def test_duration_follows_the_codec(codec: str, chunk: int, summary: str) -> None:
    timeline = Timeline()
    timeline.audio_started(codec, "File: call.wav", 0.0, 0.0)
    for _ in range(412):
        timeline.audio_progress(1, chunk, 0.0, 0.0)
    assert timeline.entry(0).summary == summary


def test_stopping_and_switching_streams() -> None:
    timeline = Timeline()
    timeline.audio_started("linear", "Microphone: USB", 0.0, 0.0)
    timeline.audio_progress(10, 9600, 0.6, 0.6)
    timeline.note("note", "x", "something in between", 0.7, 0.7)
    timeline.audio_progress(5, 4800, 0.9, 0.9)  # still the first stream's entry
    second = timeline.audio_started("linear", "TTS: hello", 1.0, 1.0)  # closes the first
    first = timeline.entry(0)
    assert first.data["chunks"] == 15
    assert first.data["state"] == "stopped"
    assert first.summary == (
        "audio: 15 chunks, 14.4 kB, 0.9 s, linear, Microphone: USB, "
        "stopped (another audio stream started)"
    )
    timeline.audio_progress(1, 960, 1.06, 1.06)
    stopped = timeline.audio_stopped(2.0, 2.0, "session closed")
    assert stopped is not None
    assert stopped.seq == second.seq
    assert stopped.summary.endswith("TTS: hello, stopped (session closed)")
    assert timeline.audio_stopped(3.0, 3.0) is None
    assert len(timeline) == 3


def test_progress_without_a_start_opens_an_entry_and_counts_are_increments() -> None:
    timeline = Timeline()
    entry = timeline.audio_progress(3, 2880, 10.0, 10.0)
    entry = timeline.audio_progress(0, 0, 10.5, 10.5)  # a no-op tick is allowed
    assert len(timeline) == 1
    assert entry.data["chunks"] == 3
    assert entry.data["codec"] == ""
    # unknown codec: the duration is the time elapsed since the entry opened
    assert entry.data["seconds"] == pytest.approx(0.5)
    assert entry.summary == "audio: 3 chunks, 2.9 kB, 0.5 s"
    with pytest.raises(ValueError, match="increments"):
        timeline.audio_progress(-1, 0, 11.0, 11.0)
