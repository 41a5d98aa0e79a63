"""The controller against a server that misbehaves on purpose (tests/support/misbehaving_server).

Each test scripts one kind of trouble: the TCP link dropped mid-recognition, frames that are not
H2B, a slow answer, answers to the wrong request, no answer at all, a refusal. In every case the
waits end with a message in plain words, the timeline says what happened, and the controller
keeps working (or, after a drop, connects again).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.functional.controller.conftest import other_tasks, rig
from tests.support.misbehaving_server import (
    MisbehavingServer,
    complete,
    drop,
    error,
    later,
    reply,
    send_bytes,
    send_json,
    send_text,
    wait,
)
from workbench.client import H2BConnection
from workbench.controller import (
    ActionRefused,
    CommandFailed,
    ReplyTimeoutError,
    RequestLost,
    SessionController,
)
from workbench.protocol import CompletionCause, MethodFailed, SessionState
from workbench.session import Timeline

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(30)]


@pytest_asyncio.fixture
async def bad() -> AsyncIterator[MisbehavingServer]:
    async with MisbehavingServer() as server:
        yield server


async def test_drop_mid_recognition_fails_the_result_and_says_what_was_lost(
    bad: MisbehavingServer,
) -> None:
    bad.on("RECOGNIZE", reply(), later(0.2, drop()))
    async with rig(bad.profile, bad.credentials) as r:
        await r.controller.open()
        pending = await r.controller.recognize(["builtin:speech/boolean"])
        await pending.reply()
        with pytest.raises(RequestLost) as lost:
            await asyncio.wait_for(pending.result(), 5)
        message = str(lost.value)
        assert lost.value.kind == "dropped"
        assert f"recognition #{pending.request_id} lost" in message
        assert "RECOGNIZE again" in message
        assert "Traceback" not in message
        names = [(e.kind, e.name) for e in r.timeline.entries]
        assert ("connection", "dropped") in names
        lost_note = r.timeline.entries[-1]
        assert lost_note.name == "lost"
        assert f"recognition #{pending.request_id}" in lost_note.summary
        assert "session" in lost_note.summary
        assert r.controller.state.connected is False
        assert r.controller.state.session is SessionState.NO_SESSION
        with pytest.raises(ActionRefused, match="not connected"):
            await r.controller.get_params()

        # A new connection works; the session did not survive the old one.
        await r.controller.connect(bad.profile, bad.credentials)
        await r.controller.open()
        assert (await r.controller.get_params()).name == "DEFAULT-PARAMS"


async def test_malformed_frames_are_violations_and_the_controller_goes_on(
    bad: MisbehavingServer,
) -> None:
    bad.on(
        "SET-PARAMS",
        send_text("this is not json"),
        send_json({"event": "OPENED"}),
        send_bytes(b"\x00\x01"),
        send_json({"event": "NOT-AN-EVENT", "request_id": 2}),
        reply(),
    )
    async with rig(bad.profile, bad.credentials) as r:
        await r.controller.open()
        params_set = await r.controller.set_params({"speech_language": "en"})
        assert params_set.name == "PARAMS-SET"
        violations = r.entries("violation")
        assert len(violations) == 4
        assert all(v.data.get("reason") for v in violations)
        assert all(v.sdk_ok is False for v in violations)
        assert (await r.controller.get_params()).name == "DEFAULT-PARAMS"


async def test_slow_answer_still_pairs(bad: MisbehavingServer) -> None:
    bad.on("GET-PARAMS", wait(1.0), reply())
    async with rig(bad.profile, bad.credentials, reply_timeout=3) as r:
        await r.controller.open()
        reply_event = await r.controller.get_params()
        entry = r.timeline.entries[-1]
        assert entry.name == "DEFAULT-PARAMS"
        assert entry.request_id == reply_event.request_id
        assert entry.pairs is not None
        assert entry.latency_ms is not None
        assert entry.latency_ms >= 1000


async def test_wrong_request_id_with_one_candidate_is_paired_by_the_core(
    bad: MisbehavingServer,
) -> None:
    bad.on("SET-PARAMS", reply(request_id_offset=100))
    async with rig(bad.profile, bad.credentials) as r:
        await r.controller.open()
        params_set = await r.controller.set_params({"speech_language": "en"})
        assert params_set.request_id == 102
        entry = r.timeline.entries[-1]
        assert entry.kind == "violation"
        assert entry.unpaired
        assert "it probably answers SET-PARAMS (request 2)" in entry.data["reason"]


async def test_wrong_request_ids_that_cannot_be_paired_time_out_plainly(
    bad: MisbehavingServer,
) -> None:
    bad.on("GET-PARAMS", reply(request_id_offset=100), times=2)
    async with rig(bad.profile, bad.credentials, reply_timeout=0.5) as r:
        await r.controller.open()
        results = await asyncio.gather(
            r.controller.get_params(), r.controller.get_params(), return_exceptions=True
        )
        for result in results:
            assert isinstance(result, ReplyTimeoutError), result
            assert "could not be paired" in str(result)
            assert "you can go on" in str(result)
        assert sum(e.unpaired for e in r.timeline.entries) == 2
        assert [e.name for e in r.timeline.entries if e.kind == "note"] == ["no reply"] * 2
        assert (await r.controller.get_params()).name == "DEFAULT-PARAMS"


async def test_no_reply_to_a_state_changing_command(bad: MisbehavingServer) -> None:
    bad.on("OPEN")  # no actions: never answered
    async with rig(bad.profile, bad.credentials, reply_timeout=0.3) as r:
        with pytest.raises(ReplyTimeoutError, match="state is now uncertain"):
            await r.controller.open()
        reason = r.controller.why_not("SET-PARAMS")
        assert reason is not None
        assert "OPEN (request 1) has not been answered" in reason
        entries = len(r.timeline.entries)
        with pytest.raises(ActionRefused) as refused:
            await r.controller.set_params({"speech_language": "en"})
        assert refused.value.reason == reason
        await asyncio.sleep(0.1)
        assert [c.name for c in bad.connections[0].commands] == ["OPEN"]  # nothing reached it
        assert len(r.timeline.entries) == entries


async def test_refused_recognize_fails_reply_and_result(bad: MisbehavingServer) -> None:
    bad.on(
        "RECOGNIZE",
        error(MethodFailed, cause=CompletionCause.GRAM_LOAD_FAILURE, reason="unknown grammar"),
    )
    async with rig(bad.profile, bad.credentials) as r:
        await r.controller.open()
        pending = await r.controller.recognize(["session:toto"])
        with pytest.raises(CommandFailed, match=r"GramLoadFailure.*unknown grammar"):
            await pending.reply()
        with pytest.raises(CommandFailed):
            await pending.result()
        assert r.controller.state.session is SessionState.IDLE
        assert r.entries("error")[-1].completion_cause == "GramLoadFailure"


async def test_audio_flows_only_while_a_session_is_open(bad: MisbehavingServer) -> None:
    bad.on("RECOGNIZE", reply(), later(0.3, complete(CompletionCause.SUCCESS)))
    async with rig(bad.profile, bad.credentials) as r:
        record = await bad.wait_for_connection()
        await asyncio.sleep(0.3)
        assert record.audio_bytes == 0
        await r.controller.open(codec="g711a")
        pending = await r.controller.recognize(["builtin:speech/boolean"])
        assert (await asyncio.wait_for(pending.result(), 5)).completion_cause == "Success"
        await r.controller.close()
        sent = record.audio_bytes
        assert sent > 0
        assert sent % 480 == 0
        await asyncio.sleep(0.3)
        assert record.audio_bytes == sent
        counters = r.controller.audio_counters
        assert counters is not None
        assert counters.sent_bytes == sent
        assert counters.not_sent >= 8  # before OPEN and after CLOSE, 60 ms each


async def test_aclose_leaves_no_task_behind(bad: MisbehavingServer) -> None:
    bad.on("RECOGNIZE", reply())  # the recognition then runs until STOP or the end
    before = other_tasks()
    controller = SessionController(H2BConnection.open, Timeline())
    await controller.connect(bad.profile, bad.credentials)
    await controller.open()
    pending = await controller.recognize(["builtin:speech/boolean"])
    await pending.reply()
    await controller.aclose()
    await bad.connections[0].wait_ended()
    await asyncio.sleep(0)
    assert other_tasks() - before == set()
    assert pending.done


async def test_the_secret_and_the_token_are_masked_wherever_they_appear(
    bad: MisbehavingServer,
) -> None:
    async with rig(bad.profile, bad.credentials) as r:
        [token] = bad.issued_tokens
        await bad.push(f"an echo of {token} and {bad.credentials.client_secret}")
        await asyncio.sleep(0.1)
        echoed = r.timeline.entries[-1]
        assert echoed.kind == "violation"
        assert token not in echoed.raw
        assert bad.credentials.client_secret not in echoed.raw
        assert echoed.raw == "an echo of *** and ***"
