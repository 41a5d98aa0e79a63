"""`h2b-workbench` with no subcommand: the window, its local server, a connection, a clean exit.

Run as a user runs it (the installed script, offscreen), with the benchmark switch that closes
the window by itself once it is connected to its local server. Its own settings and log folder
(``XDG_CONFIG_HOME``) keep the user's untouched.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

SCRIPT = Path(sys.executable).with_name("h2b-workbench")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state not in {"Z", "X"}


def test_the_window_starts_connects_to_its_server_and_exits_cleanly(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path),
        "H2B_WORKBENCH_BENCH": "connected",
    }
    result = subprocess.run(
        [str(SCRIPT)], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    events = re.findall(r"^H2B-BENCH (\w+) ([\d.]+)(.*)$", result.stdout, re.MULTILINE)
    assert [name for name, _, _ in events] == ["shown", "server", "connected", "closed"]
    times = [float(at) for _, at, _ in events]
    assert times == sorted(times)
    pid = re.search(r"pid=(\d+)", events[1][2])
    assert pid, result.stdout
    assert not _alive(int(pid.group(1)))  # the server child went with the window
    assert "Traceback" not in result.stdout + result.stderr
    folder = tmp_path / "h2b-workbench"
    settings = json.loads((folder / "settings.json").read_text(encoding="utf-8"))
    assert settings["connection"]["profile"] == "local"
    assert settings["window"]["geometry"]
    log = (folder / "logs" / "workbench.log").read_text(encoding="utf-8")
    assert "local server: stopping..." in log
    assert "Traceback" not in log


def test_a_polite_kill_closes_the_window_the_normal_way(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    env.pop("H2B_WORKBENCH_BENCH", None)
    log = tmp_path / "h2b-workbench" / "logs" / "workbench.log"
    app = subprocess.Popen(
        [str(SCRIPT)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        ready = None
        while ready is None and time.monotonic() < deadline and app.poll() is None:
            time.sleep(0.1)
            text = log.read_text(encoding="utf-8") if log.exists() else ""
            ready = re.search(r"local server ready: .* \(pid (\d+)\)", text)
            if ready and "connected: connected to" not in text:
                ready = None  # wait for the connection too
        assert ready, f"not ready in time (exit code {app.poll()})"
        child = int(ready.group(1))
        app.send_signal(signal.SIGTERM)
        out, err = app.communicate(timeout=30)
    finally:
        if app.poll() is None:
            app.kill()
            app.communicate(timeout=10)
    assert app.returncode == 0, out + err
    assert not _alive(child)
    assert "Traceback" not in out + err
    text = log.read_text(encoding="utf-8")
    assert "the workbench closed the connection (code 1000)" in text
    assert "local server: stopping..." in text
