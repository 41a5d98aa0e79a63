"""AudioPlayer through a real sound server: what is played comes out of the speaker whole.

The private PulseAudio server (tests/support/pulseaudio.py) has a null sink, "vspk", as its
default output; whatever PortAudio plays on the ALSA ``default`` device lands there, and
``parec`` records the sink's monitor at 44.1 kHz. The recording is brought to 8 kHz with soxr
(not the workbench's resampler) and the played clip, a one-second chirp from 300 Hz to 3.4 kHz,
is looked for in it: the normalised cross-correlation (NCC) at the best alignment, refined to a
twentieth of a sample because the server's delay is a whole number of 44.1 kHz frames.

Measured on the 2-core CI-like machine (5 runs each; level is the RMS ratio heard/played):

======================================================  ===============  ===========
what was played                                          NCC              level
======================================================  ===============  ===========
the clip at 8 kHz (PulseAudio resamples it)              0.9959-0.9965    0.971
the clip resampled to 44.1 kHz by the player (soxr)      0.9992-0.9998    1.000
the clip at 8 kHz without the player's silent edges      0.9743-0.9753    0.955
the time-reversed chirp, looked for in the first row     0.013-0.018
======================================================  ===============  ===========

Without the silence the player puts around a clip, PulseAudio loses its first ~20 ms (the
monitor misses what a new stream mixes in late) and its last ~26 ms (held in the server's
buffer when the stream finished): that is the third row, and what the threshold, 0.99, is set
to catch (the first row is PulseAudio's own resampler, a little soft at 3.4 kHz). The reversed
chirp shows the measure does not mistake a similar sound for the clip.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soxr

from tests.support.pulseaudio import SINK, PulseServer
from workbench.audio import portaudio
from workbench.audio.playback import AudioPlayer, PlaybackError
from workbench.audio.portaudio import load_sounddevice
from workbench.audio.sent_history import SentAudioHistory
from workbench.controller.audio_review import AudioReview

pytestmark = [pytest.mark.usefixtures("no_stream_left_open"), pytest.mark.timeout(60)]

NCC_THRESHOLD = 0.99
RATE = 8000
CAPTURE_RATE = 44100
DONE_TIMEOUT_S = 10.0
NO_SOUND_CARD = not Path("/dev/snd").exists()
_SETPRIV = shutil.which("setpriv")

Signal = npt.NDArray[np.float64]


def chirp(seconds: float = 1.0, low: float = 300.0, high: float = 3400.0) -> npt.NDArray[np.int16]:
    """A linear sweep at 8 kHz, -8.7 dBFS: one clear correlation peak, the whole phone band."""
    t = np.arange(round(seconds * RATE)) / RATE
    phase = 2 * np.pi * (low * t + (high - low) * t * t / (2 * seconds))
    samples: npt.NDArray[np.int16] = np.rint(12000 * np.sin(phase)).astype(np.int16)
    return samples


class Recording:
    """``parec`` on the sink's monitor, writing raw 44.1 kHz mono int16 to a file."""

    def __init__(self, pulse: PulseServer, path: Path) -> None:
        self.path = path
        self._file = path.open("wb")
        prefix = [_SETPRIV, "--pdeathsig", "KILL", "--"] if _SETPRIV else []
        self._process = subprocess.Popen(
            [*prefix, "parec", "--raw", "--format=s16le", f"--rate={CAPTURE_RATE}",
             "--channels=1", "--latency-msec=20", f"--device={SINK}.monitor"],
            env=pulse.env,
            stdin=subprocess.DEVNULL,
            stdout=self._file,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def wait_until_recording(self) -> None:
        deadline = time.monotonic() + 10.0
        while os.path.getsize(self.path) == 0:
            assert self._process.poll() is None, "parec exited"
            assert time.monotonic() < deadline, "parec recorded nothing in 10 s"
            time.sleep(0.01)

    def stop(self) -> Signal:
        """Stop recording; what was recorded, at 8 kHz (soxr), as float64."""
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(5.0)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5.0)
        self._file.close()
        raw = np.fromfile(self.path, dtype="<i2").astype(np.float64)
        converted: Signal = soxr.resample(raw, CAPTURE_RATE, RATE)
        return converted


@contextmanager
def recording(pulse: PulseServer, tmp_path: Path) -> Iterator[Recording]:
    record = Recording(pulse, tmp_path / "monitor.raw")
    try:
        record.wait_until_recording()
        yield record
    finally:
        record.stop()


def _ncc(a: Signal, b: Signal) -> float:
    return float(np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b)))


def _delayed(signal: Signal, fraction: float) -> Signal:
    """``signal`` moved by a fraction of a sample (band-limited: a phase ramp on its spectrum)."""
    frequencies = np.fft.rfftfreq(signal.size)
    return np.fft.irfft(
        np.fft.rfft(signal) * np.exp(-2j * np.pi * frequencies * fraction), signal.size
    )


def find_clip(captured: Signal, clip: npt.NDArray[np.int16]) -> tuple[int, float]:
    """(where ``clip`` starts in ``captured``, NCC there after sub-sample alignment)."""
    reference = clip.astype(np.float64)
    margin = 16
    padded = np.concatenate([np.zeros(margin), captured, np.zeros(reference.size + margin)])
    size = 1 << (padded.size + reference.size).bit_length()
    spectrum = np.fft.rfft(padded, size) * np.conj(np.fft.rfft(reference, size))
    correlation = np.fft.irfft(spectrum, size)[: padded.size - reference.size + 1]
    lag = max(int(np.argmax(correlation)), margin)
    segment = padded[lag - margin : lag + reference.size + margin]
    best = max(
        _ncc(_delayed(segment, float(fraction))[margin : margin + reference.size], reference)
        for fraction in np.linspace(-1.0, 1.0, 41)
    )
    return lag - margin, best


class DoneCalls:
    """An ``on_done`` that records the thread it was called from."""

    def __init__(self) -> None:
        self.threads: list[str] = []
        self.event = threading.Event()

    def __call__(self) -> None:
        self.threads.append(threading.current_thread().name)
        self.event.set()

    def wait(self) -> bool:
        return self.event.wait(DONE_TIMEOUT_S)


def test_a_clip_is_heard_whole_then_on_done_comes_once(pulse: PulseServer, tmp_path: Path) -> None:
    clip = chirp()
    done = DoneCalls()
    player = AudioPlayer()
    with recording(pulse, tmp_path) as record:
        try:
            started = time.monotonic()
            player.play(clip, on_done=done)
            assert player.playing
            assert portaudio.open_streams() == 1  # counted: a device refresh waits for it
            assert player.output_rate == RATE  # PulseAudio takes 8 kHz as it is
            assert done.wait(), "on_done never came"
            elapsed = time.monotonic() - started
            assert not player.playing
            assert player.played_samples == clip.size
            time.sleep(0.3)
            assert done.threads != [threading.current_thread().name]  # PortAudio's thread
            assert len(done.threads) == 1
        finally:
            player.close()
        assert portaudio.open_streams() == 0
        captured = record.stop()
    assert elapsed >= clip.size / RATE  # on_done comes once the clip has been heard
    start, ncc = find_clip(captured, clip)
    assert ncc >= NCC_THRESHOLD, f"NCC {ncc:.5f} at {start}"
    heard = captured[start : start + clip.size]
    level = np.sqrt(np.mean(heard**2)) / np.sqrt(np.mean(clip.astype(np.float64) ** 2))
    assert 0.95 < level < 1.05, level  # neither attenuated nor clipped
    # Played once: silence around it (a little filter ringing allowed at the edges).
    outside = np.concatenate([captured[: max(0, start - 40)], captured[start + clip.size + 40 :]])
    assert np.abs(outside).max(initial=0.0) < 200
    assert find_clip(captured, clip[::-1].copy())[1] < 0.2  # the measure tells clips apart


def test_stop_cuts_the_clip_short_and_on_done_has_run_when_it_returns(
    pulse: PulseServer, tmp_path: Path
) -> None:
    clip = chirp(seconds=4.0)
    done = DoneCalls()
    player = AudioPlayer()
    with recording(pulse, tmp_path) as record:
        try:
            player.play(clip, on_done=done)
            time.sleep(1.0)
            while_playing = player.played_samples
            assert player.playing
            player.stop()
            assert done.threads, "on_done had not run when stop() returned"
            assert not player.playing
            stopped_at = player.played_samples
            assert portaudio.open_streams() == 0  # the device is released at once
            player.stop()  # idempotent
            time.sleep(0.5)
            assert len(done.threads) == 1
        finally:
            player.close()
        captured = record.stop()
    assert 0.5 * RATE < while_playing <= stopped_at < 1.6 * RATE, (while_playing, stopped_at)
    assert stopped_at < clip.size
    start, ncc = find_clip(captured, clip[: RATE // 2])  # the first half second was heard
    assert ncc >= NCC_THRESHOLD, f"NCC {ncc:.5f} at {start}"
    loud = np.flatnonzero(np.abs(captured) > 1000)
    heard_samples = loud[-1] - start
    # What came out ends where played_samples says (within the device's buffering).
    assert abs(heard_samples - stopped_at) < 0.25 * RATE, (heard_samples, stopped_at)


def test_a_device_refusing_8khz_gets_the_clip_resampled(
    pulse: PulseServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sd = load_sounddevice()
    real_stream = sd.OutputStream
    asked: list[float] = []

    def only_44k1(**kwargs: object) -> object:  # raw ALSA hardware answers like this
        asked.append(float(kwargs["samplerate"]))  # type: ignore[arg-type]
        if kwargs["samplerate"] != CAPTURE_RATE:
            raise sd.PortAudioError("Error opening OutputStream: Invalid sample rate", -9997)
        return real_stream(**kwargs)

    monkeypatch.setattr(sd, "OutputStream", only_44k1)
    clip = chirp()
    done = DoneCalls()
    player = AudioPlayer()
    with recording(pulse, tmp_path) as record:
        try:
            player.play(clip, on_done=done)
            assert asked == [RATE, CAPTURE_RATE]
            assert player.output_rate == CAPTURE_RATE
            assert done.wait(), "on_done never came"
            assert player.played_samples == clip.size  # counted in the clip's samples
        finally:
            player.close()
        captured = record.stop()
    start, ncc = find_clip(captured, clip)
    assert ncc >= NCC_THRESHOLD, f"NCC {ncc:.5f} at {start}"


def test_playing_again_ends_the_first_clip_first(pulse: PulseServer) -> None:
    first, second = DoneCalls(), DoneCalls()
    player = AudioPlayer()
    try:
        player.play(chirp(seconds=3.0), on_done=first)
        time.sleep(0.2)
        player.play(chirp(seconds=0.5), on_done=second)
        assert len(first.threads) == 1  # ended (stopped) before the second started
        assert player.playing
        assert second.wait(), "the second clip never ended"
        assert player.played_samples == 4000
        assert portaudio.open_streams() == 1  # ended, not yet released: stop() or close() does
        player.stop()
        assert portaudio.open_streams() == 0
        assert (len(first.threads), len(second.threads)) == (1, 1)
    finally:
        player.close()
    with pytest.raises(RuntimeError, match="closed"):
        player.play(chirp())


@pytest.mark.asyncio
async def test_audio_review_plays_sent_audio_and_tells_the_loop(pulse: PulseServer) -> None:
    history = SentAudioHistory(seconds=10.0)
    clip = chirp(seconds=1.0)
    for first in range(0, clip.size, 480):
        history.append(4000 + first, clip[first : first + 480])
    review = AudioReview(history)
    told: list[tuple[bool, int]] = []
    review.subscribe(lambda playing: told.append((playing, threading.get_ident())))
    positions: list[int] = []
    try:
        review.play(0, 4000 + clip.size)
        while review.playing:
            position = review.play_position
            assert position is not None
            positions.append(position)
            await asyncio.sleep(0.05)
            assert len(positions) < 100, "the clip never ended"
    finally:
        await review.aclose()
    me = threading.get_ident()
    assert told == [(True, me), (False, me)]
    assert 0 <= positions[0] < 0.3 * RATE  # the head starts at the start of the selection
    assert positions == sorted(positions)
    assert positions[-1] > 4000 + clip.size // 2  # half a second never sent, then the clip
    assert review.play_position is None
    assert portaudio.open_streams() == 0


def test_no_output_device_is_a_plain_error(no_sound_server: None) -> None:
    done = DoneCalls()
    player = AudioPlayer()
    if not NO_SOUND_CARD:  # a developer's machine: its cards stay listed, nothing more to see
        return
    with pytest.raises(PlaybackError) as caught:
        player.play(chirp(), on_done=done)
    assert str(caught.value).startswith(
        "audio output: there is no output device at all (PortAudio lists none). "
        "Plug in speakers or a headset"
    )
    assert caught.value.source == "audio output"
    assert "PulseAudio or PipeWire is running" in caught.value.remedy
    assert "saved as a WAV file" in caught.value.remedy
    assert not player.playing
    assert done.threads == []
    assert portaudio.open_streams() == 0
    player.close()


def test_an_unknown_output_device_is_named(pulse: PulseServer) -> None:
    player = AudioPlayer("USB Speakers")
    with pytest.raises(PlaybackError) as caught:
        player.play(chirp())
    assert str(caught.value) == (
        "audio output 'USB Speakers': there is no output device by that name (any more). "
        "Plug it back in, or pick another output device"
    )
    player.close()


def test_the_output_is_named_when_it_cannot_open(
    pulse: PulseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sd = load_sounddevice()

    def busy(**kwargs: object) -> object:  # what ALSA hardware held by another program says
        raise sd.PortAudioError(
            "Error opening OutputStream: Unanticipated host error",
            -9999,
            (8, -16, "Device or resource busy"),
        )

    monkeypatch.setattr(sd, "OutputStream", busy)
    with pytest.raises(PlaybackError) as caught:
        AudioPlayer().play(chirp())
    assert str(caught.value).startswith("audio output 'default' (ALSA): the device is busy")
    assert "close the program that holds it" in caught.value.remedy
    assert "-9999" not in str(caught.value)
    assert portaudio.open_streams() == 0


def test_portaudio_missing_is_a_plain_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import sounddevice → ImportError
    with pytest.raises(PlaybackError) as caught:
        AudioPlayer().play(chirp())
    assert str(caught.value) == (
        "audio output: the Python package 'sounddevice' is not installed: nothing can be "
        "played. Reinstall the workbench, or pip install sounddevice into its environment; "
        "or save the audio as a WAV file and play it with another program"
    )


def test_an_empty_clip_is_a_value_error_before_any_device(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # proves no device is looked at
    done: Callable[[], None] = DoneCalls()
    with pytest.raises(ValueError, match="nothing to play: the clip is empty"):
        AudioPlayer().play(np.zeros(0, dtype=np.int16), on_done=done)
    with pytest.raises(ValueError, match="rate must be positive"):
        AudioPlayer().play(chirp(), rate=0)
