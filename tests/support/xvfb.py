"""A private X server (Xvfb) for tests that need a real display (the ``xcb`` Qt platform).

``-displayfd`` makes Xvfb pick a free display number and write it to a pipe, so parallel runs
never collide; ``-nolisten tcp`` keeps it local. Stopped (terminate, then wait) on exit.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator


@contextlib.contextmanager
def private_xvfb(screen: str = "1600x1000x24") -> Iterator[str]:
    """Run Xvfb for the block; yields its ``DISPLAY`` value (":<n>")."""
    read_end, write_end = os.pipe()
    try:
        server = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_end), "-screen", "0", screen, "-nolisten", "tcp"],
            pass_fds=(write_end,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        os.close(read_end)
        os.close(write_end)
        raise RuntimeError("Xvfb is not installed: apt-get install xvfb (make test does)") from None
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as announced:
            number = announced.readline().strip().decode()
        if not number.isdigit():
            raise RuntimeError(f"Xvfb did not start (exit code {server.poll()})")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)
