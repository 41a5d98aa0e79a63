"""`h2b-workbench serve`: the local H2B server on its own, for SDK scripts and other clients.

Two ways to run it:

* by a person, in a terminal: it prints the URLs, the credentials and the SDK exports, and
  serves until Ctrl-C;
* by the window, as a child process (``workbench.app.local_server``), so that recognition never
  competes with the GUI for the interpreter: ``--ready-json`` prints exactly one JSON line on
  stdout once it listens (:data:`READY_EVENT`, never the secret) or one :data:`ERROR_EVENT`
  line saying why it could not start; ``--exit-on-stdin-eof`` stops it when its standard
  input ends, which happens when the parent exits *or dies* (the pipe's write end closes with
  the parent's process, on every OS, with no signal or ``prctl`` needed).

The client secret may come from the :data:`SECRET_VARIABLE` environment variable instead of
``--client-secret``: a command line is visible to every user of the machine (``ps``), the
environment only to the same user. It is removed from the environment once read, so the
recognizer's worker processes do not inherit it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import ssl
import sys
import threading
from pathlib import Path
from typing import Final, TextIO

from workbench.app.serve_ready import ERROR_EVENT, READY_EVENT, SECRET_VARIABLE
from workbench.recognition.engine import Engine, EngineUnavailableError
from workbench.recognition.engines import ENGINE_NAMES, make_engine
from workbench.server.app import ServerConfig
from workbench.server.auth import Credentials
from workbench.server.runner import EmbeddedServer, self_signed, tls_context

EOF_GRACE_S: Final = 10.0
"""After stdin ends, how long a clean stop may take before the process exits regardless."""


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
    parser.add_argument(
        "--client-secret",
        help=f"client secret to accept (default: ${SECRET_VARIABLE}, else generated)",
    )
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
    parser.add_argument(
        "--ready-json",
        action="store_true",
        help="for programs: print one JSON line (URLs, client id, engine, model; never the "
        "secret) once listening, or one error line; nothing else on stdout",
    )
    parser.add_argument(
        "--exit-on-stdin-eof",
        action="store_true",
        help="stop when standard input ends (the parent process closed it or died)",
    )
    parser.set_defaults(handler=run)


def _credentials(args: argparse.Namespace) -> Credentials:
    generated = Credentials.generate()
    return Credentials(
        args.client_id or generated.client_id, args.client_secret or generated.client_secret
    )


def _emit(out: TextIO, event: str, **fields: object) -> None:
    """One machine-readable line (``--ready-json``)."""
    out.write(json.dumps({"event": event, **fields}, ensure_ascii=False) + "\n")
    out.flush()


def _fail(args: argparse.Namespace, message: str, code: int) -> int:
    print(f"serve: {message}", file=sys.stderr)
    if args.ready_json:
        _emit(sys.stdout, ERROR_EVENT, error=message, exit_code=code)
    return code


def run(args: argparse.Namespace) -> int:
    """Start, print how to connect, serve until interrupted."""
    if args.client_secret is None:
        args.client_secret = os.environ.pop(SECRET_VARIABLE, None) or None
    if (args.client_id is None) != (args.client_secret is None):
        return _fail(args, "give both --client-id and --client-secret, or neither", 2)
    if args.tls_cert is not None and args.tls_key is None:
        return _fail(args, "--tls-cert needs --tls-key", 2)
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
        return asyncio.run(_serve(engine, config, args, context, cert))
    except (ValueError, OSError, EngineUnavailableError) as error:
        return _fail(args, str(error), 1)


def _watch_stdin(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Set ``stop`` when stdin ends; exit outright if the clean stop then hangs.

    A thread, because a blocking read works the same on every OS (an asyncio pipe reader on
    stdin does not on Windows). It is a daemon: it never keeps the process alive.
    """

    def watch() -> None:
        try:  # os.read on the descriptor: no Python-level lock held at interpreter exit
            fd = sys.stdin.fileno()
            while os.read(fd, 4096):
                pass
        except (OSError, ValueError):
            pass
        try:
            loop.call_soon_threadsafe(stop.set)
        except RuntimeError:  # the loop is already closed: we are exiting anyway
            return
        threading.Event().wait(EOF_GRACE_S)
        os._exit(1)

    threading.Thread(target=watch, name="stdin-eof-watchdog", daemon=True).start()


async def _serve(
    engine: Engine,
    config: ServerConfig,
    args: argparse.Namespace,
    context: ssl.SSLContext | None,
    cert: Path | None,
) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C still ends asyncio.run
            loop.add_signal_handler(signum, stop.set)
    if args.exit_on_stdin_eof:
        _watch_stdin(loop, stop)
    server = EmbeddedServer(
        engine=engine, config=config, host=args.host, port=args.port, tls=context
    )
    try:
        await server.start()
    except BaseException:
        _close_engine(engine)
        raise
    try:
        if args.ready_json:
            _emit(
                sys.stdout,
                READY_EVENT,
                ws_url=server.ws_url,
                http_url=server.http_url,
                token_url=server.token_url,
                client_id=config.credentials.client_id,
                realm=config.realm,
                engine=server.engine.name,
                model=server.engine.asr_model,
                pid=os.getpid(),
            )
        else:
            _print_banner(server, config, args.host, cert)
        await stop.wait()
    finally:
        print("stopping...", file=sys.stderr if args.ready_json else sys.stdout, flush=True)
        await server.stop()
        _close_engine(engine)
    return 0


def _close_engine(engine: Engine) -> None:
    """Stop what the engine started (pocketsphinx's worker processes)."""
    close = getattr(engine, "close", None)
    if callable(close):
        close()


def _print_banner(
    server: EmbeddedServer, config: ServerConfig, host: str, cert: Path | None
) -> None:
    """How to connect, for a person (the secret included: it is their terminal)."""
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
