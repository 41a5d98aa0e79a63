"""`h2b-workbench --self-test` as the packaged app and support run it: a real subprocess.

It must start offscreen with no display, run one recognition of the bundled sample through the
whole app (window, local server child, audio input, controller), print the result and exit 0;
and when it cannot, exit 1 with the reason in plain words.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

SCRIPT = Path(sys.executable).with_name("h2b-workbench")


def run_self_test(
    *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    environ.pop("QT_QPA_PLATFORM", None)  # the self-test chooses offscreen by itself
    environ.update(env or {})
    return subprocess.run(
        [str(SCRIPT), "--self-test", *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=environ,
    )


def test_the_self_test_recognizes_the_bundled_sample() -> None:
    assert SCRIPT.exists(), f"{SCRIPT} is not installed (run scripts/bootstrap.sh)"
    result = run_self_test()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SELF-TEST OK" in result.stdout
    assert 'value       : "42"' in result.stdout
    assert "local server: " in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_failing_self_test_exits_1_with_the_reason(tmp_path: Path) -> None:
    result = run_self_test("--engine", "whisper", env={"H2B_WHISPER_MODEL": str(tmp_path)})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "SELF-TEST FAILED: " in result.stderr
    assert "could not start" in result.stderr
    assert "no CTranslate2 whisper model" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
