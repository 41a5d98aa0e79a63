"""The values :class:`~workbench.controller.audio_input.AudioInput` hands out, and its observers.

Plain data for the UI and the command line: what kind of source is chosen, the device list (or
why there is none), a status snapshot that words itself for a status line, and the small
observer registry behind ``AudioInput.subscribe_*``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from workbench.audio.devices import NO_INPUT_CAUSE, NO_INPUT_REMEDY, InputDevice
from workbench.audio.resample import PROTOCOL_RATE
from workbench.audio.source import AudioSourceError

SourceKind = Literal["microphone", "file", "text", "silence"]
T = TypeVar("T")
_log = logging.getLogger("workbench.controller.audio_input")


class Observers(Generic[T]):
    """Callables taking one value; one that raises is logged, never stops the others."""

    def __init__(self, what: str) -> None:
        self._what = what
        self._callbacks: dict[object, Callable[[T], object]] = {}

    def subscribe(self, callback: Callable[[T], object]) -> Callable[[], None]:
        token = object()
        self._callbacks[token] = callback

        def unsubscribe() -> None:
            self._callbacks.pop(token, None)

        return unsubscribe

    def notify(self, value: T) -> None:
        for callback in tuple(self._callbacks.values()):
            try:
                callback(value)
            except Exception:
                _log.exception("a %s observer failed", self._what)


@dataclass(frozen=True)
class DeviceListing:
    """The input devices as last read, or why they could not be read."""

    devices: tuple[InputDevice, ...] = ()
    error: AudioSourceError | None = None
    """Why no list could be read: PortAudio missing (with what to install), or it failed."""
    postponed: bool = False
    """A refresh was asked while a microphone is open: PortAudio re-reads its devices when it
    closes (re-reading now would pull the stream from under it), so this is the old list."""

    @property
    def default(self) -> InputDevice | None:
        """The device marked default, else the first one, else None."""
        first = self.devices[0] if self.devices else None
        return next((device for device in self.devices if device.is_default), first)

    @property
    def unavailable_reason(self) -> str | None:
        """Why no microphone can be used now, with what to do; None when one can."""
        if self.error is not None:
            return str(self.error)
        if not self.devices:
            remedy = NO_INPUT_REMEDY[:1].upper() + NO_INPUT_REMEDY[1:]
            return f"No microphone: {NO_INPUT_CAUSE}. {remedy}."
        return None


@dataclass(frozen=True)
class InputStatus:
    """A snapshot of the input for a status line (cheap: poll it a few times a second)."""

    kind: SourceKind
    label: str
    device: InputDevice | None = None
    device_rate: float = 0.0
    """The microphone's native rate (what it captures at before conversion to 8 kHz)."""
    overruns: int = 0
    waiting: bool = False
    muted: bool = False
    paused: bool = False

    def describe(self) -> str:
        """ "Microphone: USB Headset — 44.1 kHz → 8 kHz, 0 overruns (muted)", and the like."""
        if self.kind == "microphone" and self.waiting:
            text = f"{self.label} — waiting for the microphone…"
        elif self.kind == "microphone" and self.device_rate:
            plural = "" if self.overruns == 1 else "s"
            rate = f"{self.device_rate / 1000:g} kHz → {PROTOCOL_RATE // 1000} kHz"
            text = f"{self.label} — {rate}, {self.overruns} overrun{plural}"
        else:
            text = self.label
        flags = [name for name, on in (("muted", self.muted), ("paused", self.paused)) if on]
        return f"{text} ({', '.join(flags)})" if flags else text
