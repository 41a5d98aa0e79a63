"""WAV reading against sox and `wave`, tolerance of sloppy files, errors, fuzzing, and writing."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.audio import g711
from workbench.audio.source import AudioSourceError
from workbench.audio.wav_files import (
    AudioFileError,
    DecodedAudio,
    WavWriter,
    decode_wav,
    load_audio,
    wav_header,
    write_wav,
)

SOX = shutil.which("sox")
SOXI = shutil.which("soxi")
_EXTENSIBLE_TAIL = bytes.fromhex("000000001000800000aa00389b71")


def _sox(*args: str, stdin: bytes | None = None) -> bytes:
    assert SOX is not None, "sox is needed by these tests (apt-get install sox)"
    return subprocess.run(
        [SOX, *args], input=stdin, capture_output=True, check=True, timeout=30
    ).stdout


def _soxi(option: str, path: Path) -> str:
    assert SOXI is not None, "soxi is needed by these tests (apt-get install sox)"
    result = subprocess.run([SOXI, option, str(path)], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def _chunk(chunk_id: bytes, body: bytes, size: int | None = None) -> bytes:
    declared = len(body) if size is None else size
    return chunk_id + struct.pack("<I", declared) + body + b"\0" * (len(body) & 1)


def _fmt(tag: int, channels: int, rate: int, bits: int) -> bytes:
    align = channels * ((bits + 7) // 8)
    byte_rate = rate * align
    return struct.pack("<HHIIHH", tag, channels, rate, byte_rate & 0xFFFFFFFF, align & 0xFFFF, bits)


def _extensible(sub_tag: int, channels: int, rate: int, bits: int) -> bytes:
    base = _fmt(0xFFFE, channels, rate, bits)
    return base + struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", sub_tag) + _EXTENSIBLE_TAIL


def _wav(*chunks: bytes, form: bytes = b"RIFF") -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return form + struct.pack("<I", len(body)) + body


def _pcm16(samples: list[int]) -> bytes:
    return np.array(samples, dtype="<i2").tobytes()


PCM16_8K = _wav(_chunk(b"fmt ", _fmt(1, 1, 8000, 16)), _chunk(b"data", _pcm16([1, -2, 3, -4])))


def _as_int32(decoded: DecodedAudio) -> npt.NDArray[np.int64]:
    """Samples on sox's 32-bit signed scale, for comparing with `sox -e signed -b 32`."""
    s = decoded.samples
    if s.dtype == np.uint8:
        return (s.astype(np.int64) - 128) << 24
    if s.dtype == np.int16:
        return s.astype(np.int64) << 16
    if s.dtype == np.int32:
        return s.astype(np.int64)
    scaled = np.rint(s.astype(np.float64) * 2.0**31)
    return np.clip(scaled, -(2**31), 2**31 - 1).astype(np.int64)


SOX_FILES = {
    # name: (sox output options, rate, channels, encoding we report)
    "pcm24_stereo": (["-r", "44100", "-c", "2", "-b", "24"], 44100, 2, "PCM 24-bit (extensible)"),
    "float32": (["-r", "16000", "-e", "floating-point", "-b", "32"], 16000, 1, "IEEE float 32-bit"),
    "float64": (["-r", "8000", "-e", "floating-point", "-b", "64"], 8000, 1, "IEEE float 64-bit"),
    "alaw": (["-r", "8000", "-e", "a-law"], 8000, 1, "A-law"),
    "ulaw": (["-r", "8000", "-e", "u-law"], 8000, 1, "µ-law"),
    "pcm8": (["-r", "22050", "-b", "8"], 22050, 1, "PCM 8-bit unsigned"),
    "pcm32": (["-r", "48000", "-e", "signed", "-b", "32"], 48000, 1, "PCM 32-bit (extensible)"),
    "pcm16_3ch": (["-r", "16000", "-c", "3", "-b", "16"], 16000, 3, "PCM 16-bit (extensible)"),
    "pcm16_stereo": (["-r", "11025", "-c", "2", "-b", "16"], 11025, 2, "PCM 16-bit"),
}


@pytest.fixture(scope="module")
def sox_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sox")
    for name, (options, _rate, channels, _encoding) in SOX_FILES.items():
        tones = ["sine", "1000", "sine", "440", "sine", "300"][: 2 * channels]
        target = str(folder / f"{name}.wav")
        _sox("-n", *options, "-c", str(channels), target, "synth", "0.25", *tones, "vol", "0.9")
    _sox("-n", "-r", "8000", "-e", "ms-adpcm", str(folder / "adpcm.wav"), "synth", "0.1", "sine")
    _sox(
        "-n", "-r", "44100", "-b", "24", str(folder / "mono44k.wav"), "synth", "0.5", "sine", "1000"
    )
    return folder


@pytest.mark.parametrize("name", sorted(SOX_FILES))
def test_decodes_what_sox_wrote_as_sox_reads_it(sox_dir: Path, name: str) -> None:
    _options, rate, channels, encoding = SOX_FILES[name]
    path = sox_dir / f"{name}.wav"
    decoded = decode_wav(path.read_bytes(), path.name)
    assert (decoded.rate, decoded.channels, decoded.encoding) == (rate, channels, encoding)
    assert decoded.frames == int(_soxi("-s", path))
    assert decoded.samples.shape == (decoded.frames, channels)
    expected = np.frombuffer(_sox(str(path), "-t", "raw", "-e", "signed", "-b", "32", "-"), "<i4")
    difference = np.abs(_as_int32(decoded) - expected.reshape(-1, channels).astype(np.int64))
    assert difference.max() <= (1 if decoded.samples.dtype.kind == "f" else 0)
    assert np.abs(expected).max() > 2**30  # the tones are loud: not comparing silence


def test_decodes_16_bit_as_the_wave_module_writes_it(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    frames = rng.integers(-32768, 32768, (999, 2)).astype(np.int16)
    with wave.open(str(tmp_path / "w.wav"), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(22050)
        out.writeframes(frames.astype("<i2").tobytes())
    decoded = decode_wav((tmp_path / "w.wav").read_bytes())
    assert decoded.samples.dtype == np.int16
    assert decoded.samples.tolist() == frames.tolist()
    assert decoded.duration_s == pytest.approx(999 / 22050)


def test_load_audio_converts_like_sox_does(sox_dir: Path, tmp_path: Path) -> None:
    ours = load_audio(sox_dir / "mono44k.wav")
    _sox(str(sox_dir / "mono44k.wav"), "-r", "8000", "-b", "16", str(tmp_path / "sox8k.wav"))
    theirs = decode_wav((tmp_path / "sox8k.wav").read_bytes()).samples[:, 0]
    assert abs(len(ours) - 4000) <= 3
    assert abs(len(ours) - len(theirs)) <= 3

    def rms_db(x: np.ndarray) -> float:
        middle = x[400:-400].astype(np.float64)
        return float(20 * np.log10(np.sqrt(np.mean(middle * middle))))

    assert rms_db(ours) == pytest.approx(rms_db(theirs), abs=0.1)
    stereo = load_audio(sox_dir / "pcm24_stereo.wav")  # 44.1 kHz stereo 24-bit → 8 kHz mono
    assert stereo.dtype == np.int16
    assert abs(len(stereo) - 2000) <= 3


def test_an_8khz_mono_16_bit_wav_passes_through_exactly(tmp_path: Path) -> None:
    (tmp_path / "a.wav").write_bytes(PCM16_8K)
    assert load_audio(tmp_path / "a.wav").tolist() == [1, -2, 3, -4]


@pytest.mark.parametrize(
    ("extension", "codec"),
    [(".raw", "linear"), (".PCM", "linear"), (".s16", "linear"), (".alaw", "g711a"),
     (".al", "g711a"), (".ulaw", "g711u"), (".ul", "g711u"), (".mulaw", "g711u")],
)  # fmt: skip
def test_headerless_files_by_extension(tmp_path: Path, extension: str, codec: str) -> None:
    payload = bytes(range(256)) + b"\x07"  # odd: a linear file's half sample is dropped
    path = tmp_path / f"speech{extension}"
    path.write_bytes(payload)
    assert load_audio(path).tolist() == g711.decode(codec, payload).tolist()


def test_raw_format_argument_and_header_precedence(tmp_path: Path) -> None:
    (tmp_path / "x.bin").write_bytes(bytes(range(200)))
    assert (
        load_audio(tmp_path / "x.bin", "g711u").tolist()
        == g711.ulaw_decode(bytes(range(200))).tolist()
    )
    (tmp_path / "a.alaw").write_bytes(PCM16_8K)  # a WAV under a raw name: the header wins
    assert load_audio(tmp_path / "a.alaw", "g711a").tolist() == [1, -2, 3, -4]
    with pytest.raises(ValueError, match="mp3"):
        load_audio(tmp_path / "x.bin", "mp3")  # type: ignore[arg-type]


def test_unknown_chunks_padding_and_data_before_fmt() -> None:
    data = _chunk(b"data", _pcm16([5, 6, 7]))
    sloppy = _wav(
        _chunk(b"LIST", b"INFOISFT\x05\x00\x00\x00sox!\x00"),
        _chunk(b"junk", b"abc"),  # odd size, one pad byte
        _chunk(b"fmt ", _fmt(1, 1, 8000, 16)),
        _chunk(b"fact", struct.pack("<I", 3)),
        data,
        _chunk(b"LIST", b"trailing metadata"),
    )
    assert decode_wav(sloppy).samples[:, 0].tolist() == [5, 6, 7]
    reordered = _wav(data, _chunk(b"fmt ", _fmt(1, 1, 8000, 16)))
    assert decode_wav(reordered).samples[:, 0].tolist() == [5, 6, 7]


@pytest.mark.parametrize("size", [0, 0xFFFFFFFF, 1000])
def test_a_wrong_data_size_means_the_rest_of_the_file(size: int) -> None:
    audio = _pcm16([9, -9, 10]) + b"\x01"  # and half a frame, which is dropped
    streamed = _wav(
        _chunk(b"fmt ", _fmt(1, 1, 8000, 16)), b"data" + struct.pack("<I", size) + audio
    )
    assert decode_wav(streamed).samples[:, 0].tolist() == [9, -9, 10]


def test_rf64_uses_the_ds64_data_size() -> None:
    ds64 = struct.pack("<QQQI", 0, 4, 2, 0)
    fmt = _chunk(b"fmt ", _fmt(1, 1, 8000, 16))
    body = _chunk(b"ds64", ds64) + fmt + _chunk(b"data", _pcm16([3, 4]), 0xFFFFFFFF)
    rf64 = b"RF64" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE" + body + _chunk(b"LIST", b"meta")
    assert decode_wav(rf64).samples[:, 0].tolist() == [3, 4]


def test_extensible_subformats_and_24_bit_extremes() -> None:
    floats = np.array([0.5, -1.0, 1.5], dtype="<f4")
    wav = _wav(_chunk(b"fmt ", _extensible(3, 1, 16000, 32)), _chunk(b"data", floats.tobytes()))
    decoded = decode_wav(wav)
    assert decoded.encoding == "IEEE float 32-bit (extensible)"
    assert decoded.samples[:, 0].tolist() == [0.5, -1.0, 1.5]
    alaw = _wav(_chunk(b"fmt ", _extensible(6, 1, 8000, 8)), _chunk(b"data", b"\xd5\x2a"))
    assert decode_wav(alaw).samples[:, 0].tolist() == [8, -32256]
    pcm24 = bytes.fromhex("ffffff000080ffff7f010000")
    decoded = decode_wav(_wav(_chunk(b"fmt ", _fmt(1, 1, 8000, 24)), _chunk(b"data", pcm24)))
    assert decoded.samples.dtype == np.int32
    assert decoded.samples[:, 0].tolist() == [-256, -(2**31), 0x7FFFFF00, 256]


def _bad(fmt_body: bytes, data: bytes = b"\0\0") -> bytes:
    return _wav(_chunk(b"fmt ", fmt_body), _chunk(b"data", data))


@pytest.mark.parametrize(
    ("data", "cause"),
    [
        (b"RIFF\x10\x00", "cut short"),
        (b"RIFF\x04\x00\x00\x00AVI LIST", "RIFF file of type 'AVI'"),
        (b"RIFX\x24\x00\x00\x00WAVEfmt ", "big-endian"),
        (b"hello, this is text", "is not a WAV file"),
        (b"ID3\x04\x00\x00\x00\x00\x00", "looks like MP3"),
        (b"fLaC\x00\x00\x00\x22", "looks like FLAC"),
        (_wav(), "without a 'fmt ' chunk"),
        (_wav(_chunk(b"fmt ", _fmt(1, 1, 8000, 16))), "without a 'data' chunk"),
        (_bad(_fmt(1, 1, 8000, 16)[:14]), "'fmt ' chunk of 14 bytes"),
        (_wav(_chunk(b"fmt ", _fmt(1, 1, 8000, 16), size=40)), "'fmt ' chunk cut short"),
        (_bad(_fmt(1, 0, 8000, 16)), "0 channels"),
        (_bad(_fmt(1, 1, 0, 16)), "0 samples per second"),
        (_bad(_fmt(2, 1, 8000, 4)), r"Microsoft ADPCM \(format 2\)"),
        (_bad(_fmt(0x1234, 1, 8000, 16)), r"an encoding \(format 4660\)"),
        (_bad(_fmt(1, 1, 8000, 40)), "40-bit PCM"),
        (_bad(_fmt(3, 1, 8000, 16)), "16-bit IEEE float"),
        (_bad(_fmt(7, 1, 8000, 16)), "16-bit µ-law"),
        (_bad(_extensible(1, 1, 8000, 16)[:30]), "EXTENSIBLE header cut short"),
        (_bad(_extensible(1, 1, 8000, 16)[:-1] + b"\x00"), "unknown subformat"),
    ],
)
def test_bad_files_get_a_plain_words_error(data: bytes, cause: str) -> None:
    with pytest.raises(AudioFileError, match=cause) as caught:
        decode_wav(data, "x.wav")
    assert isinstance(caught.value, AudioSourceError)
    assert caught.value.source == "file 'x.wav'"
    assert caught.value.remedy


def test_sox_adpcm_is_named(sox_dir: Path) -> None:
    with pytest.raises(AudioFileError, match=r"Microsoft ADPCM \(format 2\)") as caught:
        load_audio(sox_dir / "adpcm.wav")
    assert "sox" in caught.value.remedy


def test_file_errors(tmp_path: Path) -> None:
    cases: list[tuple[Path, str]] = [
        (tmp_path / "gone.wav", "does not exist"),
        (tmp_path, "folder"),
    ]
    (tmp_path / "empty.wav").write_bytes(b"")
    cases.append((tmp_path / "empty.wav", "is empty"))
    (tmp_path / "song.mp3").write_bytes(b"ID3\x04" + bytes(100))
    cases.append((tmp_path / "song.mp3", "looks like MP3"))
    (tmp_path / "x.bin").write_bytes(bytes(100))
    cases.append((tmp_path / "x.bin", "is not a WAV file"))
    (tmp_path / "slow.wav").write_bytes(_bad(_fmt(1, 1, 100, 16)))
    cases.append((tmp_path / "slow.wav", "100 Hz, outside"))
    (tmp_path / "nothing.wav").write_bytes(_bad(_fmt(1, 1, 8000, 16), b""))
    cases.append((tmp_path / "nothing.wav", "without any audio"))
    (tmp_path / "half.raw").write_bytes(b"\x01")
    cases.append((tmp_path / "half.raw", "less than one sample"))
    for path, cause in cases:
        with pytest.raises(AudioFileError, match=cause) as caught:
            load_audio(path)
        assert caught.value.source == f"file '{path.name}'"
    with pytest.raises(AudioFileError) as caught:
        load_audio(tmp_path / "song.mp3")
    assert "sox in.mp3 -r 8000 -c 1 out.wav" in caught.value.remedy
    assert "raw format" in caught.value.remedy


def test_an_unreadable_file_says_permission_denied() -> None:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder).chmod(0o711)  # traversable by the unprivileged user below
        path = Path(folder) / "secret.wav"
        path.write_bytes(PCM16_8K)
        path.chmod(0)
        as_root = os.geteuid() == 0
        if as_root:  # root reads anything: become nobody for the read, as a real user is
            os.seteuid(65534)
        try:
            with pytest.raises(AudioFileError, match="permission denied") as caught:
                load_audio(path)
        finally:
            if as_root:
                os.seteuid(0)
        assert "permissions" in caught.value.remedy


_SEEDS = [
    PCM16_8K,
    _wav(_chunk(b"fmt ", _extensible(1, 2, 44100, 24)), _chunk(b"data", bytes(range(60)))),
    _wav(_chunk(b"fmt ", _fmt(3, 1, 16000, 32)), _chunk(b"data", np.ones(8, "<f4").tobytes())),
    _wav(_chunk(b"fmt ", _fmt(3, 2, 16000, 64)), _chunk(b"data", bytes(64))),
    _wav(_chunk(b"fmt ", _fmt(1, 1, 8000, 8)), _chunk(b"LIST", b"x"), _chunk(b"data", b"abc")),
    wav_header("g711a", 8000, 1, 5) + b"\x01\x02\x03\x04\x05\x00",
    b"RF64" + bytes(4) + b"WAVE" + _chunk(b"ds64", struct.pack("<QQQI", 0, 4, 2, 0))
    + _chunk(b"fmt ", _fmt(1, 1, 8000, 16)) + _chunk(b"data", b"\x01\x02\x03\x04", 0xFFFFFFFF),
]  # fmt: skip


@st.composite
def _damaged_wavs(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(_SEEDS)))
    for _ in range(draw(st.integers(0, 4))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        position = draw(st.integers(12, len(data)))
        data[position:position] = draw(st.binary(max_size=24))
    return bytes(data[: draw(st.integers(0, len(data)))])


@st.composite
def _fmt_bodies(draw: st.DrawFn) -> bytes:
    tag = draw(st.sampled_from([1, 3, 6, 7, 2, 0xFFFE, 0, 0xFFFF]))
    channels = draw(st.sampled_from([0, 1, 2, 3, 0xFFFF]))
    rate = draw(st.sampled_from([0, 1, 8000, 44100, 0xFFFFFFFF]))
    bits = draw(st.sampled_from([0, 1, 8, 12, 16, 24, 32, 64, 0xFFFF]))
    body = _fmt(tag, channels, rate, bits)
    if draw(st.booleans()):
        sub_tag = draw(st.sampled_from([1, 3, 6, 7, 2, 0xFFFE]))
        body = _extensible(sub_tag, channels, rate, bits)
    return body[: draw(st.integers(0, len(body)))] + draw(st.binary(max_size=4))


@st.composite
def _built_wavs(draw: st.DrawFn) -> bytes:
    """RIFF files put together from plausible and implausible chunks, sizes true or not."""
    chunks = []
    for _ in range(draw(st.integers(0, 5))):
        chunk_id = draw(st.sampled_from([b"fmt ", b"data", b"LIST", b"fact", b"ds64", b"\0\0\0\0"]))
        body = draw(_fmt_bodies()) if chunk_id == b"fmt " else draw(st.binary(max_size=40))
        size = draw(st.sampled_from([None, 0, 1, 0xFFFFFFFF, 0x7FFFFFFF]))
        chunks.append(_chunk(chunk_id, body, size))
    data = _wav(*chunks, form=draw(st.sampled_from([b"RIFF", b"RF64"])))
    return data[: draw(st.integers(0, len(data)))]


def _check_outcome(data: bytes) -> None:
    try:
        decoded = decode_wav(data, "fuzz.wav")
    except AudioFileError:
        return  # any other exception fails the test
    assert decoded.channels > 0
    assert decoded.rate > 0
    assert decoded.samples.shape == (decoded.frames, decoded.channels)


@settings(max_examples=300)
@given(data=st.binary(max_size=300))
def test_any_bytes_decode_or_raise_audio_file_error(data: bytes) -> None:
    _check_outcome(data)
    _check_outcome(b"RIFF" + data[:4] + b"WAVE" + data[4:])


@settings(max_examples=300)
@given(data=st.one_of(_damaged_wavs(), _built_wavs()))
def test_damaged_wavs_decode_or_raise_audio_file_error(data: bytes) -> None:
    _check_outcome(data)


@settings(max_examples=60)
@given(data=st.one_of(_damaged_wavs(), _built_wavs()))
def test_damaged_wavs_load_or_raise_audio_file_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.wav"
        path.write_bytes(data)
        try:
            pcm = load_audio(path)
        except AudioFileError:
            return
        assert pcm.dtype == np.int16
        assert pcm.ndim == 1


def _payload(codec: str, samples: int) -> bytes:
    tone = np.rint(12000 * np.sin(np.arange(samples) * 0.3)).astype(np.int16)
    return g711.encode(codec, tone)


@pytest.mark.parametrize(
    ("codec", "encoding"),
    [("linear", "Signed Integer PCM"), ("g711a", "A-law"), ("g711u", "u-law")],
)
def test_written_files_read_back_here_in_sox_and_soxi(
    tmp_path: Path, codec: str, encoding: str
) -> None:
    payload = _payload(codec, 801)  # odd byte count for G.711: the data chunk gets a pad byte
    path = tmp_path / f"{codec}.wav"
    write_wav(path, payload, codec)
    size = path.stat().st_size
    header = wav_header(codec, 8000, 1, len(payload))
    assert len(header) == (44 if codec == "linear" else 58)
    assert size == len(header) + len(payload) + (len(payload) & 1)
    assert struct.unpack_from("<I", path.read_bytes(), 4)[0] == size - 8
    decoded = decode_wav(path.read_bytes())
    assert (decoded.rate, decoded.channels) == (8000, 1)
    assert decoded.samples[:, 0].tolist() == g711.decode(codec, payload).tolist()
    assert _soxi("-e", path) == encoding
    assert _soxi("-r", path) == "8000"
    assert _soxi("-c", path) == "1"
    assert _soxi("-s", path) == "801"
    assert _sox(str(path), "-t", "raw", "-") == payload


def test_wave_module_reads_written_linear_and_rate_is_kept(tmp_path: Path) -> None:
    payload = _payload("linear", 300)
    write_wav(tmp_path / "l.wav", payload, "linear", rate=16000)
    with wave.open(str(tmp_path / "l.wav"), "rb") as read:
        assert (read.getframerate(), read.getnchannels(), read.getsampwidth()) == (16000, 1, 2)
        assert read.readframes(1000) == payload
    assert _soxi("-r", tmp_path / "l.wav") == "16000"


@pytest.mark.parametrize("codec", ["linear", "g711a", "g711u"])
def test_wav_writer_streams_the_same_file_and_survives_a_crash(tmp_path: Path, codec: str) -> None:
    payload = _payload(codec, 1201)
    write_wav(tmp_path / "whole.wav", payload, codec)
    with WavWriter(tmp_path / "streamed.wav", codec) as writer:
        for start in range(0, len(payload), 333):
            writer.write(payload[start : start + 333])
            # As a crash would leave it: readable here and by sox, holding what was written.
            on_disk = (tmp_path / "streamed.wav").read_bytes()
            expected = g711.decode(codec, payload[: start + 333])
            assert decode_wav(on_disk).samples[:, 0].tolist() == expected.tolist()
        assert _sox(str(tmp_path / "streamed.wav"), "-t", "raw", "-") == payload
        assert writer.bytes_written == len(payload)
    assert writer.closed
    assert (tmp_path / "streamed.wav").read_bytes() == (tmp_path / "whole.wav").read_bytes()
    writer.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        writer.write(b"\0\0")


def test_writer_and_header_refuse_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mp3"):
        WavWriter(tmp_path / "x.wav", "mp3")
    assert not (tmp_path / "x.wav").exists()
    with pytest.raises(ValueError, match="bad format"):
        wav_header("linear", 0, 1, 0)
    with pytest.raises(ValueError, match="bad format"):
        wav_header("g711a", 8000, 0, 0)
    with pytest.raises(ValueError, match="4 GiB"):
        wav_header("linear", 8000, 1, 2**32)
    with pytest.raises(ValueError, match="4 GiB"):
        wav_header("linear", 8000, 1, -2)
    assert wav_header("g711u", 8000, 1, None)[4:8] == b"\xff\xff\xff\xff"
