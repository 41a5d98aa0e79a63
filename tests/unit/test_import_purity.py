"""What importing the package really loads, checked in a fresh interpreter; and the command line.

The layering test reads the source; this one runs it: importing every module of workbench.protocol
must load nothing but the standard library and workbench itself, and the command line must answer
`--version` without pulling in Qt.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import workbench
from workbench.app import cli

if TYPE_CHECKING:
    from collections.abc import Callable

REPO = Path(__file__).resolve().parents[2]

# Prints, as JSON, the modules that importing the given package and all its submodules added.
PROBE = """
import importlib, json, pkgutil, sys
before = set(sys.modules)
package = importlib.import_module(sys.argv[1])
for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(info.name)
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def _modules_loaded_by(package: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, package],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout)
    return loaded


def _foreign(modules: list[str]) -> list[str]:
    return [
        name
        for name in modules
        if name.partition(".")[0] not in sys.stdlib_module_names | {"workbench"}
    ]


def test_the_protocol_core_loads_only_the_standard_library() -> None:
    loaded = _modules_loaded_by("workbench.protocol")
    assert "workbench.protocol" in loaded
    assert _foreign(loaded) == []


# Builds the parser (which imports every subcommand's module) and prints what that loaded.
COMMAND_LINE_PROBE = """
import json, sys
before = set(sys.modules)
from workbench.app import cli
cli.build_parser()
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_the_command_line_loads_no_gui_library() -> None:
    # The window's modules (workbench.app.gui and what it imports) do load Qt; the command
    # line imports them only when no subcommand is given.
    result = subprocess.run(
        [sys.executable, "-c", COMMAND_LINE_PROBE],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout)
    assert {"workbench.app.cli", "workbench.app.serve_command"} <= set(loaded)
    assert "workbench.app.recognize_command" in loaded
    gui = {"PySide6", "shiboken6", "pyqtgraph", "qasync"}
    assert [name for name in loaded if name.partition(".")[0] in gui] == []
    assert "workbench.app.gui" not in loaded


def test_the_probe_sees_foreign_modules() -> None:
    # The purity check must be able to fail: `pytest` is not in the standard library.
    assert _foreign(["json", "workbench.protocol", "pytest", "_pytest.main"]) == [
        "pytest",
        "_pytest.main",
    ]


def _console_script() -> list[str]:
    script = Path(sys.executable).with_name("h2b-workbench")
    if not script.exists():
        pytest.fail(f"{script} is not installed (run scripts/bootstrap.sh)")
    return [str(script)]


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(lambda: [sys.executable, "-m", "workbench"], id="python -m workbench"),
        pytest.param(_console_script, id="h2b-workbench"),
    ],
)
def test_the_installed_command_prints_its_version(command: Callable[[], list[str]]) -> None:
    result = subprocess.run(
        [*command(), "--version"], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"h2b-workbench {workbench.__version__}\n"
    assert workbench.__version__ == "0.1.0"


def test_the_help_names_the_window_the_self_test_and_the_subcommands(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--self-test" in out
    for command in ("serve", "devices", "recognize"):
        assert command in out


def test_version_and_usage_errors_return_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out == f"h2b-workbench {workbench.__version__}\n"
    assert cli.main(["--no-such-option"]) == 2
    assert "usage: h2b-workbench" in capsys.readouterr().err


def test_serve_refuses_half_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve", "--client-id", "only-the-id"]) == 2
    assert "--client-secret" in capsys.readouterr().err
