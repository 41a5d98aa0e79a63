"""Run the local server inside an existing event loop (the GUI, the tests) or on its own."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from pathlib import Path
from types import TracebackType

from aiohttp import web

from workbench.recognition.engine import Engine
from workbench.recognition.engines import make_engine
from workbench.server.app import ServerConfig, make_app


def default_engine() -> Engine:
    """The recognizer the local server uses unless told otherwise (see ``engines``)."""
    return make_engine("auto")


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A server TLS context from PEM files; the error names the file that is wrong."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as error:
        raise ValueError(
            f"cannot load the TLS certificate {cert} with key {key}: {error}"
        ) from None
    return context


def self_signed(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A certificate for ``host`` (made once with the openssl command, then reused)."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "local-h2b-cert.pem", directory / "local-h2b-key.pem"
    if cert.exists() and key.exists():
        return cert, key
    san = f"IP:{host}" if host.replace(".", "").isdigit() else f"DNS:{host}"
    command = [
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "825",
        "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={host}",
        "-addext", f"subjectAltName={san},DNS:localhost",
    ]  # fmt: skip
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=60)
    except FileNotFoundError:
        raise ValueError(
            "making a self-signed certificate needs the openssl command; install openssl "
            "or pass --tls-cert and --tls-key"
        ) from None
    except subprocess.CalledProcessError as error:
        raise ValueError(f"openssl failed: {error.stderr.decode(errors='replace')}") from None
    return cert, key


class EmbeddedServer:
    """The local server on ``host`` (127.0.0.1) and a port (0: any free one), in this loop."""

    def __init__(
        self,
        engine: Engine | None = None,
        config: ServerConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.config = config or ServerConfig()
        self.engine = engine or default_engine()
        self.host = host
        self._requested_port = port
        self._tls = tls
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        """Load the engine's model (off the loop), bind, serve; ``port`` is then the real one."""
        load = getattr(self.engine, "load", None)
        if callable(load):
            await asyncio.get_running_loop().run_in_executor(None, load)
        runner = web.AppRunner(make_app(self.engine, self.config), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._requested_port, ssl_context=self._tls)
        try:
            await site.start()
        except OSError as error:
            await runner.cleanup()
            raise OSError(
                f"cannot listen on {self.host}:{self._requested_port}: {error.strerror}; "
                "choose another --port (or 0 for any free one)"
            ) from None
        self._runner = runner
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self._requested_port

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> EmbeddedServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def secure(self) -> bool:
        """True when serving TLS (https/wss)."""
        return self._tls is not None

    @property
    def http_url(self) -> str:
        """Base URL of the token endpoint."""
        return f"{'https' if self.secure else 'http'}://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """The ``/bots`` WebSocket URL."""
        return f"{'wss' if self.secure else 'ws'}://{self.host}:{self.port}/bots"

    @property
    def token_url(self) -> str:
        """Where to POST client credentials."""
        return f"{self.http_url}/realms/{self.config.realm}/protocol/openid-connect/token"
