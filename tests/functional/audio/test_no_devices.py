"""The app copes with no input device and with no PortAudio at all.

No device: this process is pointed at no sound server (a machine like CI's then has no device;
the assertions that need an empty list check ``/dev/snd`` is absent, as on CI). No PortAudio:
in process, ``import sounddevice`` is made to fail; in a subprocess, the library lookup is made
to find nothing, which is sounddevice's own "PortAudio library not found" path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.app.cli import main
from workbench.audio import portaudio
from workbench.audio.devices import (
    NO_INPUT_CAUSE,
    DeviceNotFoundError,
    find_device,
    list_input_devices,
)
from workbench.audio.microphone import MicrophoneSource
from workbench.audio.portaudio import PortAudioMissingError, load_sounddevice
from workbench.audio.source import AudioSourceError

pytestmark = pytest.mark.usefixtures("no_stream_left_open")

NO_SOUND_CARD = not Path("/dev/snd").exists()
CLI = Path(sys.executable).with_name("h2b-workbench")


def _run(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_no_device_is_an_empty_list_and_a_plain_error(no_sound_server: None) -> None:
    devices = list_input_devices(refresh=True)
    assert not {"pulse", "default"} & {device.name for device in devices}
    if not NO_SOUND_CARD:  # a developer's machine: its cards stay listed, nothing more to see
        return
    assert devices == []
    mic = MicrophoneSource()
    with pytest.raises(AudioSourceError) as caught:
        mic.start()
    assert str(caught.value).startswith("microphone: there is no input device at all")
    assert caught.value.cause == NO_INPUT_CAUSE
    assert "plug in a microphone" in caught.value.remedy
    assert "files, typed text and silence still work" in caught.value.remedy
    assert portaudio.open_streams() == 0
    mic.close()
    with pytest.raises(DeviceNotFoundError, match="no input device at all"):
        find_device("pulse")


def test_devices_command_with_no_device(
    no_sound_server: None, capsys: pytest.CaptureFixture[str]
) -> None:
    if not NO_SOUND_CARD:  # a developer's machine lists its cards: see test_devices_pulse
        return
    assert main(["devices"]) == 0  # "none" is an answer, not a failure
    out = capsys.readouterr().out
    assert out.startswith("No input device found: plug in a microphone")
    assert "PortAudio V19" in out
    assert main(["devices", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["devices"] == []
    assert report["error"] is None
    assert report["portaudio"].startswith("PortAudio V")
    assert report["hint"].startswith("No input device found")


def test_devices_command_with_no_device_as_a_user_runs_it(tmp_path: Path) -> None:
    if not NO_SOUND_CARD:
        return
    env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path), "PULSE_SERVER": f"unix:{tmp_path}/x"}
    result = subprocess.run(
        [str(CLI), "devices"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    assert result.stdout.startswith("No input device found")
    assert "Traceback" not in result.stderr


def test_portaudio_missing_in_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import sounddevice → ImportError
    with pytest.raises(PortAudioMissingError) as caught:
        load_sounddevice()
    assert str(caught.value) == (
        "PortAudio: the Python package 'sounddevice' is not installed: no microphone can be "
        "used. Reinstall the workbench, or pip install sounddevice into its environment; "
        "files, typed text and silence still work"
    )
    with pytest.raises(PortAudioMissingError):
        list_input_devices(refresh=True)
    with pytest.raises(PortAudioMissingError):
        MicrophoneSource().start()
    assert portaudio.portaudio_version() is None

    assert main(["devices"]) == 1  # the question could not be asked: a broken install
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("devices: PortAudio: ")
    assert "pip install sounddevice" in captured.err
    assert main(["devices", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["portaudio"] is None
    assert report["devices"] == []
    assert "'sounddevice' is not installed" in report["error"]


# sounddevice finds the library with ctypes.util.find_library; making it find nothing is
# exactly what a machine without libportaudio2 does.
_WITHOUT_LIBRARY = """
import ctypes.util, sys
ctypes.util.find_library = lambda name: None
from workbench.app.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_portaudio_library_missing_as_a_user_sees_it() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_LIBRARY, "devices"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "devices: PortAudio: PortAudio library not found: no microphone can be used. "
        "Install libportaudio2 (Debian/Ubuntu: apt install libportaudio2); "
        "files, typed text and silence still work"
    )
    as_json = subprocess.run(
        [sys.executable, "-c", _WITHOUT_LIBRARY, "devices", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert as_json.returncode == 1
    report = json.loads(as_json.stdout)
    assert report["portaudio"] is None
    assert report["error"].startswith("PortAudio: PortAudio library not found")


def test_nothing_loads_sounddevice_until_a_device_is_needed() -> None:
    code = (
        "import sys, workbench.audio.microphone, workbench.audio.devices, workbench.app.cli\n"
        "from workbench.app import devices_command\n"
        "print('sounddevice' in sys.modules, '_sounddevice' in sys.modules)"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]
