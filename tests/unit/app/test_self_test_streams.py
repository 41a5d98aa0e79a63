"""Where ``--self-test`` writes its failures: a copy of stderr, or whatever stream there is."""

from __future__ import annotations

import sys

import pytest

from workbench.app import self_test


def test_failures_go_to_a_duplicate_of_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    with self_test._own_stderr() as errors:
        print("SELF-TEST FAILED: because", file=errors)
    assert capfd.readouterr().err == "SELF-TEST FAILED: because\n"


def test_a_gui_executable_without_stderr_writes_them_to_stdout(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stderr", None)  # a Windows GUI program started without a console
    with self_test._own_stderr() as errors:
        print("SELF-TEST FAILED: no stderr", file=errors)
    assert capfd.readouterr().out == "SELF-TEST FAILED: no stderr\n"


def test_without_any_stream_the_failures_are_dropped_without_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stderr", None)
    monkeypatch.setattr(sys, "stdout", None)
    with self_test._own_stderr() as errors:
        print("nobody hears this", file=errors)
        assert not errors.closed
    assert errors.closed
