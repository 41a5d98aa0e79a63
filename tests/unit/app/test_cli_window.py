"""The command line's way to the window: no display on Linux is said in plain words, before
anything starts (no server child, no Qt)."""

from __future__ import annotations

import pytest

from workbench.app import cli


@pytest.mark.parametrize(
    ("environ", "platform", "expected"),
    [
        ({}, "linux", cli.NO_DISPLAY),
        ({"DISPLAY": ":0"}, "linux", ""),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", ""),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", ""),
        ({}, "win32", ""),
        ({}, "darwin", ""),
    ],
)
def test_display_problem(environ: dict[str, str], platform: str, expected: str) -> None:
    assert cli.display_problem(environ, platform) == expected


def test_no_display_stops_before_anything_starts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(cli.sys, "platform", "linux")
    assert cli.main([]) == 1
    err = capsys.readouterr().err
    assert "no display to open the window on" in err
    assert "--self-test" in err
