"""The client role against the official SDK's state machine, and its checks of what arrives."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from uhlive.stream.recognition import ProtocolError, Recognizer
from uhlive.stream.recognition.client import State

from tests.unit.protocol.strategies import events
from workbench.protocol.causes import CompletionCause
from workbench.protocol.client_role import ClientProtocol
from workbench.protocol.codec import encode_event
from workbench.protocol.messages import (
    SUCCESS_REPLY,
    Close,
    Command,
    DefineGrammar,
    Event,
    GetParams,
    MethodFailed,
    Open,
    Opened,
    ProtocolViolation,
    RecognitionComplete,
    RecognitionInProgress,
    RecognitionResult,
    Recognize,
    SetParams,
    StartInputTimers,
    StartOfInput,
    Stop,
    Stopped,
)
from workbench.protocol.states import STATE_CHANGING, LocalProtocolError, SessionState

COMMANDS: list[Command] = [
    Open(channel_id="pre", custom_id="c", session_id="s", audio_codec="g711a"),
    SetParams(params={"no_input_timeout": 3000, "speech_language": "en"}),
    GetParams(),
    DefineGrammar(alias="num", uri="builtin:speech/spelling/digits?regex=[0-9]{1,2}"),
    Recognize(grammars=("session:num", "builtin:speech/boolean")),
    Recognize(
        grammars=("builtin:speech/boolean",),
        recognition_mode="hotword",
        start_input_timers=False,
        params={"hotword_max_duration": 5000},
    ),
    StartInputTimers(),
    Stop(),
    Close(),
]

SDK_STATE = {
    State.NoSession: SessionState.NO_SESSION,
    State.IdleSession: SessionState.IDLE,
    State.Recognition: SessionState.RECOGNITION,
}


def sdk_send(sdk: Recognizer, command: Command) -> str:
    """Make the SDK build the frame for ``command`` (raises ProtocolError like the SDK does)."""
    if isinstance(command, Open):
        return sdk.open(
            custom_id=command.custom_id,
            channel_id=command.channel_id,
            session_id=command.session_id,
            audio_codec=command.audio_codec,
        )
    if isinstance(command, SetParams):
        return sdk.set_params(**command.params)
    if isinstance(command, GetParams):
        return sdk.get_params()
    if isinstance(command, DefineGrammar):
        return sdk.define_grammar(command.uri.removeprefix("builtin:"), command.alias)
    if isinstance(command, Recognize):
        return sdk.recognize(
            *command.grammars,
            start_timers=command.start_input_timers,
            recognition_mode=command.recognition_mode,
            **command.params,
        )
    method = {StartInputTimers: sdk.start_input_timers, Stop: sdk.stop, Close: sdk.close}
    return method[type(command)]()


class ClientAgainstSdk(RuleBasedStateMachine):
    """Random conversations: our client and the SDK must agree on every frame and state."""

    def __init__(self) -> None:
        super().__init__()
        self.sdk = Recognizer()
        self.ours = ClientProtocol()

    def _blocked_by_pending(self) -> bool:
        return any(type(c) in STATE_CHANGING for c in self.ours.pending.values())

    @rule(command=st.sampled_from(COMMANDS))
    def send(self, command: Command) -> None:
        if self._blocked_by_pending():
            # Stricter than the SDK: nothing goes out while the state is about to change.
            with pytest.raises(LocalProtocolError, match="has not been answered yet"):
                self.ours.send(command)
            return
        reason = self.ours.why_not(type(command))
        try:
            theirs: str | None = sdk_send(self.sdk, command)
        except ProtocolError:
            theirs = None
        assert (reason is None) == (theirs is not None), reason
        if theirs is None:
            with pytest.raises(LocalProtocolError):
                self.ours.send(command)
        else:
            assert self.ours.send(command).text == theirs

    def _deliver(self, event: Event) -> Event | ProtocolViolation:
        text = encode_event(event)
        self.sdk.receive(text)
        return self.ours.receive(text)

    @precondition(lambda self: bool(self.ours.pending))
    @rule(succeed=st.booleans())
    def reply(self, succeed: bool) -> None:
        command = next(iter(self.ours.pending.values()))
        envelope: dict[str, Any] = {"request_id": command.request_id, "channel_id": "pre-1"}
        if succeed:
            event: Event = SUCCESS_REPLY[type(command)](**envelope)
        else:
            event = MethodFailed(completion_cause=CompletionCause.ERROR, **envelope)
        assert self._deliver(event) == event

    @precondition(lambda self: self.ours.recognition is not None and not self.ours.pending)
    @rule(finish=st.sampled_from(["start-of-input", "complete"]))
    def recognition_event(self, finish: str) -> None:
        recognition = self.ours.recognition
        assert recognition is not None
        envelope: dict[str, Any] = {"request_id": recognition.request_id, "channel_id": "pre-1"}
        if finish == "start-of-input" and recognition.recognition_mode == "normal":
            event: Event = StartOfInput(**envelope)
        else:
            event = RecognitionComplete(
                completion_cause=CompletionCause.NO_MATCH, body=RecognitionResult(), **envelope
            )
        result = self._deliver(event)
        assert result == event or "already sent" in getattr(result, "reason", "")

    @rule(chunk=st.binary(max_size=8))
    def audio(self, chunk: bytes) -> None:
        try:
            theirs: bytes | None = self.sdk.send_audio_chunk(chunk)
        except ProtocolError:
            theirs = None
        if theirs is None:
            with pytest.raises(LocalProtocolError):
                self.ours.send_audio(chunk)
        else:
            assert self.ours.send_audio(chunk) == theirs

    @invariant()
    def same_state(self) -> None:
        assert SDK_STATE[self.sdk._state] == self.ours.state
        assert self.sdk.channel_id == self.ours.channel_id


TestClientAgainstSdk = ClientAgainstSdk.TestCase
TestClientAgainstSdk.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)


# ---------------------------------------------------------------------------------------------
# Every (state, event) pair on receipt


def client_in(state: SessionState, *, mode: str = "normal") -> ClientProtocol:
    """A client driven into ``state`` by a well-behaved conversation."""
    client = ClientProtocol()
    if state is SessionState.NO_SESSION:
        return client
    client.send(Open())
    client.receive(encode_event(Opened(request_id=1, channel_id="c-1")))
    if state is SessionState.IDLE:
        return client
    client.send(Recognize(grammars=("builtin:speech/boolean",), recognition_mode=mode))
    client.receive(encode_event(RecognitionInProgress(request_id=2, channel_id="c-1")))
    return client


@given(st.sampled_from(list(SessionState)), events())
def test_any_event_in_any_state_never_raises_and_is_judged_by_the_table(
    state: SessionState, event: Event
) -> None:
    client = client_in(state)
    result = client.receive(encode_event(event))
    if isinstance(result, ProtocolViolation):
        assert result.event == event
        assert result.reason
    else:
        assert result == event


@pytest.mark.parametrize(
    ("state", "event", "words"),
    [
        (SessionState.IDLE, StartOfInput(request_id=2), "not expected while the session is idle"),
        (SessionState.NO_SESSION, Stopped(request_id=1), "not expected while no session"),
        (SessionState.IDLE, Opened(request_id=9), "not expected while the session is idle"),
        (SessionState.RECOGNITION, StartOfInput(request_id=7), "running recognition is request 2"),
        (SessionState.IDLE, Stopped(request_id=1), "not expected"),
    ],
)
def test_out_of_state_events_are_violations(state: SessionState, event: Event, words: str) -> None:
    client = client_in(state)
    before = client.state
    result = client.receive(encode_event(event))
    assert isinstance(result, ProtocolViolation)
    assert words in result.reason
    if "not expected" in words:
        assert client.state is before


def test_start_of_input_in_hotword_mode_is_flagged() -> None:
    client = client_in(SessionState.RECOGNITION, mode="hotword")
    result = client.receive(encode_event(StartOfInput(request_id=2, channel_id="c-1")))
    assert isinstance(result, ProtocolViolation)
    assert "hotword" in result.reason


def test_reply_with_a_wrong_request_id_is_flagged_and_still_pairs() -> None:
    client = ClientProtocol()
    client.send(Open())
    result = client.receive(encode_event(Opened(request_id=42, channel_id="x")))
    assert isinstance(result, ProtocolViolation)
    assert "request 42" in result.reason
    assert "probably answers OPEN (request 1)" in result.reason
    assert client.state is SessionState.IDLE
    assert not client.pending


def test_wrong_kind_of_reply_is_flagged() -> None:
    client = client_in(SessionState.IDLE)
    client.send(GetParams())
    result = client.receive(encode_event(Stopped(request_id=2, channel_id="c-1")))
    assert isinstance(result, ProtocolViolation)
    assert "STOPPED cannot answer GET-PARAMS" in result.reason or "not expected" in result.reason


def test_local_misuse_names_the_reason_and_sends_nothing() -> None:
    client = client_in(SessionState.RECOGNITION)
    with pytest.raises(LocalProtocolError, match="while a recognition runs"):
        client.send(Recognize(grammars=("builtin:speech/boolean",)))
    with pytest.raises(LocalProtocolError, match="session is already open"):
        client.send(Open())
    assert not client.pending
    idle = client_in(SessionState.IDLE)
    with pytest.raises(LocalProtocolError, match="only valid during a recognition"):
        idle.send(Stop())
    fresh = ClientProtocol()
    with pytest.raises(LocalProtocolError, match="OPEN one first"):
        fresh.send(GetParams())
    with pytest.raises(LocalProtocolError, match="audio needs an open session"):
        fresh.send_audio(b"\0\0")


def test_raw_frames_pair_with_their_replies() -> None:
    client = ClientProtocol()
    command = client.send_raw('{"command":"OPEN","request_id":77,"channel_id":"","headers":{}}')
    assert isinstance(command, Open)
    assert client.receive(encode_event(Opened(request_id=77, channel_id="k"))) == Opened(
        request_id=77, channel_id="k"
    )
    assert client.send(GetParams()).command.request_id == 78
    assert client.send_raw("not json") is None


@pytest.mark.parametrize("state", list(SessionState))
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_every_command_in_every_state_matches_the_sdk(
    state: SessionState, command: Command
) -> None:
    client = client_in(state)
    sdk = Recognizer()
    for text in _conversation_to(state):
        sdk.receive(text)
    try:
        sdk_send(sdk, command)
        sdk_allows = True
    except ProtocolError:
        sdk_allows = False
    assert (client.why_not(type(command)) is None) == sdk_allows


def _conversation_to(state: SessionState) -> list[str]:
    frames = []
    if state is not SessionState.NO_SESSION:
        frames.append(encode_event(Opened(request_id=1, channel_id="c-1")))
    if state is SessionState.RECOGNITION:
        frames.append(encode_event(RecognitionInProgress(request_id=2, channel_id="c-1")))
    return frames
