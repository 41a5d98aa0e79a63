"""A client core and a server core joined in memory: the protocol without a socket, for tests."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from workbench.protocol.client_role import ClientProtocol
from workbench.protocol.messages import Command, Event, ProtocolViolation
from workbench.protocol.server_role import ServerProtocol


@dataclass
class ProtocolPair:
    """Drive both roles of one connection; every frame really goes through both codecs.

    Like a socket, the pair queues the client's frames: the server reads the next one only
    once it has answered the previous one. ``wire`` records each text frame in order, tagged
    ``"c>s"`` or ``"s>c"``; ``judged`` records what the server made of each command frame.
    """

    client: ClientProtocol = field(default_factory=ClientProtocol)
    server: ServerProtocol = field(default_factory=ServerProtocol)
    wire: list[tuple[str, str]] = field(default_factory=list)
    judged: list[Command | ProtocolViolation] = field(default_factory=list)
    _inbox: deque[str] = field(default_factory=deque)

    def command(self, command: Command) -> Command | ProtocolViolation | None:
        """Send ``command`` from the client; return what the server made of it.

        Returns None while the server has not read it yet (it still owes an earlier reply).
        When the server refuses a command, its error answer is delivered to the client at once.
        """
        outgoing = self.client.send(command)
        return self._deliver(outgoing.text)

    def raw_command(self, text: str) -> Command | ProtocolViolation | None:
        """Send a hand-written frame, as an expert would, bypassing the client's checks."""
        self.client.send_raw(text)
        return self._deliver(text)

    def event(self, event: Event) -> Event | ProtocolViolation:
        """Send ``event`` from the server; return what the client made of it."""
        text = self.server.send(event)
        self.wire.append(("s>c", text))
        received = self.client.receive(text)
        self._pump()
        return received

    def _deliver(self, text: str) -> Command | ProtocolViolation | None:
        self.wire.append(("c>s", text))
        self._inbox.append(text)
        before = len(self.judged)
        self._pump()
        return self.judged[before] if len(self.judged) > before else None

    def _pump(self) -> None:
        while self._inbox and self.server.awaiting is None:
            judged = self.server.receive(self._inbox.popleft())
            self.judged.append(judged)
            if isinstance(judged, ProtocolViolation):
                answer = self.server.refuse(judged)
                self.wire.append(("s>c", answer))
                self.client.receive(answer)
