"""The `h2b-workbench` command line.

Subcommands are added by registering a function in `SUBCOMMANDS`: it receives the subparsers
object, adds its parser and sets `handler` (a callable taking the parsed namespace and returning an
exit code) with `set_defaults`.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable

import workbench

PROG = "h2b-workbench"

NOT_YET_MESSAGE = (
    f"{PROG} {workbench.__version__}: the desktop window is not built yet. Today the command "
    f"line runs the local H2B server (`{PROG} serve`, offline recognition; `{PROG} serve "
    "--help` says how to point the official SDK at it); the window and the recognize "
    "command arrive with their own issues."
)

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
    if handler is None:
        print(textwrap.fill(NOT_YET_MESSAGE, width=78))
        return 0
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
