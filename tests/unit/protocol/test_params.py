"""Tests for the parameter schema in workbench.protocol.params."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.protocol.params import (
    AUDIO_CODECS,
    OPEN_ATTRIBUTES,
    PARAMETERS,
    ParamError,
    ParamKind,
    ParamScope,
    ParamSpec,
    default_params,
    parse_assignment,
    specs_for_scope,
    validate_params,
)

SECTION_7_KEYS = {
    "speech_language",
    "no_input_timeout",
    "speech_complete_timeout",
    "speech_incomplete_timeout",
    "speech_nomatch_timeout",
    "recognition_timeout",
    "hotword_max_duration",
    "recognition_mode",
    "start_input_timers",
    "content_type",
    "confidence_threshold",
    "n_best_list_length",
    "logging_tag",
}
DOCUMENTED_DEFAULTS = {
    "speech_language": "fr",
    "no_input_timeout": 5000,
    "speech_complete_timeout": 1000,
    "speech_incomplete_timeout": 2000,
    "speech_nomatch_timeout": 3000,
    "recognition_timeout": 20000,
    "hotword_max_duration": 10000,
    "confidence_threshold": 0.5,
    "n_best_list_length": 1,
    "recognition_mode": "normal",
    "start_input_timers": True,
}
ALL_SPECS = [*PARAMETERS.values(), *OPEN_ATTRIBUTES.values()]
NUMERIC_SPECS = [s for s in PARAMETERS.values() if s.kind in {ParamKind.INT, ParamKind.FLOAT}]
INT_SPECS = [s for s in PARAMETERS.values() if s.kind is ParamKind.INT]


def _ids(spec: ParamSpec) -> str:
    return spec.name


# --- the catalogue ---------------------------------------------------------------------------


def test_catalogue_covers_section_7_exactly() -> None:
    assert set(PARAMETERS) == SECTION_7_KEYS
    assert set(OPEN_ATTRIBUTES) == {"custom_id", "session_id", "audio_codec", "channel_id"}
    assert all(name == spec.name for name, spec in PARAMETERS.items())


def test_catalogue_is_read_only() -> None:
    with pytest.raises(TypeError):
        PARAMETERS["x"] = PARAMETERS["logging_tag"]  # type: ignore[index]


@pytest.mark.parametrize("spec", ALL_SPECS, ids=_ids)
def test_every_spec_is_complete(spec: ParamSpec) -> None:
    assert isinstance(spec.kind, ParamKind)
    assert spec.help
    assert "\n" not in spec.help
    assert spec.scope
    assert spec.validate(spec.default) is None
    assert spec.describe()
    if spec.kind is ParamKind.CHOICE:
        assert spec.default in spec.choices
    if spec.kind in {ParamKind.INT, ParamKind.FLOAT}:
        assert spec.minimum is not None
        assert spec.maximum is not None


def test_kinds_units_and_ranges() -> None:
    timers = [s for s in INT_SPECS if s.name != "n_best_list_length"]
    assert len(timers) == 6
    for spec in timers:
        assert (spec.unit, spec.minimum, spec.maximum) == ("ms", 0, 600_000)
    best = PARAMETERS["n_best_list_length"]
    assert (best.kind, best.minimum, best.maximum) == (ParamKind.INT, 1, 10)
    conf = PARAMETERS["confidence_threshold"]
    assert (conf.kind, conf.minimum, conf.maximum) == (ParamKind.FLOAT, 0.0, 1.0)
    assert PARAMETERS["start_input_timers"].kind is ParamKind.BOOL
    assert PARAMETERS["recognition_mode"].choices == ("normal", "hotword")
    assert PARAMETERS["content_type"].choices == ("text/uri-list",)
    assert PARAMETERS["logging_tag"].max_length == 256
    assert OPEN_ATTRIBUTES["audio_codec"].choices == AUDIO_CODECS == ("linear", "g711a", "g711u")


def test_scopes() -> None:
    session = ParamScope.SET_PARAMS | ParamScope.RECOGNIZE
    for name, spec in PARAMETERS.items():
        expected = ParamScope.RECOGNIZE if name == "content_type" else session
        assert spec.scope == expected, name
    assert all(s.scope == ParamScope.OPEN for s in OPEN_ATTRIBUTES.values())
    assert [s.name for s in OPEN_ATTRIBUTES.values() if s.envelope] == ["channel_id"]
    assert not any(s.envelope for s in PARAMETERS.values())
    assert {s.name for s in specs_for_scope(ParamScope.RECOGNIZE)} == SECTION_7_KEYS
    assert "content_type" not in {s.name for s in specs_for_scope(ParamScope.SET_PARAMS)}
    assert {s.name for s in specs_for_scope(ParamScope.OPEN)} == set(OPEN_ATTRIBUTES)


def test_default_params() -> None:
    defaults = default_params()
    set_params = {s.name for s in specs_for_scope(ParamScope.SET_PARAMS)}
    assert set(defaults) == set_params == SECTION_7_KEYS - {"content_type"}
    for name, value in DOCUMENTED_DEFAULTS.items():
        assert defaults[name] == value
        assert type(defaults[name]) is type(value)
    assert defaults["logging_tag"] == ""
    assert PARAMETERS["content_type"].default == "text/uri-list"
    assert validate_params(defaults) == []
    defaults["no_input_timeout"] = 1  # a fresh dict each call
    assert default_params()["no_input_timeout"] == 5000


def test_spec_rejects_its_own_bad_default() -> None:
    with pytest.raises(ValueError, match="bad default"):
        ParamSpec("x", ParamKind.INT, -1, "help", ParamScope.SET_PARAMS, minimum=0, maximum=1)
    with pytest.raises(ValueError, match="choices"):
        ParamSpec("x", ParamKind.CHOICE, "a", "help", ParamScope.SET_PARAMS)


# --- validate(): ranges and types ------------------------------------------------------------


@pytest.mark.parametrize("spec", NUMERIC_SPECS, ids=_ids)
def test_range_edges(spec: ParamSpec) -> None:
    assert spec.minimum is not None
    assert spec.maximum is not None
    step = 1 if spec.kind is ParamKind.INT else 1e-9
    low, high = spec.minimum, spec.maximum
    if spec.kind is ParamKind.INT:
        low, high = int(low), int(high)
    assert spec.validate(low) is None
    assert spec.validate(high) is None
    for bad in (low - step, high + step):
        message = spec.validate(bad)
        assert message is not None
        assert message.startswith(f"{spec.name}={bad!r} is out of range")


def test_exact_message_for_out_of_range_timer() -> None:
    assert PARAMETERS["no_input_timeout"].validate(-5) == (
        "no_input_timeout=-5 is out of range: expected an integer number of milliseconds"
        " between 0 and 600000"
    )
    assert PARAMETERS["n_best_list_length"].validate(11) == (
        "n_best_list_length=11 is out of range: expected an integer between 1 and 10"
    )
    assert PARAMETERS["confidence_threshold"].validate(1.5) == (
        "confidence_threshold=1.5 is out of range: expected a number between 0 and 1"
    )


@pytest.mark.parametrize("spec", INT_SPECS, ids=_ids)
@pytest.mark.parametrize("value", [True, False, 5.0, "5000", None, [1]])
def test_int_params_reject_bools_and_other_types(spec: ParamSpec, value: object) -> None:
    message = spec.validate(value)
    assert message is not None
    assert message.startswith(f"{spec.name}={value!r} has the wrong type")


def test_float_param_accepts_int_and_float_but_not_bool() -> None:
    conf = PARAMETERS["confidence_threshold"]
    assert conf.validate(0) is None
    assert conf.validate(1) is None
    assert conf.validate(0.7) is None
    assert conf.validate(True) is not None
    assert conf.validate(False) is not None
    assert conf.validate("0.7") is not None


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_float_param_rejects_non_finite(value: float) -> None:
    message = PARAMETERS["confidence_threshold"].validate(value)
    assert message is not None
    assert message.startswith(f"confidence_threshold={value!r} is not a finite number")


def test_bool_param_accepts_only_bools() -> None:
    timers = PARAMETERS["start_input_timers"]
    assert timers.validate(True) is None
    assert timers.validate(False) is None
    for value in (1, 0, "true", None):
        assert timers.validate(value) is not None


def test_choice_and_string_params() -> None:
    mode = PARAMETERS["recognition_mode"]
    assert mode.validate("hotword") is None
    assert mode.validate("Hotword") == (
        "recognition_mode='Hotword' is not allowed: expected one of: normal, hotword"
    )
    assert PARAMETERS["content_type"].validate("text/plain") is not None
    tag = PARAMETERS["logging_tag"]
    assert tag.validate("x" * 256) is None
    message = tag.validate("x" * 257)
    assert message is not None
    assert message.startswith("logging_tag='xxxx")
    assert "is too long: expected a string of at most 256 characters" in message
    assert len(message) < 200  # the value is truncated
    assert tag.validate(5) is not None


@pytest.mark.parametrize("tag", ["fr", "en", "fr-FR", "fr-BE", "en-US", "en-us", "es", "es-419"])
def test_speech_language_accepts_tags(tag: str) -> None:
    assert PARAMETERS["speech_language"].validate(tag) is None


@pytest.mark.parametrize("tag", ["", "f", "french", "fr_FR", "fr-", "fr-FRA", " fr", "fr-FR-x"])
def test_speech_language_rejects_malformed_tags(tag: str) -> None:
    message = PARAMETERS["speech_language"].validate(tag)
    assert message is not None
    assert message.startswith(f"speech_language={tag!r} is not well formed")
    assert "fr-FR" in message


def test_huge_int_is_reported_without_crashing() -> None:
    message = PARAMETERS["no_input_timeout"].validate(10**5000)
    assert message is not None
    assert "is out of range" in message


# --- parse_text() ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("no_input_timeout", "5000", 5000),
        ("no_input_timeout", " 0 ", 0),
        ("no_input_timeout", "+600000", 600000),
        ("n_best_list_length", "3", 3),
        ("confidence_threshold", "0.7", 0.7),
        ("confidence_threshold", "1", 1.0),
        ("confidence_threshold", ".5", 0.5),
        ("recognition_mode", "HOTWORD", "hotword"),
        ("speech_language", "en-US", "en-US"),
        ("logging_tag", " kept as is ", " kept as is "),
        ("logging_tag", "", ""),
    ],
)
def test_parse_text_accepts(name: str, text: str, expected: object) -> None:
    value = PARAMETERS[name].parse_text(text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        *[("true", True), ("YES", True), ("1", True), ("On", True)],
        *[("false", False), ("no", False), ("0", False), (" off ", False)],
    ],
)
def test_parse_text_bools(text: str, expected: bool) -> None:
    assert PARAMETERS["start_input_timers"].parse_text(text) is expected


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("no_input_timeout", "abc"),
        ("no_input_timeout", "5.0"),
        ("no_input_timeout", "1e3"),
        ("no_input_timeout", ""),
        ("no_input_timeout", "5 000"),
        ("no_input_timeout", "٥"),  # a non-ASCII digit
        ("confidence_threshold", "nan"),
        ("confidence_threshold", "inf"),
        ("confidence_threshold", "0,7"),
        ("start_input_timers", "maybe"),
        ("recognition_mode", "sleep"),
    ],
)
def test_parse_text_rejects_unreadable_text(name: str, text: str) -> None:
    with pytest.raises(ParamError) as caught:
        PARAMETERS[name].parse_text(text)
    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.name, error.value) == (name, text)
    assert str(error) == error.message
    assert name in error.message
    assert repr(text) in error.message


def test_parse_text_bad_text_messages() -> None:
    with pytest.raises(
        ParamError, match=r"^no_input_timeout='abc' cannot be read: expected an int"
    ):
        PARAMETERS["no_input_timeout"].parse_text("abc")
    with pytest.raises(ParamError, match=r"yes/no, on/off, 1/0"):
        PARAMETERS["start_input_timers"].parse_text("maybe")


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("no_input_timeout", "-5", -5),
        ("n_best_list_length", "11", 11),
        ("confidence_threshold", "1e999", math.inf),
        ("speech_language", "french", "french"),
    ],
)
def test_parse_text_rejects_readable_but_invalid_values(
    name: str, text: str, value: object
) -> None:
    with pytest.raises(ParamError) as caught:
        PARAMETERS[name].parse_text(text)
    assert caught.value.name == name
    assert caught.value.value == value
    assert caught.value.message.startswith(f"{name}={value!r} ")


# --- validate_params() and parse_assignment() ------------------------------------------------


def test_validate_params_accepts_sdk_examples() -> None:
    set_params = {
        "speech_language": "fr",
        "no_input_timeout": 5000,
        "n_best_list_length": 3,
        "logging_tag": "x",
    }
    recognize = {
        "recognition_mode": "hotword",
        "content_type": "text/uri-list",
        "start_input_timers": False,
        "hotword_max_duration": 5000,
    }
    assert validate_params(set_params) == []
    assert validate_params(recognize, scope=ParamScope.RECOGNIZE) == []
    assert validate_params({}) == []


def test_validate_params_reports_each_error_in_order() -> None:
    errors = validate_params(
        {"no_input_timeout": True, "logging_tag": "ok", "n_best_list_length": 0}
    )
    assert [e.name for e in errors] == ["no_input_timeout", "n_best_list_length"]
    assert [e.value for e in errors] == [True, 0]
    assert all(isinstance(e, ParamError) for e in errors)


def test_unknown_name_suggests_closest() -> None:
    (error,) = validate_params({"hotword_max_time": 5000})
    assert error.message == (
        "unknown parameter 'hotword_max_time'; did you mean 'hotword_max_duration'?"
    )
    assert (error.name, error.value) == ("hotword_max_time", 5000)
    (error,) = validate_params({"zzz": 1})
    assert error.message == "unknown parameter 'zzz'"


def test_known_name_in_wrong_scope_says_where_it_belongs() -> None:
    errors = validate_params({"content_type": "text/uri-list", "audio_codec": "linear"})
    assert [e.message for e in errors] == [
        "content_type cannot be given in SET-PARAMS; it belongs in RECOGNIZE",
        "audio_codec cannot be given in SET-PARAMS; it belongs in OPEN",
    ]
    (error,) = validate_params({"logging_tag": "x"}, scope=ParamScope.OPEN)
    assert (
        error.message
        == "logging_tag cannot be given in OPEN; it belongs in SET-PARAMS or RECOGNIZE"
    )


def test_open_attributes() -> None:
    sdk_open = {"custom_id": "cust", "audio_codec": "g711a", "session_id": "sess"}
    assert validate_params({**sdk_open, "channel_id": "pref"}, scope=ParamScope.OPEN) == []
    for codec in AUDIO_CODECS:
        assert OPEN_ATTRIBUTES["audio_codec"].validate(codec) is None
    (error,) = validate_params({"audio_codec": "mp3"}, scope=ParamScope.OPEN)
    assert (
        error.message == "audio_codec='mp3' is not allowed: expected one of: linear, g711a, g711u"
    )
    (error,) = validate_params({"custom_id": "c" * 257}, scope=ParamScope.OPEN)
    assert "custom_id=" in error.message
    assert "is too long" in error.message
    (error,) = validate_params({"audio_codecs": "linear"}, scope=ParamScope.OPEN)
    assert error.message.endswith("did you mean 'audio_codec'?")


def test_parse_assignment() -> None:
    assert parse_assignment("no_input_timeout=5000") == ("no_input_timeout", 5000)
    assert parse_assignment(" recognition_mode = hotword") == ("recognition_mode", "hotword")
    assert parse_assignment("logging_tag=a=b") == ("logging_tag", "a=b")
    assert parse_assignment("audio_codec=g711u", scope=ParamScope.OPEN) == ("audio_codec", "g711u")
    with pytest.raises(ParamError, match="not of the form name=value"):
        parse_assignment("no_input_timeout")
    with pytest.raises(ParamError, match="not of the form name=value"):
        parse_assignment("=5")
    with pytest.raises(ParamError, match="did you mean 'no_input_timeout'"):
        parse_assignment("no_imput_timeout=5")
    with pytest.raises(ParamError, match=r"no_input_timeout='x' cannot be read"):
        parse_assignment("no_input_timeout=x")


# --- properties ------------------------------------------------------------------------------


@given(data=st.data(), spec=st.sampled_from(INT_SPECS))
def test_any_int_in_range_validates_and_round_trips(data: st.DataObject, spec: ParamSpec) -> None:
    assert spec.minimum is not None
    assert spec.maximum is not None
    value = data.draw(st.integers(int(spec.minimum), int(spec.maximum)))
    assert spec.validate(value) is None
    assert spec.parse_text(str(value)) == value


@given(st.integers().filter(lambda v: not 0 <= v <= 600_000))
def test_any_int_out_of_range_is_rejected(value: int) -> None:
    message = PARAMETERS["recognition_timeout"].validate(value)
    assert message is not None
    assert message.startswith("recognition_timeout=")


@given(st.floats(min_value=0.0, max_value=1.0))
def test_any_threshold_in_range_round_trips(value: float) -> None:
    spec = PARAMETERS["confidence_threshold"]
    assert spec.validate(value) is None
    assert spec.parse_text(repr(value)) == value


@given(spec=st.sampled_from(ALL_SPECS), text=st.text())
def test_parse_text_returns_a_valid_value_or_raises_param_error(spec: ParamSpec, text: str) -> None:
    error: ParamError | None = None
    try:
        value = spec.parse_text(text)
    except ParamError as caught:
        error = caught
    if error is None:
        assert spec.validate(value) is None
    else:
        assert error.name == spec.name
        assert error.message.startswith(f"{spec.name}=")
