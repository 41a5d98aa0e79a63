"""The JSON Lines export: a header line, one line per entry, read back to the same entries."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import workbench
from tests.unit.session.harness import Harness, complete, result, without
from workbench.protocol.causes import CompletionCause
from workbench.protocol.messages import (
    Close,
    Closed,
    InvalidParamValue,
    Open,
    Opened,
    RecognitionInProgress,
    Recognize,
    SetParams,
    StartOfInput,
)
from workbench.session import (
    FORMAT_NAME,
    FORMAT_VERSION,
    Timeline,
    TimelineFormatError,
    read_jsonl,
)

CHAN = "chan-1"
CREATED = 1_700_000_123.25


def recorded_session() -> Timeline:
    """A bit of everything: notes, audio, replies, events, errors, violations, unicode."""
    h = Harness()
    t = h.timeline
    t.note("auth", "token obtained", "token obtained (expires in 300 s)", 0.0, 0.0, expires_in=300)
    t.note("connection", "connected", "connected to ws://127.0.0.1:1234/bots", 0.0, 0.1)
    h.send(Open(audio_codec="g711a", custom_id="client «42»"), at=0.2)
    h.receive(Opened(request_id=1, channel_id=CHAN), at=0.21)
    t.audio_started("g711a", "File: arrêt.wav", 0.0, 0.22)
    h.send(SetParams(params={"speech_language": "xx"}), at=0.3)
    h.receive(InvalidParamValue(request_id=2, channel_id=CHAN, completion_reason="xx?"), at=0.31)
    h.send(Recognize(grammars=("builtin:speech/keywords?alternatives=arrêt|adresse",)), at=1.0)
    h.receive(RecognitionInProgress(request_id=3, channel_id=CHAN), at=1.01)
    h.receive(StartOfInput(request_id=3, channel_id=CHAN), at=1.4)
    body = result("arrêt\nlà", "arrêt", alternatives=(result("adresse", "adresse"),))
    h.receive_raw(without(complete(3, body=body), "completion_reason"), at=2.0)
    h.receive(complete(3, CompletionCause.SUCCESS, body), at=2.1)
    for _ in range(50):
        t.audio_progress(1, 480, 0.0, 2.2)
    h.send(Close(), at=3.0)
    h.receive(Closed(request_id=4, channel_id=CHAN), at=3.01)
    h.receive_raw(b"\x01\x02", at=3.5)
    t.note("note", "details", "nested data", 0.0, 4.0, detail={"list": [1, "a", None], "x": 0.5})
    return t


def test_export_then_read_gives_back_the_same_entries(tmp_path: Path) -> None:
    timeline = recorded_session()
    path = tmp_path / "session.jsonl"
    assert timeline.export_jsonl(path, created=CREATED) == len(timeline)

    loaded = read_jsonl(path)
    assert loaded.entries == tuple(timeline)
    assert loaded.header.format_version == FORMAT_VERSION
    assert loaded.header.app_version == workbench.__version__
    assert loaded.header.created == CREATED
    assert loaded.header.entry_count == len(timeline)
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_the_file_is_a_header_line_then_one_line_per_entry(tmp_path: Path) -> None:
    timeline = recorded_session()
    path = tmp_path / "session.jsonl"
    timeline.export_jsonl(path, created=CREATED)
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[-1] == ""  # ends with a newline
    header = json.loads(lines[0])
    assert header == {
        "format": FORMAT_NAME,
        "format_version": 1,
        "app_version": workbench.__version__,
        "created": CREATED,
        "created_utc": "2023-11-14T22:15:23.250000Z",
        "entries": len(timeline),
    }
    rows = [json.loads(line) for line in lines[1:-1]]
    assert [row["seq"] for row in rows] == list(range(len(timeline)))
    assert list(rows[0]) == [
        "seq", "kind", "direction", "name", "request_id", "channel_id", "completion_cause",
        "summary", "raw", "wall", "mono", "pairs", "latency_ms", "sdk_ok", "sdk_reason",
        "audio_sample", "data",
    ]  # fmt: skip
    assert "arrêt" in text  # non-ASCII stays readable


def test_a_loaded_timeline_answers_queries_and_keeps_recording() -> None:
    timeline = recorded_session()
    file = io.StringIO()
    timeline.export_jsonl(file)
    file.seek(0)
    loaded = Timeline.load_jsonl(file)

    assert list(loaded) == list(timeline)
    assert loaded.header is not None
    assert loaded.header.created == max(e.wall for e in timeline)  # no time given: the newest
    for request_id in (1, 2, 3, 4):
        assert loaded.latencies(request_id) == timeline.latencies(request_id)
    recognize = loaded.command_for(3)
    assert recognize is not None
    assert loaded.related(recognize.seq) == timeline.related(recognize.seq)
    assert loaded.by_request(3) == timeline.by_request(3)

    # Recording goes on: a new frame pairs through the rebuilt index, duplicates are noticed.
    extra = loaded.frame_received(
        '{"event":"CLOSED","request_id":4,"channel_id":"chan-1","completion_cause":null,'
        '"completion_reason":null,"headers":{},"body":""}',
        Closed(request_id=4, channel_id=CHAN),
        10.0,
        10.0,
    )
    assert extra.seq == len(timeline)
    assert extra.pairs == loaded.command_for(4).seq  # type: ignore[union-attr]
    assert extra.duplicate


def test_an_empty_timeline_round_trips() -> None:
    file = io.StringIO()
    Timeline().export_jsonl(file)
    file.seek(0)
    loaded = read_jsonl(file)
    assert loaded.entries == ()
    assert loaded.header.created is None


def _export_lines() -> list[str]:
    file = io.StringIO()
    recorded_session().export_jsonl(file, created=CREATED)
    return file.getvalue().splitlines()


def _read(lines: list[str]) -> None:
    read_jsonl(io.StringIO("\n".join(lines) + "\n"))


def _edit(line: str, **changes: object) -> str:
    obj = json.loads(line)
    obj.update(changes)
    return json.dumps(obj)


def test_unknown_keys_are_ignored_for_forward_compatibility() -> None:
    lines = _export_lines()
    lines[0] = _edit(lines[0], producer="workbench-lab")
    lines[1] = _edit(lines[1], colour="red")
    loaded = read_jsonl(io.StringIO("\n".join(lines)))
    assert loaded.header.extra == {"producer": "workbench-lab"}
    assert len(loaded.entries) == len(lines) - 1


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda lines: [], "empty file"),
        (lambda lines: lines[1:], "not an H2B Workbench timeline"),
        (lambda lines: [_edit(lines[0], format_version=2), *lines[1:]], "format 2"),
        (lambda lines: [*lines[:3], "{not json", *lines[3:]], "line 4: not valid JSON"),
        (lambda lines: [*lines[:2], *lines[3:]], "line 3: seq 2 where 1 was expected"),
        (lambda lines: lines[:-2], "probably cut short"),
        (lambda lines: [lines[0], _edit(lines[1], kind="gossip"), *lines[2:]], "line 2: kind"),
        (lambda lines: [lines[0], _edit(lines[1], wall="noon"), *lines[2:]], "wall must be"),
        (lambda lines: [lines[0], _edit(lines[1], pairs=5), *lines[2:]], "pairs must be"),
        (lambda lines: [lines[0], '["a list"]', *lines[2:]], "line 2: a JSON list"),
    ],
)
def test_bad_files_are_refused_with_the_line_at_fault(damage: object, message: str) -> None:
    lines = damage(_export_lines())  # type: ignore[operator]
    with pytest.raises(TimelineFormatError, match=message):
        _read(lines)


def test_a_loaded_file_is_redacted_again() -> None:
    """A hand-edited (or older) file cannot smuggle a token in."""
    lines = _export_lines()
    lines[1] = _edit(lines[1], summary="Authorization: bearer abc.def")
    loaded = Timeline.load_jsonl(io.StringIO("\n".join(lines)))
    assert loaded.entry(0).summary == "Authorization: bearer ***"


def test_data_that_json_cannot_hold_is_kept_as_text() -> None:
    timeline = Timeline()
    timeline.note("note", "odd", "odd data", 0.0, 0.0, error=RuntimeError("boom"), codes={3})
    assert timeline.entry(0).data == {"error": "boom", "codes": "{3}"}
    file = io.StringIO()
    timeline.export_jsonl(file)
    file.seek(0)
    assert read_jsonl(file).entries == tuple(timeline)
