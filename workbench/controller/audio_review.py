"""Listening back to, and saving, part of the audio that was sent (no Qt, no I/O in widgets).

The waveform view lets the user select a stretch of what the server heard; :class:`AudioReview`
is what its buttons call. Positions are the outgoing stream's sample positions, the same numbers
as :class:`~workbench.audio.sent_history.SentAudioHistory` and
:attr:`~workbench.audio.chunks.Chunk.first_sample`.

The range
    Both :meth:`AudioReview.play` and :meth:`AudioReview.save` take a selection
    ``[start, stop)`` and use exactly that stretch of the stream, as
    :meth:`SentAudioHistory.read <workbench.audio.sent_history.SentAudioHistory.read>` gives it:
    what was not sent (or is too old to be kept) is silence, so the timing is the session's. A
    selection where nothing at all was sent is a :class:`ValueError`.

Playing
    :meth:`AudioReview.play` reads the range from the history and hands it to an
    :class:`~workbench.audio.playback.AudioPlayer`, created at the first play so that an app
    that never plays never touches the output device. The player reports the end of a clip
    from PortAudio's thread; it is carried to the event loop with ``call_soon_threadsafe``, so
    observers always run on the loop's thread. When a clip ends the player is stopped at once,
    which releases the output device (and lets a postponed device-list refresh run).

Saving
    :meth:`AudioReview.save` copies the range out of the history on the loop (the history is not
    thread-safe) and writes it as an 8 kHz 16-bit linear WAV in a worker thread: first to
    ``<path>.part``, then renamed over ``path``, so the file appears whole or not at all.
    Failures raise :class:`AudioSaveError`, naming the path, the cause and a remedy.

Observers are plain callables that must not raise (an exception is logged and ignored), as in
:mod:`workbench.controller.audio_input`. Every method runs on the event loop's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Final

from workbench.audio.playback import AudioPlayer
from workbench.audio.sent_history import SentAudioHistory
from workbench.audio.source import Pcm
from workbench.audio.wav_files import write_wav

_log = logging.getLogger(__name__)

_SAVE_ERRORS: Final[dict[int, tuple[str, str]]] = {
    errno.ENOENT: ("the folder does not exist", "pick an existing folder, or create it first"),
    errno.ENOTDIR: ("part of the path is not a folder", "pick an existing folder"),
    errno.EACCES: ("permission denied", "pick a folder you can write to"),
    errno.EPERM: ("permission denied", "pick a folder you can write to"),
    errno.EROFS: ("the disk is read-only", "save on another disk"),
    errno.ENOSPC: ("the disk is full", "free some space, or save on another disk"),
    errno.EDQUOT: ("the disk quota is used up", "free some space, or save on another disk"),
    errno.EISDIR: ("a folder has that name", "pick another file name"),
    errno.ENAMETOOLONG: ("the name is too long", "pick a shorter file name"),
}
"""errno of a failed write → (cause, remedy) in plain words."""


class AudioSaveError(Exception):
    """The audio could not be saved to ``path``; the message says why and what to do."""

    def __init__(self, path: str, cause: str, remedy: str) -> None:
        self.path = path
        self.cause = cause
        self.remedy = remedy
        super().__init__(
            f"could not save the audio to {path}: {cause}. {remedy[:1].upper()}{remedy[1:]}"
        )

    @classmethod
    def from_os_error(cls, path: str, error: OSError) -> AudioSaveError:
        known = _SAVE_ERRORS.get(error.errno or 0)
        if known is not None:
            return cls(path, *known)
        detail = error.strerror or str(error) or type(error).__name__
        return cls(path, detail, "check the path and try again, or save elsewhere")


def describe_range(history: SentAudioHistory, start: int, stop: int) -> str:
    """ "12.40 s and 15.00 s": a range of stream positions as the user sees it."""
    return f"{start / history.rate:.2f} s and {stop / history.rate:.2f} s"


class AudioReview:
    """Play or save a range of the sent audio (see the module docstring)."""

    def __init__(
        self,
        history: SentAudioHistory,
        *,
        player_factory: Callable[[], AudioPlayer] = AudioPlayer,
    ) -> None:
        self._history = history
        self._player_factory = player_factory
        self._player: AudioPlayer | None = None
        self._observers: dict[object, Callable[[bool], None]] = {}
        self._playing = False
        self._clip_start = 0
        self._generation = 0
        """Which play() the player's on_done belongs to; a late one of an older clip is ignored."""
        self._closed = False

    @property
    def playing(self) -> bool:
        """True from a successful :meth:`play` until the clip ended or was stopped."""
        return self._playing

    @property
    def play_position(self) -> int | None:
        """The stream position of the play head while playing, else None."""
        if not self._playing or self._player is None:
            return None
        return self._clip_start + self._player.played_samples

    def subscribe(self, callback: Callable[[bool], None]) -> Callable[[], None]:
        """Be told True when a clip starts and False when it ends; returns the unsubscriber.

        Always called on the event loop's thread, once per change.
        """
        token = object()
        self._observers[token] = callback

        def unsubscribe() -> None:
            self._observers.pop(token, None)

        return unsubscribe

    def play(self, start: int, stop: int) -> None:
        """Play the sent audio of ``[start, stop)`` (stream positions) on the output device.

        Whatever was playing stops first. Raises :class:`ValueError` when the range is empty or
        nothing was sent in it (nothing is stopped then), and
        :class:`~workbench.audio.playback.PlaybackError` when the output cannot be opened. Call
        it on the event loop's thread.
        """
        if self._closed:
            raise RuntimeError("AudioReview.play: the review is closed")
        pcm = self._sent(start, stop, "play")
        loop = asyncio.get_running_loop()
        self._halt()
        generation = self._generation

        def on_done() -> None:  # PortAudio's thread, or ours
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody is left to tell
                loop.call_soon_threadsafe(self._on_player_done, generation)

        try:
            if self._player is None:
                self._player = self._player_factory()
            self._player.play(pcm, self._history.rate, on_done)
        except BaseException:
            self._set_playing(False)
            raise
        self._clip_start = start
        self._set_playing(True)

    def stop(self) -> None:
        """Stop playing; idempotent."""
        self._halt()
        self._set_playing(False)

    async def save(self, path: str | os.PathLike[str], start: int, stop: int) -> int:
        """Write ``[start, stop)`` as an 8 kHz 16-bit linear WAV at ``path``; samples written.

        Unsent stretches are saved as silence (see the module docstring); the count is
        ``stop - start``. An existing file is replaced. Raises :class:`ValueError` when
        the range is empty or nothing was sent in it, :class:`AudioSaveError` when the file
        cannot be written (then no file and no ``.part`` is left behind).
        """
        pcm = self._sent(start, stop, "save")
        await asyncio.to_thread(_write_whole, os.fspath(path), pcm, self._history.rate)
        return len(pcm)

    async def aclose(self) -> None:
        """Stop playing and release the output device; the review cannot play afterwards."""
        self._closed = True
        self.stop()
        player, self._player = self._player, None
        if player is not None:
            player.close()

    # --- internals ---------------------------------------------------------------------------

    def _sent(self, start: int, stop: int, verb: str) -> Pcm:
        """The samples of ``[start, stop)``, or ValueError when there is nothing to ``verb``."""
        if stop <= start:
            raise ValueError(f"nothing to {verb}: the selection is empty")
        if stop - start > self._history.capacity:
            kept_s = self._history.capacity / self._history.rate
            kept = f"{kept_s / 60:.0f} minutes" if kept_s >= 120 else f"{kept_s:.0f} s"
            raise ValueError(
                f"cannot {verb} {(stop - start) / self._history.rate:.0f} s at once: the history "
                f"keeps {kept}; select a shorter stretch"
            )
        if not self._history.spans(start, stop):
            raise ValueError(
                f"nothing to {verb}: nothing was sent between "
                f"{describe_range(self._history, start, stop)} (or it is too old to be kept)"
            )
        return self._history.read(start, stop)

    def _halt(self) -> None:
        """Stop the player and forget its clip, without telling the observers."""
        self._generation += 1
        if self._player is not None:
            self._player.stop()

    def _on_player_done(self, generation: int) -> None:
        """The loop's thread: the clip of ``generation`` ended (played out or stopped)."""
        if generation != self._generation:
            return
        if self._player is not None:
            self._player.stop()  # releases the device; on_done already ran, so not again
        self._set_playing(False)

    def _set_playing(self, playing: bool) -> None:
        if playing == self._playing:
            return
        self._playing = playing
        for callback in tuple(self._observers.values()):
            try:
                callback(playing)
            except Exception:
                _log.exception("an audio review observer failed")


def _write_whole(path: str, pcm: Pcm, rate: int) -> None:
    """A worker thread: write the WAV to ``path + ".part"``, then rename it over ``path``."""
    partial = Path(path + ".part")
    try:
        write_wav(partial, pcm.astype("<i2").tobytes(), "linear", rate)
        partial.replace(path)
    except OSError as error:
        raise AudioSaveError.from_os_error(path, error) from error
    finally:
        try:
            partial.unlink(missing_ok=True)
        except OSError:
            _log.warning("could not remove %s", partial)
