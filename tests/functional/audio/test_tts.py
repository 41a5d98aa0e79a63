"""Text to speech with the real espeak-ng and flite binaries (``make test`` installs both).

Missing engines are simulated with a ``PATH`` that lacks them; failures and hangs with small
shell scripts standing in for an engine.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from workbench.audio import tts
from workbench.audio.memory_sources import PcmSource
from workbench.audio.source import AudioSourceError, Pcm


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    tts.clear_cache()
    yield
    tts.clear_cache()


def level_dbfs(pcm: Pcm) -> float:
    rms = float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2)))
    return 20 * float(np.log10(max(rms, 1e-9) / 32768))


def fake_engine(folder: Path, name: str, script: str) -> None:
    """A shell script called ``name`` in ``folder`` (to put on PATH instead of the engine)."""
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_both_engines_are_installed_here() -> None:
    assert tts.available_engines() == ("espeak-ng", "flite")


@pytest.mark.parametrize(
    ("engine", "voice"),
    [("espeak-ng", None), ("espeak-ng", "en-gb"), ("flite", None), ("flite", "kal")],
)
@pytest.mark.asyncio
async def test_hello_is_spoken_as_8khz_samples(
    engine: tts.TtsEngineName, voice: str | None
) -> None:
    pcm = await tts.speak("hello", engine, voice)
    assert pcm.dtype == np.int16
    assert pcm.ndim == 1
    assert 0.25 <= len(pcm) / 8000 <= 1.5  # "hello" lasts about half a second
    assert level_dbfs(pcm) > -35  # speech, not silence
    # 8 kHz really: nothing above the 4 kHz Nyquist frequency folded in as loud noise, and
    # most of the energy below 3.4 kHz (telephone band).
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64))) ** 2
    frequencies = np.fft.rfftfreq(len(pcm), 1 / 8000)
    assert spectrum[frequencies < 3400].sum() > 0.9 * spectrum.sum()


@pytest.mark.parametrize("engine", ["espeak-ng", "flite"])
@pytest.mark.parametrize("text", ["-v hello", "--help", "-5 degrees"])
@pytest.mark.asyncio
async def test_text_starting_with_a_dash_is_spoken_not_taken_for_an_option(
    engine: tts.TtsEngineName, text: str
) -> None:
    pcm = await tts.speak(text, engine)
    assert level_dbfs(pcm) > -35
    assert len(pcm) / 8000 <= 3.0  # the words, not a help page read aloud


@pytest.mark.asyncio
async def test_the_same_text_is_spoken_once_then_cached() -> None:
    first = await tts.speak("cached prompt", "espeak-ng", "en-us")
    again = await tts.speak("cached prompt", "espeak-ng", "en-us")
    assert again is first
    assert not first.flags.writeable
    other_voice = await tts.speak("cached prompt", "espeak-ng", "en-gb")
    assert other_voice is not first


@pytest.mark.asyncio
async def test_an_unknown_voice_is_refused_with_some_valid_ones() -> None:
    with pytest.raises(
        tts.TtsError, match=r"espeak-ng voice 'xx-nowhere': does not exist"
    ) as error:
        await tts.speak("hello", "espeak-ng", "xx-nowhere")
    assert "en-us" in str(error.value)
    assert "en-gb" in str(error.value)
    # flite would silently use its default voice: the name is checked first.
    with pytest.raises(tts.TtsError, match=r"flite voice 'bogus': is not installed") as error:
        await tts.speak("hello", "flite", "bogus")
    assert "slt" in str(error.value)
    assert "kal" in str(error.value)


@pytest.mark.asyncio
async def test_voices_lists_what_each_engine_has() -> None:
    espeak = await tts.voices("espeak-ng")
    assert {"en-us", "en-gb", "fr-fr"} <= set(espeak)
    assert set(await tts.voices("flite")) >= {"slt", "rms", "awb", "kal", "kal16"}


@pytest.mark.asyncio
async def test_empty_text_and_text_with_nothing_to_say_are_refused() -> None:
    with pytest.raises(tts.TtsError, match="the text is empty"):
        await tts.speak("  \n ")
    with pytest.raises(tts.TtsError, match="said nothing for this text"):
        await tts.speak("...", "espeak-ng")


@pytest.mark.asyncio
async def test_no_engine_installed_is_said_plainly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert tts.available_engines() == ()
    with pytest.raises(tts.TtsUnavailableError) as error:
        await tts.speak("hello")
    message = str(error.value)
    assert "no TTS engine installed" in message
    assert "install espeak-ng (apt install espeak-ng) or flite" in message.lower()
    assert isinstance(error.value, AudioSourceError)


@pytest.mark.asyncio
async def test_a_missing_engine_asked_by_name_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    espeak = shutil.which("espeak-ng")
    assert espeak is not None
    (tmp_path / "espeak-ng").symlink_to(espeak)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert tts.available_engines() == ("espeak-ng",)
    with pytest.raises(tts.TtsUnavailableError, match=r"flite is not installed.*apt install flite"):
        await tts.speak("hello", "flite")
    source = await tts.tts_source("hello there, this is a rather long prompt")  # espeak-ng
    assert source.label == 'TTS (espeak-ng en-us): "hello there, this is a …"'


@pytest.mark.asyncio
async def test_an_engine_failure_reports_its_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_engine(tmp_path, "espeak-ng", "cat > /dev/null\necho 'audio device on fire' >&2\nexit 3")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/usr/bin{os.pathsep}/bin")
    with pytest.raises(
        tts.TtsError, match=r"espeak-ng: failed \(exit code 3\): audio device on fire"
    ):
        await tts.speak("hello", "espeak-ng")


@pytest.mark.asyncio
async def test_a_hanging_engine_is_killed_on_timeout_and_on_cancellation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pids = tmp_path / "pids"
    fake_engine(tmp_path / "bin", "espeak-ng", f"echo $$ >> {pids}\nexec sleep 30")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin")
    with pytest.raises(tts.TtsError, match=r"espeak-ng: took longer than 0\.5 s"):
        await tts.speak("hello", "espeak-ng", timeout=0.5)
    speaking = asyncio.create_task(tts.speak("hello again", "espeak-ng"))
    for _ in range(100):
        await asyncio.sleep(0.02)
        if pids.exists() and len(pids.read_text().split()) == 2:
            break
    speaking.cancel()
    with pytest.raises(asyncio.CancelledError):
        await speaking
    for pid in map(int, pids.read_text().split()):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # gone, and reaped


@pytest.mark.asyncio
async def test_a_tts_source_plays_the_speech() -> None:
    source = await tts.tts_source("one two three", "flite", "slt", loop=True)
    assert isinstance(source, PcmSource)
    assert source.label == 'TTS (flite slt): "one two three"'
    speech = await tts.speak("one two three", "flite", "slt")
    assert np.array_equal(source.read(len(speech)), speech)
    assert not source.exhausted  # looping
    assert tts.tts_label("a\nb   c", "espeak-ng", "en-us") == 'TTS (espeak-ng en-us): "a b c"'
