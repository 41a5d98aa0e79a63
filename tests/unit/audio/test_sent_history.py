"""SentAudioHistory: sent chunks by stream position, gaps, the ring wrapping, spans and envelopes.

The history is compared with a model that keeps every stream position in a plain dict (what was
sent where, forgotten once older than the capacity), so the ring arithmetic is checked against
something that has none.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.audio.levels import minmax_decimate
from workbench.audio.sent_history import SentAudioHistory

Pcm = npt.NDArray[np.int16]


def _ramp(first: int, count: int) -> Pcm:
    """Samples that say where they belong: stream position p holds p (mod int16), never 0."""
    values = np.arange(first, first + count) % 30000 + 1
    return values.astype(np.int16)


def _small(capacity: int = 100) -> SentAudioHistory:
    return SentAudioHistory(seconds=capacity / 8000)


def test_an_empty_history_holds_nothing() -> None:
    history = _small()
    assert (history.capacity, history.rate, history.changes) == (100, 8000, 0)
    assert history.end == history.start == 0
    assert history.spans(-50, 50) == []
    assert history.read(-3, 4).tolist() == [0] * 7
    assert history.read(5, 5).size == 0
    assert history.read(5, 2).size == 0
    assert history.read(5, 2).dtype == np.int16


def test_the_default_history_is_15_minutes_at_8_khz() -> None:
    history = SentAudioHistory()
    assert (history.capacity, history.rate) == (900 * 8000, 8000)


@pytest.mark.parametrize(("seconds", "rate"), [(0.0, 8000), (-1.0, 8000), (1.0, 0)])
def test_a_history_needs_a_positive_length(seconds: float, rate: int) -> None:
    with pytest.raises(ValueError, match="positive length"):
        SentAudioHistory(seconds, rate)


def test_contiguous_chunks_make_one_span_and_read_back() -> None:
    history = _small()
    for first in range(0, 60, 20):
        history.append(first, _ramp(first, 20))
    assert (history.start, history.end, history.changes) == (0, 60, 3)
    assert history.spans(0, 60) == [(0, 60)]
    assert history.spans(10, 30) == [(10, 30)]
    assert np.array_equal(history.read(0, 60), _ramp(0, 60))
    assert np.array_equal(history.read(13, 47), _ramp(13, 34))


def test_a_gap_is_not_sent_and_reads_as_zeros() -> None:
    history = _small()
    history.append(10, _ramp(10, 20))  # 10..30
    history.append(40, _ramp(40, 10))  # 40..50; 30..40 never sent
    assert (history.start, history.end) == (10, 50)
    assert history.spans(0, 100) == [(10, 30), (40, 50)]
    assert history.spans(25, 45) == [(25, 30), (40, 45)]
    assert history.spans(30, 40) == []
    assert history.spans(29, 41) == [(29, 30), (40, 41)]
    got = history.read(5, 55)
    expected = np.zeros(50, dtype=np.int16)
    expected[5:25] = _ramp(10, 20)
    expected[35:45] = _ramp(40, 10)
    assert np.array_equal(got, expected)


def test_read_reaches_before_the_start_and_past_the_end() -> None:
    history = _small()
    history.append(0, _ramp(0, 30))
    got = history.read(-10, 40)
    assert got.size == 50
    assert np.array_equal(got[:10], np.zeros(10))
    assert np.array_equal(got[10:40], _ramp(0, 30))
    assert np.array_equal(got[40:], np.zeros(10))
    assert history.read(30, 45).tolist() == [0] * 15
    assert history.read(-20, -5).tolist() == [0] * 15


def test_the_ring_wraps_and_forgets_the_oldest_audio() -> None:
    history = _small(100)
    for first in range(0, 250, 30):  # 0..270 in chunks of 30: the ring wraps twice
        history.append(first, _ramp(first, 30))
    assert history.end == 270
    assert history.start == 170  # the last 100 samples are all that is held
    assert history.spans(0, 300) == [(170, 270)]
    assert np.array_equal(history.read(170, 270), _ramp(170, 100))
    got = history.read(150, 280)
    assert np.array_equal(got[:20], np.zeros(20))  # forgotten, not stale ring contents
    assert np.array_equal(got[20:120], _ramp(170, 100))
    assert np.array_equal(got[120:], np.zeros(10))


def test_a_chunk_longer_than_the_capacity_keeps_its_tail() -> None:
    history = _small(100)
    history.append(0, _ramp(0, 20))
    history.append(50, _ramp(50, 250))  # 50..300: only 200..300 fits
    assert (history.start, history.end) == (200, 300)
    assert history.spans(0, 400) == [(200, 300)]
    assert np.array_equal(history.read(200, 300), _ramp(200, 100))
    assert not history.read(0, 200).any()
    history.append(300, _ramp(300, 100))  # exactly the capacity, contiguous
    assert history.spans(0, 500) == [(300, 400)]
    assert np.array_equal(history.read(290, 400), np.concatenate([np.zeros(10), _ramp(300, 100)]))


def test_a_gap_longer_than_the_capacity_leaves_only_the_new_audio() -> None:
    history = _small(100)
    history.append(0, _ramp(0, 80))
    history.append(1000, _ramp(1000, 30))
    assert (history.start, history.end) == (1000, 1030)
    assert history.spans(0, 2000) == [(1000, 1030)]
    # The ring slots of positions 930..1000 still hold old samples; they must read as zeros.
    assert not history.read(930, 1000).any()
    assert np.array_equal(history.read(990, 1040)[10:40], _ramp(1000, 30))


def test_spans_are_pruned_as_the_ring_forgets_them() -> None:
    history = _small(100)
    for first in range(0, 1000, 10):  # 5 sent, 5 not, over and over: many spans
        history.append(first, _ramp(first, 5))
    assert history.end == 995
    spans = history.spans(-(10**9), 10**9)
    assert spans == [(first, first + 5) for first in range(900, 1000, 10)]
    assert len(history._starts) == len(history._stops) == 10  # bounded, not 100
    assert history.start == 900


def test_a_span_is_clipped_where_the_ring_forgot_it() -> None:
    history = _small(100)
    history.append(0, _ramp(0, 60))
    history.append(70, _ramp(70, 60))  # end 130: everything before 30 is gone
    assert history.start == 30
    assert history.spans(0, 200) == [(30, 60), (70, 130)]
    got = history.read(0, 130)
    assert not got[:30].any()
    assert np.array_equal(got[30:60], _ramp(30, 30))
    assert not got[60:70].any()
    assert np.array_equal(got[70:], _ramp(70, 60))


def test_going_back_or_overlapping_is_refused_in_plain_words() -> None:
    history = _small()
    history.append(0, _ramp(0, 20))
    for first in (19, 0, -5):
        with pytest.raises(ValueError, match=r"stream order.*up to sample 20.*clear the history"):
            history.append(first, _ramp(first, 10))
    assert (history.end, history.changes) == (20, 1)  # nothing changed
    with pytest.raises(ValueError, match="stream order"):
        SentAudioHistory().append(-1, _ramp(0, 10))


def test_an_empty_chunk_changes_nothing() -> None:
    history = _small()
    history.append(0, _ramp(0, 20))
    history.append(50, np.zeros(0, dtype=np.int16))
    assert (history.end, history.changes) == (20, 1)
    assert history.spans(0, 100) == [(0, 20)]


def test_changes_count_appends_and_clears() -> None:
    history = _small()
    history.append(0, _ramp(0, 10))
    history.append(10, _ramp(10, 10))
    assert history.changes == 2
    history.clear()
    assert history.changes == 3
    assert history.end == history.start == 0
    assert history.spans(0, 100) == []
    assert not history.read(0, 20).any()
    history.append(0, _ramp(0, 5))  # a restarted stream numbers from 0 again
    assert np.array_equal(history.read(0, 10), np.concatenate([_ramp(0, 5), np.zeros(5)]))


def test_read_returns_a_new_array() -> None:
    history = _small()
    history.append(0, _ramp(0, 20))
    got = history.read(0, 20)
    got[:] = 0
    assert np.array_equal(history.read(0, 20), _ramp(0, 20))


@pytest.mark.parametrize(
    ("start", "stop", "columns"),
    [(0, 270, 7), (150, 280, 13), (-40, 400, 1000), (171, 173, 5), (200, 200, 4), (-9, 10, 3)],
)
def test_the_envelope_is_the_min_and_max_of_each_column(
    start: int, stop: int, columns: int
) -> None:
    history = _small(100)
    rng = np.random.default_rng(7)
    for first in range(0, 250, 30):
        history.append(first, rng.integers(-32768, 32768, 20, dtype=np.int16))
    mins, maxs = history.envelope(start, stop, columns)
    direct = history.read(start, stop)
    assert mins.dtype == maxs.dtype == np.int16
    count = max(0, stop - start)
    assert len(mins) == len(maxs) == min(count, columns)
    if count <= columns:
        assert np.array_equal(mins, direct)
        assert np.array_equal(maxs, direct)
        return
    edges = (np.arange(columns + 1) * count) // columns
    for column in range(columns):
        part = direct[edges[column] : edges[column + 1]]
        assert mins[column] == part.min()
        assert maxs[column] == part.max()


def test_the_envelope_of_minutes_in_a_thousand_columns_matches_numpy() -> None:
    history = SentAudioHistory(seconds=600.0)
    rng = np.random.default_rng(3)
    position = 0
    while position < 8000 * 300:  # 5 minutes in 60 ms chunks, one chunk in 50 not sent
        chunk = rng.integers(-20000, 20000, 480, dtype=np.int16)
        if position // 480 % 50 != 7:
            history.append(position, chunk)
        position += 480
    start, stop = 8000 * 10, 8000 * 250  # four minutes
    mins, maxs = history.envelope(start, stop, 1000)
    samples = history.read(start, stop).reshape(1000, -1)  # 1920 samples per column exactly
    assert np.array_equal(mins, samples.min(axis=1))
    assert np.array_equal(maxs, samples.max(axis=1))
    expected_min, expected_max = minmax_decimate(samples.reshape(-1), 1000)
    assert np.array_equal(mins, expected_min)
    assert np.array_equal(maxs, expected_max)


def test_the_envelope_needs_columns() -> None:
    with pytest.raises(ValueError, match="columns"):
        _small().envelope(0, 10, 0)


class _Model:
    """Every sent sample in a dict by stream position; forgets what is older than capacity."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.samples: dict[int, int] = {}
        self.end = 0

    def append(self, first: int, pcm: Pcm) -> None:
        for offset, value in enumerate(pcm.tolist()):
            self.samples[first + offset] = value
        if len(pcm):
            self.end = first + len(pcm)
        horizon = self.end - self.capacity
        self.samples = {p: v for p, v in self.samples.items() if p >= horizon}

    def read(self, start: int, stop: int) -> list[int]:
        return [self.samples.get(p, 0) for p in range(start, stop)]

    def spans(self, start: int, stop: int) -> list[tuple[int, int]]:
        result: list[tuple[int, int]] = []
        for position in range(start, stop):
            if position not in self.samples:
                continue
            if result and result[-1][1] == position:
                result[-1] = (result[-1][0], position + 1)
            else:
                result.append((position, position + 1))
        return result


@settings(max_examples=150, deadline=None)
@given(
    capacity=st.integers(1, 40),
    steps=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 60)), max_size=25),
    window=st.tuples(st.integers(-20, 800), st.integers(0, 120)),
)
def test_the_history_agrees_with_a_model_that_keeps_every_position(
    capacity: int, steps: list[tuple[int, int]], window: tuple[int, int]
) -> None:
    history = SentAudioHistory(seconds=capacity / 8000)
    model = _Model(capacity)
    for gap, count in steps:
        first = history.end + gap
        pcm = _ramp(first, count)
        history.append(first, pcm)
        model.append(first, pcm)
    start, length = window
    assert history.end == model.end
    assert history.read(start, start + length).tolist() == model.read(start, start + length)
    assert history.spans(start, start + length) == model.spans(start, start + length)
    held = model.spans(-1, model.end + 1)
    assert history.start == (held[0][0] if held else history.end)
