"""The server role: what it accepts in each state, which error it names, what it refuses to send."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tests.unit.protocol.strategies import events
from tests.unit.protocol.test_client_role import COMMANDS
from workbench.protocol.causes import CompletionCause
from workbench.protocol.codec import encode_command
from workbench.protocol.conformance import sdk_verdict
from workbench.protocol.messages import (
    SUCCESS_REPLY,
    Close,
    Closed,
    Command,
    DefaultParams,
    DefineGrammar,
    ErrorEvent,
    Event,
    GetParams,
    InvalidParamValue,
    MethodFailed,
    MethodNotAllowed,
    MethodNotValid,
    MissingParam,
    Open,
    Opened,
    ProtocolViolation,
    RecognitionComplete,
    RecognitionInProgress,
    RecognitionResult,
    Recognize,
    SetParams,
    StartOfInput,
    Stop,
    Stopped,
)
from workbench.protocol.pair import ProtocolPair
from workbench.protocol.params import default_params
from workbench.protocol.server_role import ServerProtocol, make_channel_id
from workbench.protocol.states import LocalProtocolError, SessionState, next_state, refusal

BOOLEAN = "builtin:speech/boolean"


def server_in(state: SessionState, *, mode: str = "normal") -> ServerProtocol:
    """A server driven into ``state`` by a well-behaved client."""
    pair = ProtocolPair()
    if state is not SessionState.NO_SESSION:
        pair.command(Open(channel_id="pre"))
        pair.event(Opened(request_id=1, channel_id="pre-1"))
    if state is SessionState.RECOGNITION:
        pair.command(Recognize(grammars=(BOOLEAN,), recognition_mode=mode))
        pair.event(RecognitionInProgress(request_id=2, channel_id="pre-1"))
    assert pair.server.state is state
    return pair.server


def _frame(command: Command, request_id: int) -> str:
    return encode_command(dataclasses.replace(command, request_id=request_id))


@given(
    st.sampled_from(list(SessionState)),
    st.sampled_from(["normal", "hotword"]),
    st.sampled_from(COMMANDS),
    st.integers(min_value=0, max_value=2**64 - 1),
)
def test_every_command_in_every_state(
    state: SessionState, mode: str, command: Command, request_id: int
) -> None:
    server = server_in(state, mode=mode)
    if isinstance(command, Recognize) and "session:num" in command.grammars:
        command = Recognize(grammars=(BOOLEAN,))
    judged = server.receive(_frame(command, request_id))
    reason = refusal(state, type(command))
    if reason is None:
        assert not isinstance(judged, ProtocolViolation), judged
        assert judged.request_id == request_id
        assert server.awaiting == judged
    else:
        assert isinstance(judged, ProtocolViolation)
        assert isinstance(judged.answer, MethodNotAllowed)
        assert judged.answer.request_id == request_id
        assert judged.answer.completion_reason == reason
        assert server.awaiting is None
        assert server.state is state


def _refused(server: ServerProtocol, text: str) -> ErrorEvent:
    judged = server.receive(text)
    assert isinstance(judged, ProtocolViolation), judged
    assert judged.answer is not None
    assert sdk_verdict(server.refuse(judged)).accepted
    return judged.answer


@pytest.mark.parametrize(
    ("state", "frame", "answer", "words"),
    [
        (SessionState.NO_SESSION, "{not json", MethodNotValid, "not valid JSON"),
        (SessionState.IDLE, '{"command":"HELLO","request_id":4}', MethodNotValid, "unknown"),
        (SessionState.IDLE, '["OPEN"]', MethodNotValid, "not a JSON object"),
        (SessionState.IDLE, '{"command":"GET-PARAMS"}', MissingParam, "request_id"),
        (
            SessionState.IDLE,
            '{"command":"GET-PARAMS","request_id":"3"}',
            InvalidParamValue,
            "request_id",
        ),
        (
            SessionState.IDLE,
            '{"command":"DEFINE-GRAMMAR","request_id":3,"headers":{},"body":"builtin:speech/boolean"}',
            MissingParam,
            "content_id",
        ),
        (
            SessionState.NO_SESSION,
            '{"command":"OPEN","request_id":1,"headers":{"audio_codec":"mp3"}}',
            InvalidParamValue,
            "linear, g711a, g711u",
        ),
        (
            SessionState.NO_SESSION,
            '{"command":"OPEN","request_id":1,"headers":{"custom_id":5}}',
            InvalidParamValue,
            "custom_id",
        ),
        (
            SessionState.IDLE,
            '{"command":"SET-PARAMS","request_id":3,"headers":{"no_input_timeout":-5}}',
            InvalidParamValue,
            "no_input_timeout=-5",
        ),
        (
            SessionState.IDLE,
            '{"command":"SET-PARAMS","request_id":3,"headers":{"hotword_max_time":5000}}',
            InvalidParamValue,
            "did you mean 'hotword_max_duration'",
        ),
        (
            SessionState.IDLE,
            '{"command":"RECOGNIZE","request_id":3,"headers":{"recognition_mode":"foo"},'
            '"body":"builtin:speech/boolean"}',
            InvalidParamValue,
            "recognition_mode",
        ),
        (
            SessionState.IDLE,
            '{"command":"RECOGNIZE","request_id":3,"headers":{},"body":""}',
            MissingParam,
            "at least one grammar",
        ),
    ],
)
def test_bad_commands_get_the_right_error_event(
    state: SessionState, frame: str, answer: type[ErrorEvent], words: str
) -> None:
    server = server_in(state)
    refused = _refused(server, frame)
    assert type(refused) is answer
    assert refused.completion_reason is not None
    assert words in refused.completion_reason
    assert server.state is state


@pytest.mark.parametrize(
    ("grammar", "cause", "words"),
    [
        ("session:toto", CompletionCause.GRAM_LOAD_FAILURE, "unknown grammar 'session:toto'"),
        ("builtin:speech/bolean", CompletionCause.GRAM_LOAD_FAILURE, "speech/boolean"),
        (
            "builtin:speech/spelling/digits?regex=[0-9",
            CompletionCause.GRAM_LOAD_FAILURE,
            "regex",
        ),
        ("builtin:speech/keywords", CompletionCause.GRAM_LOAD_FAILURE, "alternatives"),
    ],
)
def test_unusable_grammars_fail_with_a_cause(
    grammar: str, cause: CompletionCause, words: str
) -> None:
    server = server_in(SessionState.IDLE)
    refused = _refused(server, encode_command(Recognize(request_id=5, grammars=(grammar,))))
    assert isinstance(refused, MethodFailed)
    assert refused.completion_cause is cause
    assert words in (refused.completion_reason or "")


def test_bad_definitions_fail_with_gram_definition_failure() -> None:
    server = server_in(SessionState.IDLE)
    for uri in ("builtin:speech/spelling/digits?regex=(", "session:other", "builtin:nope"):
        frame = encode_command(DefineGrammar(request_id=5, alias="x", uri=uri))
        refused = _refused(server, frame)
        assert isinstance(refused, MethodFailed)
        assert refused.completion_cause is CompletionCause.GRAM_DEFINITION_FAILURE
    refused = _refused(
        server, encode_command(DefineGrammar(request_id=6, alias="a b", uri=BOOLEAN))
    )
    assert isinstance(refused, InvalidParamValue)


def test_session_state_params_and_aliases() -> None:
    pair = ProtocolPair()
    pair.command(Open(channel_id="pre", audio_codec="g711u"))
    pair.event(Opened(request_id=1, channel_id=make_channel_id("pre", "7f")))
    assert pair.client.channel_id == "pre-7f"
    assert pair.server.session is not None
    assert pair.server.session.audio_codec == "g711u"
    pair.command(SetParams(params={"no_input_timeout": 3000}))
    pair.event(SUCCESS_REPLY[SetParams](request_id=2, channel_id="pre-7f"))
    pair.command(GetParams())
    expected = {**default_params(), "no_input_timeout": 3000}
    assert pair.server.session_params == expected
    reply = pair.event(DefaultParams(request_id=3, channel_id="pre-7f", headers=expected))
    assert isinstance(reply, DefaultParams)
    pair.command(DefineGrammar(alias="num", uri="builtin:speech/spelling/digits?regex=[0-9]{1,2}"))
    pair.event(SUCCESS_REPLY[DefineGrammar](request_id=4, channel_id="pre-7f"))
    judged = pair.command(
        Recognize(grammars=("session:num", BOOLEAN), params={"n_best_list_length": 3})
    )
    assert isinstance(judged, Recognize)
    assert pair.server.resolve_grammar("session:num").param("regex") == "[0-9]{1,2}"
    effective = pair.server.effective_params(judged)
    assert effective["no_input_timeout"] == 3000
    assert effective["n_best_list_length"] == 3
    pair.event(RecognitionInProgress(request_id=5, channel_id="pre-7f"))
    pair.event(StartOfInput(request_id=5, channel_id="pre-7f"))
    pair.event(RecognitionComplete(request_id=5, channel_id="pre-7f", body=RecognitionResult()))
    pair.command(Close())
    pair.event(Closed(request_id=6, channel_id="pre-7f"))
    # A new session starts clean: aliases and parameters do not survive CLOSE.
    pair.command(Open())
    pair.event(Opened(request_id=7, channel_id="q"))
    assert pair.server.session_params == default_params()
    refused = pair.command(Recognize(grammars=("session:num",)))
    assert isinstance(refused, ProtocolViolation)
    assert isinstance(refused.answer, MethodFailed)


@pytest.mark.parametrize(
    ("setup", "event", "words"),
    [
        (SessionState.IDLE, Opened(request_id=1), "answers nothing"),
        (SessionState.IDLE, StartOfInput(request_id=2), "outside a recognition"),
        (SessionState.RECOGNITION, StartOfInput(request_id=9), "request id 2"),
        (SessionState.RECOGNITION, RecognitionComplete(request_id=1), "request id 2"),
    ],
)
def test_server_refuses_to_send_what_breaks_the_protocol(
    setup: SessionState, event: Event, words: str
) -> None:
    server = server_in(setup)
    with pytest.raises(LocalProtocolError, match=words):
        server.send(event)


def test_server_keeps_start_of_input_to_normal_mode_and_once() -> None:
    hotword = server_in(SessionState.RECOGNITION, mode="hotword")
    with pytest.raises(LocalProtocolError, match="hotword"):
        hotword.send(StartOfInput(request_id=2))
    normal = server_in(SessionState.RECOGNITION)
    normal.send(StartOfInput(request_id=2))
    with pytest.raises(LocalProtocolError, match="already sent"):
        normal.send(StartOfInput(request_id=2))


def test_server_answers_before_reading_on_and_before_async_events() -> None:
    server = server_in(SessionState.RECOGNITION)
    server.receive(encode_command(Stop(request_id=3)))
    with pytest.raises(LocalProtocolError, match="answer STOP"):
        server.send(RecognitionComplete(request_id=2))
    with pytest.raises(LocalProtocolError, match="answer STOP"):
        server.receive(encode_command(GetParams(request_id=4)))
    with pytest.raises(LocalProtocolError, match="cannot answer STOP"):
        server.send(Opened(request_id=3))
    server.send(Stopped(request_id=3))
    assert server.state is SessionState.IDLE


def test_audio_is_ignored_outside_a_session() -> None:
    assert not server_in(SessionState.NO_SESSION).receive_audio(b"\0" * 960)
    assert server_in(SessionState.IDLE).receive_audio(b"\0" * 960)
    assert server_in(SessionState.RECOGNITION).receive_audio(b"\0" * 960)


def test_open_reply_must_keep_the_prefix() -> None:
    server = ServerProtocol()
    server.receive(encode_command(Open(request_id=1, channel_id="pre")))
    with pytest.raises(LocalProtocolError, match="prefix"):
        server.send(Opened(request_id=1, channel_id="other"))


# ---------------------------------------------------------------------------------------------
# Random conversations through the in-memory pair


class Conversation(RuleBasedStateMachine):
    """A client and a server core talking: states agree, one reply per command, SDK-clean."""

    def __init__(self) -> None:
        super().__init__()
        self.pair = ProtocolPair()

    @rule(command=st.sampled_from(COMMANDS))
    def client_sends(self, command: Command) -> None:
        if self.pair.client.why_not(type(command)) is not None:
            return
        self.pair.command(command)

    @rule(text=st.sampled_from(["{", "[]", '{"command":"X","request_id":99}', "null"]))
    def client_sends_garbage(self, text: str) -> None:
        self.pair.raw_command(text)

    @precondition(lambda self: self.pair.server.awaiting is not None)
    @rule(succeed=st.booleans())
    def server_answers(self, succeed: bool) -> None:
        command = self.pair.server.awaiting
        assert command is not None
        channel = self.pair.server.channel_id or make_channel_id(command.channel_id, "1")
        envelope: dict[str, Any] = {"request_id": command.request_id, "channel_id": channel}
        event: Event = (
            SUCCESS_REPLY[type(command)](**envelope)
            if succeed
            else MethodFailed(completion_cause=CompletionCause.ERROR, **envelope)
        )
        assert self.pair.event(event) == event

    @precondition(
        lambda self: self.pair.server.recognition is not None and self.pair.server.awaiting is None
    )
    @rule(speak=st.booleans())
    def recognition_progresses(self, speak: bool) -> None:
        recognition = self.pair.server.recognition
        assert recognition is not None
        envelope: dict[str, Any] = {
            "request_id": recognition.request_id,
            "channel_id": self.pair.server.channel_id,
        }
        if speak and recognition.recognition_mode == "normal":
            event = StartOfInput(**envelope)
            try:
                received = self.pair.event(event)
            except LocalProtocolError:
                return  # already sent once: the server core refused, nothing went out
            assert received == event
            return
        result = self.pair.event(
            RecognitionComplete(completion_cause=CompletionCause.NO_INPUT_TIMEOUT, **envelope)
        )
        assert isinstance(result, RecognitionComplete)

    @invariant()
    def roles_agree(self) -> None:
        if self.pair.server.awaiting is None and not self.pair._inbox:
            assert self.pair.client.state is self.pair.server.state

    @invariant()
    def every_server_frame_is_sdk_clean(self) -> None:
        for direction, text in self.pair.wire:
            if direction == "s>c":
                assert sdk_verdict(text).accepted, text

    @invariant()
    def one_reply_per_command(self) -> None:
        asked = [json.loads(t)["request_id"] for d, t in self.pair.wire if d == "c>s" and _ok(t)]
        answered = [
            json.loads(t)["request_id"]
            for d, t in self.pair.wire
            if d == "s>c"
            and json.loads(t)["event"] not in ("START-OF-INPUT", "RECOGNITION-COMPLETE")
        ]
        owed = (1 if self.pair.server.awaiting is not None else 0) + len(self.pair._inbox)
        assert len(answered) + owed == len(asked) + self._garbage()

    def _garbage(self) -> int:
        return sum(1 for d, t in self.pair.wire if d == "c>s" and not _ok(t))


def _ok(text: str) -> bool:
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict) and "command" in data and "request_id" in data


TestConversation = Conversation.TestCase
TestConversation.settings = settings(max_examples=120, stateful_step_count=40, deadline=None)


@given(st.sampled_from(list(SessionState)), st.booleans(), events())
def test_any_event_in_any_state_is_sent_only_when_legal(
    state: SessionState, answer_owed: bool, event: Event
) -> None:
    server = server_in(state)
    if answer_owed:
        command = GetParams(request_id=9) if state is SessionState.IDLE else Stop(request_id=9)
        if refusal(state, type(command)) is None:
            server.receive(encode_command(command))
    awaiting = server.awaiting
    try:
        text = server.send(event)
    except LocalProtocolError:
        # Refused before anything went out: nothing changed.
        assert server.state is state
        assert server.awaiting is awaiting
        return
    assert sdk_verdict(text).accepted
    assert server.state is next_state(state, type(event))
    if event.is_reply:
        assert awaiting is not None
        assert event.request_id == awaiting.request_id
        assert isinstance(event, ErrorEvent) or SUCCESS_REPLY[type(awaiting)] is type(event)
    else:
        assert awaiting is None
        assert state is SessionState.RECOGNITION
