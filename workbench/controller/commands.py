"""The eight H2B commands as methods, each a thin wrapper over one protocol message.

Kept apart from :mod:`~workbench.controller.session_controller` (which sends, receives and keeps
the timeline) so that the controller's mechanics read in one place and its vocabulary in another.
Each method builds the command the official SDK would build; the controller stamps, checks,
records and sends it, and returns when its reply arrives.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import TypeVar

from workbench.controller.pending import PendingRecognition
from workbench.protocol.messages import (
    Close,
    Closed,
    Command,
    DefaultParams,
    DefineGrammar,
    Event,
    GetParams,
    GrammarDefined,
    InputTimersStarted,
    JsonValue,
    Open,
    Opened,
    ParamsSet,
    Recognize,
    SetParams,
    StartInputTimers,
    Stop,
    Stopped,
)

E = TypeVar("E", bound=Event)


class SessionCommands(ABC):
    """OPEN, SET-PARAMS, GET-PARAMS, DEFINE-GRAMMAR, RECOGNIZE, START-INPUT-TIMERS, STOP, CLOSE.

    Every method raises ``ActionRefused`` (nothing sent) when the protocol state forbids the
    command, ``CommandFailed`` when an error event answers it, ``ReplyTimeoutError`` when no
    reply comes in time, and ``RequestLost`` when the connection ends first.
    """

    @abstractmethod
    async def _request(self, command: Command, reply: type[E]) -> E:
        """Send ``command`` and return its success reply."""

    @abstractmethod
    async def _recognition(self, command: Recognize) -> PendingRecognition:
        """Send a RECOGNIZE and return its pending recognition at once."""

    async def open(
        self,
        *,
        custom_id: str = "",
        session_id: str = "",
        channel_prefix: str = "",
        codec: str = "linear",
    ) -> Opened:
        """OPEN a session; the attached stream switches to ``codec`` at once."""
        command = Open(
            custom_id=custom_id, session_id=session_id, channel_id=channel_prefix, audio_codec=codec
        )
        return await self._request(command, Opened)

    async def set_params(self, params: Mapping[str, JsonValue]) -> ParamsSet:
        """SET-PARAMS: session defaults (sent as given: a workbench may send bad values)."""
        return await self._request(SetParams(params=dict(params)), ParamsSet)

    async def get_params(self) -> DefaultParams:
        """GET-PARAMS: the reply's ``headers`` hold every parameter's session value."""
        return await self._request(GetParams(), DefaultParams)

    async def define_grammar(self, alias: str, uri: str) -> GrammarDefined:
        """DEFINE-GRAMMAR: ``session:<alias>`` stands for ``uri`` (``builtin:…``) from now on."""
        return await self._request(DefineGrammar(alias=alias, uri=uri), GrammarDefined)

    async def recognize(
        self,
        grammars: Sequence[str],
        *,
        mode: str = "normal",
        start_input_timers: bool = True,
        params: Mapping[str, JsonValue] | None = None,
    ) -> PendingRecognition:
        """RECOGNIZE against ``grammars`` (first match wins); returns once the frame is sent.

        ``params`` override the session defaults for this recognition only.
        """
        command = Recognize(
            grammars=tuple(grammars),
            recognition_mode=mode,
            start_input_timers=start_input_timers,
            params=dict(params or {}),
        )
        return await self._recognition(command)

    async def start_input_timers(self) -> InputTimersStarted:
        """START-INPUT-TIMERS of a recognition begun with ``start_input_timers=False``."""
        return await self._request(StartInputTimers(), InputTimersStarted)

    async def stop(self) -> Stopped:
        """STOP the running recognition (its result then raises ``RecognitionStoppedError``)."""
        return await self._request(Stop(), Stopped)

    async def close(self) -> Closed:
        """CLOSE the session; the connection stays open for another OPEN."""
        return await self._request(Close(), Closed)
