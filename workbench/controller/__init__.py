"""asyncio orchestration of H2B sessions: commands, audio and the timeline, without Qt.

See ``docs/design/client-core.md``. The modules:

- ``session_controller``: :class:`SessionController`, the one object the UI and the CLI drive;
- ``commands``: the eight H2B commands as its methods;
- ``pending``: :class:`PendingRecognition`, a RECOGNIZE's reply and result to await;
- ``requests``: the book of waits (replies, recognitions) the received frames resolve;
- ``audio_forwarder``: an audio stream's chunks to the socket while a session is open;
- ``state``: :class:`ControllerState` snapshots and their observers;
- ``errors``, ``losses``: what goes wrong, in plain words; what a dropped connection took away;
- ``report``: a finished recognition summed up for people and for JSON.
"""

from workbench.controller.audio_forwarder import AudioCounters, AudioForwarder
from workbench.controller.errors import (
    ActionRefused,
    CommandFailed,
    ControllerError,
    RecognitionStoppedError,
    ReplyTimeoutError,
    RequestLost,
    UnexpectedReplyError,
)
from workbench.controller.pending import PendingRecognition
from workbench.controller.session_controller import DEFAULT_REPLY_TIMEOUT, SessionController
from workbench.controller.state import ConnectionStatus, ControllerState

__all__ = [
    "DEFAULT_REPLY_TIMEOUT",
    "ActionRefused",
    "AudioCounters",
    "AudioForwarder",
    "CommandFailed",
    "ConnectionStatus",
    "ControllerError",
    "ControllerState",
    "PendingRecognition",
    "RecognitionStoppedError",
    "ReplyTimeoutError",
    "RequestLost",
    "SessionController",
    "UnexpectedReplyError",
]
