"""Input devices as PortAudio sees them, finding one by name, and open errors in plain words.

The device list is what support asks for first, so it is a small frozen value
(:class:`InputDevice`) that prints and serialises the same everywhere (the device menu,
``h2b-workbench devices``). Two situations are normal answers, not exceptions: no input device at
all (``[]``: a server without a sound card, a Linux box without PulseAudio), and input devices
without a default one (PortAudio then raises "Error querying device -1" for the default query,
FEASIBILITY.md §3: no device is marked default).

:func:`describe_open_error` turns what PortAudio raises when a stream cannot open into an
:class:`~workbench.audio.source.AudioSourceError` naming the device, the cause and a remedy. The
mapping is a table keyed by PortAudio error code; "unanticipated host errors" (-9999) are refined
by the host's errno and message text, because that is where "permission denied" and "busy" hide.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

from workbench.audio.portaudio import PortAudioMissingError, load_sounddevice, reinitialize
from workbench.audio.source import AudioSourceError


@dataclass(frozen=True)
class InputDevice:
    """One PortAudio device with at least one input channel."""

    index: int
    """PortAudio's device index: valid until the next refresh."""
    name: str
    host_api: str
    """The driver layer: ALSA, OSS, JACK, MME, WASAPI, Core Audio…"""
    input_channels: int
    default_rate: float
    """The device's native rate in Hz: what the capture opens at (resampled to 8 kHz after)."""
    is_default: bool = False

    @property
    def label(self) -> str:
        """ "name (host API)": unique in practice, since one device shows up once per host API."""
        return f"{self.name} ({self.host_api})"

    @property
    def capture_channels(self) -> int:
        """How many channels to capture: 1 for a mono device, else 2 (downmixed later).

        Devices that advertise 32 channels (ALSA ``pulse``/``default``) give nothing useful past
        the first two, and asking for all of them multiplies the callback's copying.
        """
        return 1 if self.input_channels <= 1 else 2

    def to_json(self) -> dict[str, Any]:
        """A plain dict for ``devices --json`` and bug reports."""
        return asdict(self)


NO_INPUT_CAUSE: Final = "there is no input device at all (PortAudio lists none)"
NO_INPUT_REMEDY: Final = (
    "plug in a microphone or headset and refresh the device list; on Linux check that "
    "PulseAudio or PipeWire is running (without a sound server ALSA may list nothing); "
    "files, typed text and silence still work"
)


class DeviceNotFoundError(AudioSourceError):
    """:func:`find_device` found no device, or several, for what the user typed."""


def input_devices_from(
    devices: Iterable[Mapping[str, Any]],
    host_apis: Sequence[Mapping[str, Any]],
    default_index: int | None,
) -> list[InputDevice]:
    """Build :class:`InputDevice` values from ``sounddevice.query_devices()``-shaped dicts.

    Output-only devices are left out; ``default_index`` (None: no default) marks the default.
    Pure, so the shaping is tested without PortAudio.
    """
    found = []
    for position, info in enumerate(devices):
        channels = int(info.get("max_input_channels", 0))
        if channels <= 0:
            continue
        index = int(info.get("index", position))
        host = int(info.get("hostapi", -1))
        host_name = str(host_apis[host]["name"]) if 0 <= host < len(host_apis) else "?"
        found.append(
            InputDevice(
                index=index,
                name=str(info["name"]),
                host_api=host_name,
                input_channels=channels,
                default_rate=float(info.get("default_samplerate", 0.0)),
                is_default=index == default_index,
            )
        )
    return found


def _default_input_index(sd: Any) -> int | None:
    try:
        info = sd.query_devices(kind="input")
    except (sd.PortAudioError, ValueError):  # "Error querying device -1": there is no default
        return None
    return int(info["index"])


def list_input_devices(refresh: bool = False) -> list[InputDevice]:
    """The input devices now, default marked; ``[]`` when there are none.

    ``refresh`` re-reads the list from the drivers (hot-plug, see
    :func:`workbench.audio.portaudio.reinitialize`); while a stream is open the refresh is
    postponed and the list is the one from before. Raises
    :class:`~workbench.audio.portaudio.PortAudioMissingError` when PortAudio cannot be loaded.
    """
    sd = load_sounddevice()
    if refresh:
        reinitialize()
    try:
        devices = list(sd.query_devices())
        host_apis = list(sd.query_hostapis())
    except sd.PortAudioError as error:  # PortAudio not initialised (a failed refresh)
        raise describe_open_error(None, error) from error
    return input_devices_from(devices, host_apis, _default_input_index(sd))


def _listing(devices: Sequence[InputDevice]) -> str:
    return ", ".join(f"[{device.index}] {device.label}" for device in devices)


def find_device(
    name_or_index: int | str, devices: Sequence[InputDevice] | None = None
) -> InputDevice:
    """The device the user means: an index, an exact name, or a unique part of a name.

    Exact matches win over partial ones (so "pulse" is not ambiguous with "pulse monitor"); the
    case is ignored after an exact match failed; "name (host API)" and "name, host API" also
    match exactly. Raises :class:`DeviceNotFoundError` naming the candidates. ``devices``
    defaults to :func:`list_input_devices`.
    """
    pool = list_input_devices() if devices is None else list(devices)
    query = str(name_or_index).strip()
    source = f"input device '{query}'"
    if not pool:
        raise DeviceNotFoundError(source, NO_INPUT_CAUSE, NO_INPUT_REMEDY)
    if isinstance(name_or_index, int) or query.isdigit():
        for device in pool:
            if device.index == int(query):
                return device
        raise DeviceNotFoundError(
            source, "no input device has that index", f"choose one of: {_listing(pool)}"
        )

    def names(device: InputDevice) -> tuple[str, ...]:
        return (device.name, device.label, f"{device.name}, {device.host_api}")

    folded = query.casefold()
    for matches in (
        [device for device in pool if query in names(device)],
        [device for device in pool if folded in (n.casefold() for n in names(device))],
        [device for device in pool if folded in names(device)[2].casefold()],
    ):
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise DeviceNotFoundError(
                source,
                f"matches several input devices: {_listing(matches)}",
                "give the index or the full name",
            )
    raise DeviceNotFoundError(
        source, "no input device has that name", f"choose one of: {_listing(pool)}"
    )


# --- open errors -------------------------------------------------------------------------------

_BUSY = (
    "the device is busy or unavailable (another program may be using it exclusively, "
    "or it was unplugged)",
    "close the program that holds it or plug it back in, then try again; or pick another device",
)
_PERMISSION = (
    "the system refused access to the device (permission denied)",
    "allow microphone access: on Linux add your user to the 'audio' group and log in again; "
    "on Windows and macOS allow this app in the microphone privacy settings",
)
_GONE = (
    "the device does not exist (any more): it was unplugged or the device list is out of date",
    "refresh the device list and pick the device again",
)
_RATE = (
    "the device does not support {rate}",
    "pick the device at its own rate (the workbench converts any rate to 8 kHz), "
    "or choose another device",
)
_CHANNELS = (
    "the device does not offer {channels}",
    "choose another device, or refresh the device list if it changed",
)

PORTAUDIO_ERRORS: Final[dict[int, tuple[str, str]]] = {
    -9985: _BUSY,  # paDeviceUnavailable
    -9997: _RATE,  # paInvalidSampleRate
    -9998: _CHANNELS,  # paInvalidChannelCount
    -9996: _GONE,  # paInvalidDevice
    -9993: _GONE,  # paBadIODeviceCombination
    -9979: _GONE,  # paHostApiNotFound
    -9978: _GONE,  # paInvalidHostApi
    -9994: (  # paSampleFormatNotSupported
        "the device does not deliver samples in the format asked for (32-bit float)",
        "pick another device, and please report the device name",
    ),
    -10000: (  # paNotInitialized
        "the audio library is not running (a device refresh failed)",
        "refresh the device list; if it persists, restart the app",
    ),
    -9987: (  # paTimedOut
        "the device did not answer in time",
        "unplug and replug it or restart the sound server, then refresh the device list",
    ),
}
"""PortAudio ``PaErrorCode`` → (cause, remedy); ``{rate}``/``{channels}`` are filled in."""

HOST_ERRNOS: Final[dict[int, tuple[str, str]]] = {
    errno.EBUSY: _BUSY,
    errno.EACCES: _PERMISSION,
    errno.EPERM: _PERMISSION,
    errno.ENODEV: _GONE,
    errno.ENOENT: _GONE,
    errno.ENXIO: _GONE,
}
"""errno of an ALSA/OSS host error (PortAudio reports ALSA's ``-errno``) → (cause, remedy)."""

HOST_TEXTS: Final[tuple[tuple[str, tuple[str, str]], ...]] = (
    ("permission denied", _PERMISSION),
    ("access is denied", _PERMISSION),
    ("not permitted", _PERMISSION),
    ("busy", _BUSY),
    ("already allocated", _BUSY),
    ("in use", _BUSY),
    ("no such device", _GONE),
    ("no such file", _GONE),
    ("not found", _GONE),
    ("disconnected", _GONE),
)
"""Lower-case fragments of host error messages (ALSA strerror, Windows texts) → (cause, remedy)."""

_QUERY_FAILED = "error querying device"


def microphone_name(device: InputDevice | None) -> str:
    """How errors name a microphone: "microphone 'USB Headset' (ALSA)", or "microphone"."""
    return "microphone" if device is None else f"microphone '{device.name}' ({device.host_api})"


def _error_parts(exc: BaseException) -> tuple[str, int | None, int | None, str]:
    """(message, PortAudio code, host error code, host message) from a PortAudioError's args.

    Read from ``args`` rather than ``str()``: sounddevice's ``__str__`` queries PortAudio.
    """
    args = exc.args
    message = str(args[0]) if args else type(exc).__name__
    code = args[1] if len(args) > 1 and isinstance(args[1], int) else None
    host_code: int | None = None
    host_text = ""
    if len(args) > 2 and isinstance(args[2], tuple) and len(args[2]) == 3:
        host_code = args[2][1] if isinstance(args[2][1], int) else None
        host_text = str(args[2][2])
    return message, code, host_code, host_text


def _host_diagnosis(host_code: int | None, texts: Iterable[str]) -> tuple[str, str] | None:
    lowered = " ".join(texts).lower()
    for fragment, diagnosis in HOST_TEXTS:
        if fragment in lowered:
            return diagnosis
    if host_code is not None and host_code < 0:
        return HOST_ERRNOS.get(-host_code)
    return None


def describe_open_error(
    device: InputDevice | None,
    exc: BaseException,
    rate: float | None = None,
    channels: int | None = None,
) -> AudioSourceError:
    """What went wrong opening ``device`` (None: the default device), for a person to read.

    ``rate`` and ``channels`` are what was asked for, quoted in the cause. Errors that already
    are :class:`AudioSourceError` come back unchanged. Raise the result ``from exc``.
    """
    if isinstance(exc, AudioSourceError):
        return exc
    source = microphone_name(device)
    message, code, host_code, host_text = _error_parts(exc)
    if isinstance(exc, OSError) and "portaudio" in message.lower():
        return PortAudioMissingError(message)
    if code is None and message.lower().startswith(_QUERY_FAILED):
        # sounddevice looked the device up before opening: -1 is "no default input device".
        if message.strip().endswith("-1"):
            return AudioSourceError(source, NO_INPUT_CAUSE, NO_INPUT_REMEDY)
        cause, remedy = _GONE
        return AudioSourceError(source, cause, remedy)
    if isinstance(exc, ValueError) and "no input device matching" in message.lower():
        cause, remedy = _GONE
        return AudioSourceError(source, cause, remedy)
    diagnosis: tuple[str, str] | None = None
    if code == -9999 or code is None:  # paUnanticipatedHostError: the host's words decide
        diagnosis = _host_diagnosis(host_code, (host_text, message))
    if diagnosis is None and code is not None:
        diagnosis = PORTAUDIO_ERRORS.get(code)
    if diagnosis is None:
        detail = f"{message}: {host_text}" if host_text else message
        return AudioSourceError(
            source,
            f"the device could not be opened ({detail})",
            "refresh the device list and try again, or pick another device",
        )
    cause, remedy = diagnosis
    rate_text = "the requested sample rate" if rate is None else f"a sample rate of {rate:g} Hz"
    channel_text = (
        "the requested channels"
        if channels is None
        else f"{channels} input channel{'' if channels == 1 else 's'}"
    )
    return AudioSourceError(source, cause.format(rate=rate_text, channels=channel_text), remedy)
