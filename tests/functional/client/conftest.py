"""Fixtures for the transport tests: servers on 127.0.0.1, notes collected, TLS files.

The embedded server runs with a stub engine that hears nothing: these tests are about the
socket, not recognition, and must stay well under their 5 s bound.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
import pytest_asyncio

from tests.functional.conftest import CREDENTIALS
from tests.support.misbehaving_server import MisbehavingServer
from workbench.client.notes import ConnectionNote
from workbench.client.profiles import ConnectionProfile, Credentials, local_profile
from workbench.protocol.grammars import GrammarUri
from workbench.recognition.engine import Engine, Hypothesis
from workbench.server.app import ServerConfig
from workbench.server.runner import EmbeddedServer, self_signed

CLIENT_CREDENTIALS = Credentials(CREDENTIALS.client_id, CREDENTIALS.client_secret)


class DeafDecoder:
    """Hears nothing: the recognition runs until STOP or a timer."""

    def feed(self, pcm: bytes) -> None:
        del pcm

    def partial(self) -> str:
        return ""

    def finish(self, n_best: int = 1) -> list[Hypothesis]:
        del n_best
        return []


class DeafEngine:
    """The smallest engine the local server accepts (English only)."""

    name = "deaf"
    asr_model = "en.deaf"

    def languages(self) -> frozenset[str]:
        return frozenset({"en"})

    def decoder(self, grammars: Sequence[GrammarUri], language: str) -> DeafDecoder:
        del grammars, language
        return DeafDecoder()


@pytest.fixture(scope="session")
def engine() -> Engine:
    """Overrides the real engine of tests/functional: nothing here needs to hear."""
    return DeafEngine()


@pytest_asyncio.fixture
async def local(engine: Engine) -> AsyncIterator[EmbeddedServer]:
    """The embedded local server, plain HTTP, with the test credentials."""
    async with EmbeddedServer(engine=engine, config=ServerConfig(credentials=CREDENTIALS)) as s:
        yield s


def local_server_profile(server: EmbeddedServer, ca_file: Path | None = None) -> ConnectionProfile:
    return local_profile(server.http_url, ca_file=str(ca_file) if ca_file else None)


@pytest_asyncio.fixture
async def misbehaving() -> AsyncIterator[MisbehavingServer]:
    async with MisbehavingServer() as server:
        yield server


class Notes(list[ConnectionNote]):
    """An observer that keeps every note."""

    def __call__(self, note: ConnectionNote) -> None:
        self.append(note)

    @property
    def names(self) -> list[str]:
        return [note.name for note in self]


@pytest.fixture
def notes() -> Notes:
    return Notes()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (made once)."""
    return self_signed(tmp_path_factory.mktemp("tls"))


def unused_port() -> int:
    """A port nothing listens on (bound then released; nobody else runs here to take it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log record at DEBUG and above, for the no-secret checks."""
    caplog.set_level(logging.DEBUG)
    return caplog
