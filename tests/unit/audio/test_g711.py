"""G.711 against the standard's known values and round trips."""

from __future__ import annotations

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
