"""The `h2b-workbench` command line.

Without a subcommand it opens the window (``workbench.app.gui``, imported only then: the
subcommands never load Qt); ``--self-test`` runs one recognition of a bundled sample through
the whole app, offscreen, and exits 0 or 1 with the reason.

Subcommands are added by registering a function in `SUBCOMMANDS`: it receives the subparsers
object, adds its parser and sets `handler` (a callable taking the parsed namespace and returning an
exit code) with `set_defaults`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from typing import Final

import workbench
from workbench.recognition.engines import ENGINE_NAMES

PROG = "h2b-workbench"

NO_DISPLAY: Final = (
    "h2b-workbench: no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is "
    "set). Run it in a desktop session, or under xvfb-run; `h2b-workbench --self-test` checks "
    "the installation without a display."
)


def display_problem(environ: Mapping[str, str] | None = None, platform: str | None = None) -> str:
    """Why no window can be shown here ("" when it can): a Linux session without a display."""
    env = dict(os.environ) if environ is None else environ
    system = sys.platform if platform is None else platform
    if not system.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return ""
    return "" if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") else NO_DISPLAY


Handler = Callable[[argparse.Namespace], int]
SubcommandRegistrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def _serve(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from workbench.app import serve_command

    serve_command.register(subparsers)


def _devices(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from workbench.app import devices_command

    devices_command.register(subparsers)


def _recognize(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from workbench.app import recognize_command

    recognize_command.register(subparsers)


# Later issues append their registrars here.
SUBCOMMANDS: list[SubcommandRegistrar] = [_serve, _devices, _recognize]


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Desktop workbench for the Stream H2B real-time voice-bot API.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {workbench.__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="recognize a bundled sample through the whole app (offscreen) and exit: "
        "0 when it works, 1 with the reason",
    )
    parser.add_argument(
        "--engine",
        choices=ENGINE_NAMES,
        default="auto",
        help="recognizer of the window's local server (auto: whisper when a model is found)",
    )
    parser.add_argument(
        "--self-test-timeout",
        type=float,
        default=90.0,
        metavar="SECONDS",
        help=argparse.SUPPRESS,
    )
    if SUBCOMMANDS:
        subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
        for register in SUBCOMMANDS:
            register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line with `argv` (default: `sys.argv[1:]`) and return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --version, --help and usage errors end here
        if isinstance(exc.code, int):
            return exc.code
        return 0 if exc.code is None else 1
    handler: Handler | None = getattr(args, "handler", None)
    if handler is not None:
        return handler(args)
    problem = "" if args.self_test else display_problem()
    if problem:  # Qt would abort with a page about platform plugins
        print(problem, file=sys.stderr)
        return 1
    from workbench.app.local_server import LocalServerProcess

    server = LocalServerProcess(engine=args.engine)
    server.spawn()  # the recognizer loads in the child while Qt loads here
    from workbench.app import gui  # Qt is loaded only for the window

    if args.self_test:
        return gui.self_test(server=server, timeout=args.self_test_timeout)
    return gui.run_window(server=server)


if __name__ == "__main__":
    raise SystemExit(main())
