"""The session widgets on a real controller, a real audio stream and the embedded server.

:func:`session_bench` builds what the window will hold (one :class:`SessionActions`, the session
panel, the recognize panel with a grammar editor, the result panel, the event list) inside one
top-level widget, starts the local H2B server on 127.0.0.1 (port 0) in the test's qasync loop,
attaches an :class:`AudioStream` fed by an :class:`AudioInput` to the controller, and connects.
Everything is shut down and closed on exit; no controller task may be left behind, and the
server's decoder threads must have ended before the loop closes.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import shiboken6
from PySide6.QtWidgets import QApplication, QHBoxLayout, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from tests.audio_fixtures import silence, synthesize
from tests.ui.loop_support import until
from workbench.audio.stream import AudioStream
from workbench.audio.wav_files import write_wav
from workbench.client import ConnectionProfile, Credentials, H2BConnection, local_profile
from workbench.controller import SessionController
from workbench.controller.audio_input import AudioInput
from workbench.recognition.engine import Engine
from workbench.server.app import ServerConfig
from workbench.server.auth import Credentials as ServerCredentials
from workbench.server.runner import EmbeddedServer
from workbench.session import Timeline, TimelineEntry
from workbench.ui.actions import SessionActions
from workbench.ui.event_list import EventList
from workbench.ui.grammar_editor import GrammarEditor
from workbench.ui.recognize_panel import RecognizePanel
from workbench.ui.result_panel import ResultPanel
from workbench.ui.session_panel import SessionPanel

CLIENT_ID, SECRET = "ui-client", "ui-secret-value"
FAST_ENDPOINTING = {
    "speech_language": "en",
    "speech_complete_timeout": 700,
    "speech_incomplete_timeout": 1500,
}


@dataclass
class Bench:
    """Everything a test drives or reads."""

    window: QWidget
    controller: SessionController
    timeline: Timeline
    audio: AudioInput
    actions: SessionActions
    session: SessionPanel
    recognize: RecognizePanel
    editor: GrammarEditor
    results: ResultPanel
    events: EventList
    speech_dir: Path
    connection: tuple[ConnectionProfile, Credentials]
    """What ``controller.connect`` takes to reach the embedded server."""
    server: EmbeddedServer
    messages: list[tuple[str, str]] = field(default_factory=list)

    def names(self, *, since: int = 0) -> list[str]:
        """Timeline entry names from ``since`` on, audio left out."""
        return [e.name for e in self.timeline.entries[since:] if e.kind != "audio"]

    def sent(self, name: str) -> list[TimelineEntry]:
        """The commands named ``name`` that went out."""
        return [e for e in self.timeline.entries if e.kind == "command" and e.name == name]

    async def say(self, text: str) -> None:
        """Play ``text`` (a flite voice, faint noise and silence around it) from a WAV file."""
        path = self.speech_dir / f"{text.replace(' ', '_')}.wav"
        if not path.exists():
            pcm = silence(300) + synthesize(text, "slt", "flite") + silence(300)
            write_wav(path, pcm, "linear", 8000)
        assert await self.audio.use_file(path)

    async def open_session(self) -> None:
        """Open with the panel's defaults and set fast English end-pointing through the form."""
        self.actions.action("open").trigger()
        await until(lambda: "OPENED" in self.names(), what="OPENED")
        for name, value in FAST_ENDPOINTING.items():
            assert self.session.params_form.field(name).set_value(value) is None
        self.actions.action("set_params").trigger()
        await until(lambda: "PARAMS-SET" in self.names(), what="PARAMS-SET")

    async def recognizing(self) -> int:
        """Wait for RECOGNITION-IN-PROGRESS; return the running request id."""
        await until(lambda: self.controller.state.recognition is not None, what="recognizing")
        await until(lambda: "RECOGNITION-IN-PROGRESS" in self.names(), what="in progress")
        request_id = self.controller.state.recognition
        assert request_id is not None
        return request_id


@asynccontextmanager
async def session_bench(
    qtbot: QtBot, engine: Engine, speech_dir: Path, *, connect: bool = True
) -> AsyncIterator[Bench]:
    """The widgets, connected to a fresh embedded server (see the module docstring).

    ``qtbot`` is asked for so that a QApplication exists; the window is deleted here rather
    than left to it (see :func:`collect_earlier_garbage`, which the tests run first).
    """
    config = ServerConfig(credentials=ServerCredentials(CLIENT_ID, SECRET))
    async with EmbeddedServer(engine=engine, config=config) as server:
        timeline = Timeline()
        controller = SessionController(H2BConnection.open, timeline)
        stream = AudioStream()
        audio = AudioInput(stream)
        controller.attach_audio(stream)
        stream.start()
        window = QWidget()  # owns every Qt object here: none is left to Python's collector
        actions = SessionActions(controller, window)
        editor = GrammarEditor(parent=window)
        session = SessionPanel(actions, window)
        recognize = RecognizePanel(actions, editor, window)
        results = ResultPanel(timeline, window)
        events = EventList(timeline, window)
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(session)
        left.addWidget(editor)
        right.addWidget(recognize)
        right.addWidget(results)
        right.addWidget(events)
        layout = QHBoxLayout(window)
        layout.addLayout(left)
        layout.addLayout(right)
        connection = (local_profile(server.http_url), Credentials(CLIENT_ID, SECRET))
        bench = Bench(
            window, controller, timeline, audio, actions, session, recognize, editor, results,
            events, speech_dir, connection, server,
        )  # fmt: skip
        for widget in (actions, session, recognize):
            widget.status_message.connect(lambda text, level: bench.messages.append((text, level)))
        window.resize(1400, 900)
        window.show()
        window.activateWindow()
        try:
            await until(lambda: QApplication.activeWindow() is window, what="window active")
            if connect:
                await controller.connect(*connection)
            yield bench
        finally:
            for panel in (session, recognize, results, events):
                panel.shutdown()
            actions.shutdown()
            audio.close()
            await controller.aclose()
            await stream.aclose()
            window.hide()  # not close(): the last window closed would stop the qasync loop
            shiboken6.delete(window)  # now, on this thread (see collect_earlier_garbage)
            gc.collect()  # and our own cycles too, before another test's threads run
    # A stopped recognition's decoder thread finishes its last call after the server has gone,
    # then hands the result to the loop (call_soon_threadsafe). That must happen while this
    # qasync loop still runs: into a closed one it would crash a later test's Qt event loop.
    await until(lambda: not decoder_threads(), what="the decoder threads to end")
    left_behind = [
        task
        for task in asyncio.all_tasks()
        if task is not asyncio.current_task() and task.get_name().startswith("controller-")
    ]
    assert not left_behind, f"tasks left behind: {left_behind}"


def collect_earlier_garbage() -> None:
    """Free what earlier tests left in reference cycles, here, on the GUI thread.

    Python's collector runs on whichever thread happens to allocate; this bench starts worker
    threads that do (the decoder's, the executors'). A Python-owned widget collected there is
    deleted off the GUI thread with its timers still registered, and Qt's event loop later
    fires one at freed memory (a segfault in ``QTimerInfoList::activateTimers``). Warnings of
    the earlier tests' leaks (a subprocess still running…) are theirs, not this test's.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def decoder_threads() -> list[threading.Thread]:
    """The embedded server's decoder threads still alive (``h2b-decoder…``)."""
    return [t for t in threading.enumerate() if t.name.startswith("h2b-decoder") and t.is_alive()]
