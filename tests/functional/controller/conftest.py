"""A connected controller with a running audio stream, against the embedded or a misbehaving server.

``Rig`` bundles what a test drives: the controller, its timeline and the audio stream attached to
it. Teardown closes everything and checks that no task was left behind: the controller owns its
tasks and must end them all in ``aclose()``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import numpy as np

from tests.audio_fixtures import silence, synthesize
from workbench.audio.memory_sources import PcmSource
from workbench.audio.stream import AudioStream
from workbench.client import ConnectionProfile, Credentials, H2BConnection
from workbench.controller import SessionController
from workbench.session import Timeline, TimelineEntry

FAST_ENDPOINTING = {
    "speech_language": "en",
    "no_input_timeout": 5000,
    "speech_complete_timeout": 700,
    "speech_incomplete_timeout": 1500,
}


@dataclass
class Rig:
    """A controller, its timeline and the stream attached to it."""

    controller: SessionController
    timeline: Timeline
    stream: AudioStream

    async def say(self, text: str) -> None:
        """Switch the stream to ``text`` spoken by a TTS voice (silence around it, then silence)."""
        pcm = silence(300) + synthesize(text, "slt", "flite") + silence(200)
        samples = np.frombuffer(pcm, dtype="<i2")
        await self.stream.switch_to(PcmSource(samples, f"TTS: {text}"))

    def names(self, *, since: int = 0) -> list[str]:
        """The names of the entries from ``since`` on, audio left out."""
        return [e.name for e in self.timeline.entries[since:] if e.kind != "audio"]

    def entries(self, kind: str) -> list[TimelineEntry]:
        return [e for e in self.timeline.entries if e.kind == kind]


def other_tasks() -> set[asyncio.Task[object]]:
    """Every task of the loop but the one asking."""
    return {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}


def controller_tasks() -> set[asyncio.Task[object]]:
    """The tasks the controller starts (it names them all ``controller-…``)."""
    return {task for task in other_tasks() if task.get_name().startswith("controller-")}


@contextlib.asynccontextmanager
async def rig(
    profile: ConnectionProfile, credentials: Credentials, *, reply_timeout: float = 10.0
) -> AsyncIterator[Rig]:
    """A connected controller with a running stream; everything closed on exit."""
    timeline = Timeline()
    controller = SessionController(H2BConnection.open, timeline, reply_timeout=reply_timeout)
    stream = AudioStream()
    controller.attach_audio(stream)
    stream.start()
    try:
        await controller.connect(profile, credentials)
        yield Rig(controller, timeline, stream)
    finally:
        await controller.aclose()
        await stream.aclose()
    assert not controller_tasks(), f"tasks left behind: {controller_tasks()}"
