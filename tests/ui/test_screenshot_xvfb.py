"""The window on a real X server (Xvfb), mid-session, saved as a picture for people to review.

The app runs in a child process on the ``xcb`` platform (the test process's Qt is offscreen
and cannot change platform), does what ``--self-test`` does (local server child, connection,
one recognition of the bundled sample) and, with the result in and the session still open,
grabs the window. The test checks the file is a PNG of the window's size with a real picture
in it (not one flat colour), then publishes it at :data:`SCREENSHOT` for review.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.support.xvfb import private_xvfb

pytestmark = [pytest.mark.xvfb, pytest.mark.timeout(150)]

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "build" / "screenshots" / "main-window.png"
APP = (
    "import sys; from pathlib import Path; from workbench.app.gui import self_test; "
    "sys.exit(self_test(platform='xcb', screenshot=Path(sys.argv[1])))"
)


@pytest.fixture
def display() -> Iterator[str]:
    with private_xvfb() as value:
        yield value


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_window_mid_session_is_saved_as_a_picture(display: str, tmp_path: Path) -> None:
    shot = tmp_path / "main-window.png"
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    result = subprocess.run(
        [sys.executable, "-c", APP, str(shot)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SELF-TEST OK" in result.stdout
    shown = re.search(r"screenshot: .* \((\d+) x (\d+)\)", result.stdout)
    assert shown, result.stdout
    window = (int(shown.group(1)), int(shown.group(2)))
    assert window[0] >= 1000
    assert window[1] >= 500
    assert png_size(shot) == window
    image = QImage(str(shot))
    assert not image.isNull()
    assert (image.width(), image.height()) == window
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 20, f"a nearly blank picture ({len(colours)} colours)"
    # Published whole (write aside, then rename): a reader, or another run of this test at
    # the same time, never sees half a file.
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    aside = SCREENSHOT.with_name(f".{SCREENSHOT.name}.{os.getpid()}")
    shutil.copyfile(shot, aside)
    os.replace(aside, SCREENSHOT)
    assert png_size(SCREENSHOT) == window
