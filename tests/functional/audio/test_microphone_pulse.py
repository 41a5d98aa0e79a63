"""Capture through a real sound server: speech played into a private PulseAudio null sink comes
out of MicrophoneSource (opened at 44.1 kHz through PortAudio/ALSA) as 8 kHz int16 that matches
the same speech converted to 8 kHz by sox.

What is played is espeak-ng speech at 44.1 kHz plus a 6 kHz tone. The tone is above the
telephone band: a proper resampler removes it, naive decimation folds it back to 2 kHz
(|6000 - 8000|), on top of the speech. The reference is the speech alone, synthesised at 8 kHz
by sox from the same espeak output; so a high correlation shows both that the audio went
through whole (no loss, no duplication, right rate) and that the conversion filters.

Measured on the 2-core CI-like machine (5 runs, sub-sample alignment as below):

============================================  ================
signal compared with the 8 kHz reference       normalised cross-correlation
============================================  ================
MicrophoneSource capture (this test)           0.99986 - 0.99997
same, integer-sample alignment only            0.979 - 0.9999 (depends on the phase of the delay)
played signal → resample_all, no server        0.99999
naive decimation (nearest sample), with tone   0.794
naive decimation, speech alone                 0.9925
resampled as if it were 48 kHz (wrong rate)    0.082
============================================  ================

So the threshold, 0.995, sits 35x the worst observed shortfall below the capture (1 - 0.99986)
and far above what a missing anti-alias filter (0.79) or a wrong rate (0.08) gives; the first
two rows are why the alignment is refined below one sample (the device delay is a whole number
of 44.1 kHz frames, a fraction of an 8 kHz sample). The control rows are recomputed by
``test_the_measure_tells_good_from_bad_conversions`` so the threshold's meaning is checked too.
"""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt
import pytest

from tests.audio_fixtures import synthesize
from tests.support.pulseaudio import PulseServer
from workbench.audio.devices import find_device, list_input_devices
from workbench.audio.microphone import MicrophoneSource
from workbench.audio.resample import PROTOCOL_RATE, resample_all

pytestmark = pytest.mark.usefixtures("no_stream_left_open")

NCC_THRESHOLD = 0.995
TEXT = "Please hold while I transfer your call to the billing department."
DEVICE_RATE = 44100
TONE_HZ = 6000.0
TONE_AMPLITUDE = 3000.0  # RMS 2121 against the speech's 2836: folded back it costs a lot
READ_SAMPLES = 800  # what the outgoing stream asks for per 100 ms chunk
RESAMPLER_HOLD_SAMPLES = 60  # the polyphase filter's look-ahead: 52 samples (6.5 ms) at 8 kHz

Signal = npt.NDArray[np.float64]


def _pcm(data: bytes) -> npt.NDArray[np.int16]:
    return np.frombuffer(data, dtype="<i2").astype(np.int16)


def reference_8k() -> Signal:
    """The speech alone, converted to 8 kHz by sox (independent of the workbench's resampler)."""
    return _pcm(synthesize(TEXT, rate=PROTOCOL_RATE)).astype(np.float64)


def played_signal() -> npt.NDArray[np.int16]:
    """The speech at the device rate with the out-of-band tone mixed in."""
    speech = _pcm(synthesize(TEXT, rate=DEVICE_RATE)).astype(np.float64)
    tone = TONE_AMPLITUDE * np.sin(2 * np.pi * TONE_HZ * np.arange(speech.size) / DEVICE_RATE)
    return np.clip(np.rint(speech + tone), -32768, 32767).astype(np.int16)


def _integer_lag(captured: Signal, reference: Signal) -> int:
    """Where ``reference`` starts in ``captured``: the peak of their cross-correlation (FFT)."""
    size = 1 << (captured.size + reference.size - 1).bit_length()
    spectrum = np.fft.rfft(captured, size) * np.conj(np.fft.rfft(reference, size))
    correlation = np.fft.irfft(spectrum, size)[: captured.size - reference.size + 1]
    return int(np.argmax(correlation))


def _ncc(a: Signal, b: Signal) -> float:
    return float(np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b)))


def _delayed(signal: Signal, fraction: float) -> Signal:
    """``signal`` moved by a fraction of a sample (band-limited: a phase ramp on its spectrum)."""
    frequencies = np.fft.rfftfreq(signal.size)
    shifted = np.fft.rfft(signal) * np.exp(-2j * np.pi * frequencies * fraction)
    return np.fft.irfft(shifted, signal.size)


def best_alignment(captured: Signal, reference: Signal) -> tuple[int, float, float]:
    """(integer lag, sub-sample shift, NCC there): ``reference`` found inside ``captured``.

    The integer peak first, then shifts of 1/20 sample within ±1 sample of it; the margin
    around the segment keeps the circular shift's wrap-around out of the compared part.
    """
    margin = 16
    padded = np.concatenate([np.zeros(margin), captured, np.zeros(reference.size + margin)])
    lag = _integer_lag(padded, reference)
    lag = max(lag, margin)
    segment = padded[lag - margin : lag + reference.size + margin]
    best = (-1.0, 0.0)
    for fraction in np.linspace(-1.0, 1.0, 41):
        moved = _delayed(segment, float(fraction))[margin : margin + reference.size]
        best = max(best, (_ncc(moved, reference), float(fraction)))
    return lag - margin, best[1], best[0]


def _capture_while_playing(
    pulse: PulseServer, mic: MicrophoneSource, pcm: npt.NDArray[np.int16]
) -> list[npt.NDArray[np.int16]]:
    """Play ``pcm`` into the sink and read the microphone like the outgoing stream does."""
    player = pulse.play(pcm.tobytes(), DEVICE_RATE)
    chunks = []
    deadline = time.monotonic() + pcm.size / DEVICE_RATE + 5.0
    while player.poll() is None and time.monotonic() < deadline:
        chunks.append(mic.read(READ_SAMPLES))
        time.sleep(0.02)
    assert player.wait(timeout=5.0) == 0, "pacat failed"
    tail_end = time.monotonic() + 0.5  # pacat exits when the server has its data: let it play
    while time.monotonic() < tail_end:
        chunks.append(mic.read(READ_SAMPLES))
        time.sleep(0.02)
    return chunks


def test_speech_is_captured_at_44k1_and_converted_to_8k(pulse: PulseServer) -> None:
    device = find_device("default")
    assert device.default_rate == DEVICE_RATE != PROTOCOL_RATE
    assert device.is_default
    # 0.2 s of driver buffering: the test survives a busy 2-core machine without overflows.
    mic = MicrophoneSource(device, latency=0.2)
    try:
        mic.start()
        assert (mic.sample_rate, mic.channels) == (DEVICE_RATE, 2)
        # A fresh sink's first callback can be seconds late: audio played before it is lost.
        assert mic.wait_for_first_callback(timeout=10.0), "no callback from the virtual mic"
        assert mic.first_callback_at is not None
        chunks = _capture_while_playing(pulse, mic, played_signal())
        frames_before = mic.callback_times()[-1][0]
        chunks.append(mic.read(10**7))  # everything captured so far
        frames_after = mic.callback_times()[-1][0]
        stats = mic.stats()
    finally:
        mic.close()
    captured = np.concatenate(chunks)
    reference = reference_8k()

    lag, shift, ncc = best_alignment(captured.astype(np.float64), reference)
    assert ncc > NCC_THRESHOLD, f"NCC {ncc:.5f} at lag {lag}{shift:+.2f}"

    # Nothing lost or duplicated: every device frame became 8 kHz samples, minus what soxr holds.
    assert stats.overruns == 0
    assert stats.overrun_ms == 0.0
    assert stats.device_errors == 0
    assert stats.samples_read == captured.size
    scale = PROTOCOL_RATE / DEVICE_RATE
    assert (
        frames_before * scale - RESAMPLER_HOLD_SAMPLES <= captured.size <= frames_after * scale + 1
    )

    # The level is the speech's (the tone is gone, nothing clipped or attenuated).
    aligned = captured[lag : lag + reference.size].astype(np.float64)
    level_ratio = np.sqrt(np.mean(aligned**2)) / np.sqrt(np.mean(reference**2))
    assert 0.97 < level_ratio < 1.03, level_ratio
    assert np.abs(captured).max() < 32767


def test_default_microphone_reads_nothing_before_audio_and_closes_twice(
    pulse: PulseServer,
) -> None:
    mic = MicrophoneSource()
    assert mic.label == "Microphone: default input"
    assert mic.read(800).size == 0  # not started: nothing, no error
    try:
        mic.start()
        default = next(d for d in list_input_devices() if d.is_default)
        assert mic.device == default
        assert mic.label == f"Microphone: {default.name}"
        assert mic.live
        assert mic.wait_for_first_callback(timeout=10.0)
        time.sleep(0.3)
        silence = mic.read(8000)
        assert 0 < silence.size <= 8000
        assert np.abs(silence).max() == 0  # the null sink plays digital silence
        assert not mic.exhausted
        assert mic.error is None
        times = mic.callback_times()
        assert [frames for frames, _ in times] == sorted(frames for frames, _ in times)
    finally:
        mic.close()
    mic.close()
    assert mic.exhausted
    assert mic.read(800).size == 0


def test_the_measure_tells_good_from_bad_conversions() -> None:
    """The control rows of the module docstring: what the threshold rejects, without a server."""
    played = played_signal()
    reference = reference_8k()

    def ncc_of(converted: npt.NDArray[np.generic]) -> float:
        return best_alignment(converted.astype(np.float64), reference)[2]

    assert ncc_of(resample_all(played, DEVICE_RATE)) > 0.9999
    step = DEVICE_RATE / PROTOCOL_RATE
    picks = np.rint(np.arange(int(played.size / step)) * step).astype(int)
    naive = played[picks[picks < played.size]]
    assert ncc_of(naive) < 0.85
    assert ncc_of(resample_all(played, 48000)) < 0.2
