"""G.711 against the standard's known values and round trips."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from workbench.audio import g711


def test_known_values_from_the_standard() -> None:
    # µ-law: 0xFF and 0x7F are the two zeros; 0x80 / 0x00 the extremes (±32124).
    assert g711.ulaw_decode(bytes([0xFF, 0x7F, 0x80, 0x00])).tolist() == [0, 0, 32124, -32124]
    # A-law: 0xD5 / 0x55 are the smallest magnitudes (±8); 0xAA / 0x2A the extremes (±32256).
    assert g711.alaw_decode(bytes([0xD5, 0x55, 0xAA, 0x2A])).tolist() == [8, -8, 32256, -32256]
    assert g711.ulaw_encode(np.array([0], dtype=np.int16)) == b"\xff"
    assert g711.alaw_encode(np.array([0], dtype=np.int16)) == b"\xd5"


@pytest.mark.parametrize("codec", ["g711a", "g711u"])
def test_every_code_survives_decode_encode(codec: str) -> None:
    codes = bytes(range(256))
    decoded = g711.decode(codec, codes)
    again = g711.decode(codec, g711.encode(codec, decoded))
    assert again.tolist() == decoded.tolist()


@pytest.mark.parametrize("codec", ["g711a", "g711u"])
@given(samples=arrays(np.int16, st.integers(1, 400)))
def test_quantisation_error_is_bounded(codec: str, samples: np.ndarray) -> None:
    restored = g711.decode(codec, g711.encode(codec, samples)).astype(np.int32)
    error = np.abs(restored - samples.astype(np.int32))
    # A segment's step is at most 1024 (A-law) / 1024 (µ-law) at the top; half a step + clipping.
    allowed = np.maximum(np.abs(samples.astype(np.int32)) // 16, 16) + 700 * (
        np.abs(samples.astype(np.int32)) > 32000
    )
    assert (error <= allowed).all()


def test_encoding_is_monotonic() -> None:
    ramp = np.arange(-32768, 32768, 7, dtype=np.int16)
    for codec in ("g711a", "g711u"):
        decoded = g711.decode(codec, g711.encode(codec, ramp))
        assert (np.diff(decoded.astype(np.int32)) >= 0).all()


def test_linear_passes_through_and_bad_codec_is_named() -> None:
    samples = np.array([1, -2, 300], dtype=np.int16)
    assert g711.decode("linear", g711.encode("linear", samples)).tolist() == [1, -2, 300]
    assert g711.decode("linear", b"\x01\x00\x02").tolist() == [1]
    with pytest.raises(ValueError, match="mp3"):
        g711.decode("mp3", b"")


# Positive decision values of ITU-T G.711 (Tables 1 and 2), scaled to 16 bits: µ-law works on
# 14-bit values (× 4), A-law on 13-bit values (× 8). A value at a decision value gets the
# upper interval's code, one LSB below it the lower one's. µ-law 0xFF - 0x10·segment and A-law
# (0x80 | 0x10·segment) ^ 0x55 are the first codes of each segment.
_ULAW_BOUNDARIES = [  # (14-bit decision value, code at it, code one 16-bit LSB below it)
    (1, 0xFE, 0xFF),
    (31, 0xEF, 0xF0),
    (95, 0xDF, 0xE0),
    (223, 0xCF, 0xD0),
    (479, 0xBF, 0xC0),
    (991, 0xAF, 0xB0),
    (2015, 0x9F, 0xA0),
    (4063, 0x8F, 0x90),
    (7903, 0x80, 0x81),  # the last step: everything above, to full scale, is 0x80
]
_ALAW_BOUNDARIES = [  # (13-bit decision value, code at it, code one 16-bit LSB below it)
    (2, 0xD4, 0xD5),
    (32, 0xC5, 0xDA),
    (64, 0xF5, 0xCA),
    (128, 0xE5, 0xFA),
    (256, 0x95, 0xEA),
    (512, 0x85, 0x9A),
    (1024, 0xB5, 0x8A),
    (2048, 0xA5, 0xBA),
    (3968, 0xAA, 0xAB),  # the last step: everything above, to full scale, is 0xAA
]


@pytest.mark.parametrize(("value", "at", "below"), _ULAW_BOUNDARIES)
def test_ulaw_segment_boundaries(value: int, at: int, below: int) -> None:
    x = np.array([4 * value, 4 * value - 1], dtype=np.int16)
    assert g711.ulaw_encode(x) == bytes([at, below])


@pytest.mark.parametrize(("value", "at", "below"), _ALAW_BOUNDARIES)
def test_alaw_segment_boundaries(value: int, at: int, below: int) -> None:
    x = np.array([8 * value, 8 * value - 1], dtype=np.int16)
    assert g711.alaw_encode(x) == bytes([at, below])


def test_smallest_values_and_full_scale_codes() -> None:
    # ±1 lie in the intervals next to zero: the positive and negative zero-level codes.
    assert g711.ulaw_encode(np.array([1, -1, 32767, -32768], dtype=np.int16)) == b"\xff\x7f\x80\x00"
    assert g711.alaw_encode(np.array([1, -1, 32767, -32768], dtype=np.int16)) == b"\xd5\x55\xaa\x2a"


@pytest.mark.parametrize("codec", ["g711a", "g711u"])
def test_the_sign_bit_mirrors_every_code(codec: str) -> None:
    codes = np.arange(256, dtype=np.uint8)
    decoded = g711.decode(codec, codes.tobytes()).astype(np.int32)
    mirrored = g711.decode(codec, (codes ^ 0x80).tobytes()).astype(np.int32)
    assert (decoded == -mirrored).all()


@pytest.mark.parametrize(("codec", "sox_type"), [("g711a", "al"), ("g711u", "ul")])
def test_every_code_decodes_as_sox_decodes_it(codec: str, sox_type: str) -> None:
    # sox's tables come from Sun's reference g711.c: an independent implementation.
    sox = shutil.which("sox")
    assert sox is not None, "sox is needed by this test (apt-get install sox)"
    command = [sox, "-t", sox_type, "-r", "8000", "-c", "1", "-", "-t", "raw", "-e", "signed"]
    out = subprocess.run(
        [*command, "-b", "16", "-"], input=bytes(range(256)), capture_output=True, check=True
    ).stdout
    assert g711.decode(codec, bytes(range(256))).tolist() == np.frombuffer(out, "<i2").tolist()
