"""PortAudio through ``sounddevice``, loaded lazily, re-initialised for hot-plug, streams counted.

Three facts shape this module:

* ``import sounddevice`` raises ``OSError('PortAudio library not found')`` when libportaudio2 is
  absent (and ``ImportError`` when the Python package is). The workbench must start anyway: files,
  typed text and silence need no PortAudio. So nothing imports sounddevice at module level;
  :func:`load_sounddevice` does, and turns the failure into :class:`PortAudioMissingError`.
* PortAudio enumerates devices once, in ``Pa_Initialize``. A headset plugged in later (or a sound
  server started later: without PulseAudio, ALSA lists nothing here) stays invisible until
  PortAudio is terminated and initialised again. :func:`reinitialize` does that.
* ``Pa_Terminate`` closes every open stream behind its owner's back, so re-initialising while a
  microphone is capturing would pull the stream out from under its callback. Streams are opened
  and closed through :func:`open_input_stream` / :func:`close_stream`, which keep a count; while
  it is not zero :func:`reinitialize` does not run now but is postponed until the last stream
  closes (and says so by returning False).
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType
from typing import Any

from workbench.audio.source import AudioSourceError

_INSTALL_HINT = (
    "install libportaudio2 (Debian/Ubuntu: apt install libportaudio2); "
    "files, typed text and silence still work"
)
_PACKAGE_HINT = (
    "reinstall the workbench, or pip install sounddevice into its environment; "
    "files, typed text and silence still work"
)


class _StreamBook:
    """The open-stream count and the postponed re-initialisation, under one lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.open_streams = 0
        self.reinit_pending = False


_book = _StreamBook()


class PortAudioMissingError(AudioSourceError):
    """PortAudio (the C library) or the ``sounddevice`` package cannot be loaded."""

    def __init__(
        self, detail: str = "PortAudio library not found", remedy: str = _INSTALL_HINT
    ) -> None:
        self.detail = detail
        """What failed to load, without the consequence (callers other than the microphone)."""
        super().__init__("PortAudio", f"{detail}: no microphone can be used", remedy)


def load_sounddevice() -> ModuleType:
    """The ``sounddevice`` module, or :class:`PortAudioMissingError` saying what to install.

    The failure is not cached: a user who installs libportaudio2 while the app runs gets the
    microphone on the next try (a failed import leaves nothing in ``sys.modules``).
    """
    try:
        return importlib.import_module("sounddevice")
    except OSError as error:  # sounddevice's own message: "PortAudio library not found"
        raise PortAudioMissingError(str(error) or "PortAudio library not found") from error
    except ImportError as error:
        detail = "the Python package 'sounddevice' is not installed"
        raise PortAudioMissingError(detail, _PACKAGE_HINT) from error
    except Exception as error:  # Pa_Initialize failed during the import (a PortAudioError)
        raise AudioSourceError(
            "PortAudio",
            f"the audio library failed to start ({error})",
            "restart the app; if it persists, check the sound server (PulseAudio/PipeWire)",
        ) from error


def portaudio_version() -> str | None:
    """PortAudio's version text ("PortAudio V19.6.0-devel, revision …"), None when missing."""
    try:
        sd = load_sounddevice()
    except AudioSourceError:
        return None
    text: str = sd.get_portaudio_version()[1]
    return text


def open_streams() -> int:
    """How many streams opened through :func:`open_input_stream` or :func:`open_output_stream`
    are not closed yet."""
    return _book.open_streams


def reinitialize_pending() -> bool:
    """True when a :func:`reinitialize` waits for the last open stream to close."""
    return _book.reinit_pending


def _terminate_and_initialize(sd: ModuleType) -> None:
    # sounddevice counts its own Pa_Initialize calls; terminate them all so PortAudio really
    # forgets its device list, then initialise once, as the import did.
    try:
        while sd._initialized > 0:
            sd._terminate()
        sd._initialize()
    except sd.PortAudioError as error:
        raise AudioSourceError(
            "PortAudio",
            f"re-reading the device list failed ({error})",
            "try the refresh again; if it persists, restart the app",
        ) from error


def reinitialize() -> bool:
    """Make PortAudio enumerate the devices again (hot-plug); True when done now.

    When streams are open it would close them, so it is postponed instead: the re-initialisation
    runs when the last stream closes, and this returns False (the caller may say "the list will
    refresh when the microphone is closed").
    """
    sd = load_sounddevice()
    with _book.lock:
        if _book.open_streams > 0:
            _book.reinit_pending = True
            return False
        _book.reinit_pending = False
        _terminate_and_initialize(sd)
        return True


def open_input_stream(**kwargs: Any) -> Any:
    """``sounddevice.InputStream(**kwargs)``, counted as open (see :func:`reinitialize`).

    The stream is returned unstarted. Errors from sounddevice (``PortAudioError``,
    ``ValueError``) pass through unchanged for :func:`workbench.audio.devices.describe_open_error`.
    """
    sd = load_sounddevice()
    with _book.lock:
        stream = sd.InputStream(**kwargs)
        _book.open_streams += 1
    return stream


def close_stream(stream: Any) -> None:
    """Close a stream from :func:`open_input_stream` (any pending buffers are dropped).

    Runs a postponed :func:`reinitialize` when this was the last open stream. Errors from the
    host API while closing are ignored: the stream is gone either way.
    """
    with _book.lock:
        try:
            stream.close(ignore_errors=True)
        finally:
            _book.open_streams = max(0, _book.open_streams - 1)
        if _book.open_streams == 0 and _book.reinit_pending:
            try:
                _terminate_and_initialize(load_sounddevice())
            except AudioSourceError:
                return  # still pending: the next reinitialize() tries again and reports it
            _book.reinit_pending = False


def open_output_stream(**kwargs: Any) -> Any:
    """``sounddevice.OutputStream(**kwargs)``, counted as open like :func:`open_input_stream`."""
    sd = load_sounddevice()
    with _book.lock:
        stream = sd.OutputStream(**kwargs)
        _book.open_streams += 1
    return stream
