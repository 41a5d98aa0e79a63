"""Markers of a request on the audio sent, and the timer values a recognition ran with.

The timelines are built from real frames (the harness's client core and codec); the audio
position is moved the way the controller's forwarder moves it, one chunk at a time.
"""

from __future__ import annotations

from tests.unit.session.harness import WALL0, Harness, complete, result
from workbench.protocol.causes import CompletionCause
from workbench.protocol.messages import (
    DefaultParams,
    GetParams,
    InputTimersStarted,
    InvalidParamValue,
    Open,
    Opened,
    ParamsSet,
    RecognitionComplete,
    RecognitionInProgress,
    RecognitionResult,
    Recognize,
    SetParams,
    StartInputTimers,
    StartOfInput,
    Stop,
    Stopped,
    Transcript,
)
from workbench.session import Timeline
from workbench.session.audio_markers import AudioMarker, MarkerSet, markers_for
from workbench.session.jsonl import read_jsonl
from workbench.session.recognition_params import recognition_params

CHAN = "chan-1"
DIGITS = ("builtin:speech/digits",)


class Session:
    """A harness whose audio advances with its clock: 8 samples per millisecond since ``t0``."""

    def __init__(self, first_sample: int = 16_000) -> None:
        self.h = Harness()
        self.first_sample = first_sample

    def at(self, mono: float) -> None:
        """Audio has been sent up to ``mono`` seconds (streamed in real time from 0)."""
        self.h.timeline.audio_position = self.first_sample + round(mono * 8000)

    def send(self, command: object, at: float) -> int:
        self.at(at)
        entry = self.h.send(command, at=at)  # type: ignore[arg-type]
        assert entry.request_id is not None
        return entry.request_id

    def receive(self, event: object, at: float) -> None:
        self.at(at)
        self.h.receive(event, at=at)  # type: ignore[arg-type]

    def open(self) -> None:
        request_id = self.send(Open(), at=0.0)
        self.receive(Opened(request_id=request_id, channel_id=CHAN), at=0.01)

    def sample(self, mono: float) -> int:
        return self.first_sample + round(mono * 8000)

    @property
    def timeline(self) -> Timeline:
        return self.h.timeline


def speech_result(start_s: float, end_s: float) -> RecognitionResult:
    """A digits result whose asr says speech ran from ``start_s`` to ``end_s`` (session clock)."""
    return RecognitionResult(
        asr=Transcript(
            transcript="four two",
            confidence=0.9,
            start=round((WALL0 + start_s) * 1000),
            end=round((WALL0 + end_s) * 1000),
        ),
        nlu=result(value="42").nlu,
        grammar_uri=DIGITS[0],
    )


def by_label(markers: MarkerSet) -> dict[str, AudioMarker]:
    return {marker.label.split(" #")[0].split(" (")[0]: marker for marker in markers.markers}


def deadline(markers: MarkerSet, label: str) -> AudioMarker:
    found = [m for m in markers.markers if m.kind == "deadline" and m.label.startswith(label)]
    assert len(found) == 1, [m.label for m in markers.markers]
    return found[0]


def recognized(s: Session, **params: object) -> int:
    """OPEN, RECOGNIZE at 1.0 s, speech 1.5–2.3 s, START-OF-INPUT at 1.7 s, success at 3.4 s."""
    s.open()
    rid = s.send(Recognize(grammars=DIGITS, params=dict(params)), at=1.0)
    s.receive(RecognitionInProgress(request_id=rid, channel_id=CHAN), at=1.003)
    s.receive(StartOfInput(request_id=rid, channel_id=CHAN), at=1.7)
    body = speech_result(1.5, 2.3)
    s.receive(complete(rid, body=body), at=3.4)
    return rid


def test_every_frame_of_a_recognition_sits_where_the_audio_stood_when_it_was_recorded() -> None:
    s = Session()
    recognized(s)
    recognize_seq = s.timeline.command_for(2).seq  # type: ignore[union-attr]
    markers = markers_for(s.timeline, recognize_seq)
    assert markers is not None
    found = by_label(markers)
    assert found["RECOGNIZE"].sample == s.sample(1.0) == markers.origin
    assert "RECOGNITION-IN-PROGRESS" not in found  # a plain acknowledgement: no marker
    assert found["START-OF-INPUT"].sample == s.sample(1.7)
    assert found["RECOGNITION-COMPLETE"].sample == s.sample(3.4)
    assert found["RECOGNITION-COMPLETE"].seq == len(s.timeline) - 1
    assert markers.title == "RECOGNIZE #2 → Success"
    assert not markers.running
    assert [m.sample for m in markers.markers] == sorted(m.sample for m in markers.markers)
    # The view spans every reached marker with half a second either side.
    reached = [m.sample for m in markers.markers if m.reached]
    assert markers.start == min(reached) - 4000
    assert markers.stop == max(reached) + 4000


def test_reported_speech_is_placed_through_the_recognize_wall_clock() -> None:
    s = Session()
    recognized(s)
    markers = markers_for(s.timeline, len(s.timeline) - 1)  # from the RECOGNITION-COMPLETE row
    assert markers is not None
    found = by_label(markers)
    assert found["speech start"].sample == s.sample(1.5)
    assert found["speech end"].sample == s.sample(2.3)
    assert found["speech start"].kind == "speech"
    assert "500 ms after RECOGNIZE" in found["speech start"].detail


def test_deadlines_follow_the_defaults_the_session_and_the_request() -> None:
    s = Session()
    s.open()
    rid = s.send(GetParams(), at=0.1)
    s.receive(
        DefaultParams(request_id=rid, channel_id=CHAN, headers={"speech_complete_timeout": 700}),
        at=0.11,
    )
    rid = s.send(SetParams(params={"no_input_timeout": 4000}), at=0.2)
    s.receive(ParamsSet(request_id=rid, channel_id=CHAN), at=0.21)
    refused = s.send(SetParams(params={"recognition_timeout": 1}), at=0.3)
    s.receive(InvalidParamValue(request_id=refused, channel_id=CHAN), at=0.31)
    rid = s.send(Recognize(grammars=DIGITS, params={"speech_incomplete_timeout": 1500}), at=1.0)
    s.receive(RecognitionInProgress(request_id=rid, channel_id=CHAN), at=1.003)
    s.receive(StartOfInput(request_id=rid, channel_id=CHAN), at=1.7)
    s.receive(complete(rid, body=speech_result(1.5, 2.3)), at=3.1)

    recognize_seq = s.timeline.command_for(rid).seq  # type: ignore[union-attr]
    params = recognition_params(s.timeline, recognize_seq)
    assert params["no_input_timeout"].value == 4000
    assert "SET-PARAMS #3" in params["no_input_timeout"].origin
    assert params["speech_complete_timeout"].value == 700
    assert "DEFAULT-PARAMS #2" in params["speech_complete_timeout"].origin
    assert params["speech_incomplete_timeout"].value == 1500
    assert "this request" in params["speech_incomplete_timeout"].origin
    assert params["recognition_timeout"].value == 20000  # the refused SET-PARAMS changed nothing
    assert "default" in params["recognition_timeout"].origin

    markers = markers_for(s.timeline, recognize_seq)
    assert markers is not None
    no_input = deadline(markers, "no-input")
    assert no_input.sample == s.sample(1.0) + 4000 * 8
    assert not no_input.reached
    assert "speech started before it" in no_input.detail
    complete_at = deadline(markers, "speech complete")
    assert complete_at.sample == s.sample(2.3) + 700 * 8
    assert complete_at.reached  # 3.0 s < the RECOGNITION-COMPLETE received at 3.1 s
    incomplete = deadline(markers, "speech incomplete")
    assert incomplete.sample == s.sample(2.3) + 1500 * 8
    assert not incomplete.reached
    maxtime = deadline(markers, "recognition max")
    assert maxtime.sample == s.sample(1.5) + 20000 * 8
    assert not maxtime.reached
    assert deadline(markers, "no-match").sample == s.sample(1.5) + 3000 * 8
    # Unreached deadlines do not stretch the suggested view.
    assert markers.stop == s.sample(3.1) + 4000


def test_no_input_timeout_is_the_deadline_that_ended_a_silent_recognition() -> None:
    s = Session()
    s.open()
    rid = s.send(Recognize(grammars=DIGITS, params={"no_input_timeout": 2000}), at=1.0)
    s.receive(RecognitionInProgress(request_id=rid, channel_id=CHAN), at=1.002)
    s.receive(
        RecognitionComplete(
            request_id=rid,
            channel_id=CHAN,
            completion_cause=CompletionCause.NO_INPUT_TIMEOUT,
            body=RecognitionResult(),
        ),
        at=3.05,
    )
    markers = markers_for(s.timeline, len(s.timeline) - 1)
    assert markers is not None
    no_input = deadline(markers, "no-input 2000 ms")
    assert no_input.sample == s.sample(3.0)
    assert no_input.reached
    # No speech: nothing counted from it, and no reported speech.
    assert {m.kind for m in markers.markers} == {"command", "event", "deadline"}
    assert [m.label for m in markers.markers if m.kind == "deadline"] == ["no-input 2000 ms"]


def test_delayed_timers_count_from_start_input_timers_and_stop_belongs_to_the_recognition() -> None:
    s = Session()
    s.open()
    rid = s.send(
        Recognize(grammars=DIGITS, recognition_mode="hotword", start_input_timers=False), at=1.0
    )
    s.receive(RecognitionInProgress(request_id=rid, channel_id=CHAN), at=1.002)
    timers = s.send(StartInputTimers(), at=2.5)
    s.receive(InputTimersStarted(request_id=timers, channel_id=CHAN), at=2.502)
    stop = s.send(Stop(), at=4.0)
    s.receive(Stopped(request_id=stop, channel_id=CHAN), at=4.01)

    stop_seq = s.timeline.command_for(stop).seq  # type: ignore[union-attr]
    markers = markers_for(s.timeline, stop_seq)
    assert markers is not None
    assert markers.title == f"RECOGNIZE #{rid}"
    found = by_label(markers)
    assert found["START-INPUT-TIMERS"].sample == s.sample(2.5)
    assert found["STOP"].sample == s.sample(4.0)
    assert found["STOPPED"].sample == s.sample(4.01)
    assert not markers.running
    hotword = deadline(markers, "hotword max")
    assert hotword.sample == s.sample(2.5) + 10_000 * 8
    assert not hotword.reached
    assert deadline(markers, "no-input").sample == s.sample(2.5) + 5000 * 8
    assert not any(m.label.startswith("speech") for m in markers.markers)


def test_a_running_recognition_is_open_ended_and_bounded_by_the_audio_now() -> None:
    s = Session()
    s.open()
    rid = s.send(Recognize(grammars=DIGITS, params={"no_input_timeout": 1000}), at=1.0)
    s.receive(RecognitionInProgress(request_id=rid, channel_id=CHAN), at=1.002)
    seq = s.timeline.command_for(rid).seq  # type: ignore[union-attr]
    early = markers_for(s.timeline, seq, now_sample=s.sample(1.5))
    assert early is not None
    assert early.running
    assert not deadline(early, "no-input").reached
    late = markers_for(s.timeline, seq, now_sample=s.sample(2.5))
    assert late is not None
    assert deadline(late, "no-input").reached


def test_other_requests_show_their_own_frames_and_unplaced_entries_give_none() -> None:
    s = Session()
    rid = s.send(Open(), at=0.0)
    assert markers_for(s.timeline, 0) is not None
    s.h.timeline.audio_position = None
    fresh = Session()
    fresh.h.send(Open(), at=0.0)  # no audio had been sent yet
    assert markers_for(fresh.timeline, 0) is None
    s.receive(Opened(request_id=rid, channel_id=CHAN), at=0.02)
    rid = s.send(SetParams(params={"no_input_timeout": 3000}), at=0.5)
    s.receive(ParamsSet(request_id=rid, channel_id=CHAN), at=0.52)
    markers = markers_for(s.timeline, len(s.timeline) - 1)
    assert markers is not None
    assert [(m.label, m.sample) for m in markers.markers] == [
        (f"SET-PARAMS #{rid}", s.sample(0.5)),
        (f"PARAMS-SET #{rid}", s.sample(0.52)),
    ]
    assert markers.origin == s.sample(0.5)
    assert not any(m.kind == "deadline" for m in markers.markers)


def test_the_audio_position_survives_an_export(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = Session()
    recognized(s)
    path = tmp_path / "timeline.jsonl"
    s.timeline.export_jsonl(path)
    reloaded = Timeline.load_jsonl(path)
    assert [e.audio_sample for e in reloaded] == [e.audio_sample for e in s.timeline]
    assert read_jsonl(path).entries[-1].audio_sample == s.sample(3.4)
    again = markers_for(reloaded, 2)
    original = markers_for(s.timeline, 2)
    assert again == original


def test_the_timer_the_cause_names_was_reached_even_when_the_server_clock_places_it_late() -> None:
    s = Session()
    s.open()
    rid = s.send(Recognize(grammars=DIGITS, params={"speech_complete_timeout": 700}), at=1.0)
    s.receive(RecognitionInProgress(request_id=rid, channel_id=CHAN), at=1.003)
    s.receive(StartOfInput(request_id=rid, channel_id=CHAN), at=1.7)
    # The server's clock runs 300 ms behind this one's: its speech end maps 300 ms late, and
    # end + 700 ms lands after the RECOGNITION-COMPLETE that this very timer caused.
    s.receive(complete(rid, body=speech_result(1.5 + 0.3, 2.3 + 0.3)), at=3.1)
    markers = markers_for(s.timeline, len(s.timeline) - 1)
    assert markers is not None
    fired = deadline(markers, "speech complete")
    assert fired.sample > by_label(markers)["RECOGNITION-COMPLETE"].sample
    assert fired.reached
    assert "this timer ended the recognition" in fired.detail
    assert not deadline(markers, "speech incomplete").reached
