"""Profiles: the URL derivations the SDK makes implicitly, made explicit; credentials kept quiet."""

from __future__ import annotations

import pytest

from workbench.client.profiles import (
    ConnectionProfile,
    Credentials,
    custom_profile,
    local_profile,
    token_url_for,
    uhlive_profile,
)

TOKEN_PATH = "/realms/uhlive/protocol/openid-connect/token"


def test_the_real_service() -> None:
    profile = uhlive_profile()
    assert profile.kind == "uhlive"
    assert profile.api_url == "wss://api.uh.live"
    assert profile.bots_url == "wss://api.uh.live/bots"
    assert profile.token_url == f"https://id.uh.live{TOKEN_PATH}"
    assert profile.secure
    assert profile.ca_file is None
    assert uhlive_profile(realm="other").token_url.endswith(
        "/realms/other/protocol/openid-connect/token"
    )


@pytest.mark.parametrize(
    ("base", "api", "token"),
    [
        ("http://127.0.0.1:8080", "ws://127.0.0.1:8080", f"http://127.0.0.1:8080{TOKEN_PATH}"),
        ("ws://127.0.0.1:8080/bots", "ws://127.0.0.1:8080", f"http://127.0.0.1:8080{TOKEN_PATH}"),
        ("https://127.0.0.1:8443", "wss://127.0.0.1:8443", f"https://127.0.0.1:8443{TOKEN_PATH}"),
        ("wss://localhost:8443/x", "wss://localhost:8443", f"https://localhost:8443{TOKEN_PATH}"),
    ],
)
def test_the_local_server_from_either_of_its_urls(base: str, api: str, token: str) -> None:
    profile = local_profile(base)
    assert (profile.kind, profile.api_url, profile.token_url) == ("local", api, token)
    assert profile.bots_url == api + "/bots"


@pytest.mark.parametrize(
    ("api_url", "auth_server", "realm", "bots", "token"),
    [
        # Same host and port, scheme following the API URL's security.
        ("ws://h.example:8080", None, "uhlive", "ws://h.example:8080/bots",
         f"http://h.example:8080{TOKEN_PATH}"),
        ("wss://h.example", None, "uhlive", "wss://h.example/bots",
         f"https://h.example{TOKEN_PATH}"),
        ("wss://h.example:9443", None, "uhlive", "wss://h.example:9443/bots",
         f"https://h.example:9443{TOKEN_PATH}"),
        # The path is replaced, as urljoin(url, "/bots") does in the SDK.
        ("ws://h.example:8080/foo/", None, "uhlive", "ws://h.example:8080/bots",
         f"http://h.example:8080{TOKEN_PATH}"),
        # auth_server "HOST[:PORT]" overrides the host; the scheme still follows the API URL.
        ("wss://api.example", "id.example:8443", "uhlive", "wss://api.example/bots",
         f"https://id.example:8443{TOKEN_PATH}"),
        ("ws://api.example:81", "id.example", "uhlive", "ws://api.example:81/bots",
         f"http://id.example{TOKEN_PATH}"),
        # An explicit scheme in auth_server wins and may carry a prefix path (old Keycloak).
        ("ws://127.0.0.1:81", "https://id.example/auth", "uhlive", "ws://127.0.0.1:81/bots",
         f"https://id.example/auth{TOKEN_PATH}"),
        # The realm goes into the token path.
        ("wss://api.example", None, "acme", "wss://api.example/bots",
         "https://api.example/realms/acme/protocol/openid-connect/token"),
        # IPv6 literals stay bracketed.
        ("ws://[::1]:8080", None, "uhlive", "ws://[::1]:8080/bots",
         f"http://[::1]:8080{TOKEN_PATH}"),
    ],
)  # fmt: skip
def test_custom_urls(
    api_url: str, auth_server: str | None, realm: str, bots: str, token: str
) -> None:
    profile = custom_profile(api_url, auth_server, realm)
    assert profile.kind == "custom"
    assert profile.bots_url == bots
    assert profile.token_url == token
    assert profile.realm == realm
    assert profile.secure == api_url.startswith("wss")


def test_custom_profile_keeps_name_and_ca_file() -> None:
    profile = custom_profile("wss://h.example", ca_file="/tmp/ca.pem", name="staging")
    assert (profile.name, profile.ca_file) == ("staging", "/tmp/ca.pem")
    assert "trusting /tmp/ca.pem" in profile.describe()
    assert custom_profile("ws://h.example:1").name == "Custom (h.example:1)"


def test_user_info_in_the_url_never_reaches_the_token_url() -> None:
    profile = custom_profile("ws://someone:pw@h.example:8080")
    assert profile.token_url == f"http://h.example:8080{TOKEN_PATH}"


@pytest.mark.parametrize("bad", ["http://h.example", "h.example:8080", "wss://", "ftp://x"])
def test_custom_profile_wants_a_websocket_url(bad: str) -> None:
    with pytest.raises(ValueError, match=r"ws://"):
        custom_profile(bad)


def test_profile_validates_both_urls() -> None:
    with pytest.raises(ValueError, match="API URL"):
        ConnectionProfile("x", "custom", "http://h", "http://h/t")
    with pytest.raises(ValueError, match="token URL"):
        ConnectionProfile("x", "custom", "ws://h", "ws://h/t")
    with pytest.raises(ValueError, match="local server URL"):
        local_profile("ftp://h")


def test_token_url_for_drops_nothing_but_a_trailing_slash() -> None:
    assert token_url_for("https://id.example/", "r") == (
        "https://id.example/realms/r/protocol/openid-connect/token"
    )


def test_credentials_never_show_secret_or_password() -> None:
    plain = Credentials("my-client", "s3cr3t-value")
    assert plain.grant_type == "client_credentials"
    for text in (repr(plain), str(plain), f"{plain}", f"{plain!r}"):
        assert "s3cr3t-value" not in text
        assert "my-client" in text
    user = Credentials("my-client", "s3cr3t-value", username="alice", password="pa55-word")
    assert user.grant_type == "password"
    for text in (repr(user), str(user)):
        assert "s3cr3t-value" not in text
        assert "pa55-word" not in text
        assert "alice" in text


def test_credentials_from_the_sdk_variables() -> None:
    env = {"UHLIVE_API_CLIENT": "cid", "UHLIVE_API_SECRET": "csecret"}
    assert Credentials.from_env(env) == Credentials("cid", "csecret")


def test_credentials_from_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UHLIVE_API_CLIENT", "env-id")
    monkeypatch.setenv("UHLIVE_API_SECRET", "env-secret")
    assert Credentials.from_env() == Credentials("env-id", "env-secret")


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "UHLIVE_API_CLIENT and UHLIVE_API_SECRET are not set"),
        ({"UHLIVE_API_CLIENT": "cid"}, "UHLIVE_API_SECRET is not set"),
        ({"UHLIVE_API_CLIENT": "", "UHLIVE_API_SECRET": "x"}, "UHLIVE_API_CLIENT is not set"),
    ],
)
def test_missing_variables_are_named(env: dict[str, str], missing: str) -> None:
    with pytest.raises(ValueError, match=missing):
        Credentials.from_env(env)
