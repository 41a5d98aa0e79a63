"""PolyphaseResampler: rate ratios, the filter design's numbers, streaming state, exactness."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.audio.polyphase import (
    MAX_PHASES,
    STOPBAND_DB,
    PolyphaseResampler,
    design,
    kaiser_beta,
    rate_ratio,
)

OUT = 8000


def _run(samples: np.ndarray, rate: float, out_rate: float = OUT) -> np.ndarray:
    resampler = PolyphaseResampler(rate, out_rate)
    return np.concatenate([resampler.process(samples), resampler.flush()]).astype(np.float64)


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        (48000, (1, 6)),
        (44100, (80, 441)),
        (22050, (160, 441)),
        (11025, (320, 441)),
        (44056, (1000, 5507)),
        (16000, (1, 2)),
        (96000, (1, 12)),
        (192000, (1, 24)),
        (8000, (1, 1)),
        (1000, (8, 1)),  # WAV files go down to 1 kHz: up-sampling works the same way
        (44100.00000001, (80, 441)),  # a float with rounding noise is still the exact ratio
    ],
)
def test_common_rates_get_their_exact_ratio(rate: float, expected: tuple[int, int]) -> None:
    assert rate_ratio(rate, OUT) == expected
    assert PolyphaseResampler(rate, OUT).ratio_error == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(
    ("rate", "bound_ppm"),
    [
        (44100.5, 1),
        (22050.7, 1),
        (44099, 1),
        (9001, 1),
        (48000.25, 6),  # next to a simple ratio (6/1), the next-best fractions are far...
        (47996, 80),  # ...so these are the worst: 4 Hz off 48 kHz is 79 ppm,
        (8004, 477),  # 4 Hz off 8 kHz 476 ppm (the worst of all)
    ],
)
def test_other_rates_get_a_close_ratio_with_at_most_max_phases(rate: float, bound_ppm: int) -> None:
    up, down = rate_ratio(rate, OUT)
    assert up <= MAX_PHASES
    assert math.gcd(up, down) == 1
    error = PolyphaseResampler(rate, OUT).ratio_error
    assert error == pytest.approx((rate / OUT) / (down / up) - 1, abs=1e-12)
    assert 0 < abs(error) * 1e6 < bound_ppm


def test_rates_that_need_too_many_phases_or_are_not_rates_are_refused() -> None:
    assert rate_ratio(8, OUT) == (1000, 1)  # 8 Hz is the lowest that fits in 1024 phases
    for rate in (7.0, 1.0, 0.0, -44100.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="rate_ratio"):
            rate_ratio(rate, OUT)


def test_kaiser_beta_follows_the_textbook_formula() -> None:
    assert kaiser_beta(82) == pytest.approx(8.078, abs=1e-3)
    assert kaiser_beta(50) == pytest.approx(4.533, abs=1e-3)  # the middle branch at its top
    assert kaiser_beta(21) == 0.0
    assert kaiser_beta(10) == 0.0  # a rectangular window


def _response_db(up: int, down: int, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """(frequencies in Hz, gain in dB) of the prototype, normalised to 0 dB at DC."""
    prototype = design(up, down).impulse_response()
    size = 1 << min(21, math.ceil(math.log2(8 * prototype.size)))  # 44056 Hz: 568075 taps
    gain = np.abs(np.fft.rfft(prototype, size)) / up
    return np.fft.rfftfreq(size, 1 / (up * rate)), 20 * np.log10(np.maximum(gain, 1e-300))


@pytest.mark.parametrize("rate", [11025, 16000, 22050, 32000, 44056, 44100, 48000, 96000, 192000])
def test_the_design_meets_its_numbers(rate: int) -> None:
    up, down = rate_ratio(rate, OUT)
    frequencies, gain_db = _response_db(up, down, rate)
    passband = gain_db[frequencies <= 3600]
    assert np.abs(passband).max() < 0.001  # flat within ±0.001 dB up to 3.6 kHz
    # Everything from 4 kHz up to the prototype's Nyquist frequency is at least 80 dB down:
    # nothing folds back into 0-4 kHz, and the images of the up-sampling are removed too.
    assert -gain_db[frequencies >= 4000].max() >= STOPBAND_DB
    assert -gain_db[frequencies >= 3900].max() < STOPBAND_DB  # ...and the edge is not lower
    filter_design = design(up, down)
    assert filter_design.taps % 2 == 1  # linear phase: symmetric, integer delay
    response = filter_design.impulse_response()
    assert np.allclose(response, response[::-1], atol=1e-7)
    assert response.sum() == pytest.approx(up, rel=1e-5)
    # Half the filter is the latency: 6.45 ms at 8 kHz, whatever the input rate.
    assert filter_design.center / filter_design.down / OUT == pytest.approx(0.00645, abs=0.00006)


def test_the_table_holds_every_phase_in_output_order() -> None:
    filter_design = design(80, 441)
    prototype = filter_design.impulse_response()
    width = filter_design.width
    assert filter_design.table.shape == (80 + filter_design.chunk - 1, width)
    for index in (0, 1, 79, 80, 81, 500):
        phase = filter_design.phase(index)
        assert phase == (index * 441 + filter_design.center) % 80
        taps = np.zeros(width * 80)
        taps[: prototype.size] = prototype
        expected = taps[phase::80][:width][::-1]
        assert np.allclose(filter_design.table[index], expected, atol=1e-7), index


@pytest.mark.parametrize("rate", [8000, 11025, 16000, 44056, 44100, 48000, 96000, 192000, 1000])
def test_any_split_of_the_input_gives_bit_identical_output(rate: int) -> None:
    rng = np.random.default_rng(rate)
    signal = (0.3 * rng.standard_normal(rate // 2)).astype(np.float32)
    whole = _run(signal, rate)
    resampler = PolyphaseResampler(rate, OUT)
    pieces = []
    position = 0
    while position < signal.size:
        size = int(rng.choice([0, 1, 2, 7, 160, 441, 882, 960, 4801]))
        pieces.append(resampler.process(signal[position : position + size]))
        position += size
    pieces.append(resampler.flush())
    assert np.array_equal(np.concatenate(pieces), whole)  # not one bit differs
    assert whole.size == math.floor(signal.size * OUT / rate + 0.5)  # rounded, as soxr does


def test_long_input_goes_through_in_bounded_chunks() -> None:
    filter_design = design(1, 6)
    assert filter_design.chunk * filter_design.width <= 1 << 18
    rng = np.random.default_rng(7)
    signal = (0.3 * rng.standard_normal(48000 * 3)).astype(np.float32)  # 24000 outputs
    whole = _run(signal, 48000)
    assert whole.size == 24000 > 10 * filter_design.chunk
    halves = PolyphaseResampler(48000, OUT)
    split = np.concatenate(
        [halves.process(signal[:100000]), halves.process(signal[100000:]), halves.flush()]
    )
    assert np.array_equal(split, whole)


def test_upsampling_from_a_low_rate_keeps_the_tone() -> None:
    rate = 1000
    tone = 0.5 * np.sin(2 * np.pi * 300 * np.arange(2 * rate) / rate)
    out = _run(tone, rate)
    assert out.size == 16000
    steady = out[2000:10000]  # 1 s: a whole number of periods
    spectrum = np.abs(np.fft.rfft(steady))
    assert np.argmax(spectrum) == 300
    assert np.sqrt(np.mean(steady**2)) == pytest.approx(0.5 / np.sqrt(2), rel=1e-4)
    # The images of 300 Hz at 1000 ± 300 Hz, 2000 ± 300 Hz... are removed.
    assert spectrum[[700, 1300, 1700, 2300]].max() < 1e-4 * spectrum[300]


def test_flush_pads_the_end_and_starts_over() -> None:
    resampler = PolyphaseResampler(44100, OUT)
    assert resampler.flush().size == 0  # nothing in, nothing out
    ramp = np.linspace(-0.5, 0.5, 4410).astype(np.float32)
    first = np.concatenate([resampler.process(ramp), resampler.flush()])
    assert first.size == 800
    second = np.concatenate([resampler.process(ramp), resampler.flush()])
    assert np.array_equal(first, second)
    assert resampler.process(ramp[:10]).size == 0  # the start of a new signal: still too early
    with pytest.raises(ValueError, match="1-D"):
        resampler.process(np.zeros((10, 2), dtype=np.float32))
