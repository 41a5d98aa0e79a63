"""Failures in plain words: the mapping from exceptions and HTTP answers, without sockets."""

from __future__ import annotations

import errno
import socket
import ssl

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey

from workbench.client.auth import Token, parse_token_answer
from workbench.client.errors import (
    ConnectionFailure,
    excerpt,
    failure_from_exception,
    scrub,
    server_reason,
    token_refused,
    upgrade_refused,
)
from workbench.client.http_session import is_special_invalid

URL = "wss://api.example:9443/bots"


def key(host: str = "api.example", port: int = 9443) -> ConnectionKey:
    return ConnectionKey(host, port, True, True, None, None, None, None)


def mapped(error: BaseException, url: str = URL) -> ConnectionFailure:
    return failure_from_exception(error, url=url, what="the H2B WebSocket", timeout=3.0)


def verify_error(message: str) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(
        1, f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {message} (_ssl.c:1006)"
    )
    error.verify_message = message
    error.reason = "CERTIFICATE_VERIFY_FAILED"
    return error


def test_failure_reads_as_one_sentence() -> None:
    failure = ConnectionFailure("refused", "nothing listens on h:1", "start it")
    assert str(failure) == "nothing listens on h:1 — start it"
    assert failure.title == "Cannot connect"
    assert "kind='refused'" in repr(failure)
    assert str(ConnectionFailure("closed", "gone")) == "gone"


def test_dns_failure_names_the_host() -> None:
    error = aiohttp.ClientConnectorDNSError(
        key("nowhere.invalid"), OSError(socket.EAI_NONAME, "Name or service not known")
    )
    failure = mapped(error, "ws://nowhere.invalid:80/bots")
    assert failure.kind == "dns"
    assert "'nowhere.invalid'" in failure.cause
    assert "does not resolve" in failure.cause
    assert "online" in failure.remedy


def test_refused_names_host_and_port_and_the_local_server() -> None:
    error = aiohttp.ClientConnectorError(
        key("127.0.0.1", 1), ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed")
    )
    failure = mapped(error, "ws://127.0.0.1:1/bots")
    assert failure.kind == "refused"
    assert "127.0.0.1:1" in failure.cause
    assert "connection refused" in failure.cause
    assert "is the server running?" in failure.remedy
    assert "h2b-workbench serve" in failure.remedy


@pytest.mark.parametrize(
    ("code", "kind", "words"),
    [
        (errno.EHOSTUNREACH, "refused", "unreachable"),
        (errno.ENETUNREACH, "refused", "unreachable"),
        (errno.ETIMEDOUT, "timeout", "timed out"),
    ],
)
def test_other_connect_errors(code: int, kind: str, words: str) -> None:
    failure = mapped(aiohttp.ClientConnectorError(key(), OSError(code, "some os text")))
    assert failure.kind == kind
    assert words in failure.cause


@pytest.mark.parametrize(
    ("message", "remedy"),
    [
        ("self-signed certificate", "CA file"),
        ("certificate has expired", "expired"),
        ("Hostname mismatch, certificate is not valid for 'api.example'.", "host name"),
        ("unable to get local issuer certificate", "CA file"),
    ],
)
def test_certificate_problems_show_the_ssl_verify_message(message: str, remedy: str) -> None:
    error = aiohttp.ClientConnectorCertificateError(key(), verify_error(message))
    failure = mapped(error)
    assert failure.kind == "tls"
    assert "certificate verify failed" in failure.cause
    assert message.rstrip(".") in failure.cause
    assert "api.example:9443" in failure.cause
    assert remedy in failure.remedy
    assert "never turned off" in failure.remedy or remedy != "CA file"


def test_tls_handshake_to_a_plain_port() -> None:
    inner = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)")
    inner.reason = "WRONG_VERSION_NUMBER"
    failure = mapped(aiohttp.ClientConnectorSSLError(key(), inner))
    assert failure.kind == "tls"
    assert "does not seem to speak TLS" in failure.cause
    assert "ws://" in failure.remedy


def test_timeouts_say_how_long_we_waited() -> None:
    failure = mapped(TimeoutError())
    assert failure.kind == "timeout"
    assert "within 3 s" in failure.cause
    assert mapped(aiohttp.ConnectionTimeoutError()).kind == "timeout"


def test_a_silent_hang_up_suggests_tls_only_for_plain_urls() -> None:
    plain = mapped(aiohttp.ServerDisconnectedError(), "ws://h.example:8080/bots")
    assert plain.kind == "dropped"
    assert "wss://" in plain.remedy
    assert "wss://" not in mapped(aiohttp.ServerDisconnectedError()).remedy


def test_token_401_shows_the_oauth_error_and_asks_for_the_credentials() -> None:
    body = (
        '{"error":"invalid_client",'
        '"error_description":"Invalid client or Invalid client credentials"}'
    )
    failure = token_refused(
        401, body, url="https://id.example/t", client_id="cid", password_grant=False
    )
    assert failure.kind == "unauthorized"
    assert "invalid_client: Invalid client or Invalid client credentials" in failure.cause
    assert "'cid'" in failure.cause
    assert failure.remedy == "check the client id and secret"
    with_user = token_refused(400, '{"error":"invalid_grant"}', url="https://id.example/t",
                              client_id="cid", password_grant=True)  # fmt: skip
    assert with_user.kind == "unauthorized"
    assert "user name and password" in with_user.remedy


def test_token_endpoint_other_statuses() -> None:
    missing = token_refused(404, '{"error":"Realm does not exist"}', url="https://id.example/t",
                            client_id="c", password_grant=False)  # fmt: skip
    assert missing.kind == "bad_response"
    assert "realm" in missing.remedy
    broken = token_refused(502, "<html>Bad Gateway</html>", url="https://id.example/t",
                           client_id="c", password_grant=False)  # fmt: skip
    assert "HTTP 502" in broken.cause
    assert "Bad Gateway" in broken.cause


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("<html>login page</html>", "not JSON"),
        ('["a"]', "not an object"),
        ('{"token_type":"Bearer"}', "without an access_token (keys: token_type)"),
        ('{"access_token":""}', "without an access_token"),
    ],
)
def test_token_answers_without_a_token(body: str, problem: str) -> None:
    with pytest.raises(ConnectionFailure) as caught:
        parse_token_answer(body, url="https://id.example/t", content_type="text/html", now=1.0)
    assert caught.value.kind == "bad_response"
    assert problem in caught.value.cause


def test_a_token_answer() -> None:
    token = parse_token_answer('{"access_token":"tok-123","expires_in":300}',
                               url="u", content_type="application/json", now=10.0)  # fmt: skip
    assert token == Token("tok-123", 10.0, 300.0)
    assert not token.expired(309.0)
    assert token.expired(311.0)
    assert "tok-123" not in repr(token)
    assert "tok-123" not in str(token)
    assert token.authorization == "bearer tok-123"
    no_lifetime = parse_token_answer('{"access_token":"t"}', url="u", content_type="", now=0.0)
    assert no_lifetime.expires_in is None
    assert not no_lifetime.expired(1e9)


def test_upgrade_401_expired_says_five_minutes() -> None:
    body = (
        '{"error":"unauthorized","reason":"the bearer token expired: tokens must open a '
        'connection within 300 s; request a new one"}'
    )
    failure = upgrade_refused(401, body, url=URL)
    assert failure.kind == "token_expired"
    assert "the bearer token expired" in failure.cause
    assert "token expired — it must be used within 5 minutes" in failure.remedy


def test_upgrade_401_other_reason_is_shown() -> None:
    body = '{"error":"unauthorized","reason":"the bearer token is not one this server issued"}'
    failure = upgrade_refused(401, body, url=URL)
    assert failure.kind == "unauthorized"
    assert "not one this server issued" in failure.cause
    assert upgrade_refused(403, "", url=URL).kind == "unauthorized"


@pytest.mark.parametrize("status", [404, 200, 302])
def test_upgrade_refused_by_something_that_is_not_h2b(status: int) -> None:
    failure = upgrade_refused(status, "<html>Not here</html>", url=URL)
    assert failure.kind == "bad_response"
    assert f"HTTP {status}" in failure.cause
    assert "not an H2B server" in failure.cause


def test_server_reason_reads_the_usual_shapes() -> None:
    assert server_reason('{"reason":"r1"}') == "r1"
    assert server_reason('{"error":"e","error_description":"d"}') == "e: d"
    assert server_reason('{"message":"m"}') == "m"
    assert server_reason('{"error":"only"}') == "only"
    assert server_reason("plain\n text") == "plain text"
    assert server_reason("") == ""
    assert len(server_reason("x" * 1000)) == 200


def test_scrub_and_excerpt() -> None:
    assert scrub("token abc and abc", ["abc", ""]) == "token *** and ***"
    assert excerpt("a\n b", 10) == "a b"
    assert excerpt("abcdef", 4) == "abc…"


@pytest.mark.parametrize(
    ("host", "special"),
    [("x.invalid", True), ("INVALID", True), ("a.b.invalid.", True), ("invalid.example", False),
     ("127.0.0.1", False), ("localhost", False)],
)  # fmt: skip
def test_special_use_invalid_names(host: str, special: bool) -> None:
    assert is_special_invalid(host) is special
