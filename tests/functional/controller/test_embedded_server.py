"""The controller against the embedded local server, over real loopback, with real recognitions.

The guess-the-number scenario of the SDK examples, driven through the controller: session
attributes, parameters, a digits alias, "forty two" → "42"; a boolean in hotword mode; deferred
input timers; STOP; several grammars; refusals that send nothing; audio counted inside and
outside the session; and ``aclose()`` in the middle of a recognition.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.functional.conftest import CREDENTIALS
from tests.functional.controller.conftest import FAST_ENDPOINTING, Rig, controller_tasks, rig
from workbench.client import Credentials, local_profile
from workbench.controller import ActionRefused, RecognitionStoppedError, RequestLost
from workbench.protocol import CompletionCause, SessionState
from workbench.server.runner import EmbeddedServer

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]

DIGITS = "builtin:speech/spelling/digits?regex=[0-9]{1,2}"


@pytest_asyncio.fixture
async def local(server: EmbeddedServer) -> AsyncIterator[Rig]:
    credentials = Credentials(CREDENTIALS.client_id, CREDENTIALS.client_secret)
    async with rig(local_profile(server.http_url), credentials) as connected:
        yield connected


async def open_game(local: Rig) -> None:
    await local.controller.open(custom_id="guess")
    await local.controller.set_params(FAST_ENDPOINTING)
    await local.controller.define_grammar("num", DIGITS)


async def test_forty_two_through_a_digits_alias(local: Rig) -> None:
    controller, timeline = local.controller, local.timeline
    await asyncio.sleep(0.2)  # the stream runs before the session: those chunks are not sent
    opened = await controller.open(
        custom_id="guess", session_id="s-1", channel_prefix="wb-", codec="g711u"
    )
    assert opened.channel_id.startswith("wb-")
    assert local.stream.codec == "g711u"
    assert controller.state.codec == "g711u"
    await controller.set_params(FAST_ENDPOINTING)
    params = await controller.get_params()
    assert params.headers["speech_language"] == "en"
    assert params.headers["speech_complete_timeout"] == 700
    await controller.define_grammar("num", DIGITS)

    pending = await controller.recognize(["session:num"])
    await pending.reply()
    assert controller.state.session is SessionState.RECOGNITION
    await local.say("forty two")
    complete = await asyncio.wait_for(pending.result(), 20)

    assert complete.completion_cause is CompletionCause.SUCCESS, complete
    assert complete.body is not None
    assert complete.body.nlu is not None
    assert complete.body.nlu.value == "42"
    assert complete.body.grammar_uri == "session:num"
    assert pending.start_of_input is not None
    assert local.names(since=4) == [
        "OPEN", "OPENED", "SET-PARAMS", "PARAMS-SET", "GET-PARAMS", "DEFAULT-PARAMS",
        "DEFINE-GRAMMAR", "GRAMMAR-DEFINED", "RECOGNIZE", "RECOGNITION-IN-PROGRESS",
        "START-OF-INPUT", "RECOGNITION-COMPLETE",
    ]  # fmt: skip
    latencies = timeline.latencies(pending.request_id)
    assert latencies is not None
    assert latencies.complete_ms is not None
    assert latencies.start_of_input_ms is not None
    assert latencies.start_of_input_ms < latencies.complete_ms

    await controller.close()
    counters = controller.audio_counters
    assert counters is not None
    audio = local.entries("audio")
    assert {entry.data["codec"] for entry in audio} == {"g711u"}
    assert sum(entry.data["chunks"] for entry in audio) == counters.sent_chunks > 20
    assert sum(entry.data["bytes"] for entry in audio) == counters.sent_bytes
    assert counters.not_sent >= 2  # made before OPENED
    assert counters.dropped == counters.send_failures == counters.wrong_codec == 0
    assert any(entry.data["source"] == "TTS: forty two" for entry in audio)
    assert audio[-1].data["state"] == "stopped"
    assert "session closed" in audio[-1].data["reason"]


async def test_hotword_boolean_sends_no_start_of_input(local: Rig) -> None:
    await open_game(local)
    pending = await local.controller.recognize(
        ["builtin:speech/boolean"], mode="hotword", params={"hotword_max_duration": 8000}
    )
    await pending.reply()
    await local.say("yes")
    complete = await asyncio.wait_for(pending.result(), 20)
    assert complete.completion_cause is CompletionCause.SUCCESS, complete
    assert complete.body is not None
    assert complete.body.nlu is not None
    assert complete.body.nlu.value is True
    assert pending.start_of_input is None
    related = [e.name for e in local.timeline.by_request(pending.request_id)]
    assert related == ["RECOGNIZE", "RECOGNITION-IN-PROGRESS", "RECOGNITION-COMPLETE"]
    command = local.timeline.command_for(pending.request_id)
    assert command is not None
    assert '"recognition_mode":"hotword"' in command.raw
    assert '"hotword_max_duration":8000' in command.raw


async def test_several_grammars_first_match_is_named(local: Rig) -> None:
    await open_game(local)
    pending = await local.controller.recognize(["session:num", "builtin:speech/boolean"])
    await local.say("no")
    complete = await asyncio.wait_for(pending.result(), 20)
    assert complete.completion_cause is CompletionCause.SUCCESS, complete
    assert complete.body is not None
    assert complete.body.nlu is not None
    assert complete.body.grammar_uri == "builtin:speech/boolean"
    assert complete.body.nlu.value is False


async def test_deferred_input_timers_then_stop(local: Rig) -> None:
    controller = local.controller
    await open_game(local)
    pending = await controller.recognize(
        ["session:num"], start_input_timers=False, params={"no_input_timeout": 400}
    )
    await pending.reply()
    await asyncio.sleep(1.0)  # far past no_input_timeout: the timer has not started
    assert not pending.done
    await controller.start_input_timers()
    complete = await asyncio.wait_for(pending.result(), 10)
    assert complete.completion_cause is CompletionCause.NO_INPUT_TIMEOUT

    stopped = await controller.recognize(["session:num"])
    await stopped.reply()
    await controller.stop()
    with pytest.raises(RecognitionStoppedError, match=f"#{stopped.request_id} was stopped"):
        await stopped.result()
    assert controller.state.session is SessionState.IDLE


async def test_refused_actions_send_nothing(local: Rig) -> None:
    controller, timeline = local.controller, local.timeline
    with pytest.raises(ActionRefused, match="no session is open"):
        await controller.set_params({"speech_language": "en"})
    await open_game(local)
    pending = await controller.recognize(["session:num"])
    await pending.reply()
    sent_before = [e for e in timeline.entries if e.kind == "command"]
    refusals = {
        "RECOGNIZE": controller.recognize(["session:num"]),
        "SET-PARAMS": controller.set_params({"no_input_timeout": 1}),
        "CLOSE": controller.close(),
        "OPEN": controller.open(),
    }
    for name, attempt in refusals.items():
        with pytest.raises(ActionRefused) as refused:
            await attempt
        assert refused.value.reason == controller.why_not(name)
        assert name in refused.value.reason
    assert "send STOP" in str(controller.why_not("SET-PARAMS"))
    assert [e for e in timeline.entries if e.kind == "command"] == sent_before
    assert not controller.protocol.pending
    await controller.stop()
    await controller.close()
    with pytest.raises(ActionRefused, match="only valid during a recognition"):
        await controller.stop()
    assert timeline.entries[-1].name == "CLOSED"


async def test_aclose_mid_recognition_fails_the_wait_and_ends_every_task(
    server: EmbeddedServer,
) -> None:
    credentials = Credentials(CREDENTIALS.client_id, CREDENTIALS.client_secret)
    async with rig(local_profile(server.http_url), credentials) as local:
        await open_game(local)
        pending = await local.controller.recognize(["session:num"])
        await pending.reply()
        assert controller_tasks()  # the receive loop and the audio sender
        await local.controller.aclose()
        with pytest.raises(RequestLost) as lost:
            await pending.result()
        assert lost.value.kind == "closed"
        assert f"recognition #{pending.request_id} lost" in str(lost.value)
        assert not controller_tasks()
        lost_note = local.timeline.entries[-1]
        assert lost_note.name == "lost"
        assert "session" in lost_note.summary
