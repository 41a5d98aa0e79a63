"""``h2b-workbench --self-test``: is this installation able to recognize speech end to end?

The whole app, not a shortcut: the real window (offscreen), the local server as a child
process, the keyring-free connection panel, the audio stream fed by the bundled sample
``resources/samples/forty_two.wav`` (8 kHz, espeak-ng) through :class:`AudioInput`, and the
same OPEN / SET-PARAMS / RECOGNIZE / CLOSE steps as ``h2b-workbench recognize``
(:func:`~workbench.app.session_steps.recognize_once`) with the digits grammar. It passes when
the recognition completes with Success and the value "42". The packaged app runs it after
installation; support asks for its output.

Prints the result (or the reason it failed, in plain words) and returns the exit code: 0 pass,
1 fail. Everything is bounded by ``timeout``; the window is closed the normal way afterwards
(session, socket, audio, server child), so a passing self-test also proves a clean shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Final, TextIO

from workbench.app.local_server import LocalServerProcess
from workbench.app.secrets_store import SecretStore
from workbench.app.session_steps import LOCAL_SESSION_PARAMS, RecognitionSteps, recognize_once
from workbench.app.settings import Settings
from workbench.app.window_app import Workbench
from workbench.audio.source import AudioSourceError
from workbench.client import ConnectionFailure
from workbench.controller import ControllerError
from workbench.controller.report import RecognitionReport

GRAMMAR: Final = "builtin:speech/spelling/digits"
EXPECTED: Final = "42"
REPAINT_S: Final = 0.5
"""Time for the panels to show the result before a screenshot."""


class SelfTestError(Exception):
    """Why the self-test failed, in plain words."""


def _null_keyring() -> SecretStore:
    """The self-test never reads or writes the user's keyring."""
    from keyring.backends import null

    return SecretStore(null.Keyring())  # type: ignore[no-untyped-call]


async def run_self_test(
    settings: Settings,
    sample: Path,
    server: LocalServerProcess,
    *,
    timeout: float = 90.0,
    shot: Path | None = None,
) -> int:
    """The self-test on the running qasync loop; prints and returns the exit code."""
    with _own_stderr() as errors:
        return await _run(settings, sample, server, timeout=timeout, shot=shot, errors=errors)


@contextlib.contextmanager
def _own_stderr() -> Iterator[TextIO]:
    """A stream on the terminal's stderr that nothing can silence.

    sounddevice points descriptor 2 at /dev/null while PortAudio initialises (to hide ALSA's
    chatter), process-wide, from the thread that lists the devices; a failure printed at that
    moment would vanish. A duplicate of the descriptor, taken before, is not redirected.
    A Windows GUI executable started without a console has no stderr at all (``None``): then
    the failures go to stdout when there is one, else nowhere but the exit status and the log.
    """
    terminal = sys.stderr if sys.stderr is not None else sys.stdout
    if terminal is None:
        stream: TextIO = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    else:
        stream = os.fdopen(os.dup(terminal.fileno()), "w", buffering=1, encoding="utf-8")
    try:
        yield stream
    finally:
        stream.close()


async def _run(
    settings: Settings,
    sample: Path,
    server: LocalServerProcess,
    *,
    timeout: float,
    shot: Path | None,
    errors: TextIO,
) -> int:
    def failed(reason: str) -> int:
        print(f"SELF-TEST FAILED: {reason}", file=errors, flush=True)
        return 1

    if not sample.is_file():
        await server.stop()
        return failed(f"the bundled sample {sample} is missing (a broken installation)")
    app = Workbench(
        settings,
        server=server,
        secrets=_null_keyring(),
        save_settings=False,
    )
    try:
        async with asyncio.timeout(timeout):
            report = await _recognize(app, sample, shot)
    except TimeoutError:
        return failed(f"no result within {timeout:g} s")
    except SelfTestError as failure:
        return failed(str(failure))
    except ConnectionFailure as failure:
        return failed(f"{failure.title}: {failure}")
    except (ControllerError, AudioSourceError) as error:
        return failed(str(error))
    finally:
        await app.shutdown()
        await app.dispose()
    print("\n".join(report.lines()), flush=True)
    if report.success and report.value == EXPECTED:
        print(f"SELF-TEST OK: the sample was recognized as {EXPECTED!r}", flush=True)
        return 0
    got = report.completion_cause or "no completion cause"
    return failed(f"expected Success with {EXPECTED!r}, got {got} with {report.value!r}")


async def _recognize(app: Workbench, sample: Path, shot: Path | None) -> RecognitionReport:
    await app.start()
    if not await app.wait_ready(timeout=None):  # bounded by the caller's timeout
        errors = app.status.texts("error")
        raise SelfTestError(errors[-1] if errors else "not connected to the local server")
    info = app.server.info if app.server is not None else None
    if info is not None:
        print(f"local server: {info.describe()}", flush=True)

    async def play() -> None:
        if not await app.audio_input.use_file(sample):
            raise SelfTestError("the sample could not be played")

    async def quiet() -> None:
        await app.audio_input.use_silence()
        if shot is not None:  # mid-session: the result is in, the session still open
            await asyncio.sleep(REPAINT_S)
            shot.parent.mkdir(parents=True, exist_ok=True)
            picture = app.window.grab()
            if not picture.save(str(shot)):
                raise SelfTestError(f"the screenshot could not be saved to {shot}")
            size = picture.size()
            print(f"screenshot: {shot} ({size.width()} x {size.height()})", flush=True)

    steps = RecognitionSteps(grammars=(GRAMMAR,), session_params=dict(LOCAL_SESSION_PARAMS))
    return await recognize_once(app.controller, steps, play=play, quiet=quiet, timeout=60.0)
