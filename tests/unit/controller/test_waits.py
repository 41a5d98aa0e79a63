"""Pending recognitions, state observers and loss reports: the controller's plain values."""

from __future__ import annotations

import asyncio
import gc

import pytest

from workbench.controller import ControllerError, ControllerState, RequestLost
from workbench.controller.losses import LossReport
from workbench.controller.pending import PendingRecognition
from workbench.controller.state import StateObservers
from workbench.protocol import (
    CompletionCause,
    RecognitionComplete,
    RecognitionInProgress,
    Recognize,
    SessionState,
    SetParams,
    StartOfInput,
)

RECOGNIZE = Recognize(grammars=("builtin:speech/boolean",), request_id=5)


@pytest.mark.asyncio
async def test_pending_recognition_times_and_events() -> None:
    pending = PendingRecognition(RECOGNIZE, sent_at=10.0)
    pending.replied(RecognitionInProgress(request_id=5), 10.01)
    pending.heard(StartOfInput(request_id=5), 10.5)
    pending.heard(StartOfInput(request_id=5), 10.6)  # a duplicate keeps the first time
    complete = RecognitionComplete(request_id=5, completion_cause=CompletionCause.SUCCESS)
    pending.completed(complete, 11.0)
    assert await pending.result() is complete
    assert pending.times.since_sent_ms(pending.times.start_of_input) == pytest.approx(500)
    assert pending.times.since_sent_ms(pending.times.completed) == pytest.approx(1000)
    assert [e.name for e in pending.events][-1] == "RECOGNITION-COMPLETE"


@pytest.mark.asyncio
async def test_complete_without_in_progress_fails_only_the_reply() -> None:
    pending = PendingRecognition(RECOGNIZE, sent_at=0.0)
    complete = RecognitionComplete(request_id=5, completion_cause=CompletionCause.NO_MATCH)
    pending.completed(complete, 1.0)
    with pytest.raises(ControllerError, match="without RECOGNITION-IN-PROGRESS"):
        await pending.reply()
    assert await pending.result() is complete


@pytest.mark.asyncio
async def test_failures_nobody_awaits_are_not_reported_as_unretrieved() -> None:
    loop = asyncio.get_running_loop()
    reported: list[object] = []
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:
        pending = PendingRecognition(RECOGNIZE, sent_at=0.0)
        pending.fail(RuntimeError("gone"))
        del pending
        gc.collect()
        await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
    assert reported == []


def test_observers_hear_changes_only() -> None:
    observers = StateObservers()
    seen: list[ControllerState] = []
    unsubscribe = observers.subscribe(seen.append)
    observers.subscribe(lambda state: 1 / 0)  # a broken view is logged, not fatal
    observers.publish(ControllerState())
    observers.publish(ControllerState(session=SessionState.IDLE))
    observers.publish(ControllerState(session=SessionState.IDLE))
    unsubscribe()
    observers.publish(ControllerState())
    assert [state.session for state in seen] == [SessionState.IDLE]


def test_loss_report_words() -> None:
    report = LossReport(
        dropped=True,
        how="the connection dropped (code 1006)",
        session="abc",
        commands=[SetParams(request_id=3), RECOGNIZE],
        recognitions=[5],
    )
    assert report.summary() == (
        "the connection dropped (code 1006): lost recognition #5, the reply to SET-PARAMS "
        "(request 3), session abc with its parameters and aliases; reconnect, OPEN a new "
        "session and RECOGNIZE again"
    )
    error = report.command_error(RECOGNIZE)
    assert isinstance(error, RequestLost)
    assert error.kind == "dropped"
    assert str(error) == (
        "recognition #5 lost: the connection dropped (code 1006) — reconnect, OPEN a session "
        "and RECOGNIZE again"
    )
    quiet = LossReport(dropped=False, how="the workbench closed the connection (code 1000)")
    assert not quiet.anything_lost
    assert quiet.summary().endswith("nothing was lost (no session was open)")
