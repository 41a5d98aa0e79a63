"""The window's object graph: built in one place, started in order, torn down in reverse.

:class:`Workbench` owns everything the window shows and drives::

    Settings ─► MainWindow (docks: connection, audio, session, grammars, recognize, result,
                            events, timeline, audio history, messages; session commands in
                            menus; help)
    Timeline ◄─ SessionController ─► H2BConnection (local child server, uh!live, custom URL)
    AudioReview (play or save what was sent) ─► the controller's SentAudioHistory
    AudioStream ◄─ AudioInput (microphone / file / TTS / silence); the controller forwards it
    LocalServerProcess (``h2b-workbench serve`` as a child), SecretStore (OS keyring)

Start-up (:meth:`Workbench.start`): the window is shown first (nothing slow before it), then the
audio starts with the last source (silence by default) and, in the background, the keyring is
probed and the local server child starts; once it listens, the window connects to it when the
local profile is selected (the default), so a newcomer can speak at once.

Shut-down (:meth:`Workbench.shutdown`, on the window's ``close_requested``), each step bounded
so a stuck peer cannot hold the window open: stop playing back sent audio (and a save still
writing), stop a running recognition, CLOSE the session,
disconnect, stop the audio, stop the local server child (EOF, terminate, kill), save the
settings; then the window really closes and :meth:`Workbench.wait_closed` returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Final

from PySide6.QtWidgets import QApplication

from workbench.app.local_server import LocalServerError, LocalServerProcess
from workbench.app.secrets_store import SecretStore
from workbench.app.session_steps import LOCAL_SESSION_PARAMS, stop_and_close
from workbench.app.settings import Settings, SettingsError, SourceChoice
from workbench.audio.stream import AudioStream
from workbench.client import H2BConnection
from workbench.controller import SessionController
from workbench.controller.audio_input import AudioInput
from workbench.controller.audio_review import AudioReview
from workbench.session import Timeline
from workbench.session.grammar_library import GrammarLibrary, PresetError
from workbench.ui import window_docks
from workbench.ui.actions import SessionActions
from workbench.ui.audio_panel import AudioChoices
from workbench.ui.connection_panel import LocalServerView
from workbench.ui.main_window import MainWindow

STEP_TIMEOUT_S: Final = 5.0
"""The longest any one shut-down step may take."""
FIRST_GRAMMARS: Final = ("builtin:speech/transcribe",)
"""What the recognize list holds when it would start empty: anything said is recognized."""

_log = logging.getLogger(__name__)


class Workbench:
    """The composition of the window (see the module docstring).

    ``server`` None: no local server (tests of other profiles); ``save_settings`` False: the
    settings file is never written (the self-test must not touch the user's).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        server: LocalServerProcess | None,
        secrets: SecretStore | None = None,
        save_settings: bool = True,
        auto_connect: bool = True,
    ) -> None:
        self.settings = settings
        self.server = server
        self.secrets = secrets if secrets is not None else SecretStore()
        self._save_settings = save_settings
        self._auto_connect = auto_connect
        qt_app = QApplication.instance()
        if isinstance(qt_app, QApplication):  # closing the window must not end the loop
            qt_app.setQuitOnLastWindowClosed(False)  # before the shut-down has run
        self.timeline = Timeline()
        self.stream = AudioStream()
        self.audio_input = AudioInput(self.stream)
        self.controller = SessionController(H2BConnection.open, self.timeline)
        self.controller.attach_audio(self.stream)
        self.review = AudioReview(self.controller.audio_history)
        self.window = MainWindow()
        self.status = self.window.status
        self.actions = SessionActions(self.controller, self.window)
        self.connection = window_docks.add_connection_dock(
            self.window, self.controller, self.secrets
        )
        self.audio = window_docks.add_audio_dock(self.window, self.audio_input)
        self.session = window_docks.add_session_dock(self.window, self.actions)
        self.grammars = window_docks.make_grammar_editor(self.window, self._library())
        self.recognize = window_docks.add_recognize_dock(self.window, self.actions, self.grammars)
        self.result = window_docks.add_result_dock(self.window, self.timeline)
        window_docks.add_grammar_dock(self.window, self.grammars)
        self.events = window_docks.add_events_dock(self.window, self.timeline)
        self.timeline_view = window_docks.add_timeline_dock(self.window, self.timeline)
        self.audio_history = window_docks.add_audio_history_dock(
            self.window, self.timeline_view, self.controller.audio_history, self.review
        )
        window_docks.add_messages_dock(self.window)
        window_docks.add_session_actions(self.window, self.actions)
        window_docks.add_help(self.window, self.actions)
        self.window.close_requested.connect(self._on_close_requested)
        if server is not None:
            server.on_exit = self._on_server_exit
        self._tasks: set[asyncio.Task[Any]] = set()
        self._server_task: asyncio.Task[None] | None = None
        self._closed: asyncio.Event | None = None
        self._server_settled: asyncio.Event | None = None
        self._shutting_down = False

    # -- start -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Show the window, start the audio, then the keyring probe and the local server."""
        self._closed = asyncio.Event()
        self._server_settled = asyncio.Event()
        self._restore()
        self.window.show()
        for warning in self.settings.warnings:
            self.status.post(warning, "warning")
        self.stream.start()
        self.audio.restore(self._audio_choices(), activate=True)
        self._spawn(self._probe_keyring())
        if self.server is None:
            self.connection.set_local_server(None, "not started in this run")
            self.status.set_server("Local server: off")
        else:
            self._server_task = self._spawn(self._start_server())

    async def wait_ready(self, timeout: float | None) -> bool:
        """Wait (bounded) until the local server started and the first connection settled;
        True when connected."""
        if self._server_task is not None:
            await asyncio.wait({self._server_task}, timeout=timeout)
        return self.controller.state.connected

    async def wait_server(self) -> bool:
        """Wait until the local server listens (True) or failed to start (False)."""
        if self.server is None or self._server_settled is None:
            return False
        await self._server_settled.wait()
        return self.server.info is not None

    async def wait_closed(self) -> None:
        """Return once the window closed (after :meth:`shutdown`)."""
        assert self._closed is not None, "start() first"
        await self._closed.wait()

    async def dispose(self) -> None:
        """Delete the closed window's Qt objects now, on the loop.

        Left to the garbage collector, a window and its panels are destroyed in the middle of
        a collection, in no particular order, and PySide can crash doing that.
        """
        self.window.deleteLater()
        await asyncio.sleep(0)  # the loop turns: Qt deletes it

    async def _start_server(self) -> None:
        assert self.server is not None
        self.status.set_server("Local server: starting…")
        self.connection.set_local_server(None)
        try:
            info = await self.server.start()
        except LocalServerError as error:
            problem = str(error)
            self.status.post(problem[:1].upper() + problem[1:] + ".", "error")
            self.status.set_server("Local server: not running", problem)
            self.connection.set_local_server(None, problem)
            return
        finally:
            assert self._server_settled is not None
            self._server_settled.set()
        view = LocalServerView(
            profile=self.server.profile(),
            credentials=self.server.credentials,
            engine=info.engine,
            model=info.model,
        )
        _log.info("local server ready: %s (pid %d)", info.describe(), info.pid)
        self.connection.set_local_server(view)
        self.status.set_server(f"Local server: {info.engine}, {info.model}", info.describe())
        self.status.post(f"The local server is ready ({info.describe()}).")
        if self._auto_connect and self.connection.kind() == "local":
            await self.connection.open_connection()

    async def _probe_keyring(self) -> None:
        status = await self.secrets.probe()
        self.connection.refresh_secrets()
        if not status.available:
            self.status.post(
                f"Secrets are not kept between runs: {status.reason}; they are asked for "
                "when needed.",
                "info",
            )

    def _on_server_exit(self, message: str) -> None:
        if self._shutting_down:
            return
        self.status.post(message, "error")
        self.status.set_server("Local server: stopped", message)
        self.connection.set_local_server(None, message)

    # -- settings ----------------------------------------------------------------------------

    def _library(self) -> GrammarLibrary:
        try:
            return GrammarLibrary.from_records(self.settings.grammar_library)
        except PresetError as error:
            self.settings.warnings.append(f"The saved grammar presets could not be used ({error}).")
            return GrammarLibrary()

    def _audio_choices(self) -> AudioChoices:
        source = self.settings.last_source
        return AudioChoices(
            device_name=self.settings.last_device,
            source_kind=source.kind,
            file_path=source.file,
            file_loop=source.file_loop,
            text=source.text,
            text_loop=source.text_loop,
            engine=source.engine,
            voice=source.voice,
            recent_files=tuple(self.settings.recent_files),
        )

    def _restore(self) -> None:
        settings = self.settings
        self.window.restore_layout(settings.window_geometry, settings.window_state)
        self.connection.restore(settings.profile_name, settings.profile_fields)
        params = settings.session_params
        if params:
            left_out = self.session.params_form.set_values(params)
            for name, why in left_out.items():
                self.status.post(f"Saved parameter {name} not restored: {why}.", "warning")
        if not self.recognize.grammars():
            self.recognize.set_grammars(list(FIRST_GRAMMARS))
        if not params and self.connection.kind() == "local":
            for name, value in LOCAL_SESSION_PARAMS.items():  # only English models ship
                self.recognize.overrides.add_override(name, value)

    def collect_settings(self) -> None:
        """Copy what the window and panels remember into :attr:`settings` (not saved yet)."""
        settings = self.settings
        settings.window_geometry, settings.window_state = self.window.layout_bytes()
        choices = self.audio.choices()
        settings.last_device = choices.device_name
        settings.last_source = SourceChoice(
            kind=choices.source_kind,
            file=choices.file_path,
            file_loop=choices.file_loop,
            text=choices.text,
            text_loop=choices.text_loop,
            engine=choices.engine,
            voice=choices.voice,
        )
        settings.recent_files = list(choices.recent_files)
        settings.profile_name = self.connection.kind()
        settings.profile_fields = self.connection.fields()
        with contextlib.suppress(ValueError):  # an invalid field: keep what was saved before
            settings.session_params = dict(self.session.params_form.values())
        settings.grammar_library = [dict(r) for r in self.grammars.library.to_records()]

    # -- shut-down ---------------------------------------------------------------------------

    def _on_close_requested(self) -> None:
        self._spawn(self.shutdown())

    async def shutdown(self) -> None:
        """Everything in order, each step bounded (see the module docstring); idempotent."""
        if self._shutting_down:
            return
        self._shutting_down = True
        try:
            self.collect_settings()
        except Exception:  # never a reason not to close
            _log.exception("collecting the settings failed")
        panels = (self.audio, self.connection, self.session, self.recognize, self.result)
        for panel in (*panels, self.events, self.timeline_view, self.audio_history, self.actions):
            panel.shutdown()
        await _bounded(self.review.aclose(), "stopping the audio playback")
        if self._server_task is not None and not self._server_task.done():
            self._server_task.cancel()
        await _bounded(stop_and_close(self.controller), "closing the session")
        await _bounded(self.controller.aclose(), "disconnecting")
        self.audio_input.close()
        await _bounded(self.stream.aclose(), "stopping the audio")
        if self.server is not None:
            await _bounded(self.server.stop(), "stopping the local server", 3 * STEP_TIMEOUT_S)
        if self._save_settings:
            try:
                await asyncio.to_thread(self.settings.save)
            except SettingsError as error:
                _log.warning("%s", error)
        current = asyncio.current_task()
        pending = [task for task in self._tasks if task is not current and not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=STEP_TIMEOUT_S)
        self.window.finish_close()
        if self._closed is not None:
            self._closed.set()

    def _spawn(self, work: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        error = task.exception()
        _log.error("a start-up or shut-down step failed", exc_info=error)
        self.status.post(f"Unexpected error ({type(error).__name__}: {error}).", "error")


async def _bounded(step: Any, what: str, timeout: float = STEP_TIMEOUT_S) -> None:
    """Await ``step`` for at most ``timeout`` s; a failure is logged, never raised (closing)."""
    try:
        await asyncio.wait_for(step, timeout)
    except TimeoutError:
        _log.warning("%s took more than %g s; going on", what, timeout)
    except Exception:
        _log.exception("%s failed", what)
