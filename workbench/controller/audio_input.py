"""What the user picked as audio input, turned into sources for the outgoing stream (no Qt).

:class:`AudioInput` is the one place where "use this microphone", "play this file", "say this
text", "send silence", mute and pause become :mod:`workbench.audio` sources of an
:class:`~workbench.audio.stream.AudioStream`. It never blocks the event loop: files are decoded
and devices opened in worker threads (by :meth:`AudioStream.switch_to`), speech is synthesised
by a subprocess, the device list is read in a worker thread.

Choices
    Each ``use_*`` coroutine prepares a source and makes it current at the next chunk boundary
    (no hole in the stream). The last choice wins: a choice still being prepared (speech being
    synthesised, a file decoded) when a newer one arrives is dropped when ready, and says so by
    returning False. A choice that fails raises :class:`AudioSourceError` (plain words, never a
    traceback) *and* tells the ``source failed`` observers, so a caller that only fires and forgets
    (the panel) still has the message shown; the current source then stays.

Mute and pause
    Both send silence while the stream keeps its clock (chunks keep going out on time, as the SDK
    examples keep the line busy). They differ in what happens to the source meanwhile:

    * **mute** (:meth:`set_muted`) is a muted phone: the source keeps playing unheard, so a file or
      a spoken text is further along when unmuted, and a microphone keeps being read;
    * **pause** (:meth:`set_paused`) is a paused player: a file or a spoken text stops where it
      is and resumes from the same sample. A microphone cannot be held back, so a paused
      microphone is read and thrown away (the same as mute: the device's ring must not overrun).

    Both switches stay as set when another source is chosen. The waveform and meter show what is
    *sent*, so they go flat in both cases.

Observers
    Plain callables, called on the event loop's thread, that must not raise (an exception is
    logged and ignored). ``ui/`` turns them into Qt signals. Each ``subscribe_*`` returns its
    unsubscriber.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Final

import numpy as np

from workbench.audio import portaudio, tts
from workbench.audio.chunks import SourceExhausted, SourceFailed, SourceSwitched, StreamEvent
from workbench.audio.devices import InputDevice, list_input_devices
from workbench.audio.memory_sources import FileSource, PcmSource, SilenceSource
from workbench.audio.microphone import MicrophoneSource
from workbench.audio.source import AudioSource, AudioSourceError, Pcm, SourceStats
from workbench.audio.stream import AudioStream
from workbench.controller.audio_values import DeviceListing, InputStatus, Observers, SourceKind

__all__ = [
    "SILENCE_LABEL",
    "AudioInput",
    "DeviceListing",
    "InputStatus",
    "Observers",
    "SourceKind",
]

WAIT_POLL_S: Final = 0.05
"""How often the first microphone callback is looked for (cheap: an attribute read)."""

SILENCE_LABEL: Final = SilenceSource().label
"""What the stream sends after a source ended or failed."""

_log = logging.getLogger(__name__)


class _Pausable:
    """Wraps every chosen source so pause can hold it without the stream knowing.

    Paused, a non-live source is not read at all (its position holds) and silence of the size
    asked for goes out; a live one is read as usual (its ring must not overrun, and the stream
    follows its clock) and its samples are replaced by zeros.
    """

    def __init__(self, inner: AudioSource, kind: SourceKind, owner: AudioInput) -> None:
        self.inner = inner
        self.kind: SourceKind = kind
        self._owner = owner

    @property
    def label(self) -> str:
        return self.inner.label

    @property
    def live(self) -> bool:
        return self.inner.live

    @property
    def exhausted(self) -> bool:
        return self.inner.exhausted

    def start(self) -> None:
        self.inner.start()

    def read(self, max_samples: int) -> Pcm:
        if not self._owner.paused:
            return self.inner.read(max_samples)
        if self.inner.live:
            return np.zeros(len(self.inner.read(max_samples)), dtype=np.int16)
        return np.zeros(max(0, max_samples), dtype=np.int16)

    def stats(self) -> SourceStats:
        return self.inner.stats()

    def close(self) -> None:
        self.inner.close()


def _read_devices(refresh: bool) -> DeviceListing:
    """The device list (blocking: PortAudio may take a while to enumerate)."""
    try:
        postponed = refresh and not portaudio.reinitialize()
        return DeviceListing(tuple(list_input_devices()), postponed=postponed)
    except AudioSourceError as error:
        return DeviceListing(error=error)


class AudioInput:
    """Turns the user's audio choices into sources of ``stream`` (see the module docstring).

    ``stream`` is started and stopped by its owner; choices work whether it runs or not.
    ``first_callback_seconds`` is how long a microphone may take to deliver its first audio
    before it counts as dead (passed to :class:`MicrophoneSource`).
    """

    def __init__(self, stream: AudioStream, *, first_callback_seconds: float = 10.0) -> None:
        self.stream = stream
        self._first_callback_seconds = first_callback_seconds
        self._muted = stream.muted
        self._paused = False
        self._generation = 0
        self._microphone: MicrophoneSource | None = None
        self._waiting = False
        self._wait_task: asyncio.Task[None] | None = None
        self._device_lock = asyncio.Lock()
        self._listing: DeviceListing | None = None
        self._source_changed: Observers[str] = Observers("source changed")
        self._source_failed: Observers[str] = Observers("source failed")
        self._source_ended: Observers[str] = Observers("source ended")
        self._devices_changed: Observers[DeviceListing] = Observers("device list")
        self._waiting_changed: Observers[bool] = Observers("waiting for the microphone")
        self._unsubscribe = stream.subscribe_events(self._on_stream_event)

    # -- observers -----------------------------------------------------------------------

    def subscribe_source_changed(self, callback: Callable[[str], object]) -> Callable[[], None]:
        """``callback(label)`` when the stream takes a new source (also silence after an end)."""
        return self._source_changed.subscribe(callback)

    def subscribe_source_failed(self, callback: Callable[[str], object]) -> Callable[[], None]:
        """``callback(message)`` when a choice cannot start or the current source stops working.

        The message is an :class:`AudioSourceError` in words: what, why, what to do.
        """
        return self._source_failed.subscribe(callback)

    def subscribe_source_ended(self, callback: Callable[[str], object]) -> Callable[[], None]:
        """``callback(label)`` when a file or text played to its end (silence follows)."""
        return self._source_ended.subscribe(callback)

    def subscribe_devices(self, callback: Callable[[DeviceListing], object]) -> Callable[[], None]:
        """``callback(listing)`` after every :meth:`devices` call."""
        return self._devices_changed.subscribe(callback)

    def subscribe_waiting(self, callback: Callable[[bool], object]) -> Callable[[], None]:
        """``callback(True)`` while a microphone is opening or has not called back yet, then
        ``callback(False)`` (first audio, failure, or another choice)."""
        return self._waiting_changed.subscribe(callback)

    # -- state ---------------------------------------------------------------------------

    @property
    def muted(self) -> bool:
        return self._muted

    def set_muted(self, muted: bool) -> None:
        """Send silence instead of the source, which keeps playing unheard."""
        self._muted = bool(muted)
        self.stream.muted = self._muted

    @property
    def paused(self) -> bool:
        return self._paused

    def set_paused(self, paused: bool) -> None:
        """Send silence and hold a file's or text's position (a microphone is read and dropped)."""
        self._paused = bool(paused)

    def set_looping(self, loop: bool) -> None:
        """Make the file or text playing now loop, or end at its end; nothing for the others."""
        source = self.stream.source
        if isinstance(source, _Pausable) and isinstance(source.inner, PcmSource):
            source.inner.loop = bool(loop)

    @property
    def waiting_for_microphone(self) -> bool:
        return self._waiting

    @property
    def last_listing(self) -> DeviceListing | None:
        """What :meth:`devices` last returned (None before the first call)."""
        return self._listing

    def status(self) -> InputStatus:
        """What is being sent now, for the status line."""
        source = self.stream.source
        kind: SourceKind = source.kind if isinstance(source, _Pausable) else "silence"
        inner = source.inner if isinstance(source, _Pausable) else source
        mic = inner if isinstance(inner, MicrophoneSource) else None
        if mic is None and self._waiting and self._microphone is not None:
            mic, kind = self._microphone, "microphone"  # opening, not current yet
        return InputStatus(
            kind=kind,
            label=mic.label if mic is not None else source.label,
            device=mic.device if mic is not None else None,
            device_rate=mic.sample_rate if mic is not None else 0.0,
            overruns=mic.stats().overruns if mic is not None else 0,
            waiting=self._waiting,
            muted=self._muted,
            paused=self._paused,
        )

    # -- devices -------------------------------------------------------------------------

    async def devices(self, refresh: bool = False) -> DeviceListing:
        """The input devices (``refresh``: re-read from the drivers, for hot-plug).

        Never raises for a missing PortAudio or a failed enumeration: the listing carries the
        error, and :attr:`DeviceListing.unavailable_reason` says why no microphone can be used.
        """
        async with self._device_lock:
            listing = await asyncio.to_thread(_read_devices, refresh)
        self._listing = listing
        self._devices_changed.notify(listing)
        return listing

    # -- choices -------------------------------------------------------------------------

    async def use_microphone(self, device: InputDevice | None = None) -> bool:
        """Capture from ``device`` (None: the default one). True once it is the next source.

        The first audio may take a second or two: observers of :meth:`subscribe_waiting` hear
        True until it comes (silence is sent meanwhile).
        """
        mic = MicrophoneSource(device, first_callback_seconds=self._first_callback_seconds)
        generation = self._begin()
        self._microphone = mic
        self._set_waiting(True)
        chosen = False
        try:
            async with self._device_lock:  # no device refresh while the device opens
                chosen = await self._switch(generation, mic, "microphone")
        finally:
            if not chosen and self._microphone is mic:
                self._microphone = None
                self._set_waiting(False)
        if chosen:
            self._wait_task = asyncio.create_task(self._wait_for_audio(mic), name="mic-wait")
        return chosen

    async def use_file(self, path: str | os.PathLike[str], loop: bool = False) -> bool:
        """Play an audio file (decoded in a worker thread), once or looping."""
        generation = self._begin()
        return await self._switch(generation, FileSource(path, loop=loop), "file")

    async def use_text(
        self, text: str, engine: str | None = None, voice: str | None = None, loop: bool = False
    ) -> bool:
        """Say ``text`` with a local TTS engine (``engine`` None: the first one installed).

        ``engine`` is one of :data:`workbench.audio.tts.ENGINES`; ``voice`` None is the engine's
        default voice. Speech is synthesised by a subprocess (cached per text and voice).
        """
        generation = self._begin()

        async def speak() -> AudioSource:
            if engine is not None and engine not in tts.ENGINES:
                known = " or ".join(tts.ENGINES)
                raise tts.TtsError("TTS", f"unknown engine {engine!r}", f"Pick {known}")
            return await tts.tts_source(text, engine, voice, loop=loop)

        return await self._prepare(generation, speak, "text")

    async def use_silence(self) -> bool:
        """Send silence (the line stays open, as between utterances)."""
        generation = self._begin()
        return await self._switch(generation, SilenceSource(), "silence")

    def close(self) -> None:
        """Stop listening to the stream and forget the microphone wait; idempotent."""
        self._unsubscribe()
        self._cancel_wait()

    # -- internals -----------------------------------------------------------------------

    def _begin(self) -> int:
        """A new choice: the ones still being prepared are superseded."""
        self._generation += 1
        self._cancel_wait()
        if self._waiting:
            self._microphone = None
            self._set_waiting(False)
        return self._generation

    async def _prepare(
        self, generation: int, make: Callable[[], Awaitable[AudioSource]], kind: SourceKind
    ) -> bool:
        try:
            source = await make()
        except AudioSourceError as error:
            self._report(generation, error)
            raise
        return await self._switch(generation, source, kind)

    async def _switch(self, generation: int, source: AudioSource, kind: SourceKind) -> bool:
        if generation != self._generation:
            source.close()
            _log.info("%s superseded by a newer choice before it started", source.label)
            return False
        try:
            await self.stream.switch_to(_Pausable(source, kind, self))
        except AudioSourceError as error:
            self._report(generation, error)
            raise
        # False: a newer choice came meanwhile; it replaces this one as soon as it is ready.
        return generation == self._generation

    def _report(self, generation: int, error: AudioSourceError) -> None:
        if generation == self._generation:
            self._source_failed.notify(str(error))
        else:
            _log.info("a superseded audio choice failed: %s", error)

    async def _wait_for_audio(self, mic: MicrophoneSource) -> None:
        """Until the device has called back and the stream sends from it (or it failed)."""

        def flowing() -> bool:
            current = self.stream.source
            sending = isinstance(current, _Pausable) and current.inner is mic
            return sending and mic.first_callback_at is not None

        try:
            while not flowing() and not mic.exhausted:
                await asyncio.sleep(WAIT_POLL_S)
        finally:
            if self._microphone is mic:
                self._set_waiting(False)

    def _cancel_wait(self) -> None:
        task, self._wait_task = self._wait_task, None
        if task is not None and not task.done():
            task.cancel()

    def _set_waiting(self, waiting: bool) -> None:
        if waiting != self._waiting:
            self._waiting = waiting
            self._waiting_changed.notify(waiting)

    def _on_stream_event(self, event: StreamEvent) -> None:
        if isinstance(event, SourceSwitched):
            self._source_changed.notify(event.new_label)
        elif isinstance(event, SourceExhausted):
            # Published just before the stream puts silence in its place.
            self._source_ended.notify(event.label)
            self._source_changed.notify(SILENCE_LABEL)
        elif isinstance(event, SourceFailed):
            self._source_failed.notify(str(event.error))
            self._source_changed.notify(SILENCE_LABEL)
