"""The controller's own logic with a fake connection: pairing, routing, refusals, losses, clocks."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from tests.unit.controller.fakes import (
    CREDENTIALS,
    PROFILE,
    FakeConnection,
    make_harness,
    settle,
    success_reply,
)
from workbench.controller import (
    ActionRefused,
    CommandFailed,
    ConnectionStatus,
    ControllerState,
    RecognitionStoppedError,
    ReplyTimeoutError,
    RequestLost,
    UnexpectedReplyError,
)
from workbench.protocol import (
    Command,
    CompletionCause,
    Event,
    GrammarDefined,
    InvalidParamValue,
    Open,
    RecognitionComplete,
    RecognitionInProgress,
    Recognize,
    SessionState,
    SetParams,
    StartOfInput,
)
from workbench.session import MASK

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(10)]


def recognize_then(*events: Event) -> FakeConnection:
    """A connection that answers RECOGNIZE with IN-PROGRESS and then ``events``."""

    def answer(command: Command) -> list[Event | str]:
        if isinstance(command, Recognize):
            rid = command.request_id
            out: list[Event | str] = [RecognitionInProgress(request_id=rid)]
            return out + [
                type(e)(request_id=rid, completion_cause=e.completion_cause) for e in events
            ]
        return [success_reply(command)]

    return FakeConnection(answer=answer)


async def test_states_are_published_only_when_they_change() -> None:
    h = make_harness()
    seen: list[ControllerState] = []
    h.controller.subscribe(seen.append)
    await h.controller.connect(PROFILE, CREDENTIALS)
    await h.controller.open(codec="g711a")
    await h.controller.get_params()
    await h.controller.aclose()
    connections = [state.connection for state in seen]
    assert connections[0] is ConnectionStatus.CONNECTING
    assert ConnectionStatus.CONNECTED in connections
    assert connections[-1] is ConnectionStatus.DISCONNECTED
    assert any(s.session is SessionState.IDLE and s.codec == "g711a" for s in seen)
    assert all(a != b for a, b in itertools.pairwise(seen))


async def test_entries_carry_the_injected_clocks_and_no_secret() -> None:
    h = make_harness()
    await h.controller.connect(PROFILE, CREDENTIALS)
    h.clock.mono = 200.0
    await h.controller.open()
    entries = h.timeline.entries
    assert entries[0].name == "token requested"
    assert CREDENTIALS.client_secret not in entries[0].summary
    assert MASK in entries[0].summary
    assert h.timeline.redact("token unit-token-value-42") == f"token {MASK}"
    sent = entries[-2]
    assert (sent.name, sent.mono, sent.wall) == ("OPEN", 200.0, h.clock.wall())
    await h.controller.aclose()


async def test_refusals_name_the_reason_and_send_nothing() -> None:
    h = make_harness()
    with pytest.raises(ActionRefused, match="not connected"):
        await h.controller.open()
    await h.controller.connect(PROFILE, CREDENTIALS)
    assert h.controller.why_not("connect") is not None
    with pytest.raises(ActionRefused, match="already connected"):
        await h.controller.connect(PROFILE, CREDENTIALS)
    with pytest.raises(ActionRefused, match="no session is open"):
        await h.controller.recognize(["builtin:speech/boolean"])
    assert h.connection.texts == []
    assert h.controller.why_not("audio") == "audio needs an open session: OPEN one first"
    assert h.controller.why_not(Open) is None
    with pytest.raises(ValueError, match="unknown action"):
        h.controller.why_not("DANCE")
    await h.controller.aclose()


async def test_result_after_start_of_input() -> None:
    h = make_harness(recognize_then(StartOfInput(request_id=0)))
    await h.controller.connect(PROFILE, CREDENTIALS)
    await h.controller.open()
    pending = await h.controller.recognize(["builtin:speech/boolean"])
    assert isinstance(await pending.reply(), RecognitionInProgress)
    await settle()
    assert pending.start_of_input is not None
    assert not pending.done
    h.connection.push(
        RecognitionComplete(request_id=99, completion_cause=CompletionCause.NO_MATCH)
    )  # a wrong request id still ends the running recognition (and is flagged)
    complete = await pending.result()
    assert complete.completion_cause is CompletionCause.NO_MATCH
    assert h.timeline.entries[-1].kind == "violation"
    assert h.controller.state.session is SessionState.IDLE
    await h.controller.aclose()


async def test_error_reply_and_unexpected_reply() -> None:
    def answer(command: Command) -> list[Event | str]:
        if isinstance(command, SetParams):
            return [InvalidParamValue(request_id=command.request_id, completion_reason="bad")]
        if isinstance(command, Recognize):
            return [GrammarDefined(request_id=command.request_id)]
        return [success_reply(command)]

    h = make_harness(FakeConnection(answer=answer))
    await h.controller.connect(PROFILE, CREDENTIALS)
    await h.controller.open()
    with pytest.raises(CommandFailed, match=r"SET-PARAMS .* INVALID-PARAM-VALUE: bad") as failed:
        await h.controller.set_params({"no_input_timeout": -1})
    assert isinstance(failed.value.event, InvalidParamValue)
    pending = await h.controller.recognize(["builtin:speech/boolean"])
    with pytest.raises(UnexpectedReplyError, match="expected RECOGNITION-IN-PROGRESS"):
        await pending.result()
    await h.controller.aclose()


async def test_stop_ends_the_result_with_recognition_stopped() -> None:
    h = make_harness()
    await h.controller.connect(PROFILE, CREDENTIALS)
    await h.controller.open()
    pending = await h.controller.recognize(["builtin:speech/boolean"])
    await pending.reply()
    await h.controller.stop()
    with pytest.raises(RecognitionStoppedError):
        await pending.result()
    await h.controller.aclose()


async def test_reply_timeout_for_a_command_nobody_answers() -> None:
    h = make_harness(FakeConnection(answer=lambda command: []), reply_timeout=0.05)
    await h.controller.connect(PROFILE, CREDENTIALS)
    with pytest.raises(ReplyTimeoutError, match=r"OPEN .* within 0\.05 s.*uncertain"):
        await h.controller.open()
    assert h.timeline.entries[-1].name == "no reply"
    assert h.timeline.entries[-1].pairs == h.timeline.entries[-2].seq
    await h.controller.aclose()


async def test_a_drop_fails_every_wait_with_what_was_lost() -> None:
    h = make_harness(
        FakeConnection(answer=lambda c: [] if isinstance(c, SetParams) else [success_reply(c)])
    )
    await h.controller.connect(PROFILE, CREDENTIALS)
    await h.controller.open()
    waiting = asyncio.ensure_future(h.controller.set_params({"speech_language": "en"}))
    await settle()
    h.connection.drop()
    with pytest.raises(RequestLost) as lost:
        await waiting
    assert lost.value.kind == "dropped"
    assert "the reply to SET-PARAMS (request 2) lost" in str(lost.value)
    assert "send SET-PARAMS again" in str(lost.value)
    note = h.timeline.entries[-1]
    assert (note.kind, note.name) == ("connection", "lost")
    assert note.data["lost"] == (
        "the reply to SET-PARAMS (request 2)",
        "session fake-1 with its parameters and aliases",
    )
    assert h.controller.state == ControllerState()
    await h.controller.aclose()


async def test_send_raw_pairs_and_sets_the_session_codec() -> None:
    h = make_harness()
    await h.controller.connect(PROFILE, CREDENTIALS)
    raw = (
        '{"command":"OPEN","request_id":7,"channel_id":"","headers":'
        '{"custom_id":"","audio_codec":"g711u","session_id":""},"body":""}'
    )
    command = await h.controller.send_raw(raw)
    assert isinstance(command, Open)
    await settle()
    assert h.controller.state.codec == "g711u"
    assert h.timeline.entries[-1].pairs == h.timeline.entries[-2].seq
    assert await h.controller.send_raw("{not a command") is None
    assert h.timeline.entries[-1].data["problem"]
    await h.controller.aclose()
