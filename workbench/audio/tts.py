"""Text spoken by a local TTS engine (espeak-ng or flite), as 8 kHz int16 ready to stream.

The engines are separate programs, found on ``PATH`` when asked (:func:`available_engines`), so
installing one while the app runs is enough. :func:`speak` runs one as an asyncio subprocess and
never blocks the event loop:

* espeak-ng gets the text on stdin (``--stdin``), so a text starting with '-' is never taken
  for an option; flite reads it from a file (``-f``), for the same reason and because a long
  text would not fit on a command line.
* Both write a WAV into a temporary folder (portable, unlike a WAV on stdout), which
  :func:`workbench.audio.wav_files.decode_wav` parses and
  :func:`workbench.audio.resample.resample_all` brings to 8 kHz (espeak-ng speaks at 22.05 kHz,
  flite at 8 or 16 kHz): the app needs no sox.
* Errors are :class:`TtsError` (an :class:`AudioSourceError`) in plain words: no engine
  (:class:`TtsUnavailableError`), an unknown voice (with some valid ones), empty text, a
  timeout, or the engine's own stderr when it fails. flite falls back to its default voice
  on an unknown name without a word, so flite voices are checked against ``flite -lv`` first.

Results are kept in a small in-process LRU cache keyed by (engine, voice, text): a prompt
replayed many times is synthesized once. The cached arrays are read-only.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Final, Literal, get_args

import numpy as np

from workbench.audio.memory_sources import PcmSource
from workbench.audio.resample import resample_all
from workbench.audio.source import AudioSourceError, Pcm
from workbench.audio.wav_files import AudioFileError, decode_wav

TtsEngineName = Literal["espeak-ng", "flite"]
ENGINES: Final[tuple[TtsEngineName, ...]] = get_args(TtsEngineName)
"""Supported engines, in order of preference when none is named."""

DEFAULT_VOICES: Final[dict[TtsEngineName, str]] = {"espeak-ng": "en-us", "flite": "slt"}
CURATED_VOICES: Final[dict[TtsEngineName, tuple[str, ...]]] = {
    "espeak-ng": ("en-us", "en-gb", "en-us+klatt", "en-gb-scotland", "en-029", "fr-fr", "de"),
    "flite": ("slt", "rms", "awb", "kal16", "kal"),
}
"""A short list of good voices per engine, for menus; any installed voice is accepted."""

TIMEOUT_S: Final = 30.0
"""How long an engine may take before :func:`speak` gives up."""

_INSTALL: Final = "install espeak-ng (apt install espeak-ng) or flite (apt install flite)"
_CACHE_SIZE: Final = 32
_SILENT: Final = 8  # |sample| at or under this everywhere means the engine said nothing
_cache: OrderedDict[tuple[str, str, str, str], Pcm] = OrderedDict()
_voice_lists: dict[tuple[str, str], tuple[str, ...]] = {}


class TtsError(AudioSourceError):
    """Text could not be spoken; ``source`` names the engine, ``cause``/``remedy`` say why."""


class TtsUnavailableError(TtsError):
    """No TTS engine (or not the one asked for) is installed."""


def available_engines() -> tuple[TtsEngineName, ...]:
    """The engines found on ``PATH`` now, in order of preference."""
    return tuple(engine for engine in ENGINES if shutil.which(engine) is not None)


def _binary(engine: TtsEngineName | None) -> tuple[TtsEngineName, str]:
    if engine is None:
        for candidate in ENGINES:
            path = shutil.which(candidate)
            if path is not None:
                return candidate, path
        raise TtsUnavailableError("TTS", "no TTS engine installed", _INSTALL.capitalize())
    if engine not in ENGINES:
        raise ValueError(f"unknown TTS engine {engine!r}: expected espeak-ng or flite")
    path = shutil.which(engine)
    if path is None:
        raise TtsUnavailableError(
            "TTS", f"{engine} is not installed", f"Install it (apt install {engine})"
        )
    return engine, path


async def _run(
    command: list[str], who: str, stdin: bytes | None = None, timeout: float = TIMEOUT_S
) -> tuple[int, bytes, bytes]:
    """Run ``command``; return (exit code, stdout, stderr). Killed on timeout or cancellation."""
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except OSError as error:
        raise TtsError(who, f"cannot be run: {error}", _INSTALL.capitalize()) from error
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(stdin), timeout)
    except BaseException as error:  # timeout or cancellation: never leave the engine running
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await asyncio.shield(process.wait())
        if isinstance(error, TimeoutError):
            raise TtsError(who, f"took longer than {timeout:g} s", "Try a shorter text") from None
        raise
    return process.returncode or 0, stdout, stderr


async def voices(engine: TtsEngineName) -> tuple[str, ...]:
    """The voices ``engine`` has installed (espeak-ng: language names such as ``en-us``).

    espeak-ng also takes variants (``en-us+klatt``), which are not listed. Raises
    :class:`TtsUnavailableError` when the engine is not installed.
    """
    name, path = _binary(engine)
    known = _voice_lists.get((name, path))
    if known is not None:
        return known
    if name == "espeak-ng":
        code, out, err = await _run([path, "--voices"], name)
        # "Pty Language Age/Gender VoiceName File Other…": the language is what -v takes.
        rows = [line.split() for line in out.decode(errors="replace").splitlines()[1:]]
        found = [row[1] for row in rows if len(row) >= 5 and not row[4].startswith("mb/")]
    else:
        code, out, err = await _run([path, "-lv"], name)
        # "Voices available: kal awb_time kal16 awb rms slt"
        text = out.decode(errors="replace")
        found = text.split(":", 1)[1].split() if ":" in text else []
    if code != 0 or not found:
        detail = err.decode(errors="replace").strip() or f"exit code {code}"
        raise TtsError(name, f"did not list its voices ({detail})", f"Reinstall {name}")
    listed = tuple(dict.fromkeys(found))
    _voice_lists[(name, path)] = listed
    return listed


def _some(listed: tuple[str, ...], engine: TtsEngineName) -> str:
    preferred = [voice for voice in CURATED_VOICES[engine] if voice.split("+")[0] in listed]
    rest = [voice for voice in listed if voice not in preferred and voice.startswith("en")]
    shown = (preferred + rest)[:8] or list(listed[:8])
    more = f" ({len(listed)} in all)" if len(listed) > len(shown) else ""
    return ", ".join(shown) + more


async def speak(
    text: str,
    engine: TtsEngineName | None = None,
    voice: str | None = None,
    *,
    timeout: float = TIMEOUT_S,
) -> Pcm:
    """``text`` spoken by ``engine`` (the first installed when None) as 8 kHz mono int16.

    ``voice`` defaults to :data:`DEFAULT_VOICES`. The result is read-only (it may be shared
    through the cache). Raises :class:`TtsError` (:class:`TtsUnavailableError` when no engine
    is installed).
    """
    if not text.strip():
        raise TtsError("TTS", "the text is empty", "Type something to say")
    name, path = _binary(engine)
    chosen = voice or DEFAULT_VOICES[name]
    key = (name, path, chosen, text)
    cached = _cache.get(key)
    if cached is not None:
        _cache.move_to_end(key)
        return cached
    if name == "flite" and not Path(chosen).is_file():
        listed = await voices("flite")
        if chosen not in listed:
            raise TtsError(
                f"flite voice '{chosen}'", "is not installed", f"Pick one of {_some(listed, name)}"
            )
    with tempfile.TemporaryDirectory(prefix="h2b-tts-") as work:
        wav = Path(work) / "speech.wav"
        if name == "espeak-ng":
            command = [path, "-v", chosen, "-w", str(wav), "--stdin"]
            code, _, err = await _run(command, name, text.encode(), timeout)
        else:
            script = Path(work) / "text.txt"
            script.write_text(text, encoding="utf-8")
            command = [path, "-voice", chosen, "-f", str(script), "-o", str(wav)]
            code, _, err = await _run(command, name, None, timeout)
        message = err.decode(errors="replace").strip()
        if code != 0:
            if name == "espeak-ng" and "voice does not exist" in message:
                listed = await voices("espeak-ng")
                raise TtsError(
                    f"espeak-ng voice '{chosen}'",
                    "does not exist",
                    f"Pick one of {_some(listed, name)}",
                )
            raise TtsError(name, f"failed (exit code {code}): {message or 'no message'}")
        data = wav.read_bytes() if wav.exists() else b""
    pcm = _to_pcm(data, name, message)
    _cache[key] = pcm
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return pcm


def _to_pcm(data: bytes, engine: str, stderr: str) -> Pcm:
    if not data:
        raise TtsError(engine, f"wrote no audio{f': {stderr}' if stderr else ''}")
    try:
        decoded = decode_wav(data, f"{engine} output")
    except AudioFileError as error:
        raise TtsError(engine, f"wrote audio the workbench cannot read ({error.cause})") from None
    pcm = resample_all(decoded.samples, decoded.rate, decoded.channels)
    if not len(pcm) or int(np.abs(pcm.astype(np.int32)).max()) <= _SILENT:
        raise TtsError(engine, "said nothing for this text", "Use words, not only punctuation")
    pcm.flags.writeable = False
    return pcm


def clear_cache() -> None:
    """Forget the spoken texts and voice lists (for tests, or after installing voices)."""
    _cache.clear()
    _voice_lists.clear()


def tts_label(text: str, engine: str, voice: str, width: int = 24) -> str:
    """'TTS (espeak-ng en-us): "hello …"': the source's label, the text cut after a word."""
    flat = " ".join(text.split())
    if len(flat) > width:
        cut = flat[: width + 1].rsplit(" ", 1)[0] if " " in flat[:width] else flat[:width]
        flat = cut.rstrip(" ,;:.") + " …"
    return f'TTS ({engine} {voice}): "{flat}"'


async def tts_source(
    text: str,
    engine: TtsEngineName | None = None,
    voice: str | None = None,
    *,
    loop: bool = False,
) -> PcmSource:
    """Speak ``text`` (see :func:`speak`) and wrap it as a :class:`PcmSource` with its label."""
    name, _ = _binary(engine)
    chosen = voice or DEFAULT_VOICES[name]
    pcm = await speak(text, name, chosen)
    return PcmSource(pcm, tts_label(text, name, chosen), loop=loop)
