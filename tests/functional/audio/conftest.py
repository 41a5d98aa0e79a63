"""Fixtures for audio tests against a real, private PulseAudio server (tests/support/pulseaudio)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.pulseaudio import PulseServer, no_pulseaudio, private_pulseaudio
from workbench.audio import portaudio


@pytest.fixture(scope="module")
def pulse() -> Iterator[PulseServer]:
    """A private server with a virtual microphone at 44.1 kHz, shared by one test module.

    Module scope because starting it costs ~2 s (the monitor's first low-latency block); every
    test must close what it opens (the fixture fails the module otherwise).
    """
    with private_pulseaudio(rate=44100) as server:
        yield server


@pytest.fixture
def no_sound_server() -> Iterator[None]:
    """This process sees no sound server, so PortAudio lists no device on a machine like CI's."""
    with no_pulseaudio():
        yield


@pytest.fixture
def no_stream_left_open() -> Iterator[None]:
    """The test closes its streams: a leaked one would freeze the device list (hot-plug)."""
    yield
    assert portaudio.open_streams() == 0, "a test left a PortAudio stream open"
