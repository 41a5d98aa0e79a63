"""Real recognitions over loopback, the official SDK as the client, TTS speech as the caller.

The seeds' guess-the-number bot: a digits alias with ``regex=[0-9]{1,2}`` and a boolean asked in
hotword mode; then silence, out-of-grammar speech, STOP, delayed input timers and the G.711
codecs.
"""

from __future__ import annotations

import pytest
from uhlive.stream.recognition import (
    CompletionCause,
    GrammarDefined,
    InputTimersStarted,
    ParamsSet,
    RecognitionComplete,
    RecognitionInProgress,
    StartOfInput,
    Stopped,
)

from tests.audio_fixtures import silence, synthesize
from tests.functional.streaming import SdkSession, sdk_session
from workbench.server.runner import EmbeddedServer

pytestmark = [pytest.mark.asyncio, pytest.mark.e2e]

GAME_PARAMS = {
    "speech_language": "en",
    "no_input_timeout": 5000,
    "speech_complete_timeout": 1000,
    "speech_incomplete_timeout": 2000,
    "speech_nomatch_timeout": 3000,
    "recognition_timeout": 30000,
}
VOICE = ("slt", "flite")


def describe(event: RecognitionComplete) -> str:
    """What a failed assertion shows: the reason and the result."""
    return f"{event.completion_cause}: {event.completion_reason}; {event.body}"


def utterance(text: str) -> bytes:
    return silence(400) + synthesize(text, *VOICE) + silence(200)


async def prepare_game(session: SdkSession) -> None:
    assert isinstance(
        await session.request(session.recognizer.set_params(**GAME_PARAMS)), ParamsSet
    )
    defined = await session.request(
        session.recognizer.define_grammar(
            "speech/spelling/digits?regex=[0-9]{1,2}", "num_in_range100"
        )
    )
    assert isinstance(defined, GrammarDefined)


async def test_guess_the_number_flow(server: EmbeddedServer) -> None:
    async with sdk_session(server, custom_id="guess") as session:
        await prepare_game(session)
        await session.send(session.recognizer.recognize("session:num_in_range100"))
        session.say(utterance("forty two"))
        assert isinstance(await session.event(), RecognitionInProgress)
        assert isinstance(await session.event(), StartOfInput)
        complete = await session.event()
        assert isinstance(complete, RecognitionComplete)
        assert complete.completion_cause is CompletionCause.Success, describe(complete)
        assert complete.body.nlu.value == "42"
        assert complete.body.nlu.type == "builtin:speech/spelling/digits"
        assert complete.body.grammar_uri == "session:num_in_range100"
        assert complete.body.asr.transcript == "forty two"
        assert complete.body.asr.start <= complete.body.asr.end

        # "Play again?": a boolean in hotword mode never sends START-OF-INPUT.
        await session.send(
            session.recognizer.recognize(
                "builtin:speech/boolean", recognition_mode="hotword", hotword_max_duration=8000
            )
        )
        session.say(utterance("yes"))
        assert isinstance(await session.event(), RecognitionInProgress)
        complete = await session.event()
        assert isinstance(complete, RecognitionComplete), complete
        assert complete.completion_cause is CompletionCause.Success, describe(complete)
        assert complete.body.nlu.value is True
        assert complete.body.nlu.type == "builtin:speech/boolean"


async def test_silence_times_out(server: EmbeddedServer) -> None:
    async with sdk_session(server) as session:
        await prepare_game(session)
        await session.send(
            session.recognizer.recognize("session:num_in_range100", no_input_timeout=1200)
        )
        assert isinstance(await session.event(), RecognitionInProgress)
        complete = await session.event()
        assert isinstance(complete, RecognitionComplete), complete
        assert complete.completion_cause is CompletionCause.NoInputTimeout
        assert complete.body is None or complete.body.asr is None


async def test_out_of_grammar_speech_is_no_match(server: EmbeddedServer) -> None:
    async with sdk_session(server) as session:
        await prepare_game(session)
        await session.send(session.recognizer.recognize("builtin:speech/boolean"))
        session.say(utterance("what is the weather like in paris"))
        assert isinstance(await session.event(), RecognitionInProgress)
        assert isinstance(await session.event(), StartOfInput)
        complete = await session.event()
        assert isinstance(complete, RecognitionComplete)
        assert complete.completion_cause in (
            CompletionCause.NoMatch,
            CompletionCause.NoMatchMaxtime,
        )
        assert complete.body.nlu is None


async def test_stop_mid_recognition(server: EmbeddedServer) -> None:
    async with sdk_session(server) as session:
        await prepare_game(session)
        await session.send(session.recognizer.recognize("session:num_in_range100"))
        assert isinstance(await session.event(), RecognitionInProgress)
        stopped = await session.request(session.recognizer.stop())
        assert isinstance(stopped, Stopped)
        # Nothing else comes for that recognition, and the session is usable again.
        reply = await session.request(session.recognizer.get_params())
        assert reply.headers["speech_language"] == "en"


async def test_stop_right_behind_queued_audio(server: EmbeddedServer) -> None:
    """STOP arriving while audio chunks are still queued for the recognition is answered.

    Regression: the recognition loop once swallowed its cancellation when an audio chunk and
    the cancel arrived together (``asyncio.wait_for`` on Python 3.11), and the session hung.
    """
    async with sdk_session(server) as session:
        await prepare_game(session)
        await session.send(session.recognizer.recognize("session:num_in_range100"))
        assert isinstance(await session.event(), RecognitionInProgress)
        for _ in range(5):
            await session.ws.send_bytes(silence(60))
        await session.send(session.recognizer.stop())
        stopped = await session.event(timeout=5.0)
        assert isinstance(stopped, Stopped)


async def test_input_timers_start_on_request(server: EmbeddedServer) -> None:
    async with sdk_session(server) as session:
        await prepare_game(session)
        await session.send(
            session.recognizer.recognize(
                "session:num_in_range100", start_timers=False, no_input_timeout=800
            )
        )
        assert isinstance(await session.event(), RecognitionInProgress)
        # Well past no_input_timeout, nothing has happened: the timers are not running.
        with pytest.raises(TimeoutError):
            await session.event(timeout=2.0)
        started = await session.request(session.recognizer.start_input_timers())
        assert isinstance(started, InputTimersStarted)
        complete = await session.event()
        assert isinstance(complete, RecognitionComplete)
        assert complete.completion_cause is CompletionCause.NoInputTimeout


@pytest.mark.parametrize("codec", ["g711a", "g711u"])
async def test_g711_codecs(server: EmbeddedServer, codec: str) -> None:
    async with sdk_session(server, codec=codec) as session:
        await prepare_game(session)
        await session.send(session.recognizer.recognize("session:num_in_range100"))
        session.say(utterance("seven"))
        assert isinstance(await session.event(), RecognitionInProgress)
        assert isinstance(await session.event(), StartOfInput)
        complete = await session.event()
        assert complete.completion_cause is CompletionCause.Success, describe(complete)
        assert complete.body.nlu.value == "7"
