"""Audio files in and out: any WAV (or headerless 8 kHz audio) → 8 kHz mono int16, and WAV writing.

The standard library's ``wave`` reads integer PCM only, so the RIFF chunks are parsed here:
PCM 8 (unsigned)/16/24/32-bit, IEEE float 32/64-bit, A-law, µ-law, and WAVE_FORMAT_EXTENSIBLE
with any of those; RF64's 64-bit data size when present. The parser is lenient where real files
are sloppy (unknown chunks, odd-size padding, and a data size that is 0, 0xFFFFFFFF or past the
end, as streaming writers and crashed recorders leave it: the audio is then the rest of the
file), and strict where guessing would play noise (unknown encodings). Any byte string gives
either a :class:`DecodedAudio` or an :class:`AudioFileError` that says why in plain words.

Writing produces the protocol's three codecs as canonical WAVs (PCM 16-bit, or format 6/7 with
the ``cbSize`` field and the ``fact`` chunk the spec asks of non-PCM formats), the data chunk
holding exactly the bytes given. :class:`WavWriter` writes a header with "unknown length"
sizes first and patches them on close, so a file cut short by a crash still reads back here.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Final, Literal, get_args

import numpy as np
import numpy.typing as npt

from workbench.audio import g711
from workbench.audio.resample import resample_all
from workbench.audio.source import AudioSourceError, Pcm

RawFormat = Literal["linear", "g711a", "g711u"]
"""Headerless 8 kHz mono audio: int16 little-endian, A-law or µ-law bytes."""

RAW_EXTENSIONS: Final[dict[str, RawFormat]] = {
    ".raw": "linear",
    ".pcm": "linear",
    ".s16": "linear",
    ".alaw": "g711a",
    ".al": "g711a",
    ".ulaw": "g711u",
    ".ul": "g711u",
    ".mulaw": "g711u",
}
"""The raw format a headerless file is taken to be, from its extension (lower case)."""

MIN_RATE: Final = 1000
MAX_RATE: Final = 768_000
"""Sample rates :func:`load_audio` converts; outside, the header is more likely wrong than not."""

_PCM, _FLOAT, _ALAW, _MULAW, _EXTENSIBLE = 1, 3, 6, 7, 0xFFFE
_FORMAT_NAMES: Final = {2: "Microsoft ADPCM", 0x11: "IMA ADPCM", 0x31: "GSM 6.10", 0x55: "MP3"}
_GUID_TAIL: Final = bytes.fromhex("000000001000800000aa00389b71")  # KSDATAFORMAT_SUBTYPE_* base
_UNKNOWN_SIZE: Final = 0xFFFFFFFF
_MAX_RIFF_SIZE: Final = 0xFFFFFFFF
_MAGIC: Final = {b"ID3": "MP3", b"\xff\xfb": "MP3", b"OggS": "Ogg", b"fLaC": "FLAC"}

_CONVERT: Final = "Convert it with `sox in.mp3 -r 8000 -c 1 out.wav`"
_TO_PCM: Final = "Convert it to PCM with `sox in.wav -r 8000 -c 1 -b 16 out.wav`"
_CORRUPT: Final = "The file is truncated or corrupt; export or record it again"


class AudioFileError(AudioSourceError):
    """An audio file cannot be used; ``source`` is ``file 'NAME'``, ``cause``/``remedy`` say why."""

    def __init__(self, name: str, cause: str, remedy: str = "") -> None:
        super().__init__(f"file '{name}'", cause, remedy)
        self.file_name = name


@dataclass(frozen=True, eq=False)
class DecodedAudio:
    """The samples of a WAV file as stored, frames × channels.

    dtype by encoding: uint8 (PCM 8-bit, centred on 128), int16 (PCM 16-bit, and A-law/µ-law
    decoded by G.711), int32 (PCM 32-bit; PCM 24-bit widened with a zero low byte, so full scale
    stays full scale), float32 or float64 (IEEE float, as stored, may exceed ±1 or be NaN).
    :func:`workbench.audio.resample.to_float32` maps each of them to [-1, 1).
    """

    samples: npt.NDArray[np.generic]
    rate: int
    channels: int
    encoding: str
    """In words: "PCM 24-bit", "IEEE float 32-bit", "A-law", "µ-law (extensible)"…"""

    @property
    def frames(self) -> int:
        """Sample frames (one sample per channel each)."""
        return int(self.samples.shape[0])

    @property
    def duration_s(self) -> float:
        """Length in seconds at the file's own rate."""
        return self.frames / self.rate


@dataclass(frozen=True)
class _Format:
    tag: int
    channels: int
    rate: int
    bits: int
    extensible: bool


def decode_wav(data: bytes, name: str = "audio") -> DecodedAudio:
    """Parse a whole WAV (RIFF or RF64) file; ``name`` is for the error messages.

    Raises :class:`AudioFileError` and nothing else, whatever the bytes (the tests fuzz it).
    """
    fmt, audio = _parse_riff(data, name)
    return _decode_samples(fmt, audio, name)


def _parse_riff(data: bytes, name: str) -> tuple[_Format, memoryview]:
    magic = data[:4]
    if magic == b"RIFX":
        raise AudioFileError(name, "is a big-endian WAV (RIFX), which is not supported", _TO_PCM)
    if magic not in (b"RIFF", b"RF64"):
        raise _not_a_wav(data, name)
    if len(data) < 12:
        raise AudioFileError(name, "has a RIFF header cut short", _CORRUPT)
    if data[8:12] != b"WAVE":
        kind = data[8:12].decode("latin-1").strip() or "unknown"
        raise AudioFileError(name, f"is a RIFF file of type '{kind}', not a WAV", _CONVERT)
    view = memoryview(data)
    fmt: _Format | None = None
    audio: memoryview | None = None
    ds64_data_size: int | None = None
    pos = 12
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        (size,) = struct.unpack_from("<I", data, pos + 4)
        body = pos + 8
        remaining = len(data) - body
        if chunk_id == b"data":
            if size == _UNKNOWN_SIZE and ds64_data_size is not None:
                size = ds64_data_size
            if size in (0, _UNKNOWN_SIZE) or size > remaining:
                audio = view[body:]  # streamed, or cut short: the audio is the rest of the file
                break
            audio = view[body : body + size]
            if fmt is not None:
                break  # nothing after the audio matters
        elif size > remaining:
            if chunk_id == b"fmt ":
                raise AudioFileError(name, "has its 'fmt ' chunk cut short", _CORRUPT)
            break  # a metadata chunk cut short: whatever audio came before it is still good
        elif chunk_id == b"fmt ":
            fmt = _parse_fmt(data[body : body + size], name)
        elif chunk_id == b"ds64" and size >= 24:
            (ds64_data_size,) = struct.unpack_from("<Q", data, body + 8)
        pos = body + size + (size & 1)  # chunks are padded to an even length
    if fmt is None:
        raise AudioFileError(name, "has a WAV header without a 'fmt ' chunk", _CORRUPT)
    if audio is None:
        raise AudioFileError(name, "has a WAV header without a 'data' chunk", _CORRUPT)
    return fmt, audio


def _parse_fmt(body: bytes, name: str) -> _Format:
    if len(body) < 16:
        cause = f"has a 'fmt ' chunk of {len(body)} bytes (16 at least)"
        raise AudioFileError(name, cause, _CORRUPT)
    tag, channels, rate, _byte_rate, _block_align, bits = struct.unpack_from("<HHIIHH", body)
    extensible = tag == _EXTENSIBLE
    if extensible:
        if len(body) < 40:
            raise AudioFileError(name, "has a WAVE_FORMAT_EXTENSIBLE header cut short", _CORRUPT)
        if body[26:40] != _GUID_TAIL:
            raise AudioFileError(
                name, "is WAVE_FORMAT_EXTENSIBLE with an unknown subformat GUID", _TO_PCM
            )
        (tag,) = struct.unpack_from("<H", body, 24)
    if channels == 0:
        raise AudioFileError(name, "has a header that says 0 channels", _CORRUPT)
    if rate == 0:
        raise AudioFileError(name, "has a header that says 0 samples per second", _CORRUPT)
    return _Format(tag, channels, rate, bits, extensible)


_LAYOUTS: Final[dict[tuple[int, int], tuple[str, str]]] = {
    # (format tag, bytes per sample) → (numpy dtype as stored, description)
    (_PCM, 1): ("u1", "PCM 8-bit unsigned"),
    (_PCM, 2): ("<i2", "PCM 16-bit"),
    (_PCM, 3): ("i3", "PCM 24-bit"),
    (_PCM, 4): ("<i4", "PCM 32-bit"),
    (_FLOAT, 4): ("<f4", "IEEE float 32-bit"),
    (_FLOAT, 8): ("<f8", "IEEE float 64-bit"),
    (_ALAW, 1): ("g711a", "A-law"),
    (_MULAW, 1): ("g711u", "µ-law"),
}
_KINDS: Final = {_PCM: "PCM", _FLOAT: "IEEE float", _ALAW: "A-law", _MULAW: "µ-law"}


def _decode_samples(fmt: _Format, audio: memoryview, name: str) -> DecodedAudio:
    if fmt.tag not in _KINDS:
        what = _FORMAT_NAMES.get(fmt.tag, "an encoding")
        cause = f"holds {what} (format {fmt.tag}), which the workbench cannot decode"
        raise AudioFileError(name, cause, _TO_PCM)
    width = (fmt.bits + 7) // 8  # valid bits sit left-justified in whole bytes
    layout = _LAYOUTS.get((fmt.tag, width))
    if layout is None:
        cause = f"holds {fmt.bits}-bit {_KINDS[fmt.tag]}, which the workbench cannot decode"
        raise AudioFileError(name, cause, _TO_PCM)
    dtype, encoding = layout
    frames = len(audio) // (width * fmt.channels)
    raw = audio[: frames * width * fmt.channels]
    samples: npt.NDArray[np.generic]
    if dtype in ("g711a", "g711u"):
        samples = g711.decode(dtype, bytes(raw))
    elif dtype == "i3":
        wide = np.zeros((frames * fmt.channels, 4), dtype=np.uint8)
        wide[:, 1:] = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3)
        samples = wide.view("<i4").reshape(-1).astype(np.int32)
    else:
        stored = np.dtype(dtype)
        samples = np.frombuffer(raw, dtype=stored).astype(stored.newbyteorder("="))
    if fmt.extensible:
        encoding += " (extensible)"
    return DecodedAudio(samples.reshape(frames, fmt.channels), fmt.rate, fmt.channels, encoding)


def _not_a_wav(data: bytes, name: str) -> AudioFileError:
    kind = next((kind for magic, kind in _MAGIC.items() if data.startswith(magic)), None)
    cause = f"is not a WAV file (it looks like {kind})" if kind else "is not a WAV file"
    remedy = (
        f"{_CONVERT}; if it is headerless 8 kHz mono audio, choose its raw format "
        "(linear, g711a or g711u) or name it .raw, .alaw or .ulaw"
    )
    return AudioFileError(name, cause, remedy)


def load_audio(path: str | os.PathLike[str], raw_format: RawFormat | None = None) -> Pcm:
    """A file's audio as 8 kHz mono int16, ready to stream; raise :class:`AudioFileError`.

    A file that starts with a RIFF header is decoded as a WAV whatever ``raw_format`` says (the
    header knows better). Any other file is headerless 8 kHz mono audio in ``raw_format``, or,
    when that is None, in the format its extension names (:data:`RAW_EXTENSIONS`).
    """
    file = Path(path)
    name = file.name or str(file)
    if raw_format is not None and raw_format not in get_args(RawFormat):
        raise ValueError(f"unknown raw format {raw_format!r}: expected linear, g711a or g711u")
    data = _read(file, name)
    if data[:4] in (b"RIFF", b"RF64", b"RIFX"):
        return _to_protocol(decode_wav(data, name), name)
    codec = raw_format or RAW_EXTENSIONS.get(file.suffix.lower())
    if codec is None:
        raise _not_a_wav(data, name)
    pcm = g711.decode(codec, data)
    if not len(pcm):
        raise AudioFileError(name, "holds less than one sample of audio", "Pick another file")
    return pcm


def _read(file: Path, name: str) -> bytes:
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise AudioFileError(name, f"does not exist ({file})", "Check the path") from None
    except IsADirectoryError:
        raise AudioFileError(name, "is a folder, not a file", "Pick a file inside it") from None
    except PermissionError:
        raise AudioFileError(
            name, "cannot be read: permission denied", "Check the file's permissions"
        ) from None
    except OSError as error:
        raise AudioFileError(name, f"cannot be read: {error.strerror or error}") from None
    if not data:
        raise AudioFileError(name, "is empty (0 bytes)", "Pick another file or record it again")
    return data


def _to_protocol(decoded: DecodedAudio, name: str) -> Pcm:
    if not MIN_RATE <= decoded.rate <= MAX_RATE:
        raise AudioFileError(
            name, f"says its rate is {decoded.rate} Hz, outside {MIN_RATE}–{MAX_RATE} Hz", _TO_PCM
        )
    if decoded.frames == 0:
        raise AudioFileError(name, "is a WAV without any audio in it", "Pick another file")
    samples = decoded.samples
    if np.issubdtype(samples.dtype, np.floating):
        # Float files may hold NaN, infinities or huge values; int16 would clip them anyway.
        clean = np.nan_to_num(samples.astype(np.float64), nan=0.0, posinf=1.0, neginf=-1.0)
        samples = np.clip(clean, -1.0, 1.0).astype(np.float32)
    return resample_all(samples, decoded.rate, decoded.channels)


_WRITE_FORMATS: Final = {"linear": (_PCM, 16), "g711a": (_ALAW, 8), "g711u": (_MULAW, 8)}


def wav_header(codec: str, rate: int, channels: int, data_bytes: int | None) -> bytes:
    """The bytes before the data of a WAV holding ``data_bytes`` bytes of ``codec`` audio.

    ``linear`` is PCM 16-bit (format 1, a 44-byte header); ``g711a``/``g711u`` are formats 6/7,
    8-bit, with ``cbSize`` and a ``fact`` chunk (58 bytes). ``data_bytes=None`` writes the
    "length unknown" sizes (0xFFFFFFFF) of a file still being written. An odd ``data_bytes``
    needs a pad byte after the data, which the RIFF size counts.
    """
    if codec not in _WRITE_FORMATS:
        raise ValueError(f"unknown audio codec {codec!r}: expected linear, g711a or g711u")
    if not (0 < rate < 2**32 and 0 < channels < 2**16):
        raise ValueError(f"wav_header: bad format {rate} Hz × {channels} channels")
    tag, bits = _WRITE_FORMATS[codec]
    block_align = bits // 8 * channels
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block_align, block_align, bits)
    fact = b""
    if tag != _PCM:
        fmt += struct.pack("<H", 0)  # cbSize: no extra format bytes
        frames = _UNKNOWN_SIZE if data_bytes is None else data_bytes // block_align
        fact = b"fact" + struct.pack("<II", 4, frames)
    header_size = 12 + 8 + len(fmt) + len(fact) + 8
    if data_bytes is None:
        riff_size = data_size = _UNKNOWN_SIZE
    else:
        riff_size = header_size - 8 + data_bytes + (data_bytes & 1)
        data_size = data_bytes
        if data_bytes < 0 or riff_size > _MAX_RIFF_SIZE:
            raise ValueError(f"a WAV cannot hold {data_bytes} bytes of audio (4 GiB at most)")
    return b"".join(
        [
            b"RIFF" + struct.pack("<I", riff_size) + b"WAVE",
            b"fmt " + struct.pack("<I", len(fmt)) + fmt,
            fact,
            b"data" + struct.pack("<I", data_size),
        ]
    )


def write_wav(path: str | os.PathLike[str], payload: bytes, codec: str, rate: int = 8000) -> None:
    """Write ``payload`` (bytes of ``codec``, mono) as the data chunk of a new WAV file."""
    header = wav_header(codec, rate, 1, len(payload))
    Path(path).write_bytes(header + bytes(payload) + b"\0" * (len(payload) & 1))


class WavWriter:
    """A mono WAV written chunk by chunk; the sizes are patched on :meth:`close`.

    The header is written at once with "length unknown" sizes and every chunk is flushed to the
    operating system, so if the process dies before :meth:`close` the file still holds the audio
    and :func:`decode_wav` reads it. Opening errors are the ``OSError`` of ``open``.
    """

    def __init__(self, path: str | os.PathLike[str], codec: str, rate: int = 8000) -> None:
        header = wav_header(codec, rate, 1, None)  # validates before a file is created
        self.path = Path(path)
        self.codec = codec
        self.rate = rate
        self.bytes_written = 0
        """Payload bytes written so far (the data chunk's size once closed)."""
        self._limit = _MAX_RIFF_SIZE - (len(header) - 8) - 1
        self._file: BinaryIO | None = open(self.path, "wb")  # noqa: SIM115 (closed in close())
        self._file.write(header)
        self._file.flush()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has run."""
        return self._file is None

    def write(self, payload: bytes) -> None:
        """Append ``payload`` to the data chunk, exactly as given."""
        if self._file is None:
            raise ValueError(f"WavWriter: {self.path.name} is already closed")
        if self.bytes_written + len(payload) > self._limit:
            raise ValueError(f"{self.path.name}: a WAV holds 4 GiB at most; start a new file")
        self._file.write(payload)
        self._file.flush()
        self.bytes_written += len(payload)

    def close(self) -> None:
        """Pad the data to an even length, write the final sizes and close; idempotent."""
        file, self._file = self._file, None
        if file is None:
            return
        try:
            if self.bytes_written & 1:
                file.write(b"\0")
            file.seek(0)
            file.write(wav_header(self.codec, self.rate, 1, self.bytes_written))
        finally:
            file.close()

    def __enter__(self) -> WavWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
