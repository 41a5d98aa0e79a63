"""StreamResampler: frequency and level kept, anti-aliasing, block-size invariance, formats."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from workbench.audio.resample import (
    PROTOCOL_RATE,
    StreamResampler,
    downmix,
    resample_all,
    to_float32,
    to_int16,
)

EDGE = 400  # output samples skipped at each end: the filter's start-up and tail


def _sine(freq: float, rate: int, seconds: float = 1.0, amplitude: float = 0.5) -> np.ndarray:
    n = np.arange(round(rate * seconds))
    return amplitude * np.sin(2 * np.pi * freq * n / rate)


def _peak_hz(samples: npt.NDArray[np.generic], rate: int = PROTOCOL_RATE) -> float:
    x = samples.astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[int(np.argmax(spectrum))])


def _rms_db(samples: npt.NDArray[np.generic]) -> float:
    x = samples.astype(np.float64)
    return float(20 * np.log10(max(np.sqrt(np.mean(x * x)), 1e-12)))


@pytest.mark.parametrize("rate", [44100, 48000])
def test_a_1khz_sine_keeps_its_frequency_and_level(rate: int) -> None:
    out = resample_all(to_int16(_sine(1000, rate, seconds=2.0)), rate)
    steady = out[EDGE:-EDGE]
    assert _peak_hz(steady[:8000]) == 1000.0
    # A 0.5 sine: 16384 peak, RMS 16384/sqrt(2). Within 0.1 dB.
    assert _rms_db(steady) == pytest.approx(_rms_db(np.array([16384 / np.sqrt(2)])), abs=0.1)


def test_a_5khz_tone_is_filtered_out_where_naive_decimation_aliases_it() -> None:
    tone = to_int16(_sine(5000, 48000, seconds=1.0))
    filtered = resample_all(tone, 48000)[EDGE:-EDGE]
    naive = tone[::6][EDGE:-EDGE]  # keep every 6th sample: 48 kHz → 8 kHz, no filter
    level_in = _rms_db(tone)
    # Naive decimation folds 5 kHz to 8 - 5 = 3 kHz at full level...
    assert _peak_hz(naive) == pytest.approx(3000.0, abs=2.0)
    assert _rms_db(naive) == pytest.approx(level_in, abs=0.5)
    # ...the resampler's low-pass removes it: more than 60 dB down.
    assert level_in - _rms_db(filtered) > 60.0


def test_block_size_does_not_change_the_output() -> None:
    rng = np.random.default_rng(1)
    signal = to_int16(0.3 * rng.standard_normal(44100 * 2 // 3) + _sine(700, 44100, 2 / 3, 0.3))
    whole = resample_all(signal, 44100)
    resampler = StreamResampler(44100)
    pieces = []
    position = 0
    sizes = [1, 7, 480, 4801]
    index = 0
    while position < len(signal):
        size = sizes[index % len(sizes)]
        pieces.append(resampler.process(signal[position : position + size]))
        position += size
        index += 1
    pieces.append(resampler.flush())
    blocked = np.concatenate(pieces)
    assert len(blocked) == len(whole)
    assert np.abs(blocked.astype(np.int32) - whole.astype(np.int32)).max() <= 1


def test_stereo_is_averaged_to_mono() -> None:
    left = _sine(1000, 48000, amplitude=0.6)
    same = resample_all(to_int16(np.stack([left, left], axis=1)), 48000, channels=2)
    mono = resample_all(to_int16(left), 48000)
    assert np.abs(same.astype(np.int32) - mono.astype(np.int32)).max() <= 1
    opposite = resample_all(to_int16(np.stack([left, -left], axis=1)), 48000, channels=2)
    assert np.abs(opposite.astype(np.int32)).max() <= 1  # cancels out
    one_side = resample_all(to_int16(np.stack([left, 0 * left], axis=1)), 48000, channels=2)
    assert _rms_db(one_side[EDGE:-EDGE]) == pytest.approx(_rms_db(mono[EDGE:-EDGE]) - 6.02, abs=0.1)
    assert downmix(np.array([[0.5, -0.25]], dtype=np.float32)).tolist() == [0.125]


def test_integer_and_float_inputs_give_the_same_result() -> None:
    wave = _sine(440, 44100, seconds=0.5, amplitude=0.4)
    as_int16 = to_int16(wave)
    reference = resample_all(as_int16, 44100).astype(np.int32)
    inputs: dict[str, npt.NDArray[np.generic]] = {
        "int32": as_int16.astype(np.int32) << 16,
        "float64": as_int16.astype(np.float64) / 32768,
        "uint8": (np.rint(wave * 128) + 128).astype(np.uint8),
    }
    for name, samples in inputs.items():
        out = resample_all(samples, 44100).astype(np.int32)
        assert len(out) == len(reference), name
        tolerance = 160 if name == "uint8" else 1  # 8-bit input is 256 times coarser
        assert np.abs(out - reference).max() <= tolerance, name
    assert to_float32(np.array([0, 255, 128], dtype=np.uint8)).tolist() == [-1.0, 0.9921875, 0.0]
    assert to_float32(np.array([-(2**31)], dtype=np.int32)).tolist() == [-1.0]


def test_8khz_input_passes_through_unchanged() -> None:
    rng = np.random.default_rng(2)
    samples = rng.integers(-32768, 32768, 5000).astype(np.int16)
    samples[:2] = [-32768, 32767]
    resampler = StreamResampler(8000)
    assert resampler.process(samples).tolist() == samples.tolist()
    assert len(resampler.flush()) == 0
    assert resample_all(samples, 8000).tolist() == samples.tolist()


@pytest.mark.parametrize("rate", [11025, 16000, 22050, 44100, 48000, 96000])
def test_flush_returns_the_tail_so_the_length_is_right(rate: int) -> None:
    frames = rate * 3 // 4 + 17
    resampler = StreamResampler(rate)
    head = resampler.process(to_int16(_sine(300, rate, frames / rate)))
    tail = resampler.flush()
    assert len(tail) > 0  # the filter holds samples back until told the input ended
    assert abs(len(head) + len(tail) - frames * 8000 / rate) <= 3
    # After a flush the stream starts over: the same input gives the same output.
    again = np.concatenate(
        [resampler.process(to_int16(_sine(300, rate, frames / rate))), resampler.flush()]
    )
    assert again.tolist() == np.concatenate([head, tail]).tolist()


def test_bad_formats_and_full_scale_clipping() -> None:
    with pytest.raises(ValueError, match="bad input format"):
        StreamResampler(0)
    with pytest.raises(ValueError, match="bad input format"):
        StreamResampler(44100, channels=0)
    assert to_int16(np.array([1.5, -1.5, 0.5])).tolist() == [32767, -32768, 16384]
