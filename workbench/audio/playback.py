"""Playing a clip of audio on an output device through PortAudio (``sounddevice``), non-blocking.

Theory of operation:

* :meth:`AudioPlayer.play` prepares the whole clip *before* the stream starts: int16, mono, one
  column, at the rate the device was opened at, between 50 ms of silence ahead (a sound server
  that mixes a new stream in late, or an output that wakes up muted, eats that instead of the
  first syllable) and the stream's latency plus 100 ms after. The PortAudio callback then only
  copies the next block out of that buffer and advances a position; at the end it raises
  ``CallbackStop`` and PortAudio calls the stream's *finished* callback once the last block is
  handed over, which the trailing silence turns into "once the clip has been heard". No
  allocation beyond array views, no lock, no logging on the real-time thread.
* The device is asked for the clip's own rate first (8 kHz mono: PulseAudio, PipeWire, Windows
  and macOS convert). A device that refuses the rate (``paInvalidSampleRate``, as raw ALSA
  hardware often does) is opened at its default rate and the whole clip is resampled beforehand
  with soxr; one that refuses mono gets the clip on two channels.
* sounddevice is imported lazily through :mod:`workbench.audio.portaudio`, and the output stream
  is counted with the input streams there, so a device-list refresh (hot-plug) waits until
  playback has released the device instead of closing the stream under its callback.
* ``on_done`` is called exactly once per successful :meth:`AudioPlayer.play`, when the clip
  ends: from PortAudio's thread when it played to its end; when it was cut short by
  :meth:`~AudioPlayer.stop`, :meth:`~AudioPlayer.play` or :meth:`~AudioPlayer.close`, from
  PortAudio's thread or the thread that called that method (host APIs differ on whether
  aborting a stream runs its finished callback), and in that case before the method returns.
  So ``on_done`` must be quick and thread-safe: hand it to the event loop
  (``loop.call_soon_threadsafe``). A :meth:`~AudioPlayer.play` that raises never calls it.
  After a clip played to its end the stream stays open, inactive, until the next
  :meth:`~AudioPlayer.play`, :meth:`~AudioPlayer.stop` or :meth:`~AudioPlayer.close` (a
  stream cannot be closed from its own callback): call :meth:`~AudioPlayer.stop` on ``on_done``
  to release the device.
* An empty clip is a caller's mistake, not a device problem: :class:`ValueError`
  ("nothing to play"). Devices that cannot play raise :class:`PlaybackError`, which names the
  output, the cause and a remedy in plain words; the open-error tables are
  :mod:`workbench.audio.devices`'s, with the microphone-only remedies replaced.

An :class:`AudioPlayer` is driven from one thread (the event loop); only the callbacks run on
PortAudio's.
"""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import soxr

from workbench.audio import portaudio
from workbench.audio.devices import (
    HOST_ERRNOS,
    NO_INPUT_CAUSE,
    NO_INPUT_REMEDY,
    PORTAUDIO_ERRORS,
    describe_open_error,
)
from workbench.audio.portaudio import PortAudioMissingError, load_sounddevice
from workbench.audio.resample import PROTOCOL_RATE
from workbench.audio.source import AudioSourceError, Pcm

_log = logging.getLogger(__name__)

OUTPUT: Final = "audio output"
"""How errors name the default output before it is resolved."""

LATENCY_S: Final = 0.1
"""The output latency asked for. PortAudio's "high" is 35 ms on ALSA's ``pulse`` device and
underruns at the start of most clips there (measured); a review player needs no low latency."""

LEAD_S: Final = 0.05
"""Silence played before the clip: a sound server that mixes a new stream in late (measured
here: PulseAudio's monitor misses the first 10–20 ms of every new stream, and Bluetooth or HDMI
outputs wake up muted) eats silence instead of the clip's first syllable."""

TAIL_MARGIN_S: Final = 0.1
"""Silence played after the clip on top of the stream's latency, so the clip is heard to its end
before the finished callback. PortAudio's latency leaves out the sound server's own buffer: with
only the latency as tail, the last 26 ms of the clip were lost on PulseAudio; 50 ms more was
enough (measured)."""

INVALID_SAMPLE_RATE: Final = -9997
INVALID_CHANNEL_COUNT: Final = -9998

NO_OUTPUT_CAUSE: Final = "there is no output device at all (PortAudio lists none)"
NO_OUTPUT_REMEDY: Final = (
    "plug in speakers or a headset and try again; on Linux check that PulseAudio or PipeWire "
    "is running (without a sound server ALSA may list nothing); the audio can still be saved "
    "as a WAV file"
)
_SAVE_INSTEAD: Final = "or save the audio as a WAV file and play it with another program"

_OUTPUT_REMEDIES: Final[dict[str, str]] = {
    NO_INPUT_REMEDY: NO_OUTPUT_REMEDY,
    HOST_ERRNOS[errno.EACCES][1]: (
        "allow this app to use the sound device: on Linux add your user to the 'audio' group "
        "and log in again"
    ),
    PORTAUDIO_ERRORS[INVALID_SAMPLE_RATE][1]: f"choose another output device, {_SAVE_INSTEAD}",
}
"""Remedies of :mod:`workbench.audio.devices` that speak of the microphone → the output's."""


class PlaybackError(AudioSourceError):
    """The audio cannot be played; ``source`` names the output, ``cause`` and ``remedy`` say
    why and what to do, in plain words."""


def output_name(name: str | None, host_api: str | None = None) -> str:
    """How errors name an output: "audio output 'pulse' (ALSA)", or "audio output"."""
    if name is None:
        return OUTPUT
    return f"{OUTPUT} '{name}'" + (f" ({host_api})" if host_api else "")


def describe_playback_error(source: str, error: BaseException, rate: float | None) -> PlaybackError:
    """What went wrong opening or starting an output stream, for a person to read.

    Uses :func:`~workbench.audio.devices.describe_open_error`'s tables; a
    :class:`PlaybackError` comes back unchanged. Raise the result ``from error``.
    """
    if isinstance(error, PlaybackError):
        return error
    if isinstance(error, PortAudioMissingError):
        detail = error.detail
        install = error.remedy.split(";")[0]
        remedy = f"{install}; {_SAVE_INSTEAD}"
        return PlaybackError(source, f"{detail}: nothing can be played", remedy)
    described = describe_open_error(None, error, rate)
    if isinstance(described, PortAudioMissingError):
        return describe_playback_error(source, described, rate)
    cause = NO_OUTPUT_CAUSE if described.cause == NO_INPUT_CAUSE else described.cause
    return PlaybackError(source, cause, _OUTPUT_REMEDIES.get(described.remedy, described.remedy))


class _Playback:
    """One clip on one open stream; what the PortAudio callbacks see."""

    def __init__(self, clip_samples: int, on_done: Callable[[], None] | None) -> None:
        self.clip_samples = clip_samples
        self.buffer: npt.NDArray[np.int16] = np.zeros((0, 1), dtype=np.int16)
        self.clip_frames = 0
        self.lead_frames = 0
        self.position = 0
        """Frames of ``buffer`` handed to PortAudio (written by the callback only)."""
        self.latency_frames = 0
        self.stream: Any = None
        self.stopping = False
        self.completed = False
        self.done = False
        self._on_done = on_done
        self._lock = threading.Lock()
        self._callback_stop: type[Exception] = Exception

    def prepare(
        self, sd: ModuleType, clip: npt.NDArray[np.int16], lead_frames: int, tail_frames: int
    ) -> None:
        """Copy ``clip`` (at the stream's rate) into the buffer between two stretches of silence."""
        self.clip_frames = len(clip)
        self.lead_frames = lead_frames
        self.buffer = np.zeros((lead_frames + len(clip) + tail_frames, 1), dtype=np.int16)
        self.buffer[lead_frames : lead_frames + len(clip), 0] = clip
        self.position = 0
        self._callback_stop = sd.CallbackStop

    def callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        """PortAudio's thread: copy the next block out of the prepared buffer, nothing else."""
        position = self.position
        count = min(frames, len(self.buffer) - position)
        outdata[:count] = self.buffer[position : position + count]
        if count < frames:
            outdata[count:] = 0
        self.position = position + count
        if self.position >= len(self.buffer):
            raise self._callback_stop

    def finished(self) -> None:
        """PortAudio's finished callback: the stream went inactive (played out, or stopped)."""
        self.finish(completed=not self.stopping and self.position >= len(self.buffer))

    def finish(self, completed: bool) -> None:
        """End this clip: call ``on_done`` unless it already was."""
        with self._lock:
            if self.done:
                return
            self.done = True
            self.completed = completed
        if self._on_done is not None:
            try:
                self._on_done()
            except Exception:
                _log.exception("a playback on_done callback failed")

    @property
    def played_samples(self) -> int:
        """Clip samples heard so far: handed to PortAudio minus what its latency still holds."""
        if self.completed:
            return self.clip_samples
        if not self.clip_frames:
            return 0
        heard = max(0, self.position - self.latency_frames - self.lead_frames)
        return min(self.clip_samples, round(heard * self.clip_samples / self.clip_frames))


class AudioPlayer:
    """Plays one clip at a time on an output device (see the module docstring).

    ``device`` is a PortAudio index or name (as ``sounddevice`` matches it); None means the
    default output device, or the first output device when PortAudio names no default.
    """

    def __init__(self, device: int | str | None = None) -> None:
        self._device = device
        self._current: _Playback | None = None
        self._output_rate: float | None = None
        self._closed = False

    @property
    def playing(self) -> bool:
        """True from a successful :meth:`play` until the clip ended or was stopped."""
        return self._current is not None and not self._current.done

    @property
    def played_samples(self) -> int:
        """Samples of the current (or last) clip played so far, for a play head.

        Counted in the clip's samples whatever rate the device runs at, less the output
        latency PortAudio reports; the whole clip once it played to its end, and where it was
        cut once stopped. 0 before the first :meth:`play`.
        """
        return 0 if self._current is None else self._current.played_samples

    @property
    def output_rate(self) -> float | None:
        """The rate the output stream was last opened at (None before the first play)."""
        return self._output_rate

    def play(
        self, pcm: Pcm, rate: int = PROTOCOL_RATE, on_done: Callable[[], None] | None = None
    ) -> None:
        """Start playing ``pcm`` (mono int16 at ``rate``) and return at once.

        Whatever was playing is stopped first. Raises :class:`ValueError` for an empty clip
        ("nothing to play") or a bad rate, :class:`PlaybackError` when no output can be opened,
        RuntimeError after :meth:`close`. See the module docstring for when ``on_done`` runs.
        """
        if self._closed:
            raise RuntimeError("AudioPlayer.play: the player is closed")
        samples = np.asarray(pcm, dtype=np.int16).reshape(-1)
        if not samples.size:
            raise ValueError("nothing to play: the clip is empty")
        if rate <= 0:
            raise ValueError(f"AudioPlayer.play: the rate must be positive, got {rate} Hz")
        self.stop()
        source = output_name(None if self._device is None else str(self._device))
        try:
            sd = load_sounddevice()
            info, source = self._output_device(sd, source)
        except Exception as error:
            raise describe_playback_error(source, error, rate) from error
        playback = _Playback(samples.size, on_done)
        stream = self._open(sd, playback, samples, rate, info=info, source=source)
        playback.stream = stream
        self._current = playback
        try:
            stream.start()
        except Exception as error:
            playback.done = True  # never started: on_done is not called
            self._release(playback)
            raise describe_playback_error(source, error, self._output_rate) from error

    def stop(self) -> None:
        """Stop the clip now and release the device; idempotent."""
        playback = self._current
        if playback is None:
            return
        playback.stopping = True
        self._release(playback)
        playback.finish(completed=False)

    def close(self) -> None:
        """Stop and refuse to play again; idempotent."""
        self.stop()
        self._closed = True

    # --- internals ---------------------------------------------------------------------------

    def _output_device(self, sd: ModuleType, source: str) -> tuple[dict[str, Any], str]:
        """(the device's info dict, its name for errors), or a :class:`PlaybackError`."""
        try:
            info = dict(sd.query_devices(self._device, kind="output"))
        except ValueError as error:  # "No output device matching 'x'"
            raise PlaybackError(
                source,
                "there is no output device by that name (any more)",
                "plug it back in, or pick another output device",
            ) from error
        except sd.PortAudioError as error:
            if self._device is not None:
                raise
            first = _first_output(sd)  # no default named: take the first one, as inputs do
            if first is None:
                raise PlaybackError(source, NO_OUTPUT_CAUSE, NO_OUTPUT_REMEDY) from error
            info = first
        host_api = str(sd.query_hostapis(int(info["hostapi"]))["name"])
        return info, output_name(str(info["name"]), host_api)

    def _open(
        self,
        sd: ModuleType,
        playback: _Playback,
        samples: Pcm,
        rate: int,
        *,
        info: dict[str, Any],
        source: str,
    ) -> Any:
        """An open, unstarted stream for ``samples``, its buffer prepared (resampled if need be).

        The buffer ends with the stream's latency of silence: the finished callback comes once
        the last block was handed over, so without it the clip's tail would still be queued in
        the device (and dropped when the stream is closed) when ``on_done`` runs.
        """
        device_rate = float(info["default_samplerate"])
        rates = [float(rate)] + ([device_rate] if device_rate != rate else [])
        channel_counts = [1, 2] if int(info["max_output_channels"]) >= 2 else [1]
        last_error: BaseException | None = None
        for out_rate in rates:
            for channels in channel_counts:
                try:
                    stream = portaudio.open_output_stream(
                        device=int(info["index"]),
                        samplerate=out_rate,
                        channels=channels,
                        dtype="int16",
                        latency=LATENCY_S,
                        callback=playback.callback,
                        finished_callback=playback.finished,
                    )
                except Exception as error:
                    last_error = error
                    code = _error_code(error)
                    if code == INVALID_CHANNEL_COUNT:
                        continue
                    if code == INVALID_SAMPLE_RATE:
                        break
                    raise describe_playback_error(source, error, out_rate) from error
                self._output_rate = out_rate
                latency = round(float(stream.latency) * out_rate)
                clip = samples if out_rate == rate else _resample(samples, rate, out_rate)
                lead = round(LEAD_S * out_rate)
                tail = latency + round(TAIL_MARGIN_S * out_rate)
                playback.prepare(sd, clip, lead_frames=lead, tail_frames=tail)
                playback.latency_frames = latency
                return stream
        assert last_error is not None
        raise describe_playback_error(source, last_error, rates[-1]) from last_error

    def _release(self, playback: _Playback) -> None:
        stream, playback.stream = playback.stream, None
        if stream is not None:
            try:
                stream.abort(ignore_errors=True)
            finally:
                portaudio.close_stream(stream)


def _first_output(sd: ModuleType) -> dict[str, Any] | None:
    for info in sd.query_devices():
        if int(info.get("max_output_channels", 0)) > 0:
            return dict(info)
    return None


def _error_code(error: BaseException) -> int | None:
    """PortAudio's error code from a ``PortAudioError``'s args (``str()`` would query PortAudio)."""
    args = error.args
    return args[1] if len(args) > 1 and isinstance(args[1], int) else None


def _resample(samples: Pcm, rate: float, out_rate: float) -> Pcm:
    """The whole clip at ``out_rate`` (soxr, high quality, int16 in and out)."""
    resampled: Pcm = soxr.resample(samples, rate, out_rate)
    return resampled
