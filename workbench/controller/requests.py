"""The book of requests awaiting an answer: command replies and running recognitions.

The protocol core decides which request a received frame answers; this book turns that into
resolved waits. It knows nothing of sockets or sessions: the controller tells it what was sent,
what was answered, when a wait expired and when the connection ended.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from workbench.controller.errors import (
    RecognitionStoppedError,
    ReplyTimeoutError,
    UnexpectedReplyError,
    reply_error,
)
from workbench.controller.losses import LossReport
from workbench.controller.pending import PendingRecognition, ReplyWaiter, new_future, settle
from workbench.protocol.messages import (
    Command,
    Event,
    RecognitionComplete,
    RecognitionInProgress,
    Recognize,
    StartOfInput,
    Stopped,
)
from workbench.protocol.states import STATE_CHANGING


class RequestBook:
    """Waiters by request id, and the recognitions not finished yet."""

    def __init__(self, timeout: float, on_timeout: Callable[[ReplyTimeoutError], object]) -> None:
        self.timeout = timeout
        self._on_timeout = on_timeout
        self._waiters: dict[int, ReplyWaiter] = {}
        self._recognitions: dict[int, PendingRecognition] = {}

    @property
    def waiting(self) -> list[Command]:
        """Commands whose reply has not come, oldest first."""
        return [waiter.command for waiter in self._waiters.values()]

    @property
    def recognitions(self) -> list[int]:
        """Request ids of the recognitions without a result yet."""
        return list(self._recognitions)

    def sent(self, command: Command, at: float) -> ReplyWaiter:
        """``command`` is being sent: wait for its reply (at most ``timeout`` seconds)."""
        waiter = ReplyWaiter(command, new_future(), at)
        loop = asyncio.get_running_loop()
        waiter.timer = loop.call_later(self.timeout, self._expire, command.request_id)
        self._waiters[command.request_id] = waiter
        if isinstance(command, Recognize):
            self._recognitions[command.request_id] = PendingRecognition(command, at)
        return waiter

    def recognition(self, request_id: int) -> PendingRecognition:
        return self._recognitions[request_id]

    def answered(
        self, command: Command, event: Event, running: Recognize | None, at: float
    ) -> None:
        """The core paired ``event`` with ``command``: end its wait, and a recognition's."""
        if isinstance(event, Stopped) and running is not None:
            stopped = self._recognitions.pop(running.request_id, None)
            if stopped is not None:
                stopped.events.append(event)
                stopped.fail(RecognitionStoppedError(running.request_id))
        error = reply_error(command, event)
        waiter = self._waiters.pop(command.request_id, None)
        if waiter is not None:
            waiter.cancel_timer()
            settle(waiter.future, event, error)
        recognition = self._recognitions.get(command.request_id)
        if recognition is None:
            return
        if isinstance(event, RecognitionInProgress) and error is None:
            recognition.replied(event, at)
        else:
            del self._recognitions[command.request_id]
            recognition.fail(error or UnexpectedReplyError(command, event))

    def recognition_event(self, event: Event, running: Recognize | None, at: float) -> None:
        """START-OF-INPUT or RECOGNITION-COMPLETE: to its recognition, or the running one."""
        recognition = self._recognitions.get(event.request_id)
        if recognition is None and running is not None:  # a wrong request id
            recognition = self._recognitions.get(running.request_id)
        if recognition is None:
            return
        if isinstance(event, StartOfInput):
            recognition.heard(event, at)
        elif isinstance(event, RecognitionComplete):
            del self._recognitions[recognition.request_id]
            recognition.completed(event, at)

    def _expire(self, request_id: int) -> None:
        waiter = self._waiters.pop(request_id, None)
        if waiter is None:
            return
        command = waiter.command
        changes_state = type(command) in STATE_CHANGING
        error = ReplyTimeoutError(command, self.timeout, changes_state=changes_state)
        settle(waiter.future, error=error)
        recognition = self._recognitions.pop(request_id, None)
        if recognition is not None:
            recognition.fail(error)
        self._on_timeout(error)

    def lost(self, report: LossReport) -> None:
        """The connection ended: every wait fails with what ``report`` says was lost."""
        for waiter in self._waiters.values():
            waiter.cancel_timer()
            settle(waiter.future, error=report.command_error(waiter.command))
        for request_id, recognition in self._recognitions.items():
            recognition.fail(report.recognition_error(request_id))
        self._waiters.clear()
        self._recognitions.clear()

    def cancel_all(self) -> None:
        """The controller closes: cancel every timer and every wait."""
        for waiter in self._waiters.values():
            waiter.cancel_timer()
            waiter.future.cancel()
        for recognition in self._recognitions.values():
            recognition.cancel()
        self._waiters.clear()
        self._recognitions.clear()
