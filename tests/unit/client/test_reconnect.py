"""Backoff and the Reconnector's decisions, with a fake opener and a fake clock (no sockets)."""

from __future__ import annotations

from typing import cast

import pytest

from workbench.client.connection import CloseInfo, H2BConnection
from workbench.client.errors import ConnectionFailure
from workbench.client.notes import ConnectionNote
from workbench.client.profiles import Credentials, local_profile
from workbench.client.reconnect import Backoff, Reconnector

PROFILE = local_profile("http://127.0.0.1:9")
CONNECTION = cast(H2BConnection, object())  # stands for an opened connection
CREDENTIALS = Credentials("c", "secret")


def test_backoff_doubles_from_half_a_second_and_is_capped() -> None:
    backoff = Backoff()
    assert [backoff.delay(n) for n in range(1, 8)] == [0.5, 1, 2, 4, 8, 8, 8]
    assert not backoff.exhausted(8)
    assert backoff.exhausted(9)
    assert not Backoff(max_attempts=None).exhausted(10_000)


@pytest.mark.parametrize(
    "kwargs",
    [{"max_attempts": 0}, {"factor": 0.5}, {"first_s": -1}, {"first_s": 2, "max_s": 1}],
)
def test_backoff_refuses_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"backoff|max_attempts"):
        Backoff(**kwargs)  # type: ignore[arg-type]


class Script:
    """Answers each open attempt with the next outcome; records the sleeps."""

    def __init__(self, *outcomes: ConnectionFailure | H2BConnection) -> None:
        self.outcomes = list(outcomes)
        self.slept: list[float] = []
        self.notes: list[ConnectionNote] = []

    async def open(self) -> H2BConnection:
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, ConnectionFailure):
            raise outcome
        return outcome

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def reconnector(self, backoff: Backoff | None = None) -> Reconnector:
        return Reconnector(PROFILE, CREDENTIALS, observer=self.notes.append, backoff=backoff,
                           opener=self.open, sleep=self.sleep)  # fmt: skip


def refused() -> ConnectionFailure:
    return ConnectionFailure("refused", "nothing listens on 127.0.0.1:9", "start it")


@pytest.mark.asyncio
async def test_reconnects_after_a_few_refusals_and_says_so() -> None:
    script = Script(refused(), refused(), CONNECTION)
    reconnector = script.reconnector()
    assert await reconnector.reconnect() is CONNECTION
    assert reconnector.attempts == 3
    assert script.slept == [0.5, 1, 2]
    names = [note.name for note in script.notes]
    assert names == ["reconnecting", "reconnecting", "reconnecting", "reconnected"]
    assert script.notes[2].text.endswith("in 2 s (attempt 3 of 8)")
    assert script.notes[2].data == {"attempt": 3, "delay_s": 2.0}
    assert "OPEN one again" in script.notes[-1].text
    assert {note.kind for note in script.notes} == {"connection"}


@pytest.mark.asyncio
async def test_gives_up_after_the_last_attempt_with_the_last_failure() -> None:
    script = Script(refused(), refused())
    with pytest.raises(ConnectionFailure) as caught:
        await script.reconnector(Backoff(max_attempts=2)).reconnect()
    assert caught.value.kind == "refused"
    assert script.notes[-1].name == "gave up"
    assert "after 2 attempts" in script.notes[-1].text


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", ["unauthorized", "tls", "bad_response"])
async def test_does_not_wait_for_what_waiting_cannot_cure(kind: str) -> None:
    script = Script(ConnectionFailure(kind, "no", "fix it"), CONNECTION)  # type: ignore[arg-type]
    with pytest.raises(ConnectionFailure):
        await script.reconnector().reconnect()
    assert len(script.slept) == 1
    assert "waiting will not cure this" in script.notes[-1].text


def test_only_drops_are_reconnected() -> None:
    assert Reconnector.should_reconnect(CloseInfo("network", 1006, "lost", expected=False))
    assert not Reconnector.should_reconnect(CloseInfo("server", 1000, "", expected=False))
    assert not Reconnector.should_reconnect(CloseInfo("client", 1000, "", expected=True))
    assert not Reconnector.should_reconnect(None)


def test_close_info_in_plain_words() -> None:
    assert CloseInfo("network", 1006, "the TCP connection was lost", False).describe() == (
        "the connection dropped without a close handshake (code 1006): the TCP connection was lost"
    )
    assert CloseInfo("server", 4001, "bye", False).describe() == (
        "the server closed the connection (code 4001: bye)"
    )
    assert CloseInfo("client", 1000, "", True).describe() == (
        "the workbench closed the connection (code 1000)"
    )
