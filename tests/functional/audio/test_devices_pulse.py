"""Devices, open errors and the `devices` command against a real private PulseAudio server.

The errors here are PortAudio's own, provoked on a real device (a rate of 1 Hz, 64 channels, an
index that no longer exists); codes that cannot be provoked without hardware (busy, permission
denied) are covered with constructed errors in tests/unit/audio/test_devices.py.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.pulseaudio import PulseServer
from workbench.app.cli import main
from workbench.audio import portaudio
from workbench.audio.devices import describe_open_error, find_device, list_input_devices
from workbench.audio.microphone import MicrophoneSource
from workbench.audio.source import AudioSourceError

pytestmark = pytest.mark.usefixtures("no_stream_left_open")

CLI = Path(sys.executable).with_name("h2b-workbench")


def test_the_server_shows_up_as_pulse_and_default(pulse: PulseServer) -> None:
    devices = list_input_devices()
    by_name = {device.name: device for device in devices}
    assert {"pulse", "default"} <= set(by_name)
    assert [device.name for device in devices if device.is_default] == ["default"]
    for name in ("pulse", "default"):
        assert by_name[name].host_api == "ALSA"
        assert by_name[name].default_rate == 44100.0
        assert by_name[name].input_channels >= 2
    assert find_device("PULSE") == by_name["pulse"]
    assert find_device(by_name["default"].index) == by_name["default"]
    assert find_device("default (ALSA)") == by_name["default"]


def test_an_unsupported_rate_is_named_in_plain_words(pulse: PulseServer) -> None:
    device = dataclasses.replace(find_device("pulse"), default_rate=1.0)
    mic = MicrophoneSource(device)
    with pytest.raises(AudioSourceError) as caught:
        mic.start()
    message = str(caught.value)
    assert message.startswith("microphone 'pulse' (ALSA): ")
    assert "does not support a sample rate of 1 Hz" in message
    assert "converts any rate" in caught.value.remedy
    assert "-9997" not in message  # plain words, the code stays in __cause__
    assert caught.value.__cause__ is not None
    assert portaudio.open_streams() == 0
    mic.close()  # safe after a failed start
    mic.close()


def test_too_many_channels_are_named_in_plain_words(pulse: PulseServer) -> None:
    device = find_device("pulse")
    sounddevice = portaudio.load_sounddevice()
    with pytest.raises(sounddevice.PortAudioError) as raw:  # straight from PortAudio
        portaudio.open_input_stream(device=device.index, channels=64, samplerate=44100)
    assert raw.value.args[1] == -9998
    error = describe_open_error(device, raw.value, 44100, 64)
    assert str(error).startswith(
        "microphone 'pulse' (ALSA): the device does not offer 64 input channels. Choose another"
    )
    assert portaudio.open_streams() == 0


def test_a_device_gone_from_the_list_says_so(pulse: PulseServer) -> None:
    gone = dataclasses.replace(find_device("pulse"), name="USB Headset", index=99)
    with pytest.raises(AudioSourceError) as caught:
        MicrophoneSource(gone).start()
    assert str(caught.value) == (
        "microphone 'USB Headset' (ALSA): the device is not in the device list any more "
        "(unplugged?). Plug it back in and refresh the device list, or pick another device"
    )


def test_a_renumbered_device_is_found_by_name(pulse: PulseServer) -> None:
    device = find_device("pulse")
    mic = MicrophoneSource(dataclasses.replace(device, index=99))  # as if listed before a refresh
    try:
        mic.start()
        assert mic.device == device
        assert mic.wait_for_first_callback(timeout=10.0)
    finally:
        mic.close()


def test_a_slow_reader_gets_overruns_counted(pulse: PulseServer) -> None:
    mic = MicrophoneSource(find_device("pulse"), ring_seconds=0.25)
    try:
        mic.start()
        assert mic.wait_for_first_callback(timeout=10.0)
        time.sleep(1.0)  # nobody reads: the 0.25 s ring overflows
        stats = mic.stats()
        kept = mic.read(10**6)
    finally:
        mic.close()
    assert stats.overruns > 0
    assert 400.0 < stats.overrun_ms < 1000.0, stats
    assert stats.device_errors == 0
    assert kept.size <= 0.25 * 8000 + 1


def test_a_device_that_opens_but_stays_silent_is_reported(pulse: PulseServer) -> None:
    pulse.pactl("suspend-source", "vmic", "1")  # opens fine, delivers nothing
    mic = MicrophoneSource(find_device("default"), first_callback_seconds=0.5)
    try:
        mic.start()
        assert not mic.wait_for_first_callback(timeout=1.0)
        with pytest.raises(AudioSourceError) as caught:
            mic.read(800)
        assert caught.value.cause == "the device opened but gave no audio in 0.5 s"
        assert caught.value.source == "microphone 'default' (ALSA)"
    finally:
        mic.close()
        pulse.pactl("suspend-source", "vmic", "0")


def test_a_device_that_stops_calling_back_is_reported(pulse: PulseServer) -> None:
    mic = MicrophoneSource(find_device("default"), stall_seconds=0.5)
    try:
        mic.start()
        assert mic.wait_for_first_callback(timeout=10.0)
        time.sleep(0.3)  # some audio (more than the resampler holds back) before the stall
        pulse.pactl("suspend-source", "vmic", "1")  # the callbacks stop, the stream stays open
        got: list[int] = []
        with pytest.raises(AudioSourceError) as caught:
            _read_for(mic, 5.0, got)
        assert caught.value.cause == "no audio from the device for more than 0.5 s"
        assert sum(got) > 0  # what came before the stall was handed out first
        assert mic.exhausted
    finally:
        mic.close()
        pulse.pactl("suspend-source", "vmic", "0")


def _read_for(mic: MicrophoneSource, seconds: float, sizes: list[int]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sizes.append(mic.read(800).size)
        time.sleep(0.02)
    pytest.fail(f"no error after {seconds} s of reading")


def test_a_refresh_waits_while_a_stream_is_open(pulse: PulseServer) -> None:
    mic = MicrophoneSource(find_device("default"))
    try:
        mic.start()
        assert portaudio.open_streams() == 1
        assert portaudio.reinitialize() is False  # it would close the stream under the callback
        assert portaudio.reinitialize_pending()
        assert {d.name for d in list_input_devices(refresh=True)} >= {"pulse", "default"}
        assert mic.wait_for_first_callback(timeout=10.0)
        assert mic.error is None
    finally:
        mic.close()
    assert portaudio.open_streams() == 0
    assert not portaudio.reinitialize_pending()  # ran when the stream closed
    assert {d.name for d in list_input_devices()} >= {"pulse", "default"}


def test_devices_command_prints_the_table(
    pulse: PulseServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["devices"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["index", "name", "host", "API", "inputs", "rate", "(Hz)"]
    rows = {parts[-4]: parts for parts in (line.split() for line in lines[1:3])}
    assert set(rows) == {"pulse", "default"}
    assert rows["default"][1:] == ["*", "default", "ALSA", "32", "44100"]
    assert rows["pulse"][1:] == ["pulse", "ALSA", "32", "44100"]
    assert "* default input" in out
    assert "PortAudio V19" in out


def _check_json(text: str) -> None:
    report = json.loads(text)
    assert set(report) == {"portaudio", "error", "hint", "devices"}
    assert report["portaudio"].startswith("PortAudio V")
    assert report["error"] is None
    assert report["hint"] is None
    devices = {device["name"]: device for device in report["devices"]}
    assert set(devices) >= {"pulse", "default"}
    assert devices["default"]["is_default"] is True
    assert devices["pulse"] == {
        "index": devices["pulse"]["index"],
        "name": "pulse",
        "host_api": "ALSA",
        "input_channels": 32,
        "default_rate": 44100.0,
        "is_default": False,
    }


def test_devices_command_json_in_process(
    pulse: PulseServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["devices", "--json"]) == 0
    _check_json(capsys.readouterr().out)


def test_devices_command_json_as_a_user_runs_it(pulse: PulseServer) -> None:
    result = subprocess.run(
        [str(CLI), "devices", "--json"],
        env=pulse.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    _check_json(result.stdout)
