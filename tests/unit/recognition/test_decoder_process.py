"""pocketsphinx decoders in worker processes: same results, errors carried over, workers reused."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from tests.audio_fixtures import silence, synthesize
from workbench.protocol.grammars import parse_grammar_uri
from workbench.recognition.decoder_process import ProcessEngine
from workbench.recognition.engine import EngineUnavailableError, UnsupportedError
from workbench.recognition.pocketsphinx_engine import PocketsphinxEngine

DIGITS = parse_grammar_uri("builtin:speech/spelling/digits?regex=[0-9]{1,2}")


@pytest.fixture(scope="module")
def engine() -> Iterator[ProcessEngine]:
    engine = ProcessEngine(PocketsphinxEngine, warm=1)
    engine.load()
    yield engine
    engine.close()


def test_same_words_as_in_process(engine: ProcessEngine) -> None:
    pcm = silence(200) + synthesize("forty two", "slt", "flite") + silence(200)
    local = PocketsphinxEngine().decoder([DIGITS], "en")
    remote = engine.decoder([DIGITS], "en")
    for start in range(0, len(pcm), 960):
        local.feed(pcm[start : start + 960])
        remote.feed(pcm[start : start + 960])
    assert remote.partial() == local.partial()
    assert remote.finish() == local.finish()
    assert remote.finish()[0].transcript == "forty two"  # finished once, answered again


def test_decoding_happens_in_another_process_and_workers_stay_warm(
    engine: ProcessEngine,
) -> None:
    decoder = engine.decoder([DIGITS], "en")
    worker = decoder._worker
    assert worker is not None
    assert worker.process.pid not in (None, os.getpid())
    decoder.close()
    for _ in range(100):  # a replacement was started when the worker was taken
        if len(engine._idle) == 1 and not engine._starting:
            break
        time.sleep(0.05)
    assert len(engine._idle) == 1
    assert engine._idle[0].alive()
    following = engine.decoder([DIGITS], "en-US")
    assert following._worker is not None
    assert following._worker.alive()
    following.close()


def test_engine_errors_cross_the_process_boundary(engine: ProcessEngine) -> None:
    with pytest.raises(UnsupportedError, match="available"):
        engine.decoder([DIGITS], "fr-FR")
    assert engine.languages() == frozenset({"en"})
    assert engine.name == "pocketsphinx"


def test_a_dead_worker_is_named_not_hung() -> None:
    engine = ProcessEngine(PocketsphinxEngine, warm=1)
    decoder = engine.decoder([DIGITS], "en")
    assert decoder._worker is not None
    decoder._worker.process.kill()
    decoder._worker.process.join()
    with pytest.raises(EngineUnavailableError, match="stopped unexpectedly"):
        decoder.feed(silence(60))
    decoder.close()
    engine.close()
