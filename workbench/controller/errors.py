"""What the controller raises, each in plain words that say what happened and what to do.

* :class:`ActionRefused`: the protocol state forbids the action; nothing was sent.
* :class:`CommandFailed`: the server answered with an error event (kept in ``event``).
* :class:`UnexpectedReplyError`: the server answered with the success reply of another command.
* :class:`ReplyTimeoutError`: no reply came in time (a slow server, or a reply with a wrong
  request id that could not be paired).
* :class:`RecognitionStoppedError`: STOP ended the recognition, so no result will come.
* :class:`RequestLost`: the connection ended while a reply or a result was awaited; it is a
  :class:`~workbench.client.errors.ConnectionFailure`, so callers that handle connection
  trouble in one place catch it there.
"""

from __future__ import annotations

from workbench.client.errors import ConnectionFailure, FailureKind
from workbench.protocol.messages import SUCCESS_REPLY, Command, ErrorEvent, Event


class ControllerError(Exception):
    """Base of the controller's own errors; ``str()`` is the message for the user."""


class ActionRefused(ControllerError):  # noqa: N818 - the contract's name
    """The action is not allowed now; ``reason`` is the protocol core's explanation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CommandFailed(ControllerError):  # noqa: N818 - the contract's name
    """The server answered ``command`` with the error event ``event``."""

    def __init__(self, command: Command, event: ErrorEvent) -> None:
        cause = f" ({event.completion_cause.value})" if event.completion_cause else ""
        reason = f": {event.completion_reason}" if event.completion_reason else ""
        super().__init__(
            f"{command.name} (request {command.request_id}) failed: "
            f"the server answered {event.name}{cause}{reason}"
        )
        self.command = command
        self.event = event


class UnexpectedReplyError(ControllerError):
    """``command`` was answered with ``event``: neither its success reply nor an error."""

    def __init__(self, command: Command, event: Event) -> None:
        expected = SUCCESS_REPLY[type(command)].name
        super().__init__(
            f"{command.name} (request {command.request_id}) was answered with {event.name}; "
            f"expected {expected} or an error event (see the timeline)"
        )
        self.command = command
        self.event = event


def reply_error(command: Command, event: Event) -> ControllerError | None:
    """The error ``event`` means as the answer to ``command``; None for its success reply."""
    if isinstance(event, ErrorEvent):
        return CommandFailed(command, event)
    if SUCCESS_REPLY[type(command)] is type(event):
        return None
    return UnexpectedReplyError(command, event)


class ReplyTimeoutError(ControllerError):
    """``command`` got no reply within ``seconds``."""

    def __init__(self, command: Command, seconds: float, *, changes_state: bool) -> None:
        after = (
            "the session state is now uncertain: disconnect and connect again"
            if changes_state
            else "it may still come; you can go on"
        )
        super().__init__(
            f"{command.name} (request {command.request_id}) got no reply within "
            f"{seconds:g} s: the server is slow, or it answered with a request id that could "
            f"not be paired (see the timeline); {after}"
        )
        self.command = command
        self.seconds = seconds


class RecognitionStoppedError(ControllerError):
    """STOP ended recognition ``request_id`` before it completed."""

    def __init__(self, request_id: int) -> None:
        super().__init__(f"recognition #{request_id} was stopped before it completed (STOP)")
        self.request_id = request_id


class RequestLost(ConnectionFailure):
    """The connection ended while ``what`` awaited its reply or result."""

    def __init__(self, what: str, kind: FailureKind, how: str, remedy: str) -> None:
        super().__init__(kind, f"{what} lost: {how}", remedy)
        self.what = what
