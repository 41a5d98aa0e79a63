"""The SDK-acceptance check agrees with the real SDK; decoding never raises on any input."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from uhlive.stream.recognition import Recognizer

from tests.unit.protocol.strategies import events, json_values
from workbench.protocol.codec import decode_command, decode_event, encode_event
from workbench.protocol.conformance import sdk_verdict
from workbench.protocol.messages import Event, ProtocolViolation


def sdk_accepts(raw: str | bytes) -> bool:
    """Ask the SDK itself."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Recognizer().receive(raw)
    except Exception:  # the SDK raises many kinds; any of them is a rejection
        return False
    return True


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a key or index inside a JSON value."""
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            found.append((*prefix, key))
            found.extend(_paths(inner, (*prefix, key)))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found.append((*prefix, index))
            found.extend(_paths(inner, (*prefix, index)))
    return found


@st.composite
def mutated_frames(draw: st.DrawFn) -> str:
    """A valid event frame with one key removed or one value replaced."""
    data = json.loads(encode_event(draw(events())))
    paths = _paths(data)
    path = draw(st.sampled_from(paths))
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    if draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(
            json_values
            | st.sampled_from(["Success", "TooMuchSpeechTimeout", "OPENED", "", "12", "x"])
        )
    return json.dumps(data, ensure_ascii=False)


@given(mutated_frames())
def test_verdict_agrees_with_the_sdk_on_mutated_frames(frame: str) -> None:
    verdict = sdk_verdict(frame)
    assert verdict.accepted == sdk_accepts(frame), verdict.reason
    assert verdict.accepted == (verdict.reason is None)


@given(events())
def test_sdk_accepts_everything_we_encode(event: Event) -> None:
    assert sdk_verdict(encode_event(event)).accepted


@pytest.mark.parametrize(
    ("frame", "words"),
    [
        ('{"event":"OPENED","request_id":1,"channel_id":"","headers":{},"body":""}', "missing"),
        ('{"event":"HELLO","request_id":1}', "unknown event"),
        (
            '{"event":"RECOGNITION-COMPLETE","request_id":1,"channel_id":"","headers":{},'
            '"completion_cause":"TooMuchSpeechTimeout","completion_reason":null,"body":""}',
            "unknown completion_cause",
        ),
        (
            '{"event":"OPENED","request_id":1,"channel_id":"","headers":{},'
            '"completion_cause":null,"completion_reason":null,"body":{"x":1}}',
            "non-empty body on OPENED",
        ),
        (b"\x00\x01", "binary"),
        ("[1,2]", "not an object"),
        ("{", "not valid JSON"),
    ],
)
def test_verdict_says_why(frame: str | bytes, words: str) -> None:
    verdict = sdk_verdict(frame)
    assert not verdict.accepted
    assert not sdk_accepts(frame)
    assert verdict.reason is not None
    assert words in verdict.reason


@pytest.mark.parametrize(
    ("frame", "words"),
    [
        ('{"event":"OPENED","request_id":1,"channel_id":"","headers":{},"body":""}', "no "),
        ('{"event":"HELLO","request_id":1}', "unknown event 'HELLO'"),
        (
            '{"event":"STOPPED","request_id":1,"channel_id":"","headers":{},'
            '"completion_cause":"Cancelled","completion_reason":null,"body":""}',
            "unknown completion_cause 'Cancelled'",
        ),
        (
            '{"event":"RECOGNITION-COMPLETE","request_id":1,"channel_id":"","headers":{},'
            '"completion_cause":null,"completion_reason":null,"body":{"asr":null,"nlu":null}}',
            "'grammar_uri'",
        ),
        (b"\xff", "binary frame"),
    ],
)
def test_decoding_reports_violations_instead_of_raising(frame: str | bytes, words: str) -> None:
    decoded = decode_event(frame)
    assert isinstance(decoded, ProtocolViolation)
    assert words in decoded.reason
    assert decoded.raw


@given(st.text(max_size=200) | st.binary(max_size=50) | json_values.map(json.dumps))
def test_decoders_never_raise(raw: str | bytes) -> None:
    for decode in (decode_event, decode_command):
        result = decode(raw)
        if isinstance(result, ProtocolViolation):
            assert result.reason
        assert sdk_verdict(raw).accepted in (True, False)


@given(mutated_frames())
def test_decoding_mutated_frames_never_raises(frame: str) -> None:
    result = decode_event(frame)
    if not isinstance(result, ProtocolViolation):
        # Whatever we accept, the SDK accepts too: we are never more lenient than it.
        assert sdk_accepts(frame), frame
