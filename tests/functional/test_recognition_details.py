"""Recognition details over loopback: several grammars, n-best, thresholds, hotword bounds,
the pocketsphinx engine, clients vanishing mid-recognition, and logs free of secrets."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest
from uhlive.stream.recognition import (
    CompletionCause,
    RecognitionComplete,
    RecognitionInProgress,
    StartOfInput,
)

from tests.audio_fixtures import silence, synthesize
from tests.functional.conftest import CREDENTIALS, fetch_token
from tests.functional.streaming import SdkSession, sdk_session
from workbench.recognition.engines import make_engine
from workbench.server.app import ServerConfig
from workbench.server.runner import EmbeddedServer

pytestmark = [pytest.mark.asyncio, pytest.mark.e2e]

DIGITS = "builtin:speech/spelling/digits?regex=[0-9]{1,2}"


def speech(text: str, voice: str = "slt", tts: str = "flite") -> bytes:
    return silence(400) + synthesize(text, voice, tts) + silence(200)  # type: ignore[arg-type]


async def recognise(
    session: SdkSession,
    *grammars: str,
    say: str | None,
    voice: tuple[str, str] = ("slt", "flite"),
    **params: object,
) -> list:
    await session.send(session.recognizer.recognize(*grammars, speech_language="en", **params))
    if say is not None:
        session.say(speech(say, *voice))
    events = [await session.event()]
    assert isinstance(events[0], RecognitionInProgress), events
    while not isinstance(events[-1], RecognitionComplete):
        events.append(await session.event())
    return events


@pytest.mark.parametrize("voice", [("slt", "flite"), ("en-us+klatt", "espeak-ng")])
async def test_several_grammars_first_match_wins(
    server: EmbeddedServer, voice: tuple[str, str]
) -> None:
    async with sdk_session(server) as session:
        events = await recognise(session, DIGITS, "builtin:speech/boolean", say="yes", voice=voice)
        complete = events[-1]
        assert complete.completion_cause is CompletionCause.Success
        assert complete.body.grammar_uri == "builtin:speech/boolean"
        assert complete.body.nlu.type == "builtin:speech/boolean"
        assert complete.body.nlu.value is True


async def test_n_best_alternatives(server: EmbeddedServer) -> None:
    async with sdk_session(server) as session:
        events = await recognise(session, DIGITS, say="forty two", n_best_list_length=3)
        complete = events[-1]
        assert complete.body.nlu.value == "42"
        assert 1 <= len(complete.body.alternatives) <= 2
        transcripts = [alt.asr.transcript for alt in complete.body.alternatives]
        assert complete.body.asr.transcript not in transcripts


async def test_confidence_threshold_rejects(server: EmbeddedServer) -> None:
    async with sdk_session(server) as session:
        events = await recognise(session, DIGITS, say="forty two", confidence_threshold=1.0)
        complete = events[-1]
        assert complete.completion_cause is CompletionCause.NoMatch
        assert "confidence_threshold" in complete.completion_reason
        assert complete.body.nlu is None
        assert complete.body.asr.transcript


async def test_hotword_max_duration(server: EmbeddedServer) -> None:
    async with sdk_session(server) as session:
        events = await recognise(
            session,
            "builtin:speech/boolean",
            say="the weather is nice today",
            recognition_mode="hotword",
            hotword_max_duration=3000,
        )
        assert [type(e) for e in events] == [RecognitionInProgress, RecognitionComplete]
        assert events[-1].completion_cause is CompletionCause.HotwordMaxtime, str(events[-1].body)


async def test_pocketsphinx_engine_end_to_end() -> None:
    config = ServerConfig(credentials=CREDENTIALS)
    engine = make_engine("pocketsphinx")  # decoders in worker processes, as users get it
    async with (
        EmbeddedServer(engine=engine, config=config) as server,
        sdk_session(server) as session,
    ):
        events = await recognise(session, DIGITS, say="forty two")
        assert [type(e) for e in events] == [
            RecognitionInProgress,
            StartOfInput,
            RecognitionComplete,
        ]
        assert events[-1].completion_cause is CompletionCause.Success
        assert events[-1].body.nlu.value == "42"
        assert events[-1].body.asr.transcript == "forty two"
        events = await recognise(
            session, "builtin:speech/boolean", say="no", recognition_mode="hotword"
        )
        assert events[-1].completion_cause is CompletionCause.Success
        assert events[-1].body.nlu.value is False


def _recognition_tasks() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("recognition-")]


async def test_client_vanishing_mid_recognition_leaves_nothing_running(
    server: EmbeddedServer,
) -> None:
    async with sdk_session(server) as session:
        await session.send(
            session.recognizer.recognize(DIGITS, speech_language="en", no_input_timeout=0)
        )
        assert isinstance(await session.event(), RecognitionInProgress)
        session.say(speech("forty"))
        await asyncio.sleep(0.5)
        assert _recognition_tasks()
        await session.ws.close()
    for _ in range(50):
        if not _recognition_tasks():
            break
        await asyncio.sleep(0.1)
    assert not _recognition_tasks()


async def test_logs_never_hold_secrets_or_tokens(
    server: EmbeddedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with aiohttp.ClientSession() as http:
        token = await fetch_token(http, server)
        async with http.ws_connect(server.ws_url, headers={"Authorization": f"bearer {token}"}):
            pass
        async with http.get(server.ws_url, headers={"Authorization": "bearer forged"}) as r:
            assert r.status == 401
    async with sdk_session(server) as session:
        await recognise(session, DIGITS, say="seven")
    assert caplog.records
    assert token not in caplog.text
    assert CREDENTIALS.client_secret not in caplog.text
    assert "forged" not in caplog.text


async def test_stop_releases_the_pocketsphinx_worker() -> None:
    config = ServerConfig(credentials=CREDENTIALS)
    engine = make_engine("pocketsphinx")
    async with EmbeddedServer(engine=engine, config=config) as server:
        async with sdk_session(server) as session:
            await session.send(session.recognizer.recognize(DIGITS, speech_language="en"))
            assert isinstance(await session.event(), RecognitionInProgress)
            session.say(speech("forty"))
            await asyncio.sleep(1.0)
            await session.request(session.recognizer.stop())
        # The worker comes back once its last decode call returns; on a loaded 2-core CI
        # machine that has taken more than 5 s, so wait up to 20 s.
        for _ in range(200):
            if len(engine._idle) == 2:  # type: ignore[attr-defined]
                break
            await asyncio.sleep(0.1)
        assert len(engine._idle) == 2  # type: ignore[attr-defined]
    engine.close()  # type: ignore[attr-defined]
