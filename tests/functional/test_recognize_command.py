"""`h2b-workbench recognize` end to end: the embedded server started by the command itself.

In-process through ``workbench.app.cli.main`` (quick to debug) and once as a real subprocess of
the installed script, as a user runs it. Exit codes: 0 Success, 1 another cause, 2 usage,
3 connection, 130 Ctrl-C.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.audio_fixtures import silence, synthesize
from tests.support.pulseaudio import private_pulseaudio
from workbench.app.cli import main

pytestmark = pytest.mark.timeout(60)

DIGITS = "builtin:speech/spelling/digits?regex=[0-9]{1,2}"
SCRIPT = Path(sys.executable).with_name("h2b-workbench")
SECRET = "cli-secret-7f3a9c41d2"


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_define_alias_json_and_timeline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    timeline = tmp_path / "session.jsonl"
    code = main([
        "recognize", "--say", "forty two",
        "--define", "num=speech/spelling/digits?regex=[0-9]{1,2}", "--grammar", "session:num",
        "--param", "speech_complete_timeout=700", "--json",
        "--timeline", str(timeline), "--client-id", "cli-id", "--client-secret", SECRET,
    ])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    document = json.loads(out)  # one JSON document, nothing else on stdout
    result = document["result"]
    assert result["completion_cause"] == "Success"
    assert result["value"] == "42"
    assert result["grammar_uri"] == "session:num"
    assert result["transcript"] == "forty two"
    assert result["latencies_ms"]["complete"] > result["latencies_ms"]["start_of_input"] > 0
    names = [event["name"] for event in document["events"] if event["kind"] != "audio"]
    assert names[names.index("OPEN") :] == [
        "OPEN", "OPENED", "SET-PARAMS", "PARAMS-SET", "DEFINE-GRAMMAR", "GRAMMAR-DEFINED",
        "RECOGNIZE", "RECOGNITION-IN-PROGRESS", "START-OF-INPUT", "RECOGNITION-COMPLETE",
        "CLOSE", "CLOSED", "closed",
    ]  # fmt: skip
    define = next(e for e in document["events"] if e["name"] == "DEFINE-GRAMMAR")
    assert json.loads(define["raw"])["body"] == "builtin:" + DIGITS.removeprefix("builtin:")
    assert "starting the local server" in err
    exported = timeline.read_text(encoding="utf-8")
    assert SECRET not in exported
    assert SECRET not in out
    lines = [json.loads(line) for line in exported.splitlines()]
    assert lines[0]["format"] == "h2b-workbench-timeline"
    assert len(lines) - 1 == lines[0]["entries"] == len(document["events"])


def test_installed_script_prints_42_as_json() -> None:
    completed = subprocess.run(
        [str(SCRIPT), "recognize", "--say", "forty two", "--grammar", DIGITS, "--json"],
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["result"]["value"] == "42"


def test_no_input_is_exit_1_with_the_cause(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audio = tmp_path / "quiet.raw"
    audio.write_bytes(silence(1000))
    code = main([
        "recognize", "--audio", str(audio), "--grammar", "builtin:speech/boolean",
        "--param", "no_input_timeout=600", "--codec", "g711u",
    ])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 1
    assert "Result: NoInputTimeout (nobody spoke before no_input_timeout elapsed)" in out
    assert "RECOGNITION-COMPLETE #3 NoInputTimeout" in out
    assert "recognize: no success: NoInputTimeout" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "no_input_timout=5"], "did you mean 'no_input_timeout'?"),
        (["--param", "no_input_timeout=soon"], "no_input_timeout='soon' cannot be read"),
        (["--param", "audio_codec=g711a"], "cannot be given in RECOGNIZE"),
        (["--grammar", "session:nope"], "alias 'nope' is not defined"),
        (["--define", "a b=speech/boolean"], "whitespace"),
        (["--server", "http://example.invalid"], "must start with ws:// or wss://"),
    ],
)
def test_usage_errors_are_exit_2_before_connecting(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["recognize", "--say", "yes", "--grammar", "builtin:speech/boolean"]
    code = main([*base, *args, "--client-id", "x", "--client-secret", "y"])
    out, err = capsys.readouterr()
    assert code == 2
    assert message in err
    assert out == ""  # nothing connected, nothing started


def test_refused_connection_is_exit_3_in_plain_words(capsys: pytest.CaptureFixture[str]) -> None:
    port = closed_port()
    code = main([
        "recognize", "--say", "yes", "--grammar", "builtin:speech/boolean",
        "--server", f"ws://127.0.0.1:{port}", "--client-id", "x", "--client-secret", SECRET,
        "--json",
    ])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 3
    assert f"nothing accepts connections on 127.0.0.1:{port}" in err
    assert "connection refused" in err
    assert "Traceback" not in err
    document = json.loads(out)
    assert document["result"] is None
    assert document["exit_code"] == 3
    assert "connection refused" in document["error"]


def test_ctrl_c_stops_the_recognition_and_closes(tmp_path: Path) -> None:
    audio = tmp_path / "long.raw"
    audio.write_bytes(silence(20000))
    process = subprocess.Popen(
        [str(SCRIPT), "recognize", "--audio", str(audio), "--grammar", "builtin:speech/boolean",
         "--param", "no_input_timeout=60000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 40
        for line in process.stdout:
            if "RECOGNITION-IN-PROGRESS" in line or time.monotonic() > deadline:
                break
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, err
    assert "STOPPED" in out
    assert "CLOSED" in out
    assert "interrupted" in err
    assert "Traceback" not in err


def test_microphone_until_the_recognition_completes() -> None:
    speech = silence(300) + synthesize("forty two", "slt", "flite") + silence(300)
    with private_pulseaudio(rate=44100) as pulse:
        process = subprocess.Popen(
            [str(SCRIPT), "recognize", "--device", "default", "--grammar", DIGITS],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=pulse.env,
        )
        try:
            assert process.stdout is not None
            deadline = time.monotonic() + 40
            for line in process.stdout:
                if "streaming Microphone" in line or time.monotonic() > deadline:
                    break
            time.sleep(0.3)  # the device's first callbacks
            pulse.play(speech, 8000)
            out, err = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert process.returncode == 0, err + out
    assert 'value       : "42"' in out
    complete = out.index("RECOGNITION-COMPLETE")
    assert out.index("Microphone: default, stopped (session closed)") > complete


def test_credentials_from_the_sdk_variables(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["recognize", "--say", "yes", "--grammar", "builtin:speech/boolean"]
    monkeypatch.delenv("UHLIVE_API_CLIENT", raising=False)
    monkeypatch.delenv("UHLIVE_API_SECRET", raising=False)
    assert main([*base, "--server", "uhlive"]) == 2
    assert "UHLIVE_API_CLIENT and UHLIVE_API_SECRET are not set" in capsys.readouterr().err
    monkeypatch.setenv("UHLIVE_API_CLIENT", "env-client")
    monkeypatch.setenv("UHLIVE_API_SECRET", SECRET)
    assert main([*base, "--server", f"ws://127.0.0.1:{closed_port()}"]) == 3
    out, err = capsys.readouterr()
    assert "for client 'env-client'" in out
    assert SECRET not in out + err
