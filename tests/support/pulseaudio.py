"""A private PulseAudio server with a virtual microphone, for capture tests on a machine without
a sound card (FEASIBILITY.md §3 has the recipe and the traps this code works around).

:func:`private_pulseaudio` starts ``pulseaudio`` as a child process in a fresh temporary
directory with its own ``XDG_RUNTIME_DIR`` and ``HOME`` (so two tests, or two engineers' test
runs, never share a server), loads a null sink (the "speaker" a test plays into) and a virtual
source on its monitor (the "microphone", made the default source), and points this process at it:
``XDG_RUNTIME_DIR`` and ``PULSE_SERVER`` are set, PortAudio is re-initialised so that ALSA's
``pulse``/``default`` devices appear. On exit everything is stopped, the environment restored and
PortAudio re-initialised again, so the devices disappear.

Traps handled here:

* The first capture callback of a fresh null sink comes ~2 s late (the sink starts in large
  blocks). A keep-alive ``parec --latency-msec=20`` on the monitor makes it run in small blocks,
  and the context waits until that keep-alive actually receives audio: measured here, the first
  callback of a stream opened after that comes in ~0.04 s instead of ~1.9 s.
* ``pactl``/``pacat`` need the private ``XDG_RUNTIME_DIR``/``PULSE_SERVER``: use
  :attr:`PulseServer.env`.
* No orphans: every child runs under ``setpriv --pdeathsig KILL`` (it dies with the test process
  even if pytest is killed), every wait has a timeout, and the exit path terminates, then kills.

:func:`no_pulseaudio` is the opposite: this process sees no sound server at all (an empty runtime
directory and a ``PULSE_SERVER`` that does not exist), whatever runs on the machine.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from workbench.audio import portaudio

SINK = "vspk"
SOURCE = "vmic"
STARTUP_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 5.0
COMMAND_TIMEOUT_S = 10.0

_SETPRIV = shutil.which("setpriv")


class PulseAudioError(RuntimeError):
    """The private server could not be started or driven; the message quotes its log."""


@dataclass(frozen=True)
class PulseServer:
    """A running private server: where it lives and how to reach it."""

    root: Path
    runtime_dir: Path
    server: str
    """The ``PULSE_SERVER`` string (``unix:<runtime_dir>/pulse/native``)."""
    rate: int
    """The null sink's (and so the virtual microphone's) sample rate."""
    env: dict[str, str]
    """Environment for subprocesses (pactl, pacat, the app) that must talk to this server."""
    log: Path
    players: list[subprocess.Popen[bytes]] = field(default_factory=list)
    """``pacat`` processes started by :meth:`play`, stopped with the server."""

    def pactl(self, *args: str) -> str:
        """Run ``pactl`` against this server; its stdout, or :class:`PulseAudioError`."""
        result = subprocess.run(
            ["pactl", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )
        if result.returncode != 0:
            raise PulseAudioError(f"pactl {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def play(self, pcm: bytes, rate: int) -> subprocess.Popen[bytes]:
        """Start playing mono int16 LE ``pcm`` at ``rate`` into the null sink; returns at once.

        The audio goes through a file so nothing blocks on a pipe; wait on the returned process
        (with a timeout) to know it has been handed to the server.
        """
        path = Path(tempfile.mkstemp(prefix="play-", suffix=".raw", dir=self.root)[1])
        path.write_bytes(pcm)
        command = ["pacat", "--playback", "--raw", "--format=s16le", f"--rate={rate}"]
        command += ["--channels=1", f"--device={SINK}", "--latency-msec=40", str(path)]
        player = _spawn(command, self.env)
        self.players.append(player)
        return player

    def log_tail(self, chars: int = 2000) -> str:
        """The end of the server's log, for failure messages."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"


def _spawn(
    command: list[str], env: dict[str, str], stdout: int = subprocess.DEVNULL
) -> subprocess.Popen[bytes]:
    """Start a child that dies with this process (``setpriv --pdeathsig KILL`` when present)."""
    prefix = [_SETPRIV, "--pdeathsig", "KILL", "--"] if _SETPRIV else []
    return subprocess.Popen(
        [*prefix, *command],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.DEVNULL,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate, wait, kill if it lingers; never waits without a timeout."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT_S)


@contextmanager
def patched_environ(**values: str) -> Iterator[None]:
    """Set environment variables for this process, restore the previous values after."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


def _reinitialize_portaudio() -> None:
    if not portaudio.reinitialize():
        raise PulseAudioError(
            f"{portaudio.open_streams()} PortAudio stream(s) still open: a test did not close "
            "its MicrophoneSource, so the device list cannot follow the server"
        )


def _script(rate: int) -> str:
    return "\n".join(
        [
            "load-module module-native-protocol-unix auth-anonymous=1",
            f"load-module module-null-sink sink_name={SINK} rate={rate} channels=1 "
            "sink_properties=device.description=VirtualSpeaker",
            f"load-module module-virtual-source source_name={SOURCE} master={SINK}.monitor "
            "source_properties=device.description=VirtualMic",
            f"set-default-sink {SINK}",
            f"set-default-source {SOURCE}",
            "",
        ]
    )


def _wait_until_answering(server: PulseServer, daemon: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            raise PulseAudioError(f"pulseaudio exited ({daemon.returncode}): {server.log_tail()}")
        try:
            server.pactl("info")
        except PulseAudioError:
            time.sleep(0.05)
        else:
            return
    raise PulseAudioError(f"pulseaudio did not answer in {STARTUP_TIMEOUT_S} s")


def _wait_for_audio(keepalive: subprocess.Popen[bytes]) -> threading.Thread:
    """Block until the keep-alive reader gets its first bytes, then drain it in a thread.

    The thread ends by itself at end of file, once the keep-alive is stopped.
    """
    assert keepalive.stdout is not None
    pipe = keepalive.stdout
    ready, _, _ = select.select([pipe], [], [], STARTUP_TIMEOUT_S)
    if not ready or not os.read(pipe.fileno(), 65536):
        raise PulseAudioError(f"the monitor gave no audio in {STARTUP_TIMEOUT_S} s")

    def drain() -> None:
        try:
            while os.read(pipe.fileno(), 65536):
                pass
        except OSError:
            pass

    thread = threading.Thread(target=drain, name="parec-drain", daemon=True)
    thread.start()
    return thread


@contextmanager
def private_pulseaudio(
    rate: int = 44100, base_dir: Path | None = None, *, activate: bool = True
) -> Iterator[PulseServer]:
    """Run a private server whose default source plays back what is played into its sink.

    ``rate`` is the null sink's rate; keep it equal to the rate PortAudio reports for the ALSA
    ``pulse``/``default`` devices (44100 here) so that the server does not resample and the only
    conversion in a capture test is the workbench's own. With ``activate`` False this process is
    not pointed at the server (a hot-plug test does that itself, with :func:`patched_environ`).
    """
    root = Path(tempfile.mkdtemp(prefix="h2b-pulse-", dir=base_dir))
    runtime_dir = root / "xdg"
    runtime_dir.mkdir(mode=0o700)
    (root / "home").mkdir()
    script = root / "vmic.pa"
    script.write_text(_script(rate))
    address = f"unix:{runtime_dir}/pulse/native"
    env = {
        **os.environ,
        "XDG_RUNTIME_DIR": str(runtime_dir),
        "PULSE_SERVER": address,
        "HOME": str(root / "home"),
    }
    server = PulseServer(root, runtime_dir, address, rate, env, root / "pulse.log")
    children: list[subprocess.Popen[bytes]] = []
    drains: list[threading.Thread] = []
    try:
        daemon = _spawn(
            ["pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "--system=false", "-n",
             "--use-pid-file=no", f"--file={script}", f"--log-target=file:{server.log}"],
            env,
        )  # fmt: skip
        children.append(daemon)
        _wait_until_answering(server, daemon)
        keepalive = _spawn(
            ["parec", "--raw", "--latency-msec=20", f"--device={SINK}.monitor"],
            env,
            stdout=subprocess.PIPE,
        )
        children.append(keepalive)
        drains.append(_wait_for_audio(keepalive))
        if activate:
            with patched_environ(XDG_RUNTIME_DIR=str(runtime_dir), PULSE_SERVER=address):
                _reinitialize_portaudio()
                try:
                    yield server
                finally:
                    still_open = portaudio.open_streams()
        else:
            yield server
            still_open = portaudio.open_streams()
        if still_open:
            raise PulseAudioError(f"{still_open} PortAudio stream(s) left open by the test")
    finally:
        for child in [*server.players, *reversed(children)]:
            _stop(child)
        for thread in drains:
            thread.join(STOP_TIMEOUT_S)
        for child in children:
            if child.stdout is not None:
                child.stdout.close()
        if portaudio.open_streams() == 0:
            portaudio.reinitialize()
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def no_pulseaudio(base_dir: Path | None = None) -> Iterator[None]:
    """This process sees no sound server: an empty runtime dir, a ``PULSE_SERVER`` that is not."""
    root = Path(tempfile.mkdtemp(prefix="h2b-nopulse-", dir=base_dir))
    runtime_dir = root / "xdg"
    runtime_dir.mkdir(mode=0o700)
    try:
        with patched_environ(
            XDG_RUNTIME_DIR=str(runtime_dir), PULSE_SERVER=f"unix:{runtime_dir}/pulse/absent"
        ):
            _reinitialize_portaudio()
            yield
    finally:
        if portaudio.open_streams() == 0:
            portaudio.reinitialize()
        shutil.rmtree(root, ignore_errors=True)
