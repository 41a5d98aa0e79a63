"""Secrets and tokens never enter the timeline, and so never leave it in an export."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.session.harness import Harness, complete, result
from workbench.protocol.messages import (
    MethodNotValid,
    Open,
    Opened,
    RecognitionInProgress,
    Recognize,
)
from workbench.session import SecretSet, Timeline, TimelineChange, redact
from workbench.session.jsonl import entry_to_json

CHAN = "chan-1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: bearer eyJhbGciOi.abc-def_ghi", "Authorization: bearer ***"),
        ('{"Authorization":"Bearer abc.def","x":1}', '{"Authorization":"Bearer ***","x":1}'),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic ***"),
        ("the token is bearer abc123, sent", "the token is bearer ***, sent"),
        (
            '{"access_token":"eyJ\\"abc","expires_in":300,"token_type":"Bearer"}',
            '{"access_token":"***","expires_in":300,"token_type":"Bearer"}',
        ),
        (
            '{"refresh_token": "r-1", "id_token": "i-2", "scope": "openid"}',
            '{"refresh_token": "***", "id_token": "***", "scope": "openid"}',
        ),
        (
            "client_id=me&client_secret=s3cr%26t&grant_type=client_credentials",
            "client_id=me&client_secret=***&grant_type=client_credentials",
        ),
        (
            "grant_type=password&username=bob&password=hunter2",
            "grant_type=password&username=bob&password=***",
        ),
        (
            '{"password": 1234, "secret": null, "id_token": true}',
            '{"password": "***", "secret": null, "id_token": "***"}',
        ),
        ('{"reason":"{\\"password\\":\\"abc\\"}"}', '{"reason":"{\\"password\\":\\"***\\"}"}'),
        ("{'client_secret': 'xyz'}", "{'client_secret': '***'}"),
        ("UHLIVE_API_SECRET=abcdef", "UHLIVE_API_SECRET=***"),
        # Not secrets: left alone.
        ("token obtained (expires in 300 s)", "token obtained (expires in 300 s)"),
        ('{"token_type":"Bearer","logging_tag":"basic_test"}', None),
        ('{"event":"OPENED","request_id":1,"channel_id":"x"}', None),
    ],
)
def test_rules(text: str, expected: str | None) -> None:
    assert redact(text) == (text if expected is None else expected)


def test_masked_json_stays_json() -> None:
    frame = json.dumps(
        {"access_token": 'a"b\\c', "password": 42, "nested": {"client_secret": "x y"}}
    )
    cleaned = json.loads(redact(frame))
    assert cleaned == {
        "access_token": "***",
        "password": "***",
        "nested": {"client_secret": "***"},
    }


def test_registered_secrets_are_masked_in_every_spelling() -> None:
    secret = 'pa"ss\\wörd&x'
    secrets = SecretSet([secret])
    assert redact(f"plain {secret} end", secrets) == "plain *** end"
    as_json = json.dumps({"custom_id": secret})
    assert redact(as_json, secrets) == '{"custom_id": "***"}'
    ascii_json = json.dumps({"custom_id": secret}, ensure_ascii=True)
    assert redact(ascii_json, secrets) == '{"custom_id": "***"}'
    assert redact("q=pa%22ss%5Cw%C3%B6rd%26x", secrets) == "q=***"
    assert not secrets.found_in(redact(as_json, secrets))


def test_overlapping_secrets_and_masks_that_would_rebuild_one() -> None:
    assert redact("abcdef x abcdefg", ["abcdef", "abcdefg"]) == "*** x ***"
    assert "aaaaa**" not in redact("aaaaaa**", ["aaaaa**"])


def test_short_secrets_are_masked_only_where_they_stand_alone() -> None:
    # A one-letter "secret" masked everywhere would shred every line ("h2***-work***ench").
    assert redact("h2b-workbench said b", ["b"]) == "h2b-workbench said ***"
    assert redact('{"k": "abc"} abcd', ["abc"]) == '{"k": "***"} abcd'
    assert not SecretSet().add("")
    with pytest.raises(ValueError, match="only of"):
        SecretSet(["***"])


def test_everything_that_enters_a_timeline_is_redacted() -> None:
    token, client_secret = "tok-3f9a1c77e0d24b1b", "cs-8d1e2f3a4b5c"
    h = Harness()
    h.timeline.register_secret(client_secret)
    h.timeline.register_secret(token)
    h.timeline.note("auth", "token requested", f"client_secret={client_secret}", 0.0, 0.0)
    h.timeline.note(
        "auth", "token obtained", "token obtained", 0.0, 0.0, response={"access_token": token}
    )
    h.timeline.note("connection", "connected", f"GET /bots with bearer {token}", 0.0, 0.0)
    h.send(Open(custom_id=f"leak {client_secret}"))  # a user pasting the secret as custom_id
    h.receive(Opened(request_id=1, channel_id=f"{token}-chan"))
    h.send(Recognize(grammars=(f"builtin:speech/keywords?alternatives={token}",)))
    h.receive(RecognitionInProgress(request_id=2, channel_id=CHAN))
    h.receive(complete(2, body=result(f"say {token}", token), reason=f"bearer {token}"))
    h.receive_raw(f'{{"event":"OPENED","request_id":9,"secret":"{client_secret}"}}')
    h.timeline.audio_started("linear", f"File: {token}.wav", 0.0, 0.0)
    h.timeline.audio_progress(1, 960, 0.0, 0.0)

    stored = repr(list(h.timeline))
    assert token not in stored
    assert client_secret not in stored
    assert "***" in h.timeline.entry(3).raw
    exported = io.StringIO()
    h.timeline.export_jsonl(exported)
    assert token not in exported.getvalue()
    assert client_secret not in exported.getvalue()
    assert h.timeline.redact(f"x{token}x") == "x***x"


def test_a_late_registration_scrubs_what_is_already_there() -> None:
    timeline = Timeline()
    changes: list[TimelineChange] = []
    timeline.note("auth", "token obtained", "token abc-late-secret-1 arrived", 0.0, 0.0)
    timeline.note("note", "other", "nothing to hide", 0.0, 0.0)
    timeline.subscribe(changes.append)
    timeline.register_secret("abc-late-secret-1")
    timeline.register_secret("abc-late-secret-1")  # again: nothing to do
    assert timeline.entry(0).summary == "token *** arrived"
    assert [(c.kind, c.entry.seq) for c in changes] == [("updated", 0)]
    assert changes[0].previous is not None


# Realistic secrets: token characters, no quote or backslash (so an export's JSON escaping
# cannot make a secret out of what surrounds it), long enough not to occur by chance, with a
# letter (so that it cannot hide in the digits of a timestamp).
secret_texts = st.text(
    alphabet=st.sampled_from(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~+/="
    ),
    min_size=8,
    max_size=40,
).filter(lambda text: any(char.isalpha() for char in text))
# The text around them: anything but control characters and surrogates.
surroundings = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(secret=secret_texts, before=surroundings, after=surroundings, late=st.booleans())
def test_random_secrets_embedded_in_frames_never_survive(
    secret: str, before: str, after: str, late: bool
) -> None:
    embedded = f"{before}{secret}{after}"
    h = Harness()
    if not late:
        h.timeline.register_secret(secret)
    h.send(Open(custom_id=embedded, session_id=secret))
    h.receive(Opened(request_id=1, channel_id=embedded))
    h.send(Recognize(grammars=(embedded,)))
    h.receive(MethodNotValid(request_id=2, channel_id=CHAN, completion_reason=embedded))
    h.receive_raw(embedded)  # garbage from the server: a violation quoting it
    h.receive_raw(json.dumps({"event": "CLOSED", "request_id": 3, "why": embedded}))
    h.timeline.note("note", embedded, embedded, 0.0, 0.0, detail=[embedded, {embedded: 1}])
    h.timeline.audio_started("linear", embedded, 0.0, 0.0)
    if late:
        h.timeline.register_secret(secret)

    for entry in h.timeline:
        assert not any(secret in text for text in _strings(entry_to_json(entry)))
    exported = io.StringIO()
    h.timeline.export_jsonl(exported, created=0.0)
    for line in exported.getvalue().splitlines():
        assert not any(secret in text for text in _strings(json.loads(line)))
    exported.seek(0)
    for entry in Timeline.load_jsonl(exported):
        assert not any(secret in text for text in _strings(entry_to_json(entry)))


def _strings(value: object, *, keys: bool = False) -> Iterator[str]:
    """Every string in a JSON-like value (keys below the top level): where a secret could hide."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if keys:
                yield str(key)
            yield from _strings(item, keys=True)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item, keys=True)


@settings(max_examples=100, deadline=None)
@given(
    token=secret_texts,
    password=st.text(
        alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789%+-_.~!*"), min_size=1
    ),
)
def test_unregistered_credentials_are_caught_by_the_rules(token: str, password: str) -> None:
    timeline = Timeline()
    timeline.note("auth", "request", f"POST grant_type=password&password={password}", 0.0, 0.0)
    timeline.note("connection", "upgrade", f"Authorization: bearer {token}", 0.0, 0.0)
    body = json.dumps({"access_token": token, "expires_in": 300})
    timeline.note("auth", "response", body, 0.0, 0.0)
    summaries = [entry.summary for entry in timeline]
    assert summaries[0] == "POST grant_type=password&password=***"
    assert summaries[1] == "Authorization: bearer ***"
    assert json.loads(summaries[2]) == {"access_token": "***", "expires_in": 300}
