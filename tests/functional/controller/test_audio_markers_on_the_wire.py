"""Markers on the audio history, checked against the audio that really crossed the wire.

A recording proxy (``tests/support/wire_tap.py``) sits between the controller and the embedded
server and logs every frame with the audio bytes the client had sent before it. The checks:

* every command's marker (``audio_sample``) is exactly the audio that preceded it on the wire;
* every received event's marker is at or just after the audio sent when the proxy relayed it
  (the client reads it a moment later; never before);
* the history holds exactly the bytes the server received (decoded, for G.711);
* speech markers and deadlines land where the spoken audio puts them: the reported speech start
  near the TTS onset the test placed, START-OF-INPUT after it, the recognition complete at the
  speech-complete deadline, and a silent recognition ending at its no-input deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import numpy as np
import pytest
import pytest_asyncio

from tests.audio_fixtures import silence, synthesize
from tests.functional.conftest import CREDENTIALS
from tests.functional.controller.conftest import FAST_ENDPOINTING, Rig, rig
from tests.support.wire_tap import WireTap
from workbench.audio import g711
from workbench.audio.chunks import SourceSwitched, StreamEvent
from workbench.audio.memory_sources import PcmSource
from workbench.client import Credentials, local_profile
from workbench.protocol import CompletionCause
from workbench.server.runner import EmbeddedServer
from workbench.session import TimelineEntry
from workbench.session.audio_markers import AudioMarker, MarkerSet, markers_for

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]

DIGITS = "builtin:speech/spelling/digits?regex=[0-9]{1,2}"
MS = 8  # samples per millisecond
LEAD_MS = 800  # silence before the speech in the spoken clip


@dataclass
class Tapped:
    rig: Rig
    tap: WireTap
    switches: list[SourceSwitched]


@pytest_asyncio.fixture
async def tapped(server: EmbeddedServer) -> AsyncIterator[Tapped]:
    credentials = Credentials(CREDENTIALS.client_id, CREDENTIALS.client_secret)
    switches: list[SourceSwitched] = []

    def on_event(event: StreamEvent) -> None:
        if isinstance(event, SourceSwitched):
            switches.append(event)

    tap = WireTap(server.http_url)
    async with tap.running(), rig(local_profile(tap.url), credentials) as connected:
        connected.stream.subscribe_events(on_event)
        yield Tapped(connected, tap, switches)


def speech_onset(pcm: np.ndarray) -> int:
    """The first 10 ms frame clearly above the fixtures' noise floor (sd 10)."""
    frames = pcm[: len(pcm) // 80 * 80].reshape(-1, 80).astype(np.float64)
    loud = np.flatnonzero(np.sqrt((frames**2).mean(axis=1)) > 300)
    assert len(loud), "the TTS clip holds no speech"
    return int(loud[0]) * 80


def first_audio_sample(t: Tapped) -> int:
    """The stream position of the first audio byte the proxy relayed (the first run's start)."""
    runs = [e for e in t.rig.timeline.entries if e.kind == "audio"]
    assert runs, "no audio was sent"
    assert runs[0].audio_sample is not None
    return runs[0].audio_sample


def check_frames_against_the_wire(t: Tapped, bytes_per_sample: int) -> None:
    """Every frame entry's audio position against the proxy's count when it relayed the frame."""
    counters = t.rig.controller.audio_counters
    assert counters is not None
    assert counters.dropped == counters.send_failures == counters.wrong_codec == 0
    base = first_audio_sample(t)
    frames = [e for e in t.rig.timeline.entries if e.is_frame]
    sent = t.tap.text_frames("client")
    received = t.tap.text_frames("server")
    commands = [e for e in frames if e.kind == "command"]
    answers = [e for e in frames if e.is_received]
    assert [e.raw for e in commands] == [f.data for f in sent]
    assert [e.raw for e in answers] == [f.data for f in received]
    for entry, frame in zip(commands, sent, strict=True):
        on_wire = frame.audio_bytes_before // bytes_per_sample
        expected = None if entry.audio_sample is None else entry.audio_sample - base
        if frame.audio_bytes_before == 0:
            assert entry.audio_sample is None or expected == 0, entry
        else:
            assert expected == on_wire, f"{entry.name}: {expected} samples vs {on_wire} on the wire"
    for entry, frame in zip(answers, received, strict=True):
        if entry.audio_sample is None:
            assert frame.audio_bytes_before == 0, entry
            continue
        at_client = entry.audio_sample - base
        at_proxy = frame.audio_bytes_before // bytes_per_sample
        # Read by the client after the proxy relayed it: as much audio or a little more (a
        # loaded machine may delay the read by a few chunks, never make it earlier).
        assert at_proxy <= at_client <= at_proxy + 1000 * MS, (entry.name, at_proxy, at_client)


def check_history_is_what_the_server_received(t: Tapped, codec: str) -> None:
    base = first_audio_sample(t)
    history = t.rig.controller.audio_history
    wire = bytes(t.tap.audio)
    heard = g711.decode(codec, wire)
    assert len(heard) > 8000
    assert history.end == base + len(heard)
    assert np.array_equal(history.read(base, base + len(heard)), heard)


def marker(markers: MarkerSet, label: str) -> AudioMarker:
    found = [m for m in markers.markers if m.label.startswith(label)]
    assert len(found) == 1, [m.label for m in markers.markers]
    return found[0]


def recognize_entry(t: Tapped, request_id: int) -> TimelineEntry:
    entry = t.rig.timeline.command_for(request_id)
    assert entry is not None
    return entry


async def test_markers_of_a_spoken_recognition_match_the_wire_and_the_speech(
    tapped: Tapped,
) -> None:
    controller = tapped.rig.controller
    await controller.open(custom_id="markers")
    await controller.set_params(FAST_ENDPOINTING)
    await asyncio.sleep(0.3)  # some idle audio first, so RECOGNIZE does not sit at the start
    pending = await controller.recognize([DIGITS])
    await pending.reply()
    spoken = np.frombuffer(
        silence(LEAD_MS) + synthesize("forty two", "slt", "flite") + silence(300), dtype="<i2"
    )
    await tapped.rig.stream.switch_to(PcmSource(spoken, "TTS: forty two"))
    complete = await asyncio.wait_for(pending.result(), 20)
    assert complete.completion_cause is CompletionCause.SUCCESS, complete
    await controller.close()

    check_frames_against_the_wire(tapped, bytes_per_sample=2)
    check_history_is_what_the_server_received(tapped, "linear")

    switch = next(s for s in tapped.switches if s.new_label == "TTS: forty two")
    onset = switch.at_sample + speech_onset(spoken)
    recognize = recognize_entry(tapped, pending.request_id)
    markers = markers_for(tapped.rig.timeline, recognize.seq)
    assert markers is not None
    assert markers.origin == recognize.audio_sample
    assert recognize.audio_sample is not None
    assert recognize.audio_sample < switch.at_sample  # the speech came after the RECOGNIZE

    speech_start = marker(markers, "speech start").sample
    # Placed through the wall clock: a loaded machine adds its scheduling delays to the VAD's.
    assert onset - 250 * MS <= speech_start <= onset + 400 * MS, (speech_start - onset) / MS
    soi = marker(markers, "START-OF-INPUT").sample
    # Heard by the VAD, then read by the client: ~0.3 s here, seconds on a busy machine (the
    # upper bounds are latency, not placement; the lower bounds are the placement checks).
    assert onset <= soi <= onset + 3000 * MS, (soi - onset) / MS
    speech_end = marker(markers, "speech end").sample
    assert speech_start < speech_end <= switch.at_sample + len(spoken)

    deadline = marker(markers, "speech complete 700 ms")
    assert deadline.sample == speech_end + 700 * MS
    assert deadline.reached
    done = marker(markers, "RECOGNITION-COMPLETE").sample
    # The server completes when the silence reaches the deadline, then decodes: a bit later.
    # The deadline counts from the speech end placed through the server's clock, as late as
    # the speech start may be (400 ms above).
    assert deadline.sample - 400 * MS <= done <= deadline.sample + 3000 * MS, (
        done - deadline.sample
    ) / MS
    no_input = marker(markers, "no-input 5000 ms")
    assert no_input.sample == recognize.audio_sample + 5000 * MS
    assert not no_input.reached


async def test_a_silent_recognition_ends_at_its_no_input_deadline_in_g711(
    tapped: Tapped,
) -> None:
    controller = tapped.rig.controller
    await controller.open(custom_id="silent", codec="g711a")
    await controller.set_params({**FAST_ENDPOINTING, "no_input_timeout": 1200})
    await asyncio.sleep(0.2)
    pending = await controller.recognize([DIGITS])
    await pending.reply()
    complete = await asyncio.wait_for(pending.result(), 20)
    assert complete.completion_cause is CompletionCause.NO_INPUT_TIMEOUT, complete
    await controller.close()

    check_frames_against_the_wire(tapped, bytes_per_sample=1)
    check_history_is_what_the_server_received(tapped, "g711a")

    recognize = recognize_entry(tapped, pending.request_id)
    markers = markers_for(tapped.rig.timeline, recognize.seq)
    assert markers is not None
    assert recognize.audio_sample is not None
    no_input = marker(markers, "no-input 1200 ms")
    assert no_input.sample == recognize.audio_sample + 1200 * MS
    assert no_input.reached
    assert "SET-PARAMS" in no_input.detail
    done = marker(markers, "RECOGNITION-COMPLETE").sample
    assert no_input.sample <= done <= no_input.sample + 400 * MS, (done - no_input.sample) / MS
    assert not [m for m in markers.markers if m.kind == "speech"]
