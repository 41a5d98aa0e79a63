"""Starting the window: the QApplication, one qasync loop, error reporting, the self-test.

``h2b-workbench`` with no subcommand calls :func:`run_window`; ``h2b-workbench --self-test``
calls :func:`self_test`. Both build the same :class:`~workbench.app.window_app.Workbench`.

One loop
    Qt's event loop *is* the asyncio loop (qasync): widget handlers start coroutines, the
    controller's tasks, the audio stream and the sockets all run on the GUI thread without
    blocking it, and anything slow (decoding files, reading devices, the keyring, waiting for
    the local server child) runs in worker threads or in the child process.

Closing
    The window's close (×, Ctrl+Q, Ctrl-C in the terminal, SIGTERM) runs the workbench's
    ordered shut-down; the loop ends when it is done, then the process.

Errors
    An exception nobody caught (in a Qt slot or an asyncio callback) must neither kill the
    app nor show a traceback: :class:`ErrorReporter` writes it, traceback and all, to the log
    file (:func:`log_path`) and shows one plain line in the status area.

Benchmarks
    With :data:`BENCH_VARIABLE` set, the app prints ``H2B-BENCH <event> <epoch seconds>`` lines
    (``shown``, ``server`` with the child's ``pid=``, ``connected``, ``closed``) and closes
    itself once it has what was asked: ``shown`` (the window is on screen) or ``connected``
    (the local server is up and the window connected to it).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import logging.handlers
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import qasync  # type: ignore[import-untyped]
from PySide6.QtCore import QMessageLogContext, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

import workbench
from workbench.app.local_server import LocalServerProcess
from workbench.app.settings import APP_DIR_NAME, Settings, config_dir
from workbench.app.window_app import Workbench
from workbench.ui.status_area import StatusArea
from workbench.ui.theme import theme_watcher

ORGANIZATION: Final = "H2B Workbench"
BENCH_VARIABLE: Final = "H2B_WORKBENCH_BENCH"
BENCH_EVENTS: Final = ("shown", "connected")

_log = logging.getLogger(__name__)


def resources_dir() -> Path:
    """``resources/``: next to the package in a checkout, inside the bundle when frozen."""
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "resources"
    return Path(workbench.__file__).resolve().parents[1] / "resources"


def log_path() -> Path:
    """Where unexpected errors are written with their traceback."""
    return config_dir() / "logs" / "workbench.log"


def setup_logging(path: Path) -> None:
    """INFO and above to a rotating log file; warnings also to stderr."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError as error:
        print(f"h2b-workbench: no log file ({error}); logging to stderr", file=sys.stderr)
    else:
        to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(to_file)
    to_stderr = logging.StreamHandler()
    to_stderr.setLevel(logging.WARNING)
    root.addHandler(to_stderr)


_QT_LEVELS: Final = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.INFO,  # platform plugin chatter, not the user's business
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    logging.getLogger("qt").log(_QT_LEVELS.get(kind, logging.INFO), "%s", message)


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (made once): names for the settings paths, icon, theme watcher."""
    QApplication.setApplicationName(APP_DIR_NAME)
    QApplication.setOrganizationName(ORGANIZATION)
    QApplication.setApplicationVersion(workbench.__version__)
    QApplication.setDesktopFileName(APP_DIR_NAME)
    qInstallMessageHandler(_qt_message)  # Qt's warnings go to the log, not the terminal
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or [APP_DIR_NAME])
    app.setQuitOnLastWindowClosed(False)  # the workbench decides when the loop ends
    for name in ("h2b-workbench.svg", "h2b-workbench.png"):
        icon = resources_dir() / "icons" / name
        if icon.is_file():
            app.setWindowIcon(QIcon(str(icon)))
            break
    theme_watcher()  # light and dark follow the system from now on
    _collect_garbage_on_the_gui_thread(app)
    return app


GC_INTERVAL_MS: Final = 1000


def _collect_garbage_on_the_gui_thread(app: QApplication) -> None:
    """Python's collector runs on whichever thread allocates; Qt objects must die on theirs.

    A collection triggered on a worker thread (a file decode, the keyring check) could delete a
    Python-owned Qt object off the GUI thread, and a Qt timer would later fire for freed
    memory. Automatic collection is turned off and a timer on the GUI thread collects instead:
    every second, the generations whose thresholds have passed, as the interpreter would.
    """
    if getattr(app, "_h2b_gc_timer", None) is not None:
        return
    gc.disable()
    timer = QTimer(app)
    timer.setInterval(GC_INTERVAL_MS)
    timer.timeout.connect(_collect_like_the_interpreter)
    timer.start()
    app._h2b_gc_timer = timer  # type: ignore[attr-defined]


def _collect_like_the_interpreter() -> None:
    """The oldest generation whose count passed its threshold, as automatic collection would."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if counts[generation] > thresholds[generation]:
            gc.collect(generation)
            return


class ErrorReporter:
    """Unexpected exceptions → the log file (with traceback) and one plain line on screen."""

    def __init__(self, status: StatusArea, log_file: Path) -> None:
        self.status = status
        self.log_file = log_file
        self._previous_hook: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def install(self, loop: asyncio.AbstractEventLoop) -> ErrorReporter:
        self._previous_hook = sys.excepthook
        sys.excepthook = self.excepthook
        loop.set_exception_handler(self.loop_exception)
        self._loop = loop
        return self

    def uninstall(self) -> None:
        if self._previous_hook is not None:
            sys.excepthook = self._previous_hook
            self._previous_hook = None
        if self._loop is not None and not self._loop.is_closed():
            self._loop.set_exception_handler(None)
        self._loop = None

    def excepthook(
        self,
        kind: type[BaseException],
        error: BaseException,
        traceback: TracebackType | None,
    ) -> None:
        _log.error("unexpected error", exc_info=(kind, error, traceback))
        self._show(error)

    def loop_exception(self, _loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        message = str(context.get("message") or "error in the event loop")
        if isinstance(error, BaseException):
            _log.error("%s", message, exc_info=(type(error), error, error.__traceback__))
            self._show(error)
        else:
            _log.error("%s", message)
            self.status.post(f"Unexpected error: {message} (details in {self.log_file}).", "error")

    def _show(self, error: BaseException) -> None:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        what = f"{type(error).__name__}: {first}" if first else type(error).__name__
        text = f"Unexpected error ({what}); the workbench goes on. Details: {self.log_file}."
        with contextlib.suppress(RuntimeError):  # the window is already gone
            self.status.post(text, "error")


def _bench(workbench_app: Workbench, wanted: str) -> None:
    """Print the start-up milestones and close once ``wanted`` is reached (benchmarks)."""

    def mark(event: str, extra: str = "") -> None:
        print(f"H2B-BENCH {event} {time.time():.6f}{extra}", flush=True)

    def shown() -> None:
        mark("shown")
        if wanted == "shown":
            workbench_app.window.close()

    async def connected() -> None:
        await workbench_app.wait_server()
        server = workbench_app.server
        mark("server", f" pid={server.info.pid}" if server and server.info else "")
        await workbench_app.wait_ready(timeout=120)
        if workbench_app.controller.state.connected:
            mark("connected")
        workbench_app.window.close()

    workbench_app.window.first_shown.connect(shown)
    if wanted == "connected":
        task = asyncio.get_running_loop().create_task(connected())
        _KEPT.add(task)  # a task nobody references may be collected before it runs
        task.add_done_callback(_KEPT.discard)


_KEPT: set[asyncio.Task[None]] = set()


def _close_on_signals(app: Workbench) -> None:
    """Ctrl-C or a polite kill closes the window the normal way (session, server child…)."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # Windows
            loop.add_signal_handler(signum, app.window.close)


async def _run(settings: Settings, server: LocalServerProcess) -> int:
    app = Workbench(settings, server=server)
    reporter = ErrorReporter(app.status, log_path()).install(asyncio.get_running_loop())
    wanted = os.environ.get(BENCH_VARIABLE, "")
    if wanted in BENCH_EVENTS:
        _bench(app, wanted)
    _close_on_signals(app)
    try:
        await app.start()
        await app.wait_closed()
        await app.dispose()
    finally:
        reporter.uninstall()
    if wanted:
        print(f"H2B-BENCH closed {time.time():.6f}", flush=True)
    return 0


def run_qasync(app: QApplication, main: Any) -> Any:
    """Run the coroutine ``main`` on a qasync loop of ``app`` and close the loop after."""
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(main)
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def run_window(*, server: LocalServerProcess | None = None) -> int:
    """``h2b-workbench``: the window, until it is closed (``server``: already spawned)."""
    setup_logging(log_path())
    app = make_application(sys.argv[:1])
    code: int = run_qasync(app, _run(Settings.load(), server or LocalServerProcess()))
    return code


def self_test(
    *,
    server: LocalServerProcess | None = None,
    timeout: float = 90.0,
    platform: str | None = "offscreen",
    screenshot: Path | None = None,
) -> int:
    """``h2b-workbench --self-test``: one recognition of the bundled sample; 0 if "42" came back.

    ``platform`` is set before the QApplication exists (offscreen: no display needed);
    ``screenshot`` saves the window mid-session, after the recognition, before CLOSE.
    """
    from workbench.app.self_test import run_self_test

    if platform:
        os.environ["QT_QPA_PLATFORM"] = platform
    logging.basicConfig(level=logging.WARNING)
    app = make_application([APP_DIR_NAME])
    with tempfile.TemporaryDirectory(prefix="h2b-self-test-") as scratch:
        settings = Settings(Path(scratch) / "settings.json")  # never the user's settings
        sample = resources_dir() / "samples" / "forty_two.wav"
        main = run_self_test(
            settings, sample, server or LocalServerProcess(), timeout=timeout, shot=screenshot
        )
        code: int = run_qasync(app, main)
    return code
