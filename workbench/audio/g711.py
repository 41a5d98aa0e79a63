"""G.711 A-law and µ-law (ITU-T G.711), vectorised with numpy, plus the protocol's codec table.

Decoding goes through a 256-entry table built once from the standard's segment rules; encoding
finds each sample's segment from its bit length. Both work on whole chunks at once.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

Pcm = npt.NDArray[np.int16]

_MULAW_BIAS: Final = 0x84
_MULAW_CLIP: Final = 32635

CODEC_BYTES_PER_SAMPLE: Final = {"linear": 2, "g711a": 1, "g711u": 1}
SILENCE_BYTE: Final = {"linear": 0x00, "g711a": 0xD5, "g711u": 0xFF}
"""A byte that decodes to (near) zero in each codec, for padding with silence."""


def _ulaw_table() -> Pcm:
    u = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = (((mantissa << 3) + _MULAW_BIAS) << exponent) - _MULAW_BIAS
    return np.where(u & 0x80, -magnitude, magnitude).astype(np.int16)


def _alaw_table() -> Pcm:
    a = np.arange(256, dtype=np.int32) ^ 0x55
    exponent = (a >> 4) & 0x07
    mantissa = a & 0x0F
    magnitude = np.where(
        exponent == 0,
        (mantissa << 4) + 8,
        ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0),
    )
    return np.where(a & 0x80, magnitude, -magnitude).astype(np.int16)


ULAW_TO_LINEAR: Final = _ulaw_table()
ALAW_TO_LINEAR: Final = _alaw_table()


def _bit_length(values: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
    """Bit length of non-negative ints (0 → 0), vectorised."""
    lengths = np.zeros(values.shape, dtype=np.int32)
    nonzero = values > 0
    lengths[nonzero] = np.floor(np.log2(values[nonzero])).astype(np.int32) + 1
    return lengths


def ulaw_encode(samples: Pcm) -> bytes:
    """Encode int16 samples to µ-law bytes."""
    x = samples.astype(np.int32)
    sign = np.where(x < 0, 0x80, 0)
    magnitude = np.minimum(np.abs(x), _MULAW_CLIP) + _MULAW_BIAS
    exponent = np.clip(_bit_length(magnitude) - 8, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    codes = (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)
    return bytes(codes.tobytes())


def alaw_encode(samples: Pcm) -> bytes:
    """Encode int16 samples to A-law bytes."""
    x = samples.astype(np.int32)
    sign = np.where(x >= 0, 0x80, 0)
    magnitude = np.minimum(np.where(x >= 0, x, -x - 1), 32767) >> 3
    exponent = np.clip(_bit_length(magnitude) - 5, 0, 7)
    mantissa = np.where(exponent == 0, magnitude >> 1, magnitude >> np.maximum(exponent, 1)) & 0x0F
    codes = ((sign | (exponent << 4) | mantissa) ^ 0x55).astype(np.uint8)
    return bytes(codes.tobytes())


def ulaw_decode(data: bytes) -> Pcm:
    """Decode µ-law bytes to int16 samples."""
    return ULAW_TO_LINEAR[np.frombuffer(data, dtype=np.uint8)]


def alaw_decode(data: bytes) -> Pcm:
    """Decode A-law bytes to int16 samples."""
    return ALAW_TO_LINEAR[np.frombuffer(data, dtype=np.uint8)]


def decode(codec: str, data: bytes) -> Pcm:
    """Turn a chunk in the session's codec (``linear``, ``g711a``, ``g711u``) into int16 samples.

    A trailing odd byte of linear audio is dropped (a chunk boundary inside a sample).
    """
    if codec == "g711a":
        return alaw_decode(data)
    if codec == "g711u":
        return ulaw_decode(data)
    if codec == "linear":
        usable = len(data) - len(data) % 2
        return np.frombuffer(data[:usable], dtype="<i2").astype(np.int16)
    raise ValueError(f"unknown audio codec {codec!r}: expected linear, g711a or g711u")


def encode(codec: str, samples: Pcm) -> bytes:
    """Turn int16 samples into bytes of the session's codec."""
    if codec == "g711a":
        return alaw_encode(samples)
    if codec == "g711u":
        return ulaw_encode(samples)
    if codec == "linear":
        return samples.astype("<i2").tobytes()
    raise ValueError(f"unknown audio codec {codec!r}: expected linear, g711a or g711u")
