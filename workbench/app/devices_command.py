"""`h2b-workbench devices [--json]`: the input devices PortAudio sees, for users and support.

Exit codes: 0 when the question was answered, including "there is no input device" (an answer:
plug one in, start the sound server); 1 when it could not be asked, because PortAudio itself is
missing or failed (a broken install that scripts and support should notice). Either way the output
says what to do, and never a traceback: ``--json`` always prints one object
``{"portaudio": version | null, "error": message | null, "hint": text | null, "devices": [...]}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from workbench.audio.devices import NO_INPUT_REMEDY, InputDevice, list_input_devices
from workbench.audio.portaudio import portaudio_version
from workbench.audio.source import AudioSourceError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``devices`` subcommand."""
    parser = subparsers.add_parser(
        "devices",
        help="list the audio input devices (microphones) PortAudio sees",
        description="List the input devices: index, default marker, name, host API, input "
        "channels and native sample rate, as PortAudio finds them when the command starts.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON (for bug reports)")
    parser.set_defaults(handler=run)


def format_table(devices: Sequence[InputDevice]) -> str:
    """The devices as an aligned text table; ``*`` marks the default input."""
    header = ("index", "", "name", "host API", "inputs", "rate (Hz)")
    rows = [
        (
            str(d.index),
            "*" if d.is_default else "",
            d.name,
            d.host_api,
            str(d.input_channels),
            f"{d.default_rate:g}",
        )
        for d in devices
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    right = {0, 4, 5}  # numbers align right

    def line(row: Sequence[str]) -> str:
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    footer = "* default input" if any(d.is_default for d in devices) else "(no default input)"
    return "\n".join([line(header), *(line(row) for row in rows), footer])


def _report(
    devices: Sequence[InputDevice], version: str | None, error: str | None, hint: str | None
) -> dict[str, Any]:
    return {
        "portaudio": version,
        "error": error,
        "hint": hint,
        "devices": [device.to_json() for device in devices],
    }


def run(args: argparse.Namespace) -> int:
    """List the devices (refreshed), print them as a table or JSON; see the module docstring."""
    try:
        devices = list_input_devices()  # this process just started: the list is fresh
    except AudioSourceError as error:
        if args.json:
            report = _report([], portaudio_version(), str(error), error.remedy or None)
            print(json.dumps(report, indent=2))
        else:
            print(f"devices: {error}", file=sys.stderr)
        return 1
    version = portaudio_version()
    hint = None if devices else f"No input device found: {NO_INPUT_REMEDY}."
    if args.json:
        print(json.dumps(_report(devices, version, None, hint), indent=2))
    elif devices:
        print(format_table(devices))
        print(f"({version})")
    else:
        print(hint)
        print(f"({version})")
    return 0
