"""DNS, refused ports and TLS, each named in plain words; verification is never turned off."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.functional.client.conftest import (
    CLIENT_CREDENTIALS,
    Notes,
    local_server_profile,
    unused_port,
)
from tests.functional.conftest import CREDENTIALS
from workbench.client.connection import H2BConnection
from workbench.client.errors import ConnectionFailure
from workbench.client.profiles import ConnectionProfile, custom_profile
from workbench.protocol.client_role import ClientProtocol
from workbench.protocol.messages import Open, Opened
from workbench.recognition.engine import Engine
from workbench.server.app import ServerConfig
from workbench.server.runner import EmbeddedServer, self_signed, tls_context

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(5)]


async def failure_of(profile: ConnectionProfile, notes: Notes | None = None) -> ConnectionFailure:
    with pytest.raises(ConnectionFailure) as caught:
        await H2BConnection.open(profile, CLIENT_CREDENTIALS, observer=notes, timeout=3)
    return caught.value


def tls_server(engine: Engine, cert: Path, key: Path) -> EmbeddedServer:
    config = ServerConfig(credentials=CREDENTIALS)
    return EmbeddedServer(engine=engine, config=config, tls=tls_context(cert, key))


async def test_refused_port_names_host_port_and_the_local_server(notes: Notes) -> None:
    port = unused_port()
    failure = await failure_of(custom_profile(f"ws://127.0.0.1:{port}"), notes)
    assert failure.kind == "refused"
    assert f"127.0.0.1:{port}" in failure.cause
    assert "connection refused" in failure.cause
    assert "is the server running?" in failure.remedy
    assert "h2b-workbench serve" in failure.remedy
    assert notes.names == ["token requested", "failed"]


async def test_dns_failure_names_the_host() -> None:
    # RFC 6761: .invalid never resolves, and the client answers for it without a DNS query.
    failure = await failure_of(custom_profile("ws://h2b-workbench-test.invalid:8080"))
    assert failure.kind == "dns"
    assert "'h2b-workbench-test.invalid'" in failure.cause
    assert "does not resolve" in failure.cause


async def test_self_signed_certificate_is_refused_then_trusted_with_its_ca_file(
    engine: Engine, tls_files: tuple[Path, Path]
) -> None:
    cert, key = tls_files
    async with tls_server(engine, cert, key) as server:
        failure = await failure_of(local_server_profile(server))
        assert failure.kind == "tls"
        assert "certificate verify failed: self-signed certificate" in failure.cause
        assert f"127.0.0.1:{server.port}" in failure.cause
        assert "CA file" in failure.remedy
        assert "never turned off" in failure.remedy

        profile = local_server_profile(server, ca_file=cert)
        assert profile.bots_url.startswith("wss://")
        async with await H2BConnection.open(profile, CLIENT_CREDENTIALS) as connection:
            protocol = ClientProtocol()
            await connection.send_text(protocol.send(Open()).text)
            frame = await connection.receive()
            assert frame is not None
            assert isinstance(protocol.receive(frame), Opened)


async def test_a_certificate_for_another_host_says_mismatch(engine: Engine, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path, host="h2b.example")
    async with tls_server(engine, cert, key) as server:
        failure = await failure_of(local_server_profile(server, ca_file=cert))
    assert failure.kind == "tls"
    assert "certificate verify failed: IP address mismatch" in failure.cause
    assert "host name the certificate was made for" in failure.remedy


async def test_tls_to_a_plain_http_port(local: EmbeddedServer) -> None:
    failure = await failure_of(custom_profile(f"wss://127.0.0.1:{local.port}"))
    assert failure.kind == "tls"
    assert "does not seem to speak TLS" in failure.cause
    assert "ws://" in failure.remedy


async def test_plain_http_to_a_tls_port(engine: Engine, tls_files: tuple[Path, Path]) -> None:
    async with tls_server(engine, *tls_files) as server:
        failure = await failure_of(custom_profile(f"ws://127.0.0.1:{server.port}"))
    assert failure.kind == "dropped"
    assert "closed the connection without answering" in failure.cause
    assert "wss://" in failure.remedy


async def test_an_unreadable_ca_file(local: EmbeddedServer, tmp_path: Path, notes: Notes) -> None:
    bogus = tmp_path / "not-a-cert.pem"
    bogus.write_text("hello")
    for ca_file in (bogus, tmp_path / "missing.pem"):
        failure = await failure_of(local_server_profile(local, ca_file=ca_file), notes)
        assert failure.kind == "tls"
        assert f"cannot read the CA file '{ca_file}'" in failure.cause
    assert notes.names == ["failed", "failed"]
