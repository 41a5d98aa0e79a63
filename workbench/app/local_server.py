"""The embedded local H2B server as a child process of the window.

Why a child process: the server decodes speech (whisper's CTranslate2 releases the GIL, but
VAD, feature extraction and grammar rescoring are Python), and anything that holds the
interpreter for a few hundred milliseconds would freeze the window. In a process of its own
the recognizer can take every core it likes; the GUI only talks to it over loopback, exactly
as it talks to the real service.

How it starts: ``h2b-workbench serve --port 0 --ready-json --exit-on-stdin-eof`` (the frozen
executable itself when the app is packaged), credentials generated here: the client id on the
command line, the secret in the child's environment only (:data:`SECRET_VARIABLE`), never on a
command line, never printed. The child answers with one JSON line (:func:`parse_event`): ready,
with its URLs, engine and model, or an error in plain words. :meth:`LocalServerProcess.spawn`
starts it at once, with no event loop (the command line does so before it imports Qt, so the
recognizer loads while the window is built); :meth:`LocalServerProcess.start` waits for the
line, bounded by a timeout, without blocking the loop: a reader thread per pipe hands it over.

How it ends: :meth:`LocalServerProcess.stop` closes the child's stdin (it stops cleanly on
EOF), then terminates, then kills, each step bounded. If this process dies first, the pipe's
write end closes with it and the child stops on its own: no orphan server is left listening.
A child that exits while nobody asked it to is reported to the ``on_exit`` callback in plain
words (the last lines it wrote to stderr say why).
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Final

from workbench.app.serve_ready import ERROR_EVENT, READY_EVENT, SECRET_VARIABLE
from workbench.server.auth import Credentials as ServerCredentials

if TYPE_CHECKING:
    from workbench.client.profiles import ConnectionProfile, Credentials

START_TIMEOUT_S: Final = 90.0
"""Loading whisper takes about 2 s here; a cold disk, a first run or a slow machine more."""
STOP_GRACE_S: Final = 5.0
"""How long each stop step (EOF, then SIGTERM) may take before the next, harsher one."""
STDERR_TAIL: Final = 20

_log = logging.getLogger(__name__)

ExitCallback = Callable[[str], object]


class LocalServerError(Exception):
    """The local server could not start, or stopped; ``str()`` says why in plain words."""


@dataclass(frozen=True, slots=True)
class LocalServerInfo:
    """What the child announced once listening (its ``--ready-json`` line)."""

    ws_url: str
    http_url: str
    token_url: str
    client_id: str
    realm: str
    engine: str
    model: str
    pid: int

    def describe(self) -> str:
        """``faster-whisper, model en.whisper-tiny.en, at ws://127.0.0.1:41234/bots``."""
        return f"{self.engine}, model {self.model}, at {self.ws_url}"


def parse_event(line: str) -> LocalServerInfo | str | None:
    """A line of the child's stdout: its info when ready, the error text, or None if neither.

    Tolerant on purpose: anything that is not one of the two events (a stray print from a
    library) is ignored rather than taken for a failure.
    """
    try:
        event = json.loads(line)
    except ValueError:
        return None
    if not isinstance(event, dict):
        return None
    if event.get("event") == ERROR_EVENT:
        return str(event.get("error") or "the local server gave no reason")
    if event.get("event") != READY_EVENT:
        return None
    try:
        return LocalServerInfo(
            ws_url=str(event["ws_url"]),
            http_url=str(event["http_url"]),
            token_url=str(event["token_url"]),
            client_id=str(event["client_id"]),
            realm=str(event.get("realm", "uhlive")),
            engine=str(event.get("engine", "unknown engine")),
            model=str(event.get("model", "unknown model")),
            pid=int(event.get("pid", 0)),
        )
    except (KeyError, TypeError, ValueError):
        return None


def serve_command() -> list[str]:
    """How to run ``h2b-workbench``: this interpreter with ``-m workbench``, or the frozen app."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "workbench"]


class LocalServerProcess:
    """One local server child: :meth:`start`, then :meth:`stop` (see the module docstring).

    ``engine``, ``whisper_model`` and ``port`` (0: any free one) are ``serve``'s options;
    ``on_exit(message)`` is called on the loop's thread if the child ends without :meth:`stop`
    being called. ``command`` replaces :func:`serve_command` (tests).
    """

    def __init__(
        self,
        *,
        engine: str = "auto",
        whisper_model: str | None = None,
        port: int = 0,
        start_timeout: float = START_TIMEOUT_S,
        stop_grace: float = STOP_GRACE_S,
        on_exit: ExitCallback | None = None,
        command: Sequence[str] | None = None,
    ) -> None:
        self._engine = engine
        self._whisper_model = whisper_model
        self._port = port
        self._start_timeout = start_timeout
        self._stop_grace = stop_grace
        self.on_exit = on_exit
        """Told, on the loop's thread, when the child ends without :meth:`stop`."""
        self._command = list(command) if command is not None else None
        self._accepted = ServerCredentials.generate()
        self.info: LocalServerInfo | None = None
        self.popen: subprocess.Popen[bytes] | None = None
        self._spawn_error: OSError | None = None
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
        self._stopping = False
        self._started = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._announced: concurrent.futures.Future[LocalServerInfo | str | None] = (
            concurrent.futures.Future()
        )
        self._stderr_thread: threading.Thread | None = None

    @property
    def credentials(self) -> Credentials:
        """What the child accepts (and the window connects with)."""
        from workbench.client.profiles import Credentials  # aiohttp: not before the spawn

        return Credentials(self._accepted.client_id, self._accepted.client_secret)

    @property
    def returncode(self) -> int | None:
        """The child's exit code once it has ended (None while it runs or before start)."""
        return self.popen.poll() if self.popen is not None else None

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def profile(self) -> ConnectionProfile:
        """The connection profile for the running server."""
        if self.info is None:
            raise LocalServerError("the local server is not running")
        from workbench.client.profiles import local_profile

        return local_profile(self.info.http_url, realm=self.info.realm)

    def args(self) -> list[str]:
        """The child's command line (no secret in it)."""
        command = self._command if self._command is not None else serve_command()
        args = [*command, "serve", "--port", str(self._port), "--ready-json"]
        args.append("--exit-on-stdin-eof")
        args += ["--engine", self._engine, "--client-id", self._accepted.client_id]
        if self._whisper_model:
            args += ["--whisper-model", self._whisper_model]
        return args

    def spawn(self) -> None:
        """Start the child now, without waiting for it (no event loop needed).

        The command line calls this before it imports Qt, so the recognizer loads while the
        window is being built. :meth:`start` spawns by itself when this was not called; a
        failure to spawn is reported by :meth:`start`.
        """
        if self.popen is not None or self._spawn_error is not None:
            return
        try:
            popen = self._spawn()
        except OSError as error:
            self._spawn_error = error
            return
        self.popen = popen
        assert popen.stdout is not None
        assert popen.stderr is not None
        _thread(self._read_stdout, popen.stdout, "local-server-stdout")
        self._stderr_thread = _thread(self._read_stderr, popen.stderr, "local-server-stderr")

    async def start(self) -> LocalServerInfo:
        """Start the child (unless :meth:`spawn` did) and wait until it listens;
        :class:`LocalServerError` in plain words if it cannot."""
        if self._started:
            raise LocalServerError("the local server was already started")
        self._started = True
        self._loop = asyncio.get_running_loop()
        await asyncio.to_thread(self.spawn)
        if self._spawn_error is not None or self.popen is None:
            error = self._spawn_error
            reason = (error.strerror or str(error)) if error is not None else "unknown"
            raise LocalServerError(f"the local server could not be started ({reason})")
        popen = self.popen
        announced = asyncio.wrap_future(self._announced)
        try:
            outcome = await asyncio.wait_for(asyncio.shield(announced), self._start_timeout)
        except TimeoutError:
            await self.stop()
            raise LocalServerError(
                f"the local server did not start within {self._start_timeout:g} s{self._why()}"
            ) from None
        except asyncio.CancelledError:
            await asyncio.shield(self.stop())
            raise
        if isinstance(outcome, LocalServerInfo):
            self.info = outcome
            _thread(self._watch_exit, popen, "local-server-exit")
            return outcome
        await self.stop()
        if isinstance(outcome, str):
            raise LocalServerError(f"the local server could not start: {outcome}")
        raise LocalServerError(
            f"the local server ended before it was ready (exit code {self.returncode}){self._why()}"
        )

    async def stop(self) -> int | None:
        """Stop the child: stdin EOF, then terminate, then kill; returns its exit code.

        Idempotent; safe before :meth:`start` (returns None).
        """
        popen = self.popen
        if popen is None:
            return None
        self._stopping = True
        if popen.stdin is not None:
            with contextlib.suppress(OSError):
                popen.stdin.close()
        code: int | None = None
        for next_step, then in (("terminate", popen.terminate), ("kill", popen.kill)):
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = await asyncio.to_thread(popen.wait, self._stop_grace)
                break
            _log.warning("the local server did not stop in %g s: %s", self._stop_grace, next_step)
            with contextlib.suppress(OSError):
                then()
        if code is None:
            code = await asyncio.to_thread(popen.wait)
        if self._stderr_thread is not None:  # its last words, for the error message
            await asyncio.to_thread(self._stderr_thread.join, 1.0)
        return code

    # -- threads -----------------------------------------------------------------------------

    def _spawn(self) -> subprocess.Popen[bytes]:
        # The environment is made here, not passed in: executors log their arguments.
        env = dict(os.environ)
        env[SECRET_VARIABLE] = self.credentials.client_secret
        env.setdefault("PYTHONUNBUFFERED", "1")
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # no console window on Windows
        return subprocess.Popen(
            self.args(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            creationflags=flags,
        )

    def _read_stdout(self, pipe: IO[bytes]) -> None:
        with pipe:
            for raw in pipe:
                line = raw.decode("utf-8", "replace").strip()
                event = parse_event(line)
                if event is None:
                    _log.debug("local server: %s", line)
                else:
                    self._announce(event)
        self._announce(None)  # stdout ended without a word: the child is gone

    def _read_stderr(self, pipe: IO[bytes]) -> None:
        with pipe:
            for raw in pipe:
                line = raw.decode("utf-8", "replace").rstrip()
                if line:
                    self._stderr.append(line)
                    _log.info("local server: %s", line)

    def _watch_exit(self, popen: subprocess.Popen[bytes]) -> None:
        code = popen.wait()
        if self._stopping or self.on_exit is None or self._loop is None:
            return
        message = f"The local server stopped unexpectedly (exit code {code}){self._why()}."
        with contextlib.suppress(RuntimeError):  # the loop is closed: the app is exiting
            self._loop.call_soon_threadsafe(self.on_exit, message)

    def _announce(self, outcome: LocalServerInfo | str | None) -> None:
        """The first word from the child wins (a thread-safe future: no loop needed yet)."""
        with contextlib.suppress(concurrent.futures.InvalidStateError):
            self._announced.set_result(outcome)

    def _why(self) -> str:
        """The child's last words on stderr (not a traceback: its last line only)."""
        lines = [line for line in self._stderr if line.strip() and line != "stopping..."]
        return f": {lines[-1].strip()}" if lines else ""


def _thread(target: Callable[..., None], argument: object, name: str) -> threading.Thread:
    thread = threading.Thread(target=target, args=(argument,), name=name, daemon=True)
    thread.start()
    return thread
