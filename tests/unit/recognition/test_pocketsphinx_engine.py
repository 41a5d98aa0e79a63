"""The pocketsphinx engine on real synthetic speech: no mocks, the bundled en-US model, offline.

Voices and phrases were chosen from measurements (see the module docstring of the engine): every
phrase asserted exactly here was recognised exactly by its voice on every run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests import audio_fixtures
from tests.audio_fixtures import TtsUnavailableError, silence, synthesize
from workbench.protocol.grammar_catalogue import BUILTIN_GRAMMARS
from workbench.protocol.grammars import GrammarUri, parse_grammar_uri
from workbench.recognition.engine import Decoder, Engine, Hypothesis, UnsupportedError
from workbench.recognition.jsgf import (
    BOOLEAN_WORDS,
    OPEN_GRAMMARS,
    JsgfError,
    build_jsgf,
    is_open,
)
from workbench.recognition.nlu import MatchKind, interpret
from workbench.recognition.pocketsphinx_engine import PocketsphinxDecoder, PocketsphinxEngine

REPO = Path(__file__).resolve().parents[3]
DIGITS = parse_grammar_uri("builtin:speech/spelling/digits?regex=[0-9]{1,2}")
BOOLEAN = parse_grammar_uri("builtin:speech/boolean")
TRANSCRIBE = parse_grammar_uri("builtin:speech/transcribe")
KEYWORDS = parse_grammar_uri(
    "builtin:speech/keywords?alternatives=billing|technical support|cancel my order|allo\\-media"
)
FLITE_VOICES = ["slt", "rms", "awb", "kal16"]


@pytest.fixture(scope="module")
def engine() -> PocketsphinxEngine:
    loaded = PocketsphinxEngine()
    loaded.load()  # what the embedded server does at start
    return loaded


def said(text: str, voice: str = "slt", tts: audio_fixtures.TtsEngine = "flite") -> bytes:
    """An answer as the server's end-pointer passes it on: speech with some padding."""
    return silence(200) + synthesize(text, voice, tts) + silence(200)


def decode(
    engine: PocketsphinxEngine,
    grammars: list[GrammarUri],
    pcm: bytes,
    n_best: int = 1,
    chunk: int = 960,  # 60 ms
) -> list[Hypothesis]:
    decoder = engine.decoder(grammars, "en-US")
    for start in range(0, len(pcm), chunk):
        decoder.feed(pcm[start : start + chunk])
    return decoder.finish(n_best)


def transcript(hypotheses: list[Hypothesis]) -> str:
    assert len(hypotheses) == 1, hypotheses
    return hypotheses[0].transcript


# --- the interface ----------------------------------------------------------------------------


def test_it_is_an_english_engine(engine: PocketsphinxEngine) -> None:
    as_engine: Engine = engine  # the protocols are checked statically
    decoder: Decoder = as_engine.decoder([BOOLEAN], "en")
    assert decoder.partial() == ""
    assert (engine.name, engine.asr_model) == ("pocketsphinx", "en.pocketsphinx")
    assert engine.languages() == frozenset({"en"})


@pytest.mark.parametrize("language", ["en", "en-US", "en-GB", "EN-us", "en_US"])
def test_english_tags_are_accepted(engine: PocketsphinxEngine, language: str) -> None:
    engine.decoder([BOOLEAN], language)


@pytest.mark.parametrize("language", ["fr", "fr-FR", "de-DE", "es", ""])
def test_other_languages_are_refused_naming_english(
    engine: PocketsphinxEngine, language: str
) -> None:
    with pytest.raises(UnsupportedError) as caught:
        engine.decoder([BOOLEAN], language)
    message = str(caught.value)
    assert f"speech_language {language!r} is not available" in message
    assert "English (en)" in message


def test_session_aliases_and_unknown_grammars_are_refused(engine: PocketsphinxEngine) -> None:
    with pytest.raises(UnsupportedError, match="session alias"):
        engine.decoder([GrammarUri.session("yesno")], "en")
    with pytest.raises(UnsupportedError, match="unknown grammar builtin:speech/colour"):
        engine.decoder([GrammarUri.builtin("speech/colour")], "en")
    with pytest.raises(UnsupportedError, match="accepts no string of 1 or 2 digits"):
        engine.decoder([parse_grammar_uri("builtin:speech/spelling/digits?regex=[a-z]")], "en")


@pytest.mark.parametrize("path", sorted(BUILTIN_GRAMMARS))
def test_every_catalogue_grammar_and_example_gets_a_decoder(
    engine: PocketsphinxEngine, path: str
) -> None:
    grammar = BUILTIN_GRAMMARS[path]
    for uri in [GrammarUri.builtin(path), *map(parse_grammar_uri, grammar.examples)]:
        if grammar.required_params and not uri.query:
            continue
        decoder = engine.decoder([uri], "en-US")
        assert isinstance(decoder, PocketsphinxDecoder)
        expected = "language model" if path in OPEN_GRAMMARS else "grammar"
        assert decoder.search == expected


def test_an_open_grammar_among_closed_ones_uses_the_language_model(
    engine: PocketsphinxEngine,
) -> None:
    assert engine.decoder([BOOLEAN, TRANSCRIBE], "en").search == "language model"
    assert engine.decoder([], "en").search == "language model"


# --- recognition ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("voice", "tts"),
    [*((voice, "flite") for voice in FLITE_VOICES), ("en-us+klatt", "espeak-ng")],
)
def test_digits_hear_forty_two_as_words_the_nlu_reads_as_42(
    engine: PocketsphinxEngine, voice: str, tts: audio_fixtures.TtsEngine
) -> None:
    heard = decode(engine, [DIGITS], said("forty two", voice, tts))
    assert transcript(heard) == "forty two"
    assert 0.5 < heard[0].confidence <= 1.0
    reading = interpret(DIGITS, heard[0].transcript, "en-US")
    assert (reading.kind, reading.value) == (MatchKind.FULL, "42")


@pytest.mark.parametrize(("word", "value"), [("yes", True), ("no", False)])
def test_boolean_hears_yes_and_no(engine: PocketsphinxEngine, word: str, value: bool) -> None:
    assert transcript(decode(engine, [BOOLEAN], said(word))) == word
    for voice in FLITE_VOICES:  # other voices: the same answer, maybe another word (nope, yep)
        heard = transcript(decode(engine, [BOOLEAN], said(word, voice)))
        assert BOOLEAN_WORDS[heard] is value, (voice, heard)
        assert interpret(BOOLEAN, heard).value is value


def test_several_grammars_share_one_decoder(engine: PocketsphinxEngine) -> None:
    both = [BOOLEAN, DIGITS, KEYWORDS]
    assert transcript(decode(engine, both, said("forty two"))) == "forty two"
    assert transcript(decode(engine, both, said("yes"))) == "yes"
    assert transcript(decode(engine, both, said("billing"))) == "billing"


def test_keywords_missing_from_the_dictionary_keep_their_spelling(
    engine: PocketsphinxEngine,
) -> None:
    decoder = engine.decoder([KEYWORDS], "en")
    assert decoder.notes == ("keyword 'allo-media': 'allo-media' pronounced by rule",)
    decoder.feed(said("allo media"))
    heard = transcript(decoder.finish())
    assert heard == "allo-media"
    assert interpret(KEYWORDS, heard).value == "allo-media"
    assert transcript(decode(engine, [KEYWORDS], said("technical support"))) == (
        "technical support"
    )


def test_free_speech_goes_through_the_language_model(engine: PocketsphinxEngine) -> None:
    heard = decode(engine, [TRANSCRIBE], said("what is the weather like in paris today"), 3)
    assert heard[0].transcript == "what is the weather like in paris today"
    assert 1 <= len(heard) <= 3
    assert len({h.transcript for h in heard}) == len(heard)
    assert all(0.0 <= h.confidence <= heard[0].confidence for h in heard)


def test_partial_grows_while_feeding(engine: PocketsphinxEngine) -> None:
    decoder = engine.decoder([DIGITS], "en")
    pcm = said("forty two")
    partials = []
    for start in range(0, len(pcm), 800):  # 50 ms
        decoder.feed(pcm[start : start + 800])
        partials.append(decoder.partial())
    assert partials[0] == ""
    assert partials[-1] == "forty two"
    first_word = next(i for i, text in enumerate(partials) if text)
    assert first_word < len(partials) - 5, "a word shows before the audio ends"
    assert transcript(decoder.finish()) == "forty two"
    assert decoder.partial() == "forty two"


@pytest.mark.parametrize("grammar", [DIGITS, BOOLEAN, KEYWORDS, TRANSCRIBE])
def test_silence_gives_no_hypothesis(engine: PocketsphinxEngine, grammar: GrammarUri) -> None:
    decoder = engine.decoder([grammar], "en")
    for _ in range(20):
        decoder.feed(silence(100))
        assert decoder.partial() == ""
    heard = decoder.finish(3)
    assert all(not h.transcript for h in heard)
    assert heard == []


def test_speech_outside_the_grammar_gets_a_low_confidence(engine: PocketsphinxEngine) -> None:
    heard = decode(engine, [DIGITS], said("what is the weather like"))
    assert all(h.confidence < 0.5 for h in heard)


def test_a_grammar_gives_at_most_one_hypothesis_and_n_best_bounds_the_list(
    engine: PocketsphinxEngine,
) -> None:
    assert len(decode(engine, [DIGITS], said("forty two"), n_best=5)) == 1
    free = engine.decoder([TRANSCRIBE], "en")
    free.feed(said("please cancel my order"))
    assert len(free.finish(5)) <= 5
    assert len(free.finish(2)) <= 2
    assert len(free.finish(1)) == 1
    with pytest.raises(ValueError, match="n_best"):
        free.finish(0)


def test_decoding_is_repeatable_whatever_the_chunking(engine: PocketsphinxEngine) -> None:
    pcm = said("ninety nine", "awb")
    results = {tuple(decode(engine, [DIGITS], pcm, chunk=chunk)) for chunk in (2, 161, 1600)}
    whole = engine.decoder([DIGITS], "en")
    whole.feed(pcm)
    results.add(tuple(whole.finish()))
    assert len(results) == 1, results
    assert next(iter(results))[0].transcript == "ninety nine"


def test_odd_bytes_wait_for_the_next_feed(engine: PocketsphinxEngine) -> None:
    pcm = said("forty two")
    decoder = engine.decoder([DIGITS], "en")
    decoder.feed(pcm[:1001])
    decoder.feed(pcm[1001:])
    assert transcript(decoder.finish()) == "forty two"


def test_a_decoder_decodes_one_utterance(engine: PocketsphinxEngine) -> None:
    decoder = engine.decoder([BOOLEAN], "en")
    assert decoder.partial() == ""
    assert decoder.finish() == []  # nothing was fed
    with pytest.raises(RuntimeError, match="new decoder per utterance"):
        decoder.feed(said("yes"))
    fed = engine.decoder([BOOLEAN], "en")
    fed.feed(said("yes"))
    assert fed.finish() == fed.finish()


def test_pocketsphinx_writes_nothing_to_stderr(
    engine: PocketsphinxEngine, capfd: pytest.CaptureFixture[str]
) -> None:
    decode(engine, [BOOLEAN, DIGITS, KEYWORDS], said("yes"))
    decode(engine, [TRANSCRIBE], said("yes"))
    with pytest.raises(UnsupportedError):
        engine.decoder([parse_grammar_uri("builtin:speech/spelling/digits?regex=[a-z]")], "en")
    assert capfd.readouterr() == ("", "")


NO_NETWORK = """
import sys
def refuse(event, args):
    if event.startswith("socket.") or event in ("urllib.Request", "http.client.connect"):
        raise RuntimeError(f"network use: {event} {args}")
sys.addaudithook(refuse)
from tests.audio_fixtures import silence, synthesize
from workbench.protocol.grammars import parse_grammar_uri
from workbench.recognition.pocketsphinx_engine import PocketsphinxEngine
engine = PocketsphinxEngine()
for uri in ("builtin:speech/spelling/digits?regex=[0-9]{1,2}", "builtin:speech/transcribe"):
    decoder = engine.decoder([parse_grammar_uri(uri)], "en-US")
    decoder.feed(silence(200) + synthesize("forty two", "slt", "flite") + silence(200))
    print(decoder.finish()[0].transcript)
"""


def test_decoding_never_touches_the_network() -> None:
    """Any socket use in the process (Python level) aborts it; the model is read from disk."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(NO_NETWORK)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    grammar, free = result.stdout.splitlines()
    assert grammar == "forty two"
    assert free  # the language model hears something ("for detail")


# --- JSGF -------------------------------------------------------------------------------------


def known_words(word: str) -> str | None:
    """A stand-in dictionary: every word is known, with a dummy pronunciation but for media."""
    return {"media": "M IY D IY AH"}.get(word, "AH")


def test_jsgf_for_several_grammars_has_one_alternative_each() -> None:
    jsgf = build_jsgf([BOOLEAN, DIGITS], known_words)
    assert "public <main> = <g0> | <g1>;" in jsgf.text
    assert "<g0> = <yes> | <no>;" in jsgf.text
    assert {"yes", "nope", "forty", "two", "oh"} <= jsgf.words
    assert "<" not in "".join(jsgf.words)


def test_jsgf_digits_follow_the_regex() -> None:
    tens = parse_grammar_uri("builtin:speech/spelling/digits?regex=[1-4][0-9]|50")
    text = build_jsgf([tens], known_words).text
    line = next(line for line in text.splitlines() if line.startswith("<g0>"))
    assert "| forty nine |" in line
    assert "fifty |" in line or "fifty)" in line
    assert "fifty one" not in line
    assert "| nine |" not in line  # one digit is not enough
    mixed = parse_grammar_uri("builtin:speech/spelling/mixed?regex=[a-z]{2}[0-9]{3}")
    text = build_jsgf([mixed], known_words).text
    assert "<g0> = <letter> <letter> <digit> <digit> <digit>;" in text


def test_jsgf_refuses_open_grammars_and_guesses_missing_words() -> None:
    for path in OPEN_GRAMMARS:
        assert is_open(GrammarUri.builtin(path))
        with pytest.raises(JsgfError, match="accepts any speech"):
            build_jsgf([GrammarUri.builtin(path)], known_words)
    unknown = {"allo-media", "allo"}
    jsgf = build_jsgf([KEYWORDS], lambda word: None if word in unknown else known_words(word))
    assert dict(jsgf.pronunciations) == {"allo-media": "AE L OW M IY D IY AH"}
    assert "allo-media" in jsgf.words


# --- the test-audio helper --------------------------------------------------------------------


def test_synthesis_is_deterministic_8khz_int16_with_a_noise_floor() -> None:
    first = synthesize("seven", "slt", "flite")
    assert first == synthesize("seven", "slt", "flite")
    assert len(first) % 2 == 0
    assert 0.3 < audio_fixtures.duration_s(first) < 1.5
    assert len(silence(250)) == 2 * 2000
    assert silence(250) != bytes(4000)
    assert silence(250, noise_floor=False) == bytes(4000)
    assert ("flite", "slt") in audio_fixtures.VOICES
    assert audio_fixtures.have_tts()


def test_a_missing_tts_binary_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert not audio_fixtures.have_tts("flite")
    with pytest.raises(TtsUnavailableError, match=r"'sox' is not installed.*apt-get install sox"):
        synthesize("seven", "slt", "flite")
