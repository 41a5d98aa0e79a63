"""One recognition from OPEN to CLOSE, shared by the ``recognize`` command and the window.

``h2b-workbench recognize`` and ``h2b-workbench --self-test`` run the same H2B conversation;
only the way the audio is started differs (the command switches its stream to a source, the
window asks its :class:`~workbench.controller.audio_input.AudioInput`). Keeping the steps here
means both always send what the other sends.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from workbench.client import ConnectionFailure
from workbench.controller import ControllerError, SessionController
from workbench.controller.report import RecognitionReport
from workbench.protocol.messages import JsonValue

LOCAL_SESSION_PARAMS: Final[Mapping[str, JsonValue]] = {"speech_language": "en"}
"""Only English models ship with the local server; the protocol's default language is French."""
CLOSE_TIMEOUT_S: Final = 2.0


@dataclass(frozen=True)
class RecognitionSteps:
    """What one conversation sends: grammars (first match wins), aliases, parameters."""

    grammars: Sequence[str]
    defines: Sequence[tuple[str, str]] = ()
    mode: str = "normal"
    start_input_timers: bool = True
    session_params: Mapping[str, JsonValue] = field(default_factory=dict)
    recognize_params: Mapping[str, JsonValue] = field(default_factory=dict)
    codec: str = "linear"


async def recognize_once(
    controller: SessionController,
    steps: RecognitionSteps,
    *,
    play: Callable[[], Awaitable[object]],
    quiet: Callable[[], Awaitable[object]],
    timeout: float,
) -> RecognitionReport:
    """OPEN, SET-PARAMS, DEFINE-GRAMMAR…, RECOGNIZE, ``play()``, the result, ``quiet()``, CLOSE.

    The audio starts right after RECOGNIZE is sent (the recognition hears it from its first
    chunk) and ``quiet()`` puts silence back once the result is in, so a microphone stops.
    Raises what the controller raises (``CommandFailed``, ``ConnectionFailure``…) and
    ``TimeoutError`` when no result comes within ``timeout`` seconds.
    """
    await controller.open(codec=steps.codec)
    await controller.set_params(steps.session_params)
    for alias, uri in steps.defines:
        await controller.define_grammar(alias, uri)
    pending = await controller.recognize(
        steps.grammars,
        mode=steps.mode,
        start_input_timers=steps.start_input_timers,
        params=steps.recognize_params,
    )
    await play()
    await pending.reply()
    if not steps.start_input_timers:  # no prompt plays here: the timers may start now
        await controller.start_input_timers()
    complete = await asyncio.wait_for(pending.result(), timeout)
    await quiet()
    await controller.close()
    return RecognitionReport.of(pending, complete)


async def stop_and_close(controller: SessionController) -> None:
    """STOP a running recognition and CLOSE the session, each bounded; never raises for it."""
    with contextlib.suppress(ControllerError, ConnectionFailure, TimeoutError):
        if controller.why_not("STOP") is None:
            await asyncio.wait_for(controller.stop(), CLOSE_TIMEOUT_S)
        if controller.why_not("CLOSE") is None:
            await asyncio.wait_for(controller.close(), CLOSE_TIMEOUT_S)
