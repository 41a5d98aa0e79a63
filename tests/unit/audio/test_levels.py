"""Level meter readings, min/max decimation and the scrolling waveform history."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from workbench.audio.levels import (
    FLOOR_DBFS,
    LevelMeter,
    WaveformHistory,
    minmax_decimate,
    to_dbfs,
)


def _sine(amplitude: float, samples: int = 8000, freq: float = 1000.0) -> np.ndarray:
    n = np.arange(samples)
    return np.rint(amplitude * np.sin(2 * np.pi * freq * n / 8000)).astype(np.int16)


def test_full_scale_sine_reads_minus_3_rms_and_0_peak() -> None:
    level = LevelMeter().feed(_sine(32767))
    assert level.rms_dbfs == pytest.approx(-3.0103, abs=0.001)
    assert level.peak_dbfs == pytest.approx(0.0, abs=0.001)
    assert LevelMeter().feed(np.array([-32768], dtype=np.int16)).peak_dbfs == 0.0


def test_half_scale_sine_reads_6_db_lower() -> None:
    level = LevelMeter().feed(_sine(16384))
    assert level.rms_dbfs == pytest.approx(-3.0103 - 6.0206, abs=0.001)
    assert level.peak_dbfs == pytest.approx(-6.0206, abs=0.001)
    assert not level.clipping


def test_silence_reads_the_floor_never_minus_infinity() -> None:
    meter = LevelMeter()
    for chunk in (np.zeros(160, dtype=np.int16), np.zeros(0, dtype=np.int16)):
        level = meter.feed(chunk)
        assert level.rms_dbfs == level.peak_dbfs == level.peak_hold_dbfs == FLOOR_DBFS
        assert math.isfinite(level.rms_dbfs)
        assert not level.clipping
        assert not level.clip_hold
    # One LSB is well above the floor: -90.3 dBFS.
    assert meter.feed(np.array([1], dtype=np.int16)).peak_dbfs == pytest.approx(-90.309, abs=0.001)
    assert to_dbfs(0.0) == to_dbfs(-1.0) == to_dbfs(1e-30) == FLOOR_DBFS


@pytest.mark.parametrize(
    ("sample", "clips"),
    [(32767, True), (32766, True), (32765, False), (-32768, True), (-32767, True), (-32766, False)],
)
def test_clipping_is_full_scale_or_one_lsb_short(sample: int, clips: bool) -> None:
    chunk = np.zeros(160, dtype=np.int16)
    chunk[37] = sample
    assert LevelMeter().feed(chunk).clipping is clips


def test_clip_hold_lasts_one_second_of_audio_after_the_last_clipped_sample() -> None:
    meter = LevelMeter(clip_hold_s=1.0)
    first = np.zeros(160, dtype=np.int16)
    first[10] = 32767  # the last clipped sample ends at index 11
    assert meter.feed(first).clip_hold
    silence = np.zeros(160, dtype=np.int16)
    readings = [meter.feed(silence) for _ in range(60)]
    assert not any(level.clipping for level in readings)
    # Chunk k ends at 160 * (k + 2); held while end - 11 < 8000, i.e. up to end = 8000 (k = 48).
    assert [level.clip_hold for level in readings] == [True] * 49 + [False] * 11


def test_clip_hold_is_set_again_by_a_new_clip_and_cleared_by_reset() -> None:
    meter = LevelMeter(clip_hold_s=0.1)
    clipped = np.full(80, -32768, dtype=np.int16)
    quiet = np.zeros(800, dtype=np.int16)
    assert meter.feed(clipped).clip_hold
    assert not meter.feed(quiet).clip_hold
    assert meter.feed(clipped).clip_hold
    meter.reset()
    assert meter.samples_fed == 0
    assert not meter.feed(quiet).clip_hold


def test_peak_hold_holds_then_falls_at_the_decay_rate() -> None:
    meter = LevelMeter(hold_s=0.5, decay_db_per_s=20.0)
    first = np.zeros(160, dtype=np.int16)
    first[159] = 16384  # -6.02 dBFS at sample 159
    assert meter.feed(first).peak_hold_dbfs == pytest.approx(-6.0206, abs=1e-3)
    silence = np.zeros(160, dtype=np.int16)
    holds = [meter.feed(silence).peak_hold_dbfs for _ in range(100)]
    # Held for 4000 samples after sample 159 (until end 4159), then 0.0025 dB per sample.
    for k, held in enumerate(holds):
        end = 160 * (k + 2)
        expected = -6.0206 - max(0, end - 159 - 4000) * 20.0 / 8000
        assert held == pytest.approx(max(expected, FLOOR_DBFS), abs=1e-3)
    assert holds[23] == pytest.approx(-6.0206, abs=1e-3)  # end 3840: still held
    assert holds[-1] == pytest.approx(-6.0206 - 30.0025, abs=1e-3)  # end 16160
    # A louder chunk lifts the hold at once; a quieter one does not lower it.
    assert meter.feed(_sine(32767, 160)).peak_hold_dbfs == pytest.approx(0.0, abs=1e-3)
    assert meter.feed(_sine(100, 160)).peak_hold_dbfs == pytest.approx(0.0, abs=1e-3)


def test_peak_hold_falls_to_the_floor_and_stops() -> None:
    meter = LevelMeter(hold_s=0.0, decay_db_per_s=1000.0)
    meter.feed(_sine(32767, 80))
    level = meter.feed(np.zeros(8000, dtype=np.int16))
    assert level.peak_hold_dbfs == FLOOR_DBFS


@given(split=st.lists(st.integers(1, 700), min_size=1, max_size=20))
def test_readings_barely_depend_on_the_chunking(split: list[int]) -> None:
    rng = np.random.default_rng(7)
    audio = (rng.standard_normal(8000) * 3000).astype(np.int16)
    audio[1234] = 32767
    audio[5000] = -30000
    one = LevelMeter(hold_s=0.1, clip_hold_s=0.2)
    many = LevelMeter(hold_s=0.1, clip_hold_s=0.2)
    position = 0
    chunk = audio[:0]
    for size in split:
        chunk = audio[position : position + size]
        position += len(chunk)
        many.feed(chunk)
    whole = one.feed(audio[:position])
    assert many.samples_fed == one.samples_fed == position
    # Each sample's own hold-then-fall curve at the end (800 samples held, 20 dB/s after).
    magnitudes = np.abs(audio[:position].astype(np.float64))
    levels = 20 * np.log10(np.maximum(magnitudes, 1e-9) / 32768)
    curves = levels - np.maximum(0, position - np.arange(position) - 800) * 20.0 / 8000
    loudest = position - 1 - int(np.argmax(magnitudes[::-1]))  # its last occurrence
    # One chunk keeps its loudest sample's curve; any chunking shows at least that, and never
    # more than the highest curve.
    assert whole.peak_hold_dbfs == pytest.approx(max(curves[loudest], FLOOR_DBFS), abs=1e-9)
    assert curves[loudest] - 1e-9 <= many.last.peak_hold_dbfs <= curves.max() + 1e-9
    # Held when a sample clipped in the last 1600 samples, or anywhere in the chunk just fed.
    clipped = np.flatnonzero(np.abs(audio[:position].astype(np.int32)) >= 32766)
    recent = len(clipped) > 0 and position - (int(clipped[-1]) + 1) < 1600
    assert many.last.clip_hold == (recent or many.last.clipping)
    assert whole.clip_hold == (len(clipped) > 0)


def test_meter_rejects_negative_settings() -> None:
    with pytest.raises(ValueError, match="negative"):
        LevelMeter(hold_s=-1.0)


def _reference_minmax(samples: np.ndarray, columns: int) -> tuple[list[int], list[int]]:
    count = len(samples)
    if count <= columns:
        return samples.tolist(), samples.tolist()
    edges = [c * count // columns for c in range(columns + 1)]
    parts = [samples[edges[c] : edges[c + 1]] for c in range(columns)]
    assert sum(len(part) for part in parts) == count  # every sample in exactly one column
    assert all(len(part) >= 1 for part in parts)
    return [int(p.min()) for p in parts], [int(p.max()) for p in parts]


@given(samples=arrays(np.int16, st.integers(0, 3000)), columns=st.integers(1, 900))
def test_minmax_matches_a_per_column_loop(samples: np.ndarray, columns: int) -> None:
    mins, maxs = minmax_decimate(samples, columns)
    expected_mins, expected_maxs = _reference_minmax(samples, columns)
    assert mins.tolist() == expected_mins
    assert maxs.tolist() == expected_maxs
    assert len(mins) == min(len(samples), columns)
    assert mins.dtype == np.int16


def test_minmax_keeps_a_single_spike_and_handles_small_inputs() -> None:
    samples = np.zeros(100_003, dtype=np.int16)
    samples[54_321] = 12_345
    samples[99_999] = -7
    mins, maxs = minmax_decimate(samples, 640)
    assert len(maxs) == 640
    assert maxs.max() == 12_345
    assert int(np.argmax(maxs)) == 54_321 * 640 // 100_003
    assert mins[-1] == -7
    empty_mins, empty_maxs = minmax_decimate(np.zeros(0, dtype=np.int16), 10)
    assert len(empty_mins) == len(empty_maxs) == 0
    few_mins, few_maxs = minmax_decimate(np.array([3, -1, 2], dtype=np.int16), 10)
    assert few_mins.tolist() == few_maxs.tolist() == [3, -1, 2]
    with pytest.raises(ValueError, match="columns"):
        minmax_decimate(samples, 0)


@given(chunks=st.lists(st.integers(0, 2500), max_size=25))
def test_history_keeps_the_most_recent_samples_in_order(chunks: list[int]) -> None:
    history = WaveformHistory(seconds=0.125)  # 1000 samples
    model: list[int] = []
    counter = 0
    for size in chunks:
        chunk = (np.arange(counter, counter + size) % 30000).astype(np.int16)
        counter += size
        history.append(chunk)
        model.extend(chunk.tolist())
        assert history.snapshot().tolist() == model[-1000:]
        assert history.total_samples == len(model)
        assert len(history) == min(len(model), 1000)


def test_history_clear_and_validation() -> None:
    history = WaveformHistory(seconds=0.01)
    assert history.capacity == 80
    history.append(np.arange(200, dtype=np.int16))
    assert history.snapshot().tolist() == list(range(120, 200))
    snapshot = history.snapshot()
    snapshot[:] = 0  # a copy: the history is not changed through it
    assert history.snapshot()[0] == 120
    history.clear()
    assert history.total_samples == 0
    assert history.snapshot().tolist() == []
    with pytest.raises(ValueError, match="positive"):
        WaveformHistory(seconds=0.0)
