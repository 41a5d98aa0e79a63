"""StreamResampler: frequency and level kept, anti-aliasing, block-size invariance, formats,
latency, and agreement with soxr."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest
import soxr

from workbench.audio.polyphase import PolyphaseResampler
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


def test_the_block_size_does_not_change_a_single_sample() -> None:
    rng = np.random.default_rng(3)
    stereo = to_int16(0.3 * rng.standard_normal((48000, 2)))
    whole = resample_all(stereo, 48000, channels=2)
    resampler = StreamResampler(48000, channels=2)
    pieces = []
    position = 0
    while position < len(stereo):
        size = int(rng.integers(0, 1500))
        pieces.append(resampler.process(stereo[position : position + size]))
        position += size
    pieces.append(resampler.flush())
    assert np.concatenate(pieces).tolist() == whole.tolist()


# --- frequency response -------------------------------------------------------------------


def _float_out(samples: np.ndarray, rate: float) -> np.ndarray:
    """The filter's own output, before int16 rounding (no quantisation noise floor)."""
    resampler = PolyphaseResampler(rate, PROTOCOL_RATE)
    return np.concatenate([resampler.process(samples), resampler.flush()]).astype(np.float64)


@pytest.mark.parametrize("rate", [44100, 48000])
def test_the_passband_is_flat_to_a_thousandth_of_a_db(rate: int) -> None:
    """300 Hz to 3.6 kHz (the telephone band and more): ±0.001 dB, int16 out."""
    for freq in [*range(300, 3401, 100), 3500, 3600]:
        out = resample_all(_sine(freq, rate, seconds=1.2), rate)
        steady = out[800:8800].astype(np.float64) / 32768  # 1 s: whole periods of any freq
        gain_db = 20 * np.log10(np.sqrt(np.mean(steady**2)) / (0.5 / np.sqrt(2)))
        assert abs(gain_db) < 0.001, f"{freq} Hz: {gain_db:+.5f} dB"
        assert _peak_hz(steady) == freq


@pytest.mark.parametrize("rate", [44100, 48000])
def test_tones_above_4khz_are_at_least_80db_down(rate: int) -> None:
    """Everything from the output's Nyquist frequency up to the input's: no audible alias."""
    level_in = 0.5 / np.sqrt(2)
    worst = math.inf
    for freq in range(4000, rate // 2, 100):
        out = _float_out(_sine(freq, rate, seconds=0.3), rate)
        attenuation = 20 * np.log10(level_in / np.sqrt(np.mean(out[200:2200] ** 2)))
        assert attenuation >= 80.0, f"{freq} Hz aliased, only {attenuation:.1f} dB down"
        worst = min(worst, attenuation)
    assert worst < 100.0  # the measure sees the filter's leakage, not just rounding noise


@pytest.mark.parametrize("rate", [44100, 48000])
def test_white_noise_above_4khz_leaves_almost_nothing(rate: int) -> None:
    """A brick-wall filter at 4 kHz would pass only the noise below 4 kHz. Split the noise there:
    what the part above gives is aliasing, measured against what the part below gives."""
    rng = np.random.default_rng(rate)
    noise = 0.1 * rng.standard_normal(2 * rate)
    spectrum = np.fft.rfft(noise)
    below = np.fft.irfft(np.where(np.fft.rfftfreq(noise.size, 1 / rate) < 4000, spectrum, 0))
    above = noise - below
    alias = _float_out(above, rate)[100:-100]
    passed = _float_out(below, rate)[100:-100]
    ratio_db = 10 * np.log10(np.mean(alias**2) / np.mean(passed**2))
    assert ratio_db < -85.0, ratio_db  # measured -97 dB; naive decimation gives +7 dB
    naive = above[:: round(rate / PROTOCOL_RATE)]
    assert 10 * np.log10(np.mean(naive**2) / np.mean(passed**2)) > 5.0


def _speech_like(rate: int, seconds: float, seed: int) -> np.ndarray:
    """Noise with speech's long-term spectrum (flat to 500 Hz, then -6 dB/octave) and a 3 Hz
    syllable envelope."""
    rng = np.random.default_rng(seed)
    frames = round(rate * seconds)
    spectrum = np.fft.rfft(rng.standard_normal(frames))
    shaped = np.fft.irfft(spectrum / (1 + np.fft.rfftfreq(frames, 1 / rate) / 500), frames)
    envelope = 0.3 + np.abs(np.sin(2 * np.pi * 3 * np.arange(frames) / rate))
    signal = shaped * envelope
    return np.asarray(0.3 * signal / np.abs(signal).max(), dtype=np.float64)


@pytest.mark.parametrize("rate", [44100, 48000])
def test_the_output_matches_soxr_in_the_passband(rate: int) -> None:
    speech = _speech_like(rate, seconds=2.0, seed=rate)
    ours = _float_out(speech, rate)
    theirs = np.asarray(soxr.resample(speech, rate, PROTOCOL_RATE, "HQ"), dtype=np.float64)
    assert ours.size == theirs.size == 16000
    # Aligned as they come: both compensate their filters' delay (cross-correlation peak at 0).
    inner = slice(100, -100)
    lags = range(-5, 6)
    correlation = [np.dot(ours[inner], np.roll(theirs, lag)[inner]) for lag in lags]
    assert lags[int(np.argmax(correlation))] == 0
    # Up to 3.4 kHz the difference is 80-90 dB down; above, the transition bands differ.
    frequencies = np.fft.rfftfreq(ours.size, 1 / PROTOCOL_RATE)
    band = frequencies <= 3400
    difference = np.fft.rfft(ours - theirs)[band]
    reference = np.fft.rfft(theirs)[band]
    snr_db = 10 * np.log10(np.sum(np.abs(reference) ** 2) / np.sum(np.abs(difference) ** 2))
    assert snr_db > 70.0, snr_db


# --- latency ------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [44100, 48000, 16000, 22050, 96000, 11025, 44056, 192000, 8000])
def test_in_20ms_blocks_the_output_lags_at_most_the_filter_delay(rate: int) -> None:
    """soxr's stream lags 47-157 ms here; the FIR's half-length is the whole lag: ≤ 6.5 ms."""
    resampler = StreamResampler(rate)
    latency = resampler.latency_samples
    assert latency * 1000 / PROTOCOL_RATE <= (6.5 if rate != PROTOCOL_RATE else 0.0)
    rng = np.random.default_rng(rate)
    block = round(rate * 0.020)
    frames = returned = 0
    for _ in range(100):
        frames += block
        returned += resampler.process(to_int16(0.3 * rng.standard_normal(block))).size
        lag = frames * PROTOCOL_RATE / rate - returned
        assert latency - 1 < lag <= latency + 1e-9 or lag == latency == 0.0
    # Any block size: the same bound (it depends on the input so far, not on how it came).
    for _ in range(100):
        size = int(rng.integers(0, 3 * block))
        frames += size
        returned += resampler.process(to_int16(0.3 * rng.standard_normal(size))).size
        lag = frames * PROTOCOL_RATE / rate - returned
        assert latency - 1 < lag <= latency + 1e-9 or lag == latency == 0.0
    returned += resampler.flush().size
    assert returned == math.floor(frames * PROTOCOL_RATE / rate + 0.5)


@pytest.mark.parametrize("rate", [44100, 48000])
def test_the_output_is_time_aligned_and_comes_out_within_the_latency(rate: int) -> None:
    """A click at t comes out as a peak at sample t × 8000 (the filter's delay is compensated),
    and that sample is returned by the call that brings the input up to t + latency."""
    click_at = 0.2503  # seconds: between two 8 kHz samples (2002.4)
    times = np.arange(round(rate * 0.5)) / rate
    # A band-limited click: a Gaussian 0.25 ms wide, far inside the passband.
    click = 0.8 * np.exp(-0.5 * ((times - click_at) / 0.00025) ** 2)
    resampler = StreamResampler(rate)
    block = round(rate * 0.020)
    out = np.zeros(0, dtype=np.int16)
    for start in range(0, click.size, block):
        out = np.concatenate([out, resampler.process(to_int16(click[start : start + block]))])
        input_end = (start + block) / rate  # seconds of input given so far
        peak_ready = click_at + (resampler.latency_samples + 2) / PROTOCOL_RATE
        if input_end >= peak_ready:
            break
    peak = int(np.argmax(out))
    # The peak's position to a fraction of a sample (parabola through the top three samples).
    left, top, right = out[peak - 1 : peak + 2].astype(np.float64)
    position = peak + 0.5 * (left - right) / (left - 2 * top + right)
    assert position == pytest.approx(click_at * PROTOCOL_RATE, abs=0.05)
    assert out.size * 1000 / PROTOCOL_RATE <= click_at * 1000 + 10  # out with < 10 ms of input


# --- formats ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rate", [11025, 12000, 16000, 22050, 24000, 32000, 44056, 44100, 88200, 96000, 192000]
)
def test_every_supported_rate_keeps_a_tone_and_its_length(rate: int) -> None:
    frames = round(rate * 1.2)
    out = resample_all(_sine(1000, rate, frames / rate), rate)
    assert len(out) == math.floor(frames * PROTOCOL_RATE / rate + 0.5)
    steady = out[800:8800]
    assert _peak_hz(steady) == 1000.0
    assert _rms_db(steady) == pytest.approx(_rms_db(np.array([16384 / np.sqrt(2)])), abs=0.002)


def test_a_non_integer_rate_is_converted_with_a_close_ratio() -> None:
    rate = 44100.5
    frames = round(rate)
    out = resample_all(_sine(1000, 44100, 1.0)[:frames], rate)  # any samples: the count matters
    assert abs(len(out) - frames * PROTOCOL_RATE / rate) <= 1
    assert 0 < StreamResampler(rate).latency_samples * 1000 / PROTOCOL_RATE <= 6.5


def test_latency_is_zero_when_nothing_is_converted() -> None:
    assert StreamResampler(8000).latency_samples == 0.0
    assert StreamResampler(48000).latency_samples == 310 / 6  # 621 taps, center 310: 6.46 ms


def test_nan_and_infinity_count_as_silence_without_warnings() -> None:
    """pytest turns numpy's RuntimeWarnings into errors: none may come from bad samples."""
    rng = np.random.default_rng(4)
    clean = (0.3 * rng.standard_normal(9600)).astype(np.float32)
    dirty = clean.copy()
    holes = [10, 500, 4000, 9599]
    dirty[holes] = [np.nan, np.inf, -np.inf, np.nan]
    patched = clean.copy()
    patched[holes] = 0
    assert resample_all(dirty, 48000).tolist() == resample_all(patched, 48000).tolist()
    stereo = np.stack([dirty, clean], axis=1)
    stereo_patched = np.stack([patched, clean], axis=1)
    assert (
        resample_all(stereo, 44100, channels=2).tolist()
        == resample_all(stereo_patched, 44100, channels=2).tolist()
    )
    assert StreamResampler(8000).process(dirty).tolist() == to_int16(patched).tolist()
    # Huge finite values (float64 beyond float32's range, float16's largest) clip, quietly.
    loud = np.array([1e300, -1e300, 0.0, 0.5] * 100, dtype=np.float64)
    out = resample_all(loud, 48000)
    assert out.max() == 32767
    assert out.min() == -32768
    assert StreamResampler(8000).process(loud[:4]).tolist() == [32767, -32768, 0, 16384]
    half = np.array([65504, np.inf, -65504, 0.25] * 100, dtype=np.float16)
    assert resample_all(half, 16000).max() == 32767


def test_a_block_with_the_wrong_channel_count_is_refused() -> None:
    stereo = StreamResampler(48000, channels=2)
    for block in (np.zeros(480), np.zeros((480, 1)), np.zeros((480, 3)), np.zeros((4, 2, 2))):
        with pytest.raises(ValueError, match="is not frames × 2 channels"):
            stereo.process(block.astype(np.float32))
    with pytest.raises(ValueError, match="is not frames × 1 channels"):
        StreamResampler(8000).process(np.zeros((480, 2), dtype=np.int16))
    assert StreamResampler(48000).process(np.zeros((480, 1), dtype=np.int16)).size > 0
    assert stereo.process(np.zeros((0, 2), dtype=np.float32)).size == 0


def test_a_rate_the_filter_cannot_do_is_refused_when_audio_comes() -> None:
    """Below 8 Hz a ratio to 8 kHz needs more than 1024 phases. The microphone builds its
    resampler before PortAudio refuses such a rate: building it must not fail first."""
    resampler = StreamResampler(1.0)
    with pytest.raises(ValueError, match="needs more than 1024 phases"):
        resampler.process(np.zeros(10, dtype=np.int16))
    with pytest.raises(ValueError, match="needs more than 1024 phases"):
        resampler.flush()
    with pytest.raises(ValueError, match="needs more than 1024 phases"):
        _ = resampler.latency_samples
    with pytest.raises(ValueError, match="bad input format"):
        StreamResampler(float("nan"))


def test_downmix_is_the_mean_to_the_last_bit() -> None:
    rng = np.random.default_rng(6)
    for channels in range(1, 9):
        block = (rng.standard_normal((2000, channels)) * rng.uniform(0, 3, channels)).astype(
            np.float32
        )
        expected = block.mean(axis=1, dtype=np.float32)
        assert downmix(block).dtype == np.float32
        assert np.array_equal(downmix(block), expected), channels
