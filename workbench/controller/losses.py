"""What a connection's end takes away, in words: the lost requests and the session.

When the socket ends while the controller still waits for replies or results, each waiter gets
its own :class:`~workbench.controller.errors.RequestLost` (what was lost, how, what to do), and
the timeline gets one entry listing everything together. A session never survives its
connection: the server forgets its parameters and aliases, so the remedy always starts with
connecting and opening again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.client.errors import FailureKind
from workbench.controller.errors import RequestLost
from workbench.protocol.messages import Command, Recognize


@dataclass
class LossReport:
    """Everything one connection end took away; ``how`` says how it ended."""

    dropped: bool
    how: str
    session: str | None = None
    """The channel id of the session that was open, if one was."""
    commands: list[Command] = field(default_factory=list)
    recognitions: list[int] = field(default_factory=list)

    @property
    def kind(self) -> FailureKind:
        return "dropped" if self.dropped else "closed"

    @property
    def anything_lost(self) -> bool:
        return bool(self.session is not None or self.commands or self.recognitions)

    def _reconnect(self) -> str:
        return "reconnect" if self.dropped else "connect again"

    def command_error(self, command: Command) -> RequestLost:
        """The error for the one awaiting ``command``'s reply."""
        if isinstance(command, Recognize):
            return self.recognition_error(command.request_id)
        what = f"the reply to {command.name} (request {command.request_id})"
        remedy = f"{self._reconnect()}, OPEN a session and send {command.name} again"
        return RequestLost(what, self.kind, self.how, remedy)

    def recognition_error(self, request_id: int) -> RequestLost:
        """The error for the one awaiting recognition ``request_id``."""
        remedy = f"{self._reconnect()}, OPEN a session and RECOGNIZE again"
        return RequestLost(f"recognition #{request_id}", self.kind, self.how, remedy)

    def lost_items(self) -> list[str]:
        items = [f"recognition #{request_id}" for request_id in self.recognitions]
        items += [
            f"the reply to {command.name} (request {command.request_id})"
            for command in self.commands
            if not isinstance(command, Recognize)
        ]
        if self.session is not None:
            items.append(f"session {self.session or '(no id)'} with its parameters and aliases")
        return items

    def summary(self) -> str:
        """One sentence for the timeline: how it ended, what was lost, what to do."""
        items = self.lost_items()
        if not items:
            return f"{self.how}; nothing was lost (no session was open)"
        again = "RECOGNIZE again" if self.recognitions else "send your commands again"
        return (
            f"{self.how}: lost {', '.join(items)}; "
            f"{self._reconnect()}, OPEN a new session and {again}"
        )
