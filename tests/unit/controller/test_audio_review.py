"""AudioReview: saving a range of the sent audio as a WAV, and the plumbing around playing it.

Saving writes real files in tmp_path and reads them back with the workbench's WAV decoder.
Playing uses a fake player (no device here; tests/functional/audio/test_playback.py plays for
real): what matters is which samples it is given and that the end of a clip, reported from
another thread, reaches the observers on the event loop's thread.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import cast

import numpy as np
import numpy.typing as npt
import pytest

from workbench.audio.playback import AudioPlayer, PlaybackError
from workbench.audio.sent_history import SentAudioHistory
from workbench.audio.wav_files import decode_wav, load_audio
from workbench.controller.audio_review import AudioReview, AudioSaveError

pytestmark = pytest.mark.timeout(30)

Pcm = npt.NDArray[np.int16]


def _coded(first: int, count: int) -> Pcm:
    """Never zero; each value tells its stream position."""
    return (np.arange(first, first + count) % 30000 + 1).astype(np.int16)


def _history() -> SentAudioHistory:
    """Sent: 800..8800 and 12000..16000 (chunks of 400); 8800..12000 not sent."""
    history = SentAudioHistory(seconds=10.0)
    for first in [*range(800, 8800, 400), *range(12000, 16000, 400)]:
        history.append(first, _coded(first, 400))
    return history


class FakePlayer:
    """Records what it is asked to play; ends a clip when told to, like AudioPlayer does."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.fail = fail
        self.clips: list[tuple[Pcm, int]] = []
        self.stops = 0
        self.closed = False
        self.played_samples = 0
        self._on_done: Callable[[], None] | None = None

    @property
    def playing(self) -> bool:
        return self._on_done is not None

    def play(self, pcm: Pcm, rate: int = 8000, on_done: Callable[[], None] | None = None) -> None:
        self.stop()
        if self.fail is not None:
            raise self.fail
        self.clips.append((pcm.copy(), rate))
        self.played_samples = 0
        self._on_done = on_done

    def end(self) -> None:
        """The clip ends (on_done once, from the calling thread)."""
        on_done, self._on_done = self._on_done, None
        if on_done is not None:
            on_done()

    def stop(self) -> None:
        self.stops += 1
        self.end()

    def close(self) -> None:
        self.stop()
        self.closed = True


class Factory:
    def __init__(self, player: FakePlayer | None = None) -> None:
        self.player = player or FakePlayer()
        self.made = 0

    def __call__(self) -> AudioPlayer:
        self.made += 1
        return cast(AudioPlayer, self.player)


def _review(history: SentAudioHistory, factory: Factory) -> AudioReview:
    return AudioReview(history, player_factory=factory)


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


# --- saving ------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_save_writes_the_sent_samples_as_an_8khz_linear_wav(tmp_path: Path) -> None:
    history = _history()
    review = _review(history, Factory())
    path = tmp_path / "heard.wav"
    written = await review.save(path, 1000, 14000)  # across the unsent gap
    assert written == 13000
    decoded = decode_wav(path.read_bytes(), path.name)
    assert (decoded.rate, decoded.channels, decoded.encoding) == (8000, 1, "PCM 16-bit")
    assert decoded.samples.dtype == np.int16
    saved = load_audio(path)
    assert np.array_equal(saved, history.read(1000, 14000))
    assert not saved[7800:11000].any()  # the gap is silence, the timing is kept
    assert not (tmp_path / "heard.wav.part").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["heard.wav"]


@pytest.mark.asyncio
async def test_save_keeps_the_selection_as_it_is_past_the_sent_audio(tmp_path: Path) -> None:
    history = _history()
    review = _review(history, Factory())
    path = tmp_path / "wide.wav"
    assert await review.save(str(path), 0, 20_000) == 20_000
    saved = load_audio(path)
    assert np.array_equal(saved, history.read(0, 20_000))
    assert not saved[:800].any()
    assert not saved[16_000:].any()


@pytest.mark.asyncio
async def test_save_replaces_an_existing_file(tmp_path: Path) -> None:
    history = _history()
    path = tmp_path / "again.wav"
    path.write_bytes(b"old")
    assert await _review(history, Factory()).save(path, 2000, 2400) == 400
    assert np.array_equal(load_audio(path), _coded(2000, 400))


@pytest.mark.asyncio
async def test_save_into_a_missing_folder_names_the_path(tmp_path: Path) -> None:
    review = _review(_history(), Factory())
    path = tmp_path / "no such folder" / "heard.wav"
    with pytest.raises(AudioSaveError) as caught:
        await review.save(path, 1000, 2000)
    message = str(caught.value)
    assert message == (
        f"could not save the audio to {path}: the folder does not exist. "
        "Pick an existing folder, or create it first"
    )
    assert caught.value.path == str(path)
    assert isinstance(caught.value.__cause__, FileNotFoundError)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.asyncio
async def test_save_over_a_folder_leaves_no_part_file(tmp_path: Path) -> None:
    folder = tmp_path / "taken.wav"
    folder.mkdir()
    with pytest.raises(AudioSaveError, match=r"a folder has that name\. Pick another file name"):
        await _review(_history(), Factory()).save(folder, 1000, 2000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.wav"]
    assert folder.is_dir()


def test_an_unknown_os_error_keeps_its_words() -> None:
    error = OSError(errno.EIO, "Input/output error")
    described = AudioSaveError.from_os_error("/mnt/usb/a.wav", error)
    assert str(described) == (
        "could not save the audio to /mnt/usb/a.wav: Input/output error. "
        "Check the path and try again, or save elsewhere"
    )


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("start", "stop", "message"),
    [
        (9000, 12000, r"nothing to save: nothing was sent between 1\.12 s and 1\.50 s"),
        (20000, 30000, "nothing was sent between 2.50 s and 3.75 s"),
        (5000, 5000, "nothing to save: the selection is empty"),
        (5000, 4000, "the selection is empty"),
        (0, 80_001, "cannot save 10 s at once: the history keeps 10 s; select a shorter"),
    ],
)
async def test_save_refuses_a_range_with_nothing_sent(
    tmp_path: Path, start: int, stop: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await _review(_history(), Factory()).save(tmp_path / "x.wav", start, stop)
    assert list(tmp_path.iterdir()) == []


# --- playing -----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_play_hands_the_sent_samples_to_a_player_made_at_the_first_play() -> None:
    history = _history()
    factory = Factory()
    review = _review(history, factory)
    told: list[bool] = []
    review.subscribe(told.append)
    assert factory.made == 0  # no device touched until something is played
    assert (review.playing, review.play_position) == (False, None)

    review.play(0, 9000)  # 0..800 and 8800..9000 were not sent: they play as silence
    assert factory.made == 1
    [(pcm, rate)] = factory.player.clips
    assert rate == 8000
    assert np.array_equal(pcm, history.read(0, 9000))
    assert review.playing
    assert told == [True]
    assert review.play_position == 0
    factory.player.played_samples = 1234
    assert review.play_position == 1234

    review.play(12000, 13000)  # replaces the first clip: no False in between
    assert factory.made == 1
    assert np.array_equal(factory.player.clips[1][0], _coded(12000, 1000))
    assert review.play_position == 12000 + 0
    await asyncio.sleep(0.01)  # the first clip's end reaches the loop, and is ignored
    assert review.playing
    assert told == [True]
    await review.aclose()


@pytest.mark.asyncio
async def test_the_end_reported_from_another_thread_is_told_on_the_loop_thread() -> None:
    factory = Factory()
    review = _review(_history(), factory)
    told: list[tuple[bool, int]] = []
    review.subscribe(lambda playing: told.append((playing, threading.get_ident())))
    review.play(1000, 3000)
    stops_before = factory.player.stops

    ender = threading.Thread(target=factory.player.end, name="fake-portaudio")
    ender.start()
    ender.join(5.0)
    assert told == [(True, threading.get_ident())]  # not yet: it goes through the loop
    await _until(lambda: len(told) == 2)
    assert told[1] == (False, threading.get_ident())
    assert ender.ident != threading.get_ident()
    assert not review.playing
    assert review.play_position is None
    assert factory.player.stops == stops_before + 1  # the device is released at once
    await review.aclose()


@pytest.mark.asyncio
async def test_stop_tells_false_once() -> None:
    factory = Factory()
    review = _review(_history(), factory)
    told: list[bool] = []
    unsubscribe = review.subscribe(told.append)
    review.stop()  # nothing playing: nothing to tell
    review.play(1000, 3000)
    review.stop()
    review.stop()
    await asyncio.sleep(0.01)  # the player's on_done from stop() arrives and changes nothing
    assert told == [True, False]
    assert not factory.player.playing
    unsubscribe()
    review.play(1000, 3000)
    assert told == [True, False]
    await review.aclose()
    assert factory.player.closed


@pytest.mark.asyncio
async def test_a_player_that_cannot_play_leaves_the_review_stopped() -> None:
    error = PlaybackError("audio output", "there is no output device at all", "plug one in")
    factory = Factory(FakePlayer(fail=error))
    review = _review(_history(), factory)
    told: list[bool] = []
    review.subscribe(told.append)
    with pytest.raises(PlaybackError, match="Plug one in"):
        review.play(1000, 3000)
    assert told == []
    assert not review.playing
    assert review.play_position is None


@pytest.mark.asyncio
async def test_an_unsent_range_is_refused_and_the_current_clip_goes_on() -> None:
    factory = Factory()
    review = _review(_history(), factory)
    review.play(1000, 3000)
    with pytest.raises(ValueError, match=r"nothing to play: nothing was sent between 1\.12 s"):
        review.play(9000, 12000)
    with pytest.raises(ValueError, match="nothing to play: the selection is empty"):
        review.play(3000, 3000)
    assert review.playing
    assert len(factory.player.clips) == 1
    await review.aclose()


@pytest.mark.asyncio
async def test_a_failing_observer_is_logged_and_the_others_still_hear(
    caplog: pytest.LogCaptureFixture,
) -> None:
    review = _review(_history(), Factory())
    told: list[bool] = []

    def broken(playing: bool) -> None:
        raise RuntimeError("observer bug")

    review.subscribe(broken)
    review.subscribe(told.append)
    with caplog.at_level(logging.ERROR, logger="workbench.controller.audio_review"):
        review.play(1000, 3000)
    assert told == [True]
    assert "an audio review observer failed" in caplog.text
    await review.aclose()
    assert told == [True, False]


@pytest.mark.asyncio
async def test_after_aclose_nothing_plays() -> None:
    factory = Factory()
    review = _review(_history(), factory)
    await review.aclose()  # never played: no player was made
    assert factory.made == 0
    with pytest.raises(RuntimeError, match="closed"):
        review.play(1000, 3000)
    await review.aclose()
