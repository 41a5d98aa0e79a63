"""The H2B transport over aiohttp: token, WebSocket, frames in and out, failures in plain words.

See ``docs/design/client-core.md``. Imports the protocol core only (and aiohttp); commands and
sessions are the controller's business, this package moves frames and tells the truth about
the socket.
"""

from __future__ import annotations

from workbench.client.auth import Token, request_token, token_form
from workbench.client.connection import CloseInfo, H2BConnection
from workbench.client.errors import ConnectionFailure, FailureKind
from workbench.client.notes import ConnectionNote, Observer
from workbench.client.profiles import (
    ConnectionProfile,
    Credentials,
    custom_profile,
    local_profile,
    uhlive_profile,
)
from workbench.client.reconnect import Backoff, Reconnector

__all__ = [
    "Backoff",
    "CloseInfo",
    "ConnectionFailure",
    "ConnectionNote",
    "ConnectionProfile",
    "Credentials",
    "FailureKind",
    "H2BConnection",
    "Observer",
    "Reconnector",
    "Token",
    "custom_profile",
    "local_profile",
    "request_token",
    "token_form",
    "uhlive_profile",
]
