"""In-memory stand-ins for the controller's collaborators: no socket, no real clock.

``FakeConnection`` answers each command with its success reply (through the real codec) unless
the test scripts ``answer``; frames reach the controller through an asyncio queue, as a socket's
would. ``FakeClock`` is both clocks, moved by hand.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workbench.client import (
    CloseInfo,
    ConnectionFailure,
    ConnectionNote,
    ConnectionProfile,
    Credentials,
    Token,
    local_profile,
)
from workbench.controller import SessionController
from workbench.protocol import Command, Event, Opened, decode_command, encode_event
from workbench.protocol.messages import SUCCESS_REPLY
from workbench.session import Timeline

PROFILE = local_profile("http://127.0.0.1:9")
CREDENTIALS = Credentials("unit-client", "unit-secret-value")


@dataclass
class FakeClock:
    """Monotonic and wall time, advanced only by the test."""

    mono: float = 100.0
    offset: float = 1_700_000_000.0

    def monotonic(self) -> float:
        return self.mono

    def wall(self) -> float:
        return self.offset + self.mono


def success_reply(command: Command) -> Event:
    """What a well-behaved server answers."""
    return SUCCESS_REPLY[type(command)](request_id=command.request_id, channel_id="fake-1")


@dataclass
class FakeConnection:
    """An H2BConnection without a socket; ``answer(command)`` lists the events to send back."""

    answer: Callable[[Command], list[Event | str]] = lambda command: [success_reply(command)]
    texts: list[str] = field(default_factory=list)
    audio: list[bytes] = field(default_factory=list)
    close_info: CloseInfo | None = None
    token: Token | None = field(default_factory=lambda: Token("unit-token-value-42", 0.0, 300.0))
    _inbox: asyncio.Queue[str | bytes | None] = field(default_factory=asyncio.Queue)

    async def send_text(self, text: str) -> None:
        self._check()
        self.texts.append(text)
        decoded = decode_command(text)
        if isinstance(decoded, Command):
            for frame in self.answer(decoded):
                self.push(frame)

    async def send_bytes(self, data: bytes) -> None:
        self._check()
        self.audio.append(data)

    def push(self, frame: Event | str | bytes) -> None:
        """Deliver ``frame`` to the controller as if the server had sent it."""
        self._inbox.put_nowait(encode_event(frame) if isinstance(frame, Event) else frame)

    def drop(self) -> None:
        """The TCP link dies."""
        self.close_info = CloseInfo("network", 1006, "the TCP connection was lost", False)
        self._inbox.put_nowait(None)

    async def receive(self) -> str | bytes | None:
        if self.close_info is not None and self._inbox.empty():
            return None
        return await self._inbox.get()

    async def close(self) -> None:
        if self.close_info is None:
            self.close_info = CloseInfo("client", 1000, "", expected=True)
            self._inbox.put_nowait(None)

    def _check(self) -> None:
        if self.close_info is not None:
            raise ConnectionFailure("closed", "cannot send: the connection is closed", "")

    @property
    def commands(self) -> list[str]:
        """The names of the commands sent, in order."""
        names = []
        for text in self.texts:
            decoded = decode_command(text)
            names.append(decoded.name if isinstance(decoded, Command) else "?")
        return names


@dataclass
class Harness:
    """A controller wired to a fake connection and a fake clock."""

    controller: SessionController
    timeline: Timeline
    connection: FakeConnection
    clock: FakeClock
    notes: list[ConnectionNote] = field(default_factory=list)


def make_harness(connection: FakeConnection | None = None, **options: Any) -> Harness:
    """A controller whose factory hands out ``connection`` (and tells the observer once)."""
    fake = connection or FakeConnection()
    clock = FakeClock()
    timeline = Timeline()

    async def factory(
        profile: ConnectionProfile,
        credentials: Credentials,
        *,
        observer: Callable[[ConnectionNote], object] | None = None,
    ) -> Any:
        if observer is not None:
            note = ConnectionNote(
                "auth",
                f"sent client_secret={credentials.client_secret}",
                clock.wall(),
                clock.monotonic(),
                "token requested",
            )
            observer(note)
        return fake

    controller = SessionController(
        factory, timeline, clock=clock.monotonic, wall=clock.wall, **options
    )
    return Harness(controller, timeline, fake, clock)


async def settle() -> None:
    """Let the controller's receive task handle what was pushed."""
    for _ in range(5):
        await asyncio.sleep(0)


def opened(request_id: int = 1, channel: str = "fake-1") -> Opened:
    return Opened(request_id=request_id, channel_id=channel)
