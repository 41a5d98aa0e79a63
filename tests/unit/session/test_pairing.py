"""Request ↔ answer pairing and latencies, over real frames, without a server."""

from __future__ import annotations

import pytest

from tests.unit.session.harness import Harness, complete, without
from workbench.protocol.causes import CompletionCause
from workbench.protocol.codec import decode_event, encode_command, encode_event
from workbench.protocol.messages import (
    Close,
    Closed,
    DefaultParams,
    DefineGrammar,
    GetParams,
    GrammarDefined,
    InvalidParamValue,
    MethodFailed,
    Open,
    Opened,
    ParamsSet,
    RecognitionInProgress,
    Recognize,
    SetParams,
    StartOfInput,
    Stop,
    Stopped,
)

CHAN = "chan-1"
BOOLEAN = ("builtin:speech/boolean",)


def opened(h: Harness, *, at: float = 0.0, channel: str = CHAN) -> int:
    """OPEN and its OPENED 12 ms later; returns the OPEN's request id."""
    request_id = h.send(Open(), at=at).request_id
    assert request_id is not None
    h.receive(Opened(request_id=request_id, channel_id=channel), at=at + 0.012)
    return request_id


def test_normal_recognition_pairs_every_answer_and_times_it() -> None:
    """H2B.md §5.2, normal mode with speech: IN-PROGRESS, START-OF-INPUT, COMPLETE."""
    h = Harness()
    opened(h)
    set_params = h.send(SetParams(params={"no_input_timeout": 5000}), at=0.5)
    params_set = h.receive(ParamsSet(request_id=2, channel_id=CHAN), at=0.503)
    define = h.send(DefineGrammar(alias="yn", uri="builtin:speech/boolean"), at=0.6)
    defined = h.receive(GrammarDefined(request_id=3, channel_id=CHAN), at=0.61)
    recognize = h.send(Recognize(grammars=("session:yn",)), at=1.0)
    in_progress = h.receive(RecognitionInProgress(request_id=4, channel_id=CHAN), at=1.02)
    start = h.receive(StartOfInput(request_id=4, channel_id=CHAN), at=1.5)
    done = h.receive(complete(4), at=2.24)
    close = h.send(Close(), at=3.0)
    closed = h.receive(Closed(request_id=5, channel_id=CHAN), at=3.004)

    t = h.timeline
    assert [e.kind for e in t] == [
        "command", "reply", "command", "reply", "command", "reply",
        "command", "reply", "event", "event", "command", "reply",
    ]  # fmt: skip
    assert [e.direction for e in t][:2] == ["sent", "received"]
    assert params_set.pairs == set_params.seq
    assert defined.pairs == define.seq
    assert closed.pairs == close.seq
    for answer in (in_progress, start, done):
        assert answer.pairs == recognize.seq
        assert not answer.unpaired
        assert not answer.duplicate
    assert t.related(recognize.seq) == (recognize, in_progress, start, done)
    assert t.related(done.seq) == t.related(recognize.seq)
    assert t.command_for(4) == recognize

    latencies = t.latencies(4)
    assert latencies is not None
    assert latencies.command == "RECOGNIZE"
    assert latencies.command_seq == recognize.seq
    assert latencies.reply_ms == pytest.approx(20.0)
    assert latencies.start_of_input_ms == pytest.approx(500.0)
    assert latencies.complete_ms == pytest.approx(1240.0)
    assert done.latency_ms == pytest.approx(1240.0)
    assert done.completion_cause == "Success"
    open_latencies = t.latencies(1)
    assert open_latencies is not None
    assert open_latencies.reply_ms == pytest.approx(12.0)
    assert open_latencies.start_of_input_ms is None
    assert open_latencies.complete_ms is None
    assert t.latencies(99) is None


def test_hotword_recognition_has_no_start_of_input() -> None:
    h = Harness()
    opened(h)
    recognize = h.send(Recognize(grammars=BOOLEAN, recognition_mode="hotword"), at=1.0)
    in_progress = h.receive(RecognitionInProgress(request_id=2, channel_id=CHAN), at=1.01)
    done = h.receive(complete(2), at=3.5)

    assert h.timeline.related(recognize.seq) == (recognize, in_progress, done)
    latencies = h.timeline.latencies(2)
    assert latencies is not None
    assert latencies.reply_ms == pytest.approx(10.0)
    assert latencies.start_of_input_ms is None
    assert latencies.complete_ms == pytest.approx(2500.0)
    assert done.kind == "event"
    assert done.sdk_ok is True


def test_no_input_timeout_and_a_pending_recognition() -> None:
    h = Harness()
    opened(h)
    h.send(Recognize(grammars=BOOLEAN), at=1.0)
    h.receive(RecognitionInProgress(request_id=2, channel_id=CHAN), at=1.01)
    pending = h.timeline.latencies(2)
    assert pending is not None
    assert pending.complete_ms is None  # not yet

    done = h.receive(complete(2, CompletionCause.NO_INPUT_TIMEOUT, reason="no voice"), at=6.0)
    latencies = h.timeline.latencies(2)
    assert latencies is not None
    assert latencies.start_of_input_ms is None
    assert latencies.complete_ms == pytest.approx(5000.0)
    assert done.completion_cause == "NoInputTimeout"


def test_stop_pairs_stopped_with_stop_and_leaves_the_recognition_incomplete() -> None:
    h = Harness()
    opened(h)
    recognize = h.send(Recognize(grammars=BOOLEAN), at=1.0)
    h.receive(RecognitionInProgress(request_id=2, channel_id=CHAN), at=1.01)
    stop = h.send(Stop(), at=2.0)
    stopped = h.receive(Stopped(request_id=3, channel_id=CHAN), at=2.03)

    assert stopped.pairs == stop.seq
    assert stopped.latency_ms == pytest.approx(30.0)
    assert len(h.timeline.related(recognize.seq)) == 2
    latencies = h.timeline.latencies(2)
    assert latencies is not None
    assert latencies.complete_ms is None


def test_several_sessions_in_turn_pair_within_each_session() -> None:
    h = Harness()
    for session, start in enumerate((0.0, 10.0, 20.0)):
        channel = f"chan-{session}"
        open_id = opened(h, at=start, channel=channel)
        recognize = h.send(Recognize(grammars=BOOLEAN), at=start + 1)
        rid = recognize.request_id
        assert rid is not None
        h.receive(RecognitionInProgress(request_id=rid, channel_id=channel), at=start + 1.01)
        h.receive(StartOfInput(request_id=rid, channel_id=channel), at=start + 1.2)
        h.receive(complete(rid, channel_id=channel), at=start + 1.9)
        close = h.send(Close(), at=start + 2)
        h.receive(Closed(request_id=rid + 1, channel_id=channel), at=start + 2.001)

        assert open_id == 1 + 3 * session  # request ids run on across sessions (SDK)
        related = h.timeline.related(recognize.seq)
        assert [e.name for e in related] == [
            "RECOGNIZE",
            "RECOGNITION-IN-PROGRESS",
            "START-OF-INPUT",
            "RECOGNITION-COMPLETE",
        ]
        assert {e.channel_id for e in related[1:]} == {channel}
        latencies = h.timeline.latencies(rid)
        assert latencies is not None
        assert latencies.complete_ms == pytest.approx(900.0)
        assert h.timeline.related(close.seq)[-1].name == "CLOSED"
    assert not any(e.unpaired or e.duplicate for e in h.timeline)
    assert all(e.pairs is not None for e in h.timeline if e.is_received)


def test_after_a_reconnection_request_ids_restart_and_pair_with_the_latest_command() -> None:
    h = Harness()
    first_open = h.send(Open(), at=0.0)
    first_opened = h.receive(Opened(request_id=1, channel_id="a"), at=0.01)
    h.timeline.note("connection", "dropped", "the connection dropped", 0.0, 5.0)
    h.reconnect()
    second_open = h.send(Open(), at=6.0)
    second_opened = h.receive(Opened(request_id=1, channel_id="b"), at=6.02)

    assert first_opened.pairs == first_open.seq
    assert second_opened.pairs == second_open.seq
    assert not second_opened.duplicate
    assert h.timeline.command_for(1) == second_open
    latencies = h.timeline.latencies(1)
    assert latencies is not None
    assert latencies.reply_ms == pytest.approx(20.0)
    assert [e.seq for e in h.timeline.by_request(1)] == [0, 1, 3, 4]
    assert h.timeline.related(first_open.seq) == (first_open, first_opened)


def test_a_reply_with_a_wrong_request_id_is_kept_and_marked_unpaired() -> None:
    h = Harness()
    opened(h)
    get = h.send(GetParams(), at=1.0)
    wrong = h.receive(DefaultParams(request_id=42, channel_id=CHAN), at=1.05)

    # The client core flags it (and guesses the GET-PARAMS); the timeline keeps it unpaired.
    assert wrong.kind == "violation"
    assert wrong.request_id == 42
    assert wrong.pairs is None
    assert wrong.latency_ms is None
    assert wrong.unpaired
    assert "42" in wrong.data["unpaired"]
    assert "not waiting for a reply" in wrong.data["reason"]
    assert wrong.summary.endswith("[unpaired]")
    assert wrong.sdk_ok is True  # the frame itself is fine; its id is wrong
    assert h.timeline.related(wrong.seq) == (wrong,)
    assert h.timeline.related(get.seq) == (get,)
    latencies = h.timeline.latencies(get.request_id or 0)
    assert latencies is not None
    assert latencies.reply_ms is None


def test_an_unpaired_event_decoded_without_the_client_core_is_a_plain_reply() -> None:
    h = Harness()
    raw = encode_event(ParamsSet(request_id=7, channel_id=CHAN))
    entry = h.timeline.frame_received(raw, decode_event(raw), 1.0, 1.0)
    assert entry.kind == "reply"
    assert entry.unpaired
    assert entry.summary == "PARAMS-SET #7 [unpaired]"


def test_duplicate_replies_pair_but_only_the_first_counts() -> None:
    h = Harness()
    open_entry = h.send(Open(), at=0.0)
    first = h.receive(Opened(request_id=1, channel_id=CHAN), at=0.01)
    second = h.receive(Opened(request_id=1, channel_id=CHAN), at=0.5)

    assert first.pairs == second.pairs == open_entry.seq
    assert not first.duplicate
    assert second.duplicate
    assert f"entry {first.seq}" in second.data["duplicate"]
    assert "[duplicate]" in second.summary
    assert second.latency_ms == pytest.approx(500.0)
    latencies = h.timeline.latencies(1)
    assert latencies is not None
    assert latencies.reply_ms == pytest.approx(10.0)
    assert h.timeline.related(open_entry.seq) == (open_entry, first, second)


def test_a_second_recognition_complete_is_a_duplicate() -> None:
    h = Harness()
    opened(h)
    h.send(Recognize(grammars=BOOLEAN), at=1.0)
    h.receive(RecognitionInProgress(request_id=2, channel_id=CHAN), at=1.01)
    h.receive(complete(2), at=2.0)
    again = h.receive(complete(2), at=2.5)
    assert again.duplicate
    assert "RECOGNITION-COMPLETE" in again.data["duplicate"]
    latencies = h.timeline.latencies(2)
    assert latencies is not None
    assert latencies.complete_ms == pytest.approx(1000.0)


def test_error_replies_pair_and_count_as_the_reply() -> None:
    h = Harness()
    opened(h)
    h.send(SetParams(params={"recognition_mode": "sometimes"}), at=1.0)
    error = h.receive(
        InvalidParamValue(
            request_id=2, channel_id=CHAN, completion_reason="recognition_mode: 'sometimes'"
        ),
        at=1.004,
    )
    h.send(Recognize(grammars=("session:nope",)), at=2.0)
    failed = h.receive(
        MethodFailed(
            request_id=3,
            channel_id=CHAN,
            completion_cause=CompletionCause.GRAM_LOAD_FAILURE,
            completion_reason="unknown grammar 'session:nope'",
        ),
        at=2.01,
    )
    assert error.kind == failed.kind == "error"
    assert error.pairs == 2
    assert failed.completion_cause == "GramLoadFailure"
    set_latencies, recognize_latencies = h.timeline.latencies(2), h.timeline.latencies(3)
    assert set_latencies is not None
    assert recognize_latencies is not None
    assert set_latencies.reply_ms == pytest.approx(4.0)
    assert recognize_latencies.reply_ms == pytest.approx(10.0)
    assert recognize_latencies.complete_ms is None


def test_a_violation_pairs_through_its_request_id_and_keeps_the_sdk_verdict() -> None:
    """A RECOGNITION-COMPLETE without completion_reason: the SDK would raise KeyError."""
    h = Harness()
    opened(h)
    recognize = h.send(Recognize(grammars=BOOLEAN), at=1.0)
    h.receive(RecognitionInProgress(request_id=2, channel_id=CHAN), at=1.01)
    broken = h.receive_raw(without(complete(2), "completion_reason"), at=2.0)

    assert broken.kind == "violation"
    assert broken.name == "RECOGNITION-COMPLETE"  # what the frame claims to be
    assert broken.request_id == 2
    assert broken.pairs == recognize.seq
    assert broken.latency_ms == pytest.approx(1000.0)
    assert broken.channel_id == CHAN
    assert broken.completion_cause == "Success"
    assert broken.sdk_ok is False
    assert broken.sdk_reason is not None
    assert "completion_reason" in broken.sdk_reason
    assert "KeyError" in broken.sdk_reason
    assert "completion_reason" in broken.data["reason"]
    assert broken.summary.startswith("VIOLATION RECOGNITION-COMPLETE #2: ")
    assert broken in h.timeline.related(recognize.seq)


def test_a_decoded_violation_pairs_through_its_event() -> None:
    """START-OF-INPUT in hotword mode: the client core flags it, the timeline pairs it."""
    h = Harness()
    opened(h)
    recognize = h.send(Recognize(grammars=BOOLEAN, recognition_mode="hotword"), at=1.0)
    h.receive(RecognitionInProgress(request_id=2, channel_id=CHAN), at=1.01)
    start = h.receive(StartOfInput(request_id=2, channel_id=CHAN), at=1.3)

    assert start.kind == "violation"
    assert "hotword" in start.data["reason"]
    assert start.pairs == recognize.seq
    assert start.sdk_ok is True
    latencies = h.timeline.latencies(2)
    assert latencies is not None
    assert latencies.start_of_input_ms == pytest.approx(300.0)


@pytest.mark.parametrize(
    ("raw", "sdk_words"),
    [
        ("this is not JSON", "not valid JSON"),
        ('["OPENED", 1]', "not an object"),
        (b"\x00\x01\x02", "binary frame"),
    ],
)
def test_frames_without_a_request_id_are_unpaired_violations(
    raw: str | bytes, sdk_words: str
) -> None:
    h = Harness()
    opened(h)
    entry = h.receive_raw(raw, at=1.0)
    assert entry.kind == "violation"
    assert entry.name == "VIOLATION"
    assert entry.request_id is None
    assert entry.pairs is None
    assert entry.unpaired
    assert entry.sdk_ok is False
    assert entry.sdk_reason is not None
    assert sdk_words in entry.sdk_reason
    if isinstance(raw, bytes):
        assert entry.raw == "<binary frame of 3 bytes>"
    else:
        assert entry.raw == raw


def test_an_event_for_the_wrong_kind_of_command_is_marked_mismatch() -> None:
    h = Harness()
    opened(h)
    get = h.send(GetParams(), at=1.0)
    odd = h.receive(Closed(request_id=get.request_id or 0, channel_id=CHAN), at=1.1)
    assert odd.pairs == get.seq
    assert "expected DEFAULT-PARAMS" in odd.data["mismatch"]
    early = h.receive(StartOfInput(request_id=1, channel_id=CHAN), at=1.2)
    assert "not RECOGNIZE" in early.data["mismatch"]


def test_received_frames_are_stored_exactly_and_commands_as_sent() -> None:
    h = Harness()
    command = h.send(Open(custom_id="cust", audio_codec="g711a"), at=0.0)
    raw = encode_event(Opened(request_id=1, channel_id=CHAN))
    reply = h.receive_raw(raw, at=0.01)
    assert command.raw == encode_command(Open(request_id=1, custom_id="cust", audio_codec="g711a"))
    assert reply.raw == raw
    assert command.sdk_ok is None
    assert command.data["audio_codec"] == "g711a"
    assert (command.wall, command.mono) == (1_700_000_000.0, 0.0)
    assert reply.wall == pytest.approx(1_700_000_000.01)


def test_hand_written_commands_pair_or_say_what_is_wrong() -> None:
    h = Harness()
    opened(h)
    expert = h.send_raw(
        '{"command":"GET-PARAMS","request_id":7,"channel_id":"chan-1","headers":{},"body":""}',
        at=1.0,
    )
    reply = h.receive(DefaultParams(request_id=7, channel_id=CHAN), at=1.02)
    assert expert.name == "GET-PARAMS"
    assert reply.pairs == expert.seq

    garbage = h.send_raw('{"command":"DANCE","request_id":8}', at=2.0)
    assert garbage.kind == "command"
    assert garbage.name == "DANCE"
    assert garbage.request_id == 8
    assert "unknown command" in garbage.data["problem"]
    assert garbage.summary.startswith("DANCE #8 (not a valid command: unknown command")
    answer = h.receive_raw(
        encode_event(InvalidParamValue(request_id=8, channel_id=CHAN, completion_reason="no")),
        at=2.01,
    )
    assert answer.pairs == garbage.seq

    unreadable = h.timeline.command_sent(None, "{oops", 3.0, 3.0)
    assert unreadable.name == "RAW"
    assert unreadable.request_id is None


def test_notes_can_join_a_command() -> None:
    h = Harness()
    opened(h)
    recognize = h.send(Recognize(grammars=BOOLEAN), at=1.0)
    lost = h.timeline.note(
        "connection",
        "recognition lost",
        "recognition #2 lost: the connection dropped; reconnect and RECOGNIZE again",
        5.0,
        5.0,
        request_id=2,
        code=1006,
    )
    assert lost.kind == "connection"
    assert lost.direction == "local"
    assert lost.raw == ""
    assert lost.pairs == recognize.seq
    assert lost.latency_ms is None
    assert lost.data == {"code": 1006}
    assert h.timeline.related(recognize.seq)[-1] == lost
    latencies = h.timeline.latencies(2)
    assert latencies is not None
    assert latencies.reply_ms is None  # a note is not an answer


def test_note_kinds_are_checked_and_lookups_are_bounded() -> None:
    timeline = Harness().timeline
    with pytest.raises(ValueError, match="note kind"):
        timeline.note("reply", "x", "y", 0.0, 0.0)
    entry = timeline.note("auth", "token requested", "", 0.0, 0.0)
    assert entry.summary == "token requested"
    assert timeline.related(0) == (entry,)
    assert timeline.by_request(1) == ()
    assert timeline.command_for(1) is None
    for seq in (-1, 1):
        with pytest.raises(IndexError):
            timeline.entry(seq)
    assert len(timeline) == len(timeline.entries) == 1
    assert timeline.entries[0] == entry
    assert timeline.entries[0:5] == (entry,)
