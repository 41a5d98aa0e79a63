"""`h2b-workbench serve`: the local H2B server on its own, for SDK scripts and other clients."""

from __future__ import annotations

import argparse
import asyncio
import signal
import ssl
import sys
from pathlib import Path

from workbench.recognition.engine import Engine, EngineUnavailableError
from workbench.recognition.engines import ENGINE_NAMES, make_engine
from workbench.server.app import ServerConfig
from workbench.server.auth import Credentials
from workbench.server.runner import EmbeddedServer, self_signed, tls_context


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` subcommand."""
    parser = subparsers.add_parser(
        "serve",
        help="run the local H2B server (token endpoint + /bots WebSocket)",
        description="Run the embedded H2B server with offline recognition until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 = any)")
    parser.add_argument("--realm", default="uhlive", help="token realm (default uhlive)")
    parser.add_argument("--client-id", help="client id to accept (generated if absent)")
    parser.add_argument("--client-secret", help="client secret to accept (generated if absent)")
    tls = parser.add_mutually_exclusive_group()
    tls.add_argument("--tls-self-signed", metavar="DIR", type=Path,
                     help="serve https/wss with a self-signed certificate kept in DIR")  # fmt: skip
    tls.add_argument("--tls-cert", metavar="FILE", type=Path, help="PEM certificate for TLS")
    parser.add_argument("--tls-key", metavar="FILE", type=Path, help="PEM key for --tls-cert")
    parser.add_argument(
        "--engine",
        choices=ENGINE_NAMES,
        default="auto",
        help="recognizer (auto: whisper when a model is available, else pocketsphinx)",
    )
    parser.add_argument(
        "--whisper-model",
        metavar="DIR|NAME",
        help="CTranslate2 whisper model directory, or a model name to download once",
    )
    parser.set_defaults(handler=run)


def _credentials(args: argparse.Namespace) -> Credentials:
    generated = Credentials.generate()
    return Credentials(
        args.client_id or generated.client_id, args.client_secret or generated.client_secret
    )


def run(args: argparse.Namespace) -> int:
    """Start, print how to connect, serve until interrupted."""
    if (args.client_id is None) != (args.client_secret is None):
        print("serve: give both --client-id and --client-secret, or neither", file=sys.stderr)
        return 2
    if args.tls_cert is not None and args.tls_key is None:
        print("serve: --tls-cert needs --tls-key", file=sys.stderr)
        return 2
    try:
        context = None
        cert = None
        if args.tls_self_signed is not None:
            cert, key = self_signed(args.tls_self_signed, args.host)
            context = tls_context(cert, key)
        elif args.tls_cert is not None:
            cert = args.tls_cert
            context = tls_context(args.tls_cert, args.tls_key)
        config = ServerConfig(credentials=_credentials(args), realm=args.realm)
        engine = make_engine(args.engine, args.whisper_model)
        return asyncio.run(_serve(engine, config, args.host, args.port, context, cert))
    except (ValueError, OSError, EngineUnavailableError) as error:
        print(f"serve: {error}", file=sys.stderr)
        return 1


async def _serve(  # noqa: PLR0917 - one call site, all positional by design
    engine: Engine,
    config: ServerConfig,
    host: str,
    port: int,
    context: ssl.SSLContext | None,
    cert: Path | None,
) -> int:
    server = EmbeddedServer(engine=engine, config=config, host=host, port=port, tls=context)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    authority = f"{host}:{server.port}"
    print(f"H2B local server ({server.engine.name}, model {server.engine.asr_model})")
    print(f"  token endpoint : {server.token_url}")
    print(f"  WebSocket      : {server.ws_url}")
    print(f"  client id      : {config.credentials.client_id}")
    print(f"  client secret  : {config.credentials.client_secret}")
    print("  with the official SDK:")
    print(f"    export UHLIVE_AUTH_SERVER={authority} UHLIVE_AUTH_REALM={config.realm}")
    print(f"    export UHLIVE_API_URL={server.ws_url.removesuffix('/bots')}")
    if cert is not None:
        print(f"    export REQUESTS_CA_BUNDLE={cert} SSL_CERT_FILE={cert}")
    elif server.http_url.startswith("http:"):
        print("    (the SDK's token helper needs https: add --tls-self-signed DIR)")
    print("Ctrl-C stops the server.", flush=True)
    try:
        await stop.wait()
    finally:
        print("stopping...", flush=True)
        await server.stop()
        close = getattr(engine, "close", None)
        if callable(close):
            close()
    return 0
