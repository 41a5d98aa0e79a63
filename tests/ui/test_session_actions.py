"""SessionActions against a misbehaving server: every failure becomes a plain status message.

The embedded server behaves; this one is scripted to leave a command unanswered or to answer
with an error event (``tests/support/misbehaving_server.py``). No panel is built: the tests
provide the arguments themselves, as a panel would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
import shiboken6
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from tests.support.misbehaving_server import MisbehavingServer, error
from tests.ui.loop_support import qasync_loop, run, until
from workbench.client import H2BConnection
from workbench.controller import SessionController
from workbench.protocol.messages import InvalidParamValue
from workbench.session import Timeline
from workbench.ui.actions import ArgumentProvider, SessionActions
from workbench.ui.param_field import InvalidParamsError

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qasync_loop(qapp)


@dataclass
class Scripted:
    server: MisbehavingServer
    controller: SessionController
    actions: SessionActions
    messages: list[tuple[str, str]] = field(default_factory=list)


@asynccontextmanager
async def scripted(qtbot: QtBot, server: MisbehavingServer) -> AsyncIterator[Scripted]:
    """Actions on a controller connected to ``server``; deleted on this thread at the end."""
    controller = SessionController(H2BConnection.open, Timeline(), reply_timeout=0.3)
    owner = QWidget()
    actions = SessionActions(controller, owner)
    bench = Scripted(server, controller, actions)
    actions.status_message.connect(lambda text, level: bench.messages.append((text, level)))
    try:
        await controller.connect(server.profile, server.credentials)
        yield bench
    finally:
        actions.shutdown()
        await controller.aclose()
        shiboken6.delete(owner)


def test_a_reply_that_never_comes_is_a_timeout_and_every_command_waits(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop
) -> None:
    async def scenario() -> None:
        async with MisbehavingServer() as server, scripted(qtbot, server) as s:
            server.on("OPEN")  # never answered
            assert s.actions.action("open").isEnabled()
            assert s.actions.trigger("open") is not None
            await until(lambda: bool(s.messages))
            text, level = s.messages[0]
            assert level == "error"
            assert text.startswith("OPEN (request 1) got no reply within 0.3 s")
            assert text.endswith(
                "the session state is now uncertain: disconnect and connect again."
            )
            for action in s.actions.actions():
                assert not action.isEnabled(), action.text()
                assert "OPEN (request 1) has not been answered yet" in action.toolTip()

    run(qloop, scenario())


def test_an_error_event_and_a_form_to_fix_are_said_in_plain_words(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop
) -> None:
    async def scenario() -> None:
        async with MisbehavingServer() as server, scripted(qtbot, server) as s:
            server.on("SET-PARAMS", error(InvalidParamValue, reason="speech_language: xx"))
            set_params = s.actions.action("set_params")
            s.actions.trigger("open")
            await until(lambda: s.controller.state.channel_id != "")
            # No session panel: Set params says where its values come from.
            assert not set_params.isEnabled()
            assert set_params.toolTip().startswith("Show the session panel")
            assert s.actions.action("get_params").isEnabled()  # needs no argument

            values = {"params": {"speech_language": "xx"}}
            s.actions.provide("set_params", ArgumentProvider(lambda: values))
            assert set_params.isEnabled()
            set_params.trigger()
            await until(lambda: bool(s.messages))
            assert s.messages[-1] == (
                "SET-PARAMS (request 2) failed: the server answered INVALID-PARAM-VALUE (Error): "
                "speech_language: xx.",
                "error",
            )

            def invalid() -> dict[str, object]:
                raise InvalidParamsError({"no_input_timeout": "no_input_timeout must be ≥ 0"})

            s.actions.provide("set_params", ArgumentProvider(invalid))
            assert s.actions.trigger("set_params") is None
            assert s.messages[-1] == (
                "Set params: nothing sent — fix these first: no_input_timeout must be ≥ 0.",
                "warning",
            )
            s.actions.provide("set_params", ArgumentProvider(dict, lambda: "Fix the form."))
            assert not set_params.isEnabled()
            assert set_params.toolTip() == "Fix the form."
            s.actions.withdraw("set_params")
            assert set_params.toolTip().startswith("Show the session panel")
            await asyncio.sleep(0.1)
            assert [c.name for c in server.connections[0].commands] == ["OPEN", "SET-PARAMS"]

    run(qloop, scenario())
