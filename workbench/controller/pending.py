"""Replies and results the controller is waiting for.

A command's reply is one future per request id (:class:`ReplyWaiter`), failed by a timer when
nothing comes in time. A recognition has two: its reply (RECOGNITION-IN-PROGRESS) and its result
(RECOGNITION-COMPLETE), gathered in :class:`PendingRecognition`, which also keeps the times the
UI shows as latencies. Every future here has its exception marked as retrieved, so one nobody
awaited (the UI often awaits only the result) never logs "exception was never retrieved".
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from workbench.controller.errors import ControllerError
from workbench.protocol.messages import (
    Command,
    Event,
    RecognitionComplete,
    RecognitionInProgress,
    Recognize,
    StartOfInput,
)


def _retrieve(future: asyncio.Future[object]) -> None:
    if not future.cancelled():
        future.exception()


def new_future() -> asyncio.Future[object]:
    """A future of the running loop whose exception never goes unretrieved."""
    future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    future.add_done_callback(_retrieve)
    return future


def settle(
    future: asyncio.Future[object], value: object = None, error: BaseException | None = None
) -> bool:
    """Resolve ``future`` unless it already is; True if this call resolved it."""
    if future.done():
        return False
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)
    return True


@dataclass
class ReplyWaiter:
    """One command sent and not answered yet; ``timer`` fails it when the wait is over."""

    command: Command
    future: asyncio.Future[object]
    sent_at: float
    timer: asyncio.TimerHandle | None = None

    def cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


@dataclass
class RecognitionTimes:
    """Monotonic times of one recognition, for latencies (None until it happens)."""

    sent: float
    in_progress: float | None = None
    start_of_input: float | None = None
    completed: float | None = None

    def since_sent_ms(self, at: float | None) -> float | None:
        return None if at is None else (at - self.sent) * 1000


class PendingRecognition:
    """A RECOGNIZE that was sent: await :meth:`reply`, then :meth:`result`.

    :meth:`reply` gives RECOGNITION-IN-PROGRESS or raises
    :class:`~workbench.controller.errors.CommandFailed` (the server refused the request) and the
    other controller errors. :meth:`result` gives RECOGNITION-COMPLETE whatever its completion
    cause, or raises: the refusal, :class:`~workbench.controller.errors.RecognitionStoppedError`
    after STOP, :class:`~workbench.controller.errors.RequestLost` when the connection ended.
    """

    def __init__(self, command: Recognize, sent_at: float) -> None:
        self.command = command
        self.times = RecognitionTimes(sent_at)
        self.start_of_input: StartOfInput | None = None
        self._reply = new_future()
        self._result = new_future()
        self.events: list[Event] = []
        """Every event received for this recognition, in order."""

    @property
    def request_id(self) -> int:
        return self.command.request_id

    @property
    def done(self) -> bool:
        """True once the result (or the failure) is known."""
        return self._result.done()

    async def reply(self) -> RecognitionInProgress:
        """RECOGNITION-IN-PROGRESS, or the error that answered RECOGNIZE."""
        event = await asyncio.shield(self._reply)
        assert isinstance(event, RecognitionInProgress)
        return event

    async def result(self) -> RecognitionComplete:
        """RECOGNITION-COMPLETE, or why none will come."""
        event = await asyncio.shield(self._result)
        assert isinstance(event, RecognitionComplete)
        return event

    # -- called by the controller --------------------------------------------------------------

    def replied(self, event: RecognitionInProgress, at: float) -> None:
        self.events.append(event)
        self.times.in_progress = at
        settle(self._reply, event)

    def heard(self, event: StartOfInput, at: float) -> None:
        self.events.append(event)
        if self.start_of_input is None:
            self.start_of_input = event
            self.times.start_of_input = at

    def completed(self, event: RecognitionComplete, at: float) -> None:
        self.events.append(event)
        self.times.completed = at
        missing = ControllerError(
            f"RECOGNITION-COMPLETE came for request {self.request_id} without "
            "RECOGNITION-IN-PROGRESS (see the timeline)"
        )
        settle(self._reply, error=missing)
        settle(self._result, event)

    def fail(self, error: BaseException) -> None:
        """Nothing more will come: both waits end with ``error`` (the reply's only if pending)."""
        settle(self._reply, error=error)
        settle(self._result, error=error)

    def cancel(self) -> None:
        """The controller is closing: whoever waits is cancelled."""
        for future in (self._reply, self._result):
            if not future.done():
                future.cancel()
