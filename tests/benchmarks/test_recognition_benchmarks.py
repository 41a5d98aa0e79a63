"""Recognition speed: real-time factor, concurrent real-time sessions, end-of-speech latency.

``make bench`` runs these and prints their tables (also written to
``build/benchmarks/report.md``). They measure and assert only correctness (every
recognition answered, and answered right); no time limit is ever asserted.

* Real-time factor: the quick dev set decoded whole through ``workbench.recognition.evaluation``,
  per engine and grammar, with the time to create a decoder.
* Concurrent sessions: one embedded server, N = 1, 2, 4, 8 official-SDK sessions on their own
  WebSockets, each streaming in real time and asking for the digits "forty two" at the same
  moment; how many get the right result on time.
* End-of-speech latency: one session, several recognitions one after the other.

Latency is measured by the client, as a voice bot would see it: from the moment the audio chunk
holding the last sample of speech is sent to the moment RECOGNITION-COMPLETE arrives, minus
``speech_complete_timeout`` (the silence the server must hear before it may answer). What is
left ("excess latency") is the server's own delay: VAD hang-over, the final decoding, queuing
behind other sessions.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from uhlive.stream.recognition import (
    CompletionCause,
    GrammarDefined,
    ParamsSet,
    RecognitionComplete,
    RecognitionInProgress,
    StartOfInput,
)

from tests.audio_fixtures import silence, synthesize
from tests.benchmarks.devset import devset
from tests.benchmarks.support import IN_PROCESS, Table, bench_engine, engine_label, ready_seconds
from tests.functional.conftest import CREDENTIALS
from tests.functional.streaming import CHUNK_MS, SdkSession, sdk_session
from workbench.protocol.grammars import GrammarUri, parse_grammar_uri
from workbench.recognition.engine import SAMPLE_RATE
from workbench.recognition.evaluation import accuracy_table, evaluate
from workbench.server.app import ServerConfig
from workbench.server.runner import EmbeddedServer

pytestmark = pytest.mark.benchmark

Report = Callable[[Table], None]

SPEECH_COMPLETE_MS = 1000
ON_TIME_MS = 500
"""A result is on time when its excess latency is below this (and it is right)."""
CONCURRENCY = (1, 2, 4, 8)
LATENCY_RUNS = 5
CREATION_RUNS = 5
BUSY = 2
"""Decoders held open while one more is created (``make_engine`` keeps 2 warm workers)."""

PARAMS = {
    "speech_language": "en",
    "no_input_timeout": 5000,
    "speech_complete_timeout": SPEECH_COMPLETE_MS,
    "speech_incomplete_timeout": 2000,
    "speech_nomatch_timeout": 3000,
    "recognition_timeout": 30000,
}
ALIAS = "num_in_range100"
DIGITS = "speech/spelling/digits?regex=[0-9]{1,2}"
SAID, EXPECTED = "forty two", "42"
VOICE = ("slt", "flite")
LEAD_MS = 400
SPEECH_LEVEL = 328
"""|sample| at or above this (-40 dBFS) is speech when finding where the TTS speech ends."""
EVENT_TIMEOUT_S = 120.0

EXCESS_DEFINITION = (
    "excess latency = (RECOGNITION-COMPLETE received − audio chunk holding the last speech "
    f"sample sent) − speech_complete_timeout ({SPEECH_COMPLETE_MS} ms), measured by the client; "
    f"last speech sample = last one at ≥ -40 dBFS in the TTS audio; chunks of {CHUNK_MS} ms "
    "sent in real time (speed 1.0)"
)
ON_TIME_DEFINITION = (
    f"on time = excess latency < {ON_TIME_MS} ms and the result is Success with value "
    f"{EXPECTED!r} (flite slt saying {SAID!r} against builtin:{DIGITS})"
)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


# -- real-time factor ---------------------------------------------------------------------------


def _close(decoder: object) -> None:
    close = getattr(decoder, "close", None)
    if callable(close):
        close()  # a worker-process decoder keeps its worker until closed or finished


def _creation_s(name: str, grammar: GrammarUri) -> tuple[float, float]:
    """Time to create a decoder for ``grammar``: median alone, and with ``BUSY`` others open.

    Decoders are closed after (when they can be), so an engine with a pool of warm workers
    serves the first from the pool; with ``BUSY`` decoders open the pool may be empty.
    """
    engine = bench_engine(name)
    times = []
    for _ in range(CREATION_RUNS):
        started = time.perf_counter()
        decoder = engine.decoder([grammar], "en")
        times.append(time.perf_counter() - started)
        _close(decoder)
    busy = [engine.decoder([grammar], "en") for _ in range(BUSY)]
    started = time.perf_counter()
    busy.append(engine.decoder([grammar], "en"))
    crowded = time.perf_counter() - started
    for decoder in busy:
        _close(decoder)
    return statistics.median(times), crowded


@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", [IN_PROCESS, "pocketsphinx", "whisper"])
def test_real_time_factor(name: str, bench_report: Report) -> None:
    utterances = devset(quick=True)
    engine = bench_engine(name)
    evaluate(engine, utterances[:1])  # warm-up (first inference, lazily built tables): not counted
    outcomes = evaluate(engine, utterances)

    uris = {parse_grammar_uri(u.grammar).base: parse_grammar_uri(u.grammar) for u in utterances}
    creation = {base: _creation_s(name, grammar) for base, grammar in uris.items()}
    decode_s: dict[str, list[float]] = defaultdict(list)
    for outcome in outcomes:
        decode_s[parse_grammar_uri(outcome.utterance.grammar).base].append(outcome.decode_s)

    table = Table(
        "Real-time factor per engine and grammar (quick dev set, whole utterances)",
        ["engine", "grammar", "utterances", "RTF", "decode ms p50", "decode ms max",
         "decoder creation ms", f"creation ms, {BUSY} open", "engine ready s", "right"],
    )  # fmt: skip
    for row in accuracy_table(outcomes):
        times = decode_s[row.grammar]
        table.add(
            engine_label(name), row.grammar, row.total, f"{row.rtf:.3f}",
            ms(statistics.median(times)), ms(max(times)), f"{creation[row.grammar][0] * 1000:.2f}",
            f"{creation[row.grammar][1] * 1000:.2f}", f"{ready_seconds(name):.2f}",
            f"{row.right}/{row.total}",
        )  # fmt: skip
    table.notes = [
        "RTF = decode time / audio duration, from evaluation.accuracy_table: decode time is "
        "decoder creation + feeding 60 ms chunks + the 8-best finish; the audio is the whole "
        "utterance with its 300 ms pads (the VAD trim before decoding is not timed)",
        f"decoder creation = engine.decoder([grammar], 'en'), median of {CREATION_RUNS}, each "
        f"closed after; 'creation, {BUSY} open' = one more while {BUSY} are open (once); "
        "engine ready = make_engine() + load(), once per run (ProcessEngine.load() only starts "
        "its warm workers, which load their models in the background)",
        "[PocketsphinxEngine] decodes in the test process; [ProcessEngine] is what "
        "make_engine('pocketsphinx') gives the server: the same decoders in worker processes",
        "flite slt voice, clean 8 kHz audio; one warm-up decoding before timing; "
        "'right' is semantic accuracy (make quality has the full report)",
    ]
    bench_report(table)

    assert len(outcomes) == len(utterances)
    assert all(outcome.decode_s > 0 for outcome in outcomes)


# -- live sessions ------------------------------------------------------------------------------


def _speech() -> tuple[bytes, int]:
    """The utterance (lead-in silence, speech, padding to whole chunks) and where speech ends.

    A whole number of chunks keeps the streamer aligned: the next utterance starts a chunk.
    """
    spoken = synthesize(SAID, *VOICE)
    loud = np.nonzero(np.abs(np.frombuffer(spoken, dtype="<i2").astype(np.int32)) >= SPEECH_LEVEL)
    lead = silence(LEAD_MS)
    speech_end = len(lead) + 2 * (int(loud[0][-1]) + 1)
    pcm = lead + spoken
    chunk_bytes = SAMPLE_RATE * 2 * CHUNK_MS // 1000
    pcm += silence(CHUNK_MS)[: -len(pcm) % chunk_bytes]
    assert len(pcm) % chunk_bytes == 0
    return pcm, speech_end


class SendLog:
    """When each audio chunk of a session went out (wraps the SDK's ``send_audio_chunk``)."""

    def __init__(self, session: SdkSession) -> None:
        self.bytes_sent = 0
        self.chunks: list[tuple[int, float]] = []
        loop = asyncio.get_running_loop()
        build = session.recognizer.send_audio_chunk

        def timed(chunk: bytes) -> bytes:
            self.bytes_sent += len(chunk)
            self.chunks.append((self.bytes_sent, loop.time()))
            return build(chunk)

        session.recognizer.send_audio_chunk = timed  # type: ignore[method-assign]

    def sent_at(self, offset: int) -> float:
        """When the chunk holding byte ``offset`` of the stream was sent."""
        for end, at in self.chunks:
            if end > offset:
                return at
        raise AssertionError(f"byte {offset} was never sent")


@dataclass(frozen=True)
class Timed:
    """One recognition as the client saw it."""

    excess_s: float
    cause: str
    value: object
    transcript: str

    @property
    def right(self) -> bool:
        return self.cause == CompletionCause.Success.name and self.value == EXPECTED

    @property
    def on_time(self) -> bool:
        return self.right and self.excess_s * 1000 < ON_TIME_MS


async def _prepare(session: SdkSession) -> SendLog:
    assert isinstance(await session.request(session.recognizer.set_params(**PARAMS)), ParamsSet)
    defined = await session.request(session.recognizer.define_grammar(DIGITS, ALIAS))
    assert isinstance(defined, GrammarDefined)
    return SendLog(session)


async def _recognise(session: SdkSession, log: SendLog) -> Timed:
    """One RECOGNIZE of "forty two", timed from the end of speech to RECOGNITION-COMPLETE."""
    pcm, speech_end = _speech()
    await session.send(session.recognizer.recognize(f"session:{ALIAS}"))
    start = log.bytes_sent  # the streamer is aligned: the next chunk starts the utterance
    session.say(pcm)
    assert isinstance(await session.event(EVENT_TIMEOUT_S), RecognitionInProgress)
    event = await session.event(EVENT_TIMEOUT_S)
    if isinstance(event, StartOfInput):
        event = await session.event(EVENT_TIMEOUT_S)
    arrived = asyncio.get_running_loop().time()
    assert isinstance(event, RecognitionComplete), event
    excess = arrived - log.sent_at(start + speech_end - 1) - SPEECH_COMPLETE_MS / 1000
    body = event.body
    nlu = body.nlu if body is not None else None
    asr = body.asr if body is not None else None
    return Timed(
        excess,
        event.completion_cause.name,
        nlu.value if nlu is not None else None,
        asr.transcript if asr is not None else "",
    )


def _server(name: str) -> EmbeddedServer:
    return EmbeddedServer(engine=bench_engine(name), config=ServerConfig(credentials=CREDENTIALS))


async def _warm_up(server: EmbeddedServer) -> None:
    """One recognition nobody times: first inference, VAD model, TTS cache."""
    async with sdk_session(server) as session:
        log = await _prepare(session)
        await _recognise(session, log)


async def _concurrent(server: EmbeddedServer, sessions: int) -> list[Timed]:
    """``sessions`` SDK sessions, set up, then all saying "forty two" at the same moment."""
    ready = asyncio.Barrier(sessions)

    async def one(index: int) -> Timed:
        async with sdk_session(server, custom_id=f"bench-{sessions}-{index}") as session:
            log = await _prepare(session)
            await ready.wait()
            return await _recognise(session, log)

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(one(index)) for index in range(sessions)]
    return [task.result() for task in tasks]


def _wrong(results: list[Timed]) -> list[str]:
    return [f"{r.cause} {r.value!r} ({r.transcript!r})" for r in results if not r.right]


@pytest.mark.asyncio
@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", ["auto", "pocketsphinx"])
async def test_concurrent_real_time_sessions(name: str, bench_report: Report) -> None:
    table = Table(
        "Concurrent real-time sessions on one embedded server",
        ["engine", "N", "on time", "excess ms p50", "excess ms max", "results right"],
    )
    table.notes = [
        ON_TIME_DEFINITION,
        EXCESS_DEFINITION,
        "N sessions, each its own WebSocket and official-SDK Recognizer streaming in real time, "
        "all in the test's event loop with the server; all N send RECOGNIZE and start speaking "
        "together (worst case); N doubles until not every session is on time",
    ]
    wrong: list[str] = []
    held, failed = 0, "none"
    async with _server(name) as server:
        await _warm_up(server)
        for sessions in CONCURRENCY:
            results = await _concurrent(server, sessions)
            excess = [r.excess_s for r in results]
            on_time = sum(r.on_time for r in results)
            right = sum(r.right for r in results)
            table.add(
                engine_label(name), sessions, f"{on_time}/{sessions}",
                ms(statistics.median(excess)), ms(max(excess)), f"{right}/{sessions}",
            )  # fmt: skip
            wrong += [f"N={sessions}: {text}" for text in _wrong(results)]
            if on_time < sessions:
                failed = str(sessions)
                break
            held = sessions
    bench_report(table)
    summary = Table(
        "Concurrent real-time sessions held (every result on time)",
        ["engine", "largest N with all on time", "first N not all on time"],
    )
    summary.add(engine_label(name), held, failed)
    summary.notes = [f"N tried: {', '.join(map(str, CONCURRENCY))}; see the table above"]
    bench_report(summary)
    assert not wrong, f"wrong results: {wrong}"


@pytest.mark.asyncio
@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", ["auto", "pocketsphinx"])
async def test_end_of_speech_latency(name: str, bench_report: Report) -> None:
    async with _server(name) as server, sdk_session(server) as session:
        log = await _prepare(session)
        await _recognise(session, log)  # warm-up
        results = [await _recognise(session, log) for _ in range(LATENCY_RUNS)]
    excess = [r.excess_s for r in results]
    table = Table(
        "End-of-speech latency, one session",
        ["engine", "runs", "excess ms p50", "excess ms min", "excess ms max", "results right"],
    )
    table.add(
        engine_label(name), len(results), ms(statistics.median(excess)), ms(min(excess)),
        ms(max(excess)), f"{sum(r.right for r in results)}/{len(results)}",
    )  # fmt: skip
    table.notes = [
        EXCESS_DEFINITION,
        f"one session, {LATENCY_RUNS} recognitions one after the other after a warm-up one",
    ]
    bench_report(table)
    assert not _wrong(results), f"wrong results: {_wrong(results)}"
