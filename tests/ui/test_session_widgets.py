"""The session widgets end to end: real widgets, controller, audio and the embedded server.

The guess-the-number scenario of the SDK examples, clicked through the panels: open a session
with attributes, set and get parameters, define the digits grammar, recognize "forty two" and
see 42; a yes/no question in hotword mode started from the keyboard; a bad regex that never
leaves the editor; deferred input timers and STOP from the keyboard; refusals and server errors
said in plain words. One qasync loop per test, as in the app (``tests/ui/loop_support.py``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from logging import ERROR
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.ui.loop_support import qasync_loop, run, until
from tests.ui.session_bench import collect_earlier_garbage, session_bench
from workbench.protocol import SessionState
from workbench.protocol.causes import Outcome
from workbench.recognition.engine import Engine
from workbench.server.runner import default_engine
from workbench.ui.result_panel import OUTCOME_COLOURS

pytestmark = pytest.mark.timeout(90)

DIGITS = "builtin:speech/spelling/digits?regex=[0-9]{1,2}"
ALIAS = "num_in_range100"


@pytest.fixture(scope="module")
def engine() -> Engine:
    """The engine the local server uses by default (as the functional tests), loaded once."""
    return default_engine()


@pytest.fixture(scope="module")
def speech_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qasync_loop(qapp)


@pytest.fixture(autouse=True)
def _nothing_logged_as_an_error(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """No action failed unexpectedly and no observer raised (both are logged as errors).

    Earlier tests' garbage is collected first (in the setup phase, whose records are not
    checked: what their leaks log is theirs).
    """
    collect_earlier_garbage()
    yield
    records = caplog.get_records("call") + caplog.records  # the test, then this teardown
    errors = [record.getMessage() for record in records if record.levelno >= ERROR]
    assert errors == []


def click(qtbot: QtBot, widget: object) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_forty_two_through_the_panels(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, engine: Engine, speech_dir: Path
) -> None:
    async def scenario() -> None:
        async with session_bench(qtbot, engine, speech_dir) as b:
            actions, session, recognize, results = b.actions, b.session, b.recognize, b.results
            reco = actions.action("recognize")
            # Before OPEN: Recognize disabled, with the protocol core's reason.
            no_session = b.controller.why_not("RECOGNIZE")
            assert no_session == "RECOGNIZE is not allowed: no session is open (OPEN one first)"
            assert not reco.isEnabled()
            assert no_session in reco.toolTip()
            assert not recognize.recognize_button.isEnabled()
            assert recognize.recognize_button.toolTip() == reco.toolTip()
            assert not session.close_button.isEnabled()
            assert session.state_line.text() == "No session"

            fields = session.open_fields
            assert fields["custom_id"].set_value("guess") is None
            assert fields["session_id"].set_value("s-1") is None
            assert fields["channel_id"].set_value("wb-") is None
            assert fields["audio_codec"].set_value("g711a") is None
            click(qtbot, session.open_button)
            await until(lambda: b.controller.state.session is SessionState.IDLE)
            channel = b.controller.state.channel_id
            assert channel.startswith("wb-")
            assert session.state_line.text() == f"Session {channel} — idle, g711a"
            opened = json.loads(b.sent("OPEN")[0].raw)
            assert opened["channel_id"] == "wb-"
            assert opened["headers"] == {
                "custom_id": "guess", "audio_codec": "g711a", "session_id": "s-1",
            }  # fmt: skip
            assert not session.open_button.isEnabled()
            assert "a session is already open" in actions.action("open").toolTip()
            assert session.close_button.isEnabled()
            assert not reco.isEnabled()  # the state allows it; the panel has no grammar yet
            assert reco.toolTip().endswith(recognize.problem() or "?")

            # SET-PARAMS: disabled with the reason while the form is invalid.
            form = session.params_form
            set_params = actions.action("set_params")
            assert set_params.isEnabled()
            form.field("no_input_timeout").editor.lineEdit().setText("-5")
            assert not set_params.isEnabled()
            assert not session.set_params_button.isEnabled()
            assert "Fix the parameters first: no_input_timeout" in set_params.toolTip()
            form.field("no_input_timeout").reset()
            assert set_params.isEnabled()
            for name, value in (("speech_language", "en"), ("speech_complete_timeout", 700)):
                assert form.field(name).set_value(value) is None
            click(qtbot, session.set_params_button)
            await until(lambda: "PARAMS-SET" in b.names())
            sent = json.loads(b.sent("SET-PARAMS")[0].raw)["headers"]
            assert sent == {"speech_language": "en", "speech_complete_timeout": 700}

            # GET-PARAMS: the reply fills the form (emptied first, so it must).
            form.reset_all()
            assert form.field("speech_language").value == "fr"
            click(qtbot, session.get_params_button)
            await until(lambda: form.field("speech_language").value == "en")
            assert form.field("speech_complete_timeout").value == 700
            assert ("Read 12 session parameters into the form.", "info") in b.messages
            # Back to its default, a parameter the session holds at 700 is still sent.
            form.field("speech_complete_timeout").reset()
            click(qtbot, session.set_params_button)
            await until(lambda: b.names().count("PARAMS-SET") == 2)
            sent = json.loads(b.sent("SET-PARAMS")[1].raw)["headers"]
            assert sent == {"speech_language": "en", "speech_complete_timeout": 1000}

            # DEFINE-GRAMMAR from the editor: the alias joins the list and the editor's aliases.
            b.editor.set_uri(DIGITS)
            b.editor.set_alias(ALIAS)
            assert actions.action("define_grammar").isEnabled()
            click(qtbot, b.editor.define_button)
            await until(lambda: recognize.grammars() == (f"session:{ALIAS}",))
            assert recognize.known_aliases == {ALIAS}
            defined = b.sent("DEFINE-GRAMMAR")[0]
            assert json.loads(defined.raw)["body"] == DIGITS
            assert reco.isEnabled()

            click(qtbot, recognize.recognize_button)
            request_id = await b.recognizing()
            assert results.waiting
            assert results.cause_label.text() == "Waiting for the result…"
            assert (
                session.state_line.text() == f"Session {channel} — recognizing #{request_id}, g711a"
            )
            assert not reco.isEnabled()
            assert "while a recognition runs" in reco.toolTip()
            assert actions.action("stop").isEnabled()
            await b.say("forty two")
            await until(lambda: not results.waiting, timeout=20, what="the result")

            assert results.cause_label.text() == "Success"
            assert results.outcome is Outcome.SUCCESS
            assert OUTCOME_COLOURS[Outcome.SUCCESS][0] in results.cause_label.styleSheet()
            assert results.meaning_label.text() == "A grammar matched the speech (MRCPv2 000)"
            assert results.value_view.toPlainText() == '"42"'
            assert results.transcript_label.text().startswith("forty two (confidence ")
            assert results.grammar_label.text() == f"session:{ALIAS}"
            assert results.nlu_label.text().startswith("builtin:speech/spelling/digits, ")
            latency = results.latency_label.text()
            assert latency.startswith("RECOGNIZE → START-OF-INPUT ")
            assert "→ RECOGNITION-COMPLETE " in latency
            events = [e.name for e in b.events.model.entries() if e.kind != "audio"]
            assert events[-4:] == [
                "RECOGNIZE", "RECOGNITION-IN-PROGRESS", "START-OF-INPUT", "RECOGNITION-COMPLETE",
            ]  # fmt: skip
            success = f"Recognition #{request_id}: Success — a grammar matched the speech."
            await until(lambda: (success, "info") in b.messages)
            assert reco.isEnabled()
            assert session.state_line.text() == f"Session {channel} — idle, g711a"

            click(qtbot, session.close_button)
            await until(lambda: session.state_line.text() == "No session")
            assert recognize.known_aliases is None  # no session, no alias to check against

    run(qloop, scenario())


def test_hotword_boolean_from_the_keyboard_has_no_start_of_input(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, engine: Engine, speech_dir: Path
) -> None:
    async def scenario() -> None:
        async with session_bench(qtbot, engine, speech_dir) as b:
            await b.open_session()
            b.editor.set_uri("builtin:speech/boolean")
            click(qtbot, b.editor.use_button)
            assert b.recognize.grammars() == ("builtin:speech/boolean",)
            b.recognize.set_mode("hotword")
            b.recognize.overrides.add_override("hotword_max_duration", 8000)
            first_row = b.events.model.rowCount()

            qtbot.keyClick(b.recognize, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
            request_id = await b.recognizing()
            command = json.loads(b.sent("RECOGNIZE")[0].raw)
            assert command["headers"]["recognition_mode"] == "hotword"
            assert command["headers"]["hotword_max_duration"] == 8000
            await b.say("yes")
            await until(lambda: not b.results.waiting, timeout=20, what="the result")

            assert b.results.cause_label.text() == "Success"
            assert b.results.value_view.toPlainText() == "true"
            assert "no START-OF-INPUT" in b.results.latency_label.text()
            shown = [e for e in b.events.model.entries()[first_row:] if e.kind != "audio"]
            assert [e.name for e in shown] == [
                "RECOGNIZE", "RECOGNITION-IN-PROGRESS", "RECOGNITION-COMPLETE",
            ]  # fmt: skip
            assert {e.request_id for e in shown} == {request_id}

    run(qloop, scenario())


def test_a_bad_regex_is_shown_and_nothing_is_sent(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, engine: Engine, speech_dir: Path
) -> None:
    async def scenario() -> None:
        async with session_bench(qtbot, engine, speech_dir) as b:
            await b.open_session()
            define = b.actions.action("define_grammar")
            b.editor.set_alias("num")
            b.editor.set_uri("builtin:speech/spelling/digits?regex=[0-9")
            frames = [e for e in b.timeline.entries if e.is_frame]

            assert b.editor.problems()
            assert b.editor.uri_problems_label.isVisible()
            assert "regex" in b.editor.uri_problems_label.text()
            assert not b.editor.define_button.isEnabled()
            assert not define.isEnabled()
            assert b.editor.problems()[0] in define.toolTip()
            click(qtbot, b.editor.define_button)
            qtbot.keyClick(
                b.recognize,
                Qt.Key.Key_D,
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
            )
            b.editor.define_requested.emit("num", b.editor.uri())  # even if the editor let go
            assert b.actions.trigger("define_grammar") is None
            await asyncio.sleep(0.3)

            assert [e for e in b.timeline.entries if e.is_frame] == frames
            assert b.sent("DEFINE-GRAMMAR") == []
            assert b.recognize.grammars() == ()
            refused = [text for text, level in b.messages if level == "warning"]
            assert refused
            assert all(
                t.startswith("Define grammar: nothing sent — fix the grammar") for t in refused
            )

            b.editor.set_uri("builtin:speech/spelling/digits?regex=[0-9]")  # fixed: it goes
            assert define.isEnabled()
            click(qtbot, b.editor.define_button)
            await until(lambda: b.recognize.grammars() == ("session:num",))

    run(qloop, scenario())


def test_deferred_timers_and_stop_from_the_keyboard(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, engine: Engine, speech_dir: Path
) -> None:
    async def scenario() -> None:
        async with session_bench(qtbot, engine, speech_dir) as b:
            timers, stop = b.actions.action("start_input_timers"), b.actions.action("stop")
            await b.open_session()
            assert not stop.isEnabled()
            assert "STOP is only valid during a recognition" in stop.toolTip()
            assert not b.recognize.start_timers_button.isEnabled()
            b.recognize.add_grammar("builtin:speech/boolean")
            b.recognize.start_timers_box.setChecked(False)

            qtbot.keyClick(b.recognize, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
            request_id = await b.recognizing()
            assert json.loads(b.sent("RECOGNIZE")[0].raw)["headers"]["start_input_timers"] is False
            assert timers.isEnabled()
            assert b.recognize.stop_button.isEnabled()
            qtbot.keyClick(b.recognize, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
            await until(lambda: "INPUT-TIMERS-STARTED" in b.names())

            qtbot.keyClick(b.recognize, Qt.Key.Key_Escape)
            await until(lambda: "STOPPED" in b.names())
            await until(lambda: not b.results.waiting)
            assert b.results.cause_label.text() == "Stopped"
            assert b.results.outcome is None
            stopped = f"Recognition #{request_id} was stopped before it completed (STOP)."
            await until(lambda: (stopped, "info") in b.messages)
            assert "RECOGNITION-COMPLETE" not in b.names()
            assert not stop.isEnabled()
            assert b.actions.action("recognize").isEnabled()

    run(qloop, scenario())


def test_refusals_and_server_errors_in_plain_words(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, engine: Engine, speech_dir: Path
) -> None:
    async def scenario() -> None:
        async with session_bench(qtbot, engine, speech_dir, connect=False) as b:
            for action in b.actions.actions():
                assert not action.isEnabled(), action.text()
                assert "not connected: connect to a server first" in action.toolTip()
            assert b.session.state_line.text() == "Not connected: connect to a server first."
            assert b.actions.trigger("open") is None
            assert b.messages[-1] == (
                "Open session: nothing sent — not connected: connect to a server first.",
                "warning",
            )
            await b.controller.connect(*b.connection)
            assert b.actions.action("open").isEnabled()
            await b.open_session()

            b.recognize.add_grammar("session:ghost")  # never defined: the server refuses it
            b.actions.action("recognize").trigger()
            await until(lambda: b.results.outcome is Outcome.FAILURE)
            assert b.results.cause_label.text() == "METHOD-FAILED · GramLoadFailure"
            assert OUTCOME_COLOURS[Outcome.FAILURE][0] in b.results.cause_label.styleSheet()
            assert b.results.meaning_label.text().startswith(
                "A grammar of the request is unknown or could not be loaded — unknown grammar"
            )
            assert b.results.error_label.isVisible()
            assert "GramLoadFailure" in b.results.error_label.text()
            await until(lambda: any("answered METHOD-FAILED" in t for t, _ in b.messages))
            text, level = next(m for m in b.messages if "answered METHOD-FAILED" in m[0])
            assert level == "error"
            assert text.startswith("RECOGNIZE (request ")
            assert "unknown grammar" in text
            assert b.controller.state.session is SessionState.IDLE

    run(qloop, scenario())


def test_a_connection_dropped_mid_recognition_is_said_in_plain_words(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, engine: Engine, speech_dir: Path
) -> None:
    async def scenario() -> None:
        async with session_bench(qtbot, engine, speech_dir) as b:
            await b.open_session()
            b.recognize.add_grammar("builtin:speech/boolean")
            click(qtbot, b.recognize.recognize_button)
            request_id = await b.recognizing()
            await b.server.stop()  # the server goes away: no close handshake for the session

            await until(lambda: b.results.cause_label.text() == "Lost")
            assert f"recognition #{request_id}" in b.results.meaning_label.text()
            await until(lambda: any(level == "error" for _, level in b.messages))
            text = next(text for text, level in b.messages if level == "error")
            assert text.startswith(f"Recognition #{request_id} lost: the server closed")
            assert "RECOGNIZE again" in text
            await until(lambda: b.session.state_line.text().startswith("Not connected"))
            for action in b.actions.actions():
                assert not action.isEnabled(), action.text()

    run(qloop, scenario())
