"""The device list's shape, finding a device by name, and open errors in plain words.

Errors PortAudio raises on real devices are provoked in tests/functional/audio; the codes that
need hardware to provoke (busy, permission denied, a host error) are built here the way
sounddevice builds them: ``PortAudioError(message, code[, (host API, host code, host text)])``.
"""

from __future__ import annotations

import errno

import pytest

from workbench.app.devices_command import format_table
from workbench.audio.devices import (
    HOST_ERRNOS,
    PORTAUDIO_ERRORS,
    DeviceNotFoundError,
    InputDevice,
    describe_open_error,
    find_device,
    input_devices_from,
)
from workbench.audio.portaudio import PortAudioMissingError, load_sounddevice
from workbench.audio.source import AudioSourceError

sd = load_sounddevice()

HOST_APIS = [{"name": "ALSA"}, {"name": "JACK Audio Connection Kit"}]
RAW = [
    {"name": "HDA Intel PCH: ALC3246 Analog (hw:0,0)", "index": 0, "hostapi": 0,
     "max_input_channels": 2, "max_output_channels": 2, "default_samplerate": 44100.0},
    {"name": "HDMI 0", "index": 1, "hostapi": 0,
     "max_input_channels": 0, "max_output_channels": 8, "default_samplerate": 48000.0},
    {"name": "USB Headset: Audio (hw:1,0)", "index": 2, "hostapi": 0,
     "max_input_channels": 1, "max_output_channels": 2, "default_samplerate": 48000.0},
    {"name": "pulse", "index": 3, "hostapi": 0,
     "max_input_channels": 32, "max_output_channels": 32, "default_samplerate": 44100.0},
    {"name": "default", "index": 4, "hostapi": 0,
     "max_input_channels": 32, "max_output_channels": 32, "default_samplerate": 44100.0},
    {"name": "system", "index": 5, "hostapi": 1,
     "max_input_channels": 2, "max_output_channels": 2, "default_samplerate": 48000.0},
]  # fmt: skip
DEVICES = input_devices_from(RAW, HOST_APIS, default_index=4)
HEADSET = DEVICES[1]


def test_input_devices_keep_inputs_only_and_mark_the_default() -> None:
    assert [d.index for d in DEVICES] == [0, 2, 3, 4, 5]
    assert InputDevice(2, "USB Headset: Audio (hw:1,0)", "ALSA", 1, 48000.0, False) == HEADSET
    assert [d.name for d in DEVICES if d.is_default] == ["default"]
    assert DEVICES[-1].host_api == "JACK Audio Connection Kit"
    assert HEADSET.label == "USB Headset: Audio (hw:1,0) (ALSA)"
    assert HEADSET.to_json() == {
        "index": 2,
        "name": "USB Headset: Audio (hw:1,0)",
        "host_api": "ALSA",
        "input_channels": 1,
        "default_rate": 48000.0,
        "is_default": False,
    }


def test_no_default_marks_none_and_no_device_is_an_empty_list() -> None:
    assert not any(d.is_default for d in input_devices_from(RAW, HOST_APIS, None))
    assert input_devices_from([], HOST_APIS, None) == []


def test_capture_channels_are_one_for_mono_else_two() -> None:
    assert [d.capture_channels for d in DEVICES] == [2, 1, 2, 2, 2]


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (2, 2),
        ("4", 4),
        ("pulse", 3),
        ("PULSE", 3),
        ("default", 4),
        ("default (ALSA)", 4),
        ("system, JACK Audio Connection Kit", 5),
        ("usb", 2),
        ("alc3246", 0),
        ("jack", 5),
    ],
)
def test_find_device_by_index_name_or_unique_part(query: int | str, index: int) -> None:
    assert find_device(query, DEVICES).index == index


def test_find_device_names_the_candidates_when_ambiguous() -> None:
    with pytest.raises(DeviceNotFoundError) as caught:
        find_device("hw:", DEVICES)
    assert str(caught.value) == (
        "input device 'hw:': matches several input devices: "
        "[0] HDA Intel PCH: ALC3246 Analog (hw:0,0) (ALSA), "
        "[2] USB Headset: Audio (hw:1,0) (ALSA). Give the index or the full name"
    )


def test_find_device_lists_the_choices_when_unknown() -> None:
    with pytest.raises(
        DeviceNotFoundError, match=r"no input device has that name\. Choose one of: \[0\]"
    ):
        find_device("Blue Yeti", DEVICES)
    with pytest.raises(DeviceNotFoundError, match="no input device has that index"):
        find_device(1, DEVICES)  # HDMI 0: output only
    with pytest.raises(DeviceNotFoundError, match="no input device at all"):
        find_device("pulse", [])


def _open_error(code: int, host: tuple[int, int, str] | None = None) -> Exception:
    text = "Error opening InputStream: " + {
        -9985: "Device unavailable",
        -9996: "Invalid device",
        -9997: "Invalid sample rate",
        -9998: "Invalid number of channels",
        -9999: "Unanticipated host error",
    }.get(code, "Something else")
    error: Exception = (
        sd.PortAudioError(text, code) if host is None else sd.PortAudioError(text, code, host)
    )
    return error


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (_open_error(-9985), "the device is busy or unavailable"),
        (_open_error(-9997), "the device does not support a sample rate of 48000 Hz"),
        (_open_error(-9998), "the device does not offer 1 input channel"),
        (_open_error(-9996), "the device does not exist (any more)"),
        (_open_error(-9994), "the device does not deliver samples in the format"),
        (_open_error(-10000), "the audio library is not running"),
        (_open_error(-9999, (0, -errno.EBUSY, "Device or resource busy")), "is busy"),
        (_open_error(-9999, (0, -errno.EACCES, "Permission denied")), "permission denied"),
        (_open_error(-9999, (0, -errno.EPERM, "")), "permission denied"),
        (_open_error(-9999, (0, -errno.ENODEV, "")), "does not exist (any more)"),
        (_open_error(-9999, (2, -2147024891, "Access is denied.")), "permission denied"),
        (sd.PortAudioError("Error querying device 7"), "does not exist (any more)"),
        (sd.PortAudioError("Error querying device -1"), "there is no input device at all"),
        (ValueError("No input device matching 'USB'"), "does not exist (any more)"),
    ],
)
def test_open_errors_in_plain_words(error: Exception, cause: str) -> None:
    described = describe_open_error(HEADSET, error, 48000, 1)
    assert isinstance(described, AudioSourceError)
    assert described.source == "microphone 'USB Headset: Audio (hw:1,0)' (ALSA)"
    assert cause in described.cause
    assert described.remedy
    assert "PaErrorCode" not in str(described)


def test_busy_reads_as_a_sentence_with_its_remedy() -> None:
    assert str(describe_open_error(HEADSET, _open_error(-9985))) == (
        "microphone 'USB Headset: Audio (hw:1,0)' (ALSA): the device is busy or unavailable "
        "(another program may be using it exclusively, or it was unplugged). Close the program "
        "that holds it or plug it back in, then try again; or pick another device"
    )


def test_unknown_errors_keep_portaudio_s_words() -> None:
    described = describe_open_error(None, _open_error(-9999, (0, -5, "Input/output error")))
    assert described.source == "microphone"
    assert described.cause == (
        "the device could not be opened "
        "(Error opening InputStream: Unanticipated host error: Input/output error)"
    )
    assert "refresh the device list" in described.remedy


def test_missing_portaudio_and_source_errors_pass_through() -> None:
    missing = describe_open_error(HEADSET, OSError("PortAudio library not found"))
    assert isinstance(missing, PortAudioMissingError)
    assert "apt install libportaudio2" in str(missing)
    already = AudioSourceError("microphone", "x", "y")
    assert describe_open_error(HEADSET, already) is already


def test_the_tables_cover_the_documented_codes() -> None:
    assert {-9985, -9996, -9997, -9998} <= set(PORTAUDIO_ERRORS)
    assert {errno.EACCES, errno.EPERM, errno.EBUSY} <= set(HOST_ERRNOS)


def test_format_table_aligns_and_marks_the_default() -> None:
    assert format_table(DEVICES[:3]).splitlines() == [
        "index    name                                    host API  inputs  rate (Hz)",
        "    0    HDA Intel PCH: ALC3246 Analog (hw:0,0)  ALSA           2      44100",
        "    2    USB Headset: Audio (hw:1,0)             ALSA           1      48000",
        "    3    pulse                                   ALSA          32      44100",
        "(no default input)",
    ]
    assert format_table(DEVICES).splitlines()[4].startswith("    4  *  default")
