"""Hot-plug: the device list follows a sound server that appears and disappears, no restart.

On this machine (no sound card) PortAudio lists nothing without a sound server; a PulseAudio
server makes ALSA's ``pulse`` and ``default`` devices appear, but only after PortAudio is
re-initialised (it enumerates once). Also: a microphone whose server goes away reports it.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tests.support.pulseaudio import no_pulseaudio, patched_environ, private_pulseaudio
from workbench.audio.devices import find_device, list_input_devices
from workbench.audio.microphone import MicrophoneSource
from workbench.audio.source import AudioSourceError

pytestmark = pytest.mark.usefixtures("no_stream_left_open")

SERVER_DEVICES = {"pulse", "default"}


def _names(refresh: bool) -> set[str]:
    return {device.name for device in list_input_devices(refresh=refresh)}


def test_devices_appear_and_disappear_with_the_sound_server() -> None:
    with no_pulseaudio():
        devices = list_input_devices(refresh=True)
        assert not SERVER_DEVICES & {device.name for device in devices}
        if not Path("/dev/snd").exists():  # no sound card: nothing at all (FEASIBILITY §3)
            assert devices == []
        with private_pulseaudio(activate=False) as server:
            with patched_environ(
                XDG_RUNTIME_DIR=str(server.runtime_dir), PULSE_SERVER=server.server
            ):
                assert not SERVER_DEVICES & _names(refresh=False)  # PortAudio's list is stale
                appeared = list_input_devices(refresh=True)
                assert {device.name for device in appeared} >= SERVER_DEVICES
                assert [d.name for d in appeared if d.is_default] == ["default"]
            assert _names(refresh=False) >= SERVER_DEVICES  # until the next refresh
        assert not SERVER_DEVICES & _names(refresh=True)


def _read_for(mic: MicrophoneSource, seconds: float, into: list[npt.NDArray[np.int16]]) -> None:
    """Read like the outgoing stream for ``seconds``; fail if that ends without an error."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        into.append(mic.read(800))
        time.sleep(0.02)
    pytest.fail(f"no error after {seconds} s of reading")


def test_a_microphone_whose_server_stops_reports_it_after_its_audio() -> None:
    with private_pulseaudio() as server:
        mic = MicrophoneSource(find_device("default"))
        try:
            mic.start()
            assert mic.wait_for_first_callback(timeout=10.0)
            time.sleep(0.3)
            server.pactl("exit")  # the sound server goes away, as when a USB mic is pulled
            got: list[npt.NDArray[np.int16]] = []
            with pytest.raises(AudioSourceError) as caught:
                _read_for(mic, 10.0, got)  # buffered audio first, then the error
            assert sum(chunk.size for chunk in got) > 0
            assert np.concatenate(got).dtype == np.int16
            assert "stopped delivering audio" in caught.value.cause
            assert mic.error is caught.value
            assert mic.exhausted
            with pytest.raises(AudioSourceError):
                mic.read(800)  # and keeps saying so
        finally:
            mic.close()
