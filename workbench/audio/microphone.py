"""The microphone as an :class:`~workbench.audio.source.AudioSource`: capture, ring, 8 kHz.

Theory of operation:

* :meth:`MicrophoneSource.start` opens a PortAudio input stream at the device's own (native)
  rate, float32, on 1 or 2 channels. Asking the driver for 8 kHz would either fail (most USB and
  built-in devices do not offer it) or leave the conversion to a driver of unknown quality.
* The callback runs on PortAudio's real-time thread. It only copies ``indata`` into a
  :class:`~workbench.audio.ring_buffer.FrameRing`, appends (frames so far, monotonic time) to a
  bounded deque and counts status flags: no allocation beyond that, no lock, no resampling.
* :meth:`MicrophoneSource.read` runs on the consumer's side (the outgoing stream): it takes from
  the ring only as many device frames as the 8 kHz request needs, resamples them with the
  low-latency polyphase filter (:class:`~workbench.audio.resample.StreamResampler`) into a
  small FIFO, and hands out up to ``max_samples``. Whatever is not asked for stays in the ring,
  where a too-slow consumer shows up as counted overruns instead of unbounded memory.

A device that goes away (unplugged, sound server gone) either ends the stream (PortAudio makes it
inactive) or just stops calling back. Either way :meth:`MicrophoneSource.read` first hands out the
audio still buffered, then raises :class:`~workbench.audio.source.AudioSourceError`; the same
error stays in :attr:`MicrophoneSource.error` and :attr:`MicrophoneSource.exhausted` turns true,
so a controller that polls instead of catching sees it too.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections import deque
from typing import Any

import numpy as np

from workbench.audio import portaudio
from workbench.audio.devices import (
    NO_INPUT_CAUSE,
    NO_INPUT_REMEDY,
    InputDevice,
    describe_open_error,
    list_input_devices,
    microphone_name,
)
from workbench.audio.resample import PROTOCOL_RATE, StreamResampler
from workbench.audio.ring_buffer import FrameRing
from workbench.audio.source import EMPTY, AudioSourceError, Pcm, SourceStats

CALLBACK_HISTORY = 256
"""How many (frames, time) callback records are kept for latency and jitter measurements."""


class MicrophoneSource:
    """Live audio from an input device, as 8 kHz mono int16 (see the module docstring).

    ``device`` None means the default input device at :meth:`start` (the first one when PortAudio
    names no default). ``block_ms`` is the callback period asked for (the host may round it);
    ``latency`` is PortAudio's suggested latency ("low", "high" or seconds); ``ring_seconds`` how
    much audio the ring holds when the consumer falls behind; ``stall_seconds`` how long without a
    callback, once callbacks have started, counts as the device being gone, and
    ``first_callback_seconds`` how long the first one may take (a sound server waking up needs
    about 2 s) before the device counts as dead.
    """

    live = True

    def __init__(
        self,
        device: InputDevice | None = None,
        *,
        block_ms: float = 20.0,
        latency: float | str = "low",
        ring_seconds: float = 2.0,
        stall_seconds: float = 3.0,
        first_callback_seconds: float = 10.0,
    ) -> None:
        self._device = device
        self._block_ms = block_ms
        self._latency = latency
        self._ring_seconds = ring_seconds
        self._stall_seconds = stall_seconds
        self._first_callback_seconds = first_callback_seconds
        self._stream: Any = None
        self._ring: FrameRing | None = None
        self._resampler: StreamResampler | None = None
        self._fifo: Pcm = EMPTY
        self._rate = 0.0
        self._channels = 0
        self._closed = False
        self._error: AudioSourceError | None = None
        self._samples_read = 0
        # Written by the callback thread only (int assignments are atomic under the GIL):
        self._frames_in = 0
        self._status_flags = 0
        self._input_overflows = 0
        self._last_callback_at: float | None = None
        self._first_callback_at: float | None = None
        self._first_callback = threading.Event()
        self._callbacks: deque[tuple[int, float]] = deque(maxlen=CALLBACK_HISTORY)
        self._opened_at: float | None = None

    # --- what the rest of the app reads ------------------------------------------------------

    @property
    def label(self) -> str:
        """ "Microphone: <device name>" ("default input" until the default is resolved)."""
        return f"Microphone: {'default input' if self._device is None else self._device.name}"

    @property
    def device(self) -> InputDevice | None:
        """The device captured from (resolved by :meth:`start` when None was given)."""
        return self._device

    @property
    def sample_rate(self) -> float:
        """The device rate the stream runs at (0 before :meth:`start`)."""
        return self._rate

    @property
    def channels(self) -> int:
        """Channels captured (0 before :meth:`start`); downmixed to mono on read."""
        return self._channels

    @property
    def exhausted(self) -> bool:
        """True once closed, or once the device failed and its buffered audio is handed out."""
        if self._closed:
            return True
        return self._error is not None and self._pending_frames() == 0 and self._fifo.size == 0

    @property
    def error(self) -> AudioSourceError | None:
        """Why the stream stopped delivering audio (device gone), None while it is healthy."""
        return self._error

    @property
    def first_callback_at(self) -> float | None:
        """``time.monotonic()`` of the first callback, None before it arrived.

        The first callback can come seconds after the stream opened (a sound server waking up):
        the UI says "waiting for the microphone…" until then, tests wait before playing audio.
        """
        return self._first_callback_at

    @property
    def opened_at(self) -> float | None:
        """``time.monotonic()`` when the stream was started, None before :meth:`start`."""
        return self._opened_at

    def wait_for_first_callback(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds for the first callback; True when it came."""
        return self._first_callback.wait(timeout)

    def callback_times(self) -> list[tuple[int, float]]:
        """The last callbacks as (device frames captured so far, ``time.monotonic()``)."""
        return list(self._callbacks)

    @property
    def stream_latency(self) -> float | None:
        """The input latency PortAudio reports for the open stream, in seconds."""
        return None if self._stream is None else float(self._stream.latency)

    # --- AudioSource -------------------------------------------------------------------------

    def start(self) -> None:
        """Open and start the stream; :class:`AudioSourceError` in plain words on failure."""
        if self._stream is not None or self._closed:
            raise RuntimeError("MicrophoneSource.start: a source starts once")
        device = _current(self._device) if self._device is not None else _default_device()
        self._device = device
        self._rate = device.default_rate
        self._channels = device.capture_channels
        try:
            capacity = max(1, round(self._ring_seconds * self._rate))
            self._ring = FrameRing(capacity, self._channels, np.float32)
            self._resampler = StreamResampler(self._rate, self._channels)
            stream = portaudio.open_input_stream(
                device=device.index,
                samplerate=self._rate,
                channels=self._channels,
                dtype="float32",
                blocksize=max(1, round(self._rate * self._block_ms / 1000)),
                latency=self._latency,
                callback=self._callback,
            )
        except Exception as error:
            raise describe_open_error(device, error, self._rate, self._channels) from error
        self._stream = stream
        try:
            self._opened_at = time.monotonic()
            stream.start()
        except Exception as error:
            self.close()
            raise describe_open_error(device, error, self._rate, self._channels) from error

    def read(self, max_samples: int) -> Pcm:
        """Up to ``max_samples`` 8 kHz samples captured so far; never blocks.

        Raises :class:`AudioSourceError` once the device has stopped delivering and everything
        it delivered before has been read.
        """
        if self._ring is None or self._resampler is None or self._closed or max_samples <= 0:
            return EMPTY
        self._check_alive()
        wanted = max_samples - self._fifo.size
        if wanted > 0:
            frames = math.ceil(wanted * self._rate / PROTOCOL_RATE)
            block = self._ring.read(frames)
            if len(block):
                converted = self._resampler.process(block)
                self._fifo = (
                    np.concatenate([self._fifo, converted]) if self._fifo.size else converted
                )
        out, self._fifo = self._fifo[:max_samples], self._fifo[max_samples:]
        if out.size == 0 and self._error is not None:
            raise self._error
        self._samples_read += out.size
        return out

    def stats(self) -> SourceStats:
        """Overruns: ring full (audio dropped here, with its duration) plus device overflows.

        PortAudio's ``input_overflow`` flag says audio was lost before the callback but not how
        much, so those count in ``overruns`` and ``device_errors`` but not in ``overrun_ms``.
        """
        ring_overruns = 0 if self._ring is None else self._ring.overruns
        lost_frames = 0 if self._ring is None else self._ring.overrun_frames
        lost_ms = 1000.0 * lost_frames / self._rate if self._rate else 0.0
        return SourceStats(
            samples_read=self._samples_read,
            overruns=ring_overruns + self._input_overflows,
            overrun_ms=lost_ms,
            device_errors=self._status_flags,
        )

    def close(self) -> None:
        """Stop and close the stream; idempotent, and safe after a failed :meth:`start`."""
        self._closed = True
        stream, self._stream = self._stream, None
        if stream is not None:
            portaudio.close_stream(stream)

    # --- internals ---------------------------------------------------------------------------

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        """PortAudio's thread: copy, timestamp, count. Nothing else belongs here."""
        ring = self._ring
        if ring is not None:
            ring.write(indata)
        now = time.monotonic()
        self._frames_in += frames
        self._callbacks.append((self._frames_in, now))
        self._last_callback_at = now
        if status:
            self._status_flags += 1
            if status.input_overflow:
                self._input_overflows += 1
        if self._first_callback_at is None:
            self._first_callback_at = now
            self._first_callback.set()

    def _pending_frames(self) -> int:
        return 0 if self._ring is None else self._ring.available

    def _check_alive(self) -> None:
        """Notice a dead stream: inactive without our asking, or silent for too long."""
        if self._error is not None or self._stream is None:
            return
        last = self._last_callback_at
        now = time.monotonic()
        if not self._stream.active:
            cause = "the device stopped delivering audio (unplugged, or the sound server stopped)"
        elif last is not None and now - last > self._stall_seconds:
            cause = f"no audio from the device for more than {self._stall_seconds:g} s"
        elif last is None and now - (self._opened_at or now) > self._first_callback_seconds:
            cause = f"the device opened but gave no audio in {self._first_callback_seconds:g} s"
        else:
            return
        self._error = AudioSourceError(
            microphone_name(self._device),
            cause,
            "check the device is plugged in, refresh the device list and start the microphone "
            "again, or pick another device",
        )


def _current(device: InputDevice) -> InputDevice:
    """``device`` with its index as of now: a refresh (hot-plug) may have renumbered the list.

    The same name on the same host API is the same device; opening a stale index could open
    another one. Raises :class:`AudioSourceError` when the device is no longer listed.
    """
    devices = list_input_devices()
    same = [d for d in devices if (d.name, d.host_api) == (device.name, device.host_api)]
    if any(d.index == device.index for d in same):
        return device
    if len(same) == 1:
        return dataclasses.replace(device, index=same[0].index)
    if same:
        raise AudioSourceError(
            microphone_name(device),
            f"the device list changed and {len(same)} devices now have that name",
            "pick the device again from the refreshed list",
        )
    raise AudioSourceError(
        microphone_name(device),
        "the device is not in the device list any more (unplugged?)",
        "plug it back in and refresh the device list, or pick another device",
    )


def _default_device() -> InputDevice:
    """The default input device; the first one when PortAudio names none; else a plain error."""
    devices = list_input_devices()
    if not devices:
        raise AudioSourceError("microphone", NO_INPUT_CAUSE, NO_INPUT_REMEDY)
    return next((device for device in devices if device.is_default), devices[0])
