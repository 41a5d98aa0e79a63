"""Tests for grammar URIs, keyword lists, the builtin catalogue and regex examples."""

from __future__ import annotations

import re
import string
import warnings
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.protocol.grammars import (
    BUILTIN_GRAMMARS,
    GrammarError,
    GrammarProblem,
    GrammarUri,
    builtin_grammar,
    check_grammar_uri,
    close_builtin_paths,
    grammar_list_problems,
    grammars_body,
    join_alternatives,
    parse_grammar_uri,
    parse_grammars_body,
    regex_error,
    regex_examples,
    split_alternatives,
    validate_alias,
    validate_grammar_uri,
)

if TYPE_CHECKING:
    from collections.abc import Callable

# Every grammar URI that appears in H2B.md, with the parts it must parse into.
WIRE_VECTORS = [
    (
        "builtin:speech/spelling/digits?regex=[0-9]{1,2}",
        GrammarUri("builtin", "speech/spelling/digits", (("regex", "[0-9]{1,2}"),)),
    ),
    (
        "builtin:speech/spelling/mixed?regex=[a-z]{2}[0-9]{9}[a-z]{2}",
        GrammarUri("builtin", "speech/spelling/mixed", (("regex", "[a-z]{2}[0-9]{9}[a-z]{2}"),)),
    ),
    (
        "builtin:speech/spelling/mixed?regex=[a-z]{2}",
        GrammarUri("builtin", "speech/spelling/mixed", (("regex", "[a-z]{2}"),)),
    ),
    (
        "builtin:speech/keywords?alternatives=adresse|multi|arrêt|date",
        GrammarUri("builtin", "speech/keywords", (("alternatives", "adresse|multi|arrêt|date"),)),
    ),
    (
        "builtin:speech/keywords?alternatives=allo\\-media",
        GrammarUri("builtin", "speech/keywords", (("alternatives", "allo\\-media"),)),
    ),
    ("session:parcel", GrammarUri("session", "parcel")),
    ("session:transcribe", GrammarUri("session", "transcribe")),
    ("builtin:speech/boolean", GrammarUri("builtin", "speech/boolean")),
    ("builtin:speech/date", GrammarUri("builtin", "speech/date")),
]


@pytest.mark.parametrize(("text", "expected"), WIRE_VECTORS)
def test_wire_vectors_parse_and_build(text: str, expected: GrammarUri) -> None:
    uri = parse_grammar_uri(text)
    assert uri == expected
    assert str(uri) == text
    assert uri.text == text
    assert GrammarUri.parse(text) == uri
    assert validate_grammar_uri(uri) == []
    assert check_grammar_uri(text) == uri


def test_uri_accessors() -> None:
    uri = parse_grammar_uri("builtin:speech/spelling/mixed?regex=[a-z]{2}[0-9]{9}[a-z]{2}")
    assert uri.base == "builtin:speech/spelling/mixed"
    assert uri.is_builtin
    assert not uri.is_session
    assert uri.param("regex") == "[a-z]{2}[0-9]{9}[a-z]{2}"
    assert uri.param("alternatives") is None
    session = GrammarUri.session("parcel")
    assert session.is_session
    assert session.base == str(session) == "session:parcel"


def test_builder_keeps_parameter_order() -> None:
    uri = GrammarUri.builtin("speech/keywords", alternatives="oui|non", extra="x")
    assert str(uri) == "builtin:speech/keywords?alternatives=oui|non&extra=x"
    assert uri.query == (("alternatives", "oui|non"), ("extra", "x"))


def test_query_splits_only_before_name_equals() -> None:
    uri = parse_grammar_uri("builtin:speech/spelling/mixed?regex=a&b|c&&d&regex2=x")
    assert uri.query == (("regex", "a&b|c&&d"), ("regex2", "x"))
    escaped = parse_grammar_uri("builtin:speech/spelling/mixed?regex=a\\&b=c")
    assert escaped.query == (("regex", "a\\&b=c"),)
    doubled = parse_grammar_uri("builtin:speech/spelling/mixed?regex=a\\\\&b=c")
    assert doubled.query == (("regex", "a\\\\"), ("b", "c"))


def test_values_are_never_url_decoded() -> None:
    text = "builtin:speech/keywords?alternatives=caf%C3%A9+bar|ça va"
    uri = parse_grammar_uri(text)
    assert uri.param("alternatives") == "caf%C3%A9+bar|ça va"
    assert str(uri) == text


@pytest.mark.parametrize(
    ("text", "part", "fragment"),
    [
        ("", "uri", "empty"),
        ("   ", "uri", "empty"),
        ("speech/boolean", "scheme", "did you mean 'builtin:speech/boolean'"),
        ("http://example.org", "scheme", "unknown scheme 'http'"),
        ("Builtin:speech/boolean", "scheme", "unknown scheme 'Builtin'"),
        ("builtin:", "path", "path is empty"),
        ("builtin:speech boolean", "path", "path 'speech boolean'"),
        ("builtin:speech//boolean", "path", "path 'speech//boolean'"),
        ("builtin:/speech/boolean", "path", "path '/speech/boolean'"),
        ("builtin:speech/boolean\n", "path", "path 'speech/boolean\n'"),
        ("builtin:speech/boolean?", "query", "query string after '?' is empty"),
        ("builtin:speech/keywords?oui|non", "query", "'oui|non' is not of the form name=value"),
        ("builtin:speech/keywords?=oui", "query", "'=oui' is not of the form name=value"),
        ("builtin:speech/keywords?alternatives=oui\tnon", "alternatives", "control character"),
        ("session:", "alias", "alias is empty"),
        ("session:my parcel", "alias", "alias 'my parcel' holds whitespace"),
        ("session:a:b", "alias", "alias 'a:b' holds ':' at position 1"),
    ],
)
def test_parse_errors_name_the_part(text: str, part: str, fragment: str) -> None:
    with pytest.raises(GrammarError) as caught:
        parse_grammar_uri(text)
    assert caught.value.part == part
    assert fragment in str(caught.value)
    assert str(caught.value).startswith(f"grammar '{text}': ")
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("build", "part", "fragment"),
    [
        (lambda: GrammarUri("http", "x"), "scheme", "unknown scheme 'http'"),  # type: ignore[arg-type]
        (lambda: GrammarUri("session", "a", (("x", "y"),)), "query", "takes no query"),
        (lambda: GrammarUri("builtin", "speech/keywords", (("1x", "y"),)), "query", "'1x'"),
        (lambda: GrammarUri.builtin("speech/spelling/mixed", regex="a&b=c"), "regex", "\\&"),
        (lambda: GrammarUri.builtin("speech/spelling/mixed", regex="a\\", x="y"), "regex", "split"),
        (lambda: GrammarUri.builtin("speech/spelling/mixed", regex="a\nb"), "regex", "newline"),
    ],
)
def test_construction_rejects_what_would_not_round_trip(
    build: Callable[[], GrammarUri], part: str, fragment: str
) -> None:
    with pytest.raises(GrammarError) as caught:
        build()
    assert caught.value.part == part
    assert fragment in str(caught.value)


def test_unterminated_regex_message() -> None:
    text = "builtin:speech/spelling/digits?regex=[0-9"
    with pytest.raises(GrammarError) as caught:
        check_grammar_uri(text)
    assert caught.value.part == "regex"
    assert str(caught.value) == (
        "grammar 'builtin:speech/spelling/digits?regex=[0-9': regex '[0-9' does not compile: "
        "unterminated character set at position 0"
    )
    assert [p.part for p in caught.value.problems] == ["regex"]


def problems_of(text: str, aliases: list[str] | None = None) -> list[GrammarProblem]:
    return validate_grammar_uri(parse_grammar_uri(text), aliases)


def test_unknown_builtin_path_suggests_and_lists_catalogue() -> None:
    [problem] = problems_of("builtin:speech/digits")
    assert problem.part == "path"
    assert "unknown builtin grammar 'speech/digits'" in problem.message
    assert "did you mean 'speech/spelling/digits'" in problem.message
    for path in BUILTIN_GRAMMARS:
        assert path in problem.message
    [far] = problems_of("builtin:toto")
    assert "did you mean" not in far.message
    assert "Known grammars: grammar/none" in far.message


def test_unknown_and_repeated_parameters() -> None:
    problems = problems_of("builtin:speech/boolean?regex=a&lang=fr")
    assert [p.part for p in problems] == ["regex", "lang"]
    assert "unknown parameter 'regex' for builtin:speech/boolean (accepted: none)" in str(
        problems[0]
    )
    repeated = problems_of("builtin:speech/spelling/digits?regex=[0-9]&regex=[1-9]")
    assert [(p.part, p.message) for p in repeated] == [
        ("regex", "parameter 'regex' is given more than once")
    ]
    wrong = problems_of("builtin:speech/spelling/digits?alternatives=a")
    assert "(accepted: regex)" in wrong[0].message


def test_missing_required_alternatives() -> None:
    [problem] = problems_of("builtin:speech/keywords")
    assert problem.part == "alternatives"
    assert "needs the parameter 'alternatives'" in problem.message


def test_regex_must_be_non_empty_and_compile() -> None:
    [empty] = problems_of("builtin:speech/spelling/mixed?regex=")
    assert empty.part == "regex"
    assert "regex '' is empty" in empty.message
    [bad] = problems_of("builtin:speech/spelling/mixed?regex=(ab")
    assert bad.part == "regex"
    assert "regex '(ab' does not compile: missing ), unterminated subpattern" in bad.message
    [nothing] = problems_of("builtin:speech/spelling/mixed?regex=*a")
    assert "nothing to repeat at position 0" in nothing.message
    assert problems_of("builtin:speech/spelling/mixed?regex=[[a]") == []  # warning, not error
    assert regex_error("[0-9]{1,2}") is None


def test_bad_alternatives_value() -> None:
    [problem] = problems_of("builtin:speech/keywords?alternatives=oui||non")
    assert problem.part == "alternatives"
    assert "empty alternative at position 4" in problem.message
    [trailing] = problems_of("builtin:speech/keywords?alternatives=oui\\")
    assert "trailing lone backslash at position 3" in trailing.message
    [twice] = problems_of("builtin:speech/keywords?alternatives=oui|non|oui")
    assert "keyword 'oui' is listed more than once" in twice.message


def test_validation_reports_all_problems_at_once() -> None:
    text = "builtin:speech/keywords?alternatives=|x&regex=[&alternatives=y"
    problems = problems_of(text)
    assert [p.part for p in problems] == ["alternatives", "regex", "alternatives"]
    with pytest.raises(GrammarError) as caught:
        check_grammar_uri(text)
    assert caught.value.problems == tuple(problems)
    assert "(and 2 more)" in str(caught.value)


def test_session_aliases_checked_against_defined_ones() -> None:
    assert problems_of("session:parcel") == []
    assert problems_of("session:parcel", ["parcel"]) == []
    [problem] = problems_of("session:parcle", ["parcel", "subs_num"])
    assert problem.part == "alias"
    assert "alias 'parcle' is not defined" in problem.message
    assert "parcel, subs_num" in problem.message


def test_validate_alias_rule() -> None:
    assert validate_alias("parcel") is None
    assert validate_alias("numéro-colis_2") is None
    assert validate_alias("") == "the alias is empty"
    assert "position 2" in (validate_alias("ab\tc") or "")
    assert "':' at position 7" in (validate_alias("session:x") or "")


# --- keyword lists ----------------------------------------------------------------------------


def test_split_alternatives_examples() -> None:
    assert split_alternatives("adresse|multi|arrêt|date") == ("adresse", "multi", "arrêt", "date")
    assert split_alternatives("allo\\-media") == ("allo-media",)
    assert split_alternatives("a\\|b") == ("a|b",)
    assert split_alternatives("a\\\\|b") == ("a\\", "b")
    assert split_alternatives("bonjour madame") == ("bonjour madame",)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty alternative at position 0"),
        ("|a", "empty alternative at position 0"),
        ("a||b", "empty alternative at position 2"),
        ("a|", "empty alternative at position 2"),
        ("ab\\", "trailing lone backslash at position 2"),
    ],
)
def test_split_alternatives_errors(text: str, fragment: str) -> None:
    with pytest.raises(GrammarError) as caught:
        split_alternatives(text)
    assert caught.value.part == "alternatives"
    assert str(caught.value) == f"alternatives '{text}': {fragment}"


def test_join_alternatives_escapes() -> None:
    assert join_alternatives(["allo-media"]) == "allo\\-media"
    assert join_alternatives(["a|b", "c\\d", "arrêt"]) == "a\\|b|c\\\\d|arrêt"
    assert join_alternatives(iter(["x&y=z"])) == "x\\&y=z"
    with pytest.raises(GrammarError, match="at least one keyword"):
        join_alternatives([])
    with pytest.raises(GrammarError, match="keyword 2 is empty"):
        join_alternatives(["a", ""])


@given(st.lists(st.text(min_size=1), min_size=1))
def test_alternatives_round_trip(words: list[str]) -> None:
    assert split_alternatives(join_alternatives(words)) == tuple(words)


wire_text = st.text(st.characters(exclude_categories=["Cc", "Cs"]), min_size=1)


@given(st.lists(wire_text, min_size=1))
def test_keywords_survive_a_uri_round_trip(words: list[str]) -> None:
    uri = GrammarUri.builtin("speech/keywords", alternatives=join_alternatives(words))
    parsed = parse_grammar_uri(str(uri))
    assert parsed == uri
    assert split_alternatives(parsed.param("alternatives") or "") == tuple(words)
    problems = validate_grammar_uri(parsed)
    assert all("more than once" in problem.message for problem in problems)


@given(st.text())
def test_split_alternatives_only_raises_grammar_error(text: str) -> None:
    error: GrammarError | None = None
    try:
        words = split_alternatives(text)
    except GrammarError as exc:
        error = exc
    if error is None:
        assert all(words)
    else:
        assert error.part == "alternatives"


uri_like_text = st.one_of(
    st.text(),
    st.builds(
        str.__add__,
        st.sampled_from(["builtin:", "session:", "builtin:speech/keywords?", "builtin:a?x="]),
        st.text(),
    ),
)


@given(uri_like_text)
def test_parse_either_round_trips_or_raises_grammar_error(text: str) -> None:
    error: GrammarError | None = None
    try:
        uri = parse_grammar_uri(text)
    except GrammarError as exc:
        error = exc
    if error is None:
        assert str(uri) == text
    else:
        assert (
            error.part in {"uri", "scheme", "path", "query", "alias"} or error.part.isidentifier()
        )


@given(
    st.sampled_from(list(BUILTIN_GRAMMARS)),
    st.lists(st.tuples(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), wire_text), max_size=3),
)
def test_built_uris_round_trip_or_are_refused(path: str, query: list[tuple[str, str]]) -> None:
    try:
        uri = GrammarUri("builtin", path, tuple(query))
    except GrammarError:
        return
    assert parse_grammar_uri(str(uri)) == uri


# --- RECOGNIZE body ---------------------------------------------------------------------------


def test_grammars_body() -> None:
    uris = [GrammarUri.session("parcel"), parse_grammar_uri("builtin:speech/boolean")]
    assert grammars_body(uris) == "session:parcel\nbuiltin:speech/boolean"
    assert grammars_body(["builtin:speech/date"]) == "builtin:speech/date"
    with pytest.raises(GrammarError) as caught:
        grammars_body(["session:a\nsession:b"])
    assert caught.value.part == "body"
    with pytest.raises(GrammarError):
        grammars_body([""])


def test_parse_grammars_body() -> None:
    assert parse_grammars_body("session:parcel\nbuiltin:speech/boolean") == (
        "session:parcel",
        "builtin:speech/boolean",
    )
    assert parse_grammars_body("\r\nsession:parcel\r\n\r\n  \nbuiltin:speech/boolean\r\n") == (
        "session:parcel",
        "builtin:speech/boolean",
    )
    assert parse_grammars_body("") == ()


@given(st.lists(st.sampled_from([text for text, _ in WIRE_VECTORS])))
def test_body_round_trip(texts: list[str]) -> None:
    assert parse_grammars_body(grammars_body(texts)) == tuple(texts)


def test_grammar_list_problems() -> None:
    boolean = parse_grammar_uri("builtin:speech/boolean")
    transcribe = parse_grammar_uri("builtin:speech/transcribe")
    parcel = GrammarUri.session("parcel")
    assert grammar_list_problems([boolean, parcel]) == []
    assert grammar_list_problems([transcribe]) == []
    [empty] = grammar_list_problems([])
    assert empty.part == "body"
    [twice] = grammar_list_problems([boolean, boolean])
    assert "listed more than once" in twice.message
    [pointless] = grammar_list_problems([transcribe, boolean])
    assert "builtin:speech/transcribe matches any speech" in pointless.message
    alias = GrammarUri.session("free")
    aliases = {"free": parse_grammar_uri("builtin:speech/text2num")}
    [through_alias] = grammar_list_problems([boolean, alias], aliases)
    assert "session:free matches any speech" in through_alias.message


# --- catalogue --------------------------------------------------------------------------------

EXPECTED_PATHS = {
    "grammar/none",
    "speech/transcribe",
    "speech/none",
    "speech/text2num",
    "speech/boolean",
    "speech/keywords",
    "speech/spelling/mixed",
    "speech/spelling/digits",
    "speech/spelling/phone_number",
    "speech/postal_address",
    "speech/zipcode",
    "speech/date",
}


def test_catalogue_is_complete() -> None:
    assert set(BUILTIN_GRAMMARS) == EXPECTED_PATHS
    always = {path for path, grammar in BUILTIN_GRAMMARS.items() if grammar.always_matches}
    assert always == {"grammar/none", "speech/transcribe", "speech/none", "speech/text2num"}
    assert BUILTIN_GRAMMARS["speech/transcribe"].alias_of == "grammar/none"
    assert BUILTIN_GRAMMARS["speech/none"].alias_of == "speech/transcribe"


@pytest.mark.parametrize("path", sorted(EXPECTED_PATHS))
def test_catalogue_entry_is_usable(path: str) -> None:
    grammar = BUILTIN_GRAMMARS[path]
    assert grammar.path == path
    assert grammar.uri == f"builtin:{path}"
    assert grammar.title
    assert grammar.value
    assert grammar.help
    assert "\n" not in grammar.help
    assert grammar.alias_of is None or grammar.alias_of in BUILTIN_GRAMMARS
    assert grammar.examples
    for example in grammar.examples:
        uri = check_grammar_uri(example)
        assert str(uri) == example
        assert uri.path == path
    for param in grammar.params:
        assert grammar.param(param.name) is param
        assert param.help


def test_catalogue_parameters() -> None:
    keywords = BUILTIN_GRAMMARS["speech/keywords"]
    assert [(p.name, p.kind, p.required) for p in keywords.params] == [
        ("alternatives", "alternatives", True)
    ]
    assert keywords.required_params == keywords.params
    for path in ("speech/spelling/mixed", "speech/spelling/digits"):
        grammar = BUILTIN_GRAMMARS[path]
        assert [(p.name, p.kind, p.required) for p in grammar.params] == [("regex", "regex", False)]
        assert grammar.required_params == ()
    parameterless = EXPECTED_PATHS - {
        "speech/keywords",
        "speech/spelling/mixed",
        "speech/spelling/digits",
    }
    assert all(BUILTIN_GRAMMARS[path].params == () for path in parameterless)
    assert BUILTIN_GRAMMARS["speech/boolean"].param("regex") is None


def test_builtin_grammar_lookup() -> None:
    assert builtin_grammar("speech/date") is BUILTIN_GRAMMARS["speech/date"]
    assert builtin_grammar("builtin:speech/spelling/mixed") is not None
    assert builtin_grammar("builtin:speech/keywords?alternatives=a") is not None
    assert builtin_grammar("speech/nothing") is None


def test_close_builtin_paths() -> None:
    assert close_builtin_paths("speech/digits")[0] == "speech/spelling/digits"
    assert close_builtin_paths("speech/bool") == ("speech/boolean",)
    assert close_builtin_paths("postal") == ("speech/postal_address",)
    assert close_builtin_paths("xyzzy") == ()
    assert len(close_builtin_paths("none", limit=1)) == 1


# --- regex examples ---------------------------------------------------------------------------


def fullmatches(pattern: str, text: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. FutureWarning "possible set difference"
        return re.fullmatch(pattern, text) is not None


def test_regex_examples_for_grammar_patterns() -> None:
    digits = regex_examples("[0-9]{1,2}")
    assert len(digits) == 5
    assert all(fullmatches("[0-9]{1,2}", example) for example in digits)
    assert len(set(digits)) == len(digits)
    parcel = regex_examples("[a-z]{2}[0-9]{9}[a-z]{2}", n=3)
    assert len(parcel) == 3
    assert all(len(example) == 13 for example in parcel)
    assert regex_examples("[0-9]{1,2}") == digits  # deterministic


@pytest.mark.parametrize(
    "pattern",
    [
        "(oui|non)",
        "(?:a|b)c?",
        "\\d{5}",
        "^[0-9]{5}$",
        "a.b",
        "[-a]+",
        "[]a]",
        "x\\.y",
        "[a-c\\d_]{2,}",
        "ab*?",
        "arrêt",
        "[0-9]{,3}",
    ],
)
def test_regex_examples_supported_subset(pattern: str) -> None:
    examples = regex_examples(pattern)
    assert examples
    assert all(fullmatches(pattern, example) for example in examples)


@pytest.mark.parametrize(
    "pattern",
    ["[0-9", "(?=a)a", "\\bword", "[^a]", "(a)\\1", "(?i)abc", "a{}", "[[a]", "(?P<x>a)", "a*+"],
)
def test_regex_examples_unsupported_or_invalid(pattern: str) -> None:
    assert regex_examples(pattern) == []


def test_regex_examples_limits() -> None:
    assert regex_examples("[0-9]", n=0) == []
    assert regex_examples("a") == ["a"]
    assert sorted(regex_examples("(a|b)", n=10)) == ["a", "b"]
    assert len(regex_examples("[a-z]{3}", n=2)) == 2


regex_like_text = st.one_of(st.text(max_size=30), st.text("ab09[]-(){}|?*+.\\^$,:d", max_size=20))


@given(regex_like_text)
def test_regex_examples_never_lie(pattern: str) -> None:
    examples = regex_examples(pattern, n=3)
    assert len(examples) <= 3
    assert len(set(examples)) == len(examples)
    for example in examples:
        assert fullmatches(pattern, example)


atoms = st.sampled_from(
    ["[a-z]", "[0-9]", "[a-f0-9]", "[A-Z_]", "[xyz]", "\\d", "q", "(ab|cd)", "(?:e|f)", "[-.]"]
)
quantifiers = st.sampled_from(["", "?", "*", "+", "{2}", "{1,3}", "{0,}", "{,2}", "+?"])


@given(st.lists(st.tuples(atoms, quantifiers), min_size=1, max_size=6))
def test_regex_examples_for_class_and_quantifier_patterns(
    pieces: list[tuple[str, str]],
) -> None:
    pattern = "".join(atom + quantifier for atom, quantifier in pieces)
    examples = regex_examples(pattern)
    assert examples
    for example in examples:
        assert fullmatches(pattern, example)


@given(st.text(string.ascii_letters + string.digits, min_size=1, max_size=10))
def test_regex_examples_for_literals(literal: str) -> None:
    assert regex_examples(literal) == [literal]
