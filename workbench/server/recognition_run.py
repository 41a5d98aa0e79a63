"""One RECOGNIZE carried out: audio → VAD → end-pointer, decoder → NLU → H2B events.

The run owns a task and a one-thread executor. Cheap work (VAD, timers, NLU) happens on the event
loop; the decoder (pocketsphinx or whisper, which block) only ever runs in the executor, so one
busy session never delays another's events. Time is the position in the audio received since
RECOGNIZE; when the client stops streaming, the wall clock keeps the timers honest.

Decoding starts at speech, with a little audio from before it (``PREROLL_MS``) so the first
phoneme is not cut. In hotword mode, talk that does not match is dropped after a pause
(``HOTWORD_RESET_MS``) and the decoder starts afresh on the next utterance.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from workbench import __version__
from workbench.protocol.causes import CompletionCause
from workbench.protocol.grammars import GrammarUri
from workbench.protocol.messages import (
    Event,
    Interpretation,
    JsonObject,
    RecognitionComplete,
    RecognitionResult,
    Recognize,
    StartOfInput,
    Transcript,
)
from workbench.recognition.endpointer import Completed, Endpointer, EndpointEvent, SpeechStarted
from workbench.recognition.engine import (
    Decoder,
    Engine,
    EngineUnavailableError,
    Hypothesis,
    UnsupportedError,
)
from workbench.recognition.nlu import MatchKind, NluResult, interpret
from workbench.recognition.vad import make_vad

log = logging.getLogger(__name__)

PREROLL_MS = 300
RESCORE_DEPTH = 8
"""Hypotheses read through the grammars before the best one is chosen."""
HOTWORD_RESET_MS = 700
PARTIAL_EVERY_MS = 1000
TICK_S = 0.1

_START_TIMERS = object()
_FAMILY = {
    CompletionCause.SUCCESS: "silence",
    CompletionCause.PARTIAL_MATCH: "silence",
    CompletionCause.NO_MATCH: "silence",
    CompletionCause.SUCCESS_MAXTIME: "maxtime",
    CompletionCause.PARTIAL_MATCH_MAXTIME: "maxtime",
    CompletionCause.NO_MATCH_MAXTIME: "maxtime",
}
_BY_MATCH = {
    ("silence", MatchKind.FULL): CompletionCause.SUCCESS,
    ("silence", MatchKind.PARTIAL): CompletionCause.PARTIAL_MATCH,
    ("silence", MatchKind.NONE): CompletionCause.NO_MATCH,
    ("maxtime", MatchKind.FULL): CompletionCause.SUCCESS_MAXTIME,
    ("maxtime", MatchKind.PARTIAL): CompletionCause.PARTIAL_MATCH_MAXTIME,
    ("maxtime", MatchKind.NONE): CompletionCause.NO_MATCH_MAXTIME,
}
_REASONS = {
    CompletionCause.SUCCESS: "success",
    CompletionCause.SUCCESS_MAXTIME: "recognition_timeout reached; the speech matched",
    CompletionCause.NO_INPUT_TIMEOUT: "no voice",
    CompletionCause.NO_MATCH: "unable to match grammar",
    CompletionCause.NO_MATCH_MAXTIME: "recognition_timeout reached without a match",
    CompletionCause.PARTIAL_MATCH: "only part of the grammar matched",
    CompletionCause.PARTIAL_MATCH_MAXTIME: "recognition_timeout reached with a partial match",
    CompletionCause.HOTWORD_MAXTIME: "hotword_max_duration reached without a match",
}

_T = TypeVar("_T")
Emit = Callable[["RecognitionRun", Event], Awaitable[bool]]


def _close_after(executor: ThreadPoolExecutor, close: Callable[[], object]) -> None:
    executor.shutdown(wait=True)
    close()


@dataclass(frozen=True, slots=True)
class _Reading:
    """One hypothesis read through the grammars: which one matched, and how."""

    hypothesis: Hypothesis
    written: str
    grammar: GrammarUri
    nlu: NluResult


class RecognitionRun:
    """A running recognition; the connection feeds it audio and may cancel it."""

    def __init__(
        self,
        *,
        recognize: Recognize,
        params: JsonObject,
        grammars: Sequence[tuple[str, GrammarUri]],
        engine: Engine,
        channel_id: str,
        emit: Emit,
        wall_clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.recognize = recognize
        self._params = params
        self._grammars = list(grammars)
        self._engine = engine
        self._channel_id = channel_id
        self._emit = emit
        self._wall_clock = wall_clock
        self._monotonic = monotonic
        self._queue: asyncio.Queue[np.ndarray | object] = asyncio.Queue()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="h2b-decoder")
        self._task: asyncio.Task[None] | None = None
        self._language = str(params.get("speech_language", "en"))
        self._preroll: deque[bytes] = deque()
        self._preroll_ms = 0
        self._trailing: list[bytes] = []
        self._fed_speech = False
        self._partial_at = 0
        self.finished = False

    # -- what the connection calls -------------------------------------------------------------

    def start(self) -> None:
        """Begin (the connection has already sent RECOGNITION-IN-PROGRESS)."""
        self._task = asyncio.create_task(
            self._main(), name=f"recognition-{self.recognize.request_id}"
        )

    def feed(self, samples: np.ndarray) -> None:
        """Audio for this recognition (8 kHz int16), never blocking."""
        if not self.finished:
            self._queue.put_nowait(samples)

    def start_input_timers(self) -> None:
        """START-INPUT-TIMERS arrived."""
        self._queue.put_nowait(_START_TIMERS)

    async def cancel(self) -> None:
        """Stop without a RECOGNITION-COMPLETE (STOP, CLOSE of the socket)."""
        self.finished = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._release()

    def _release(self) -> None:
        """Stop the executor; a decoder that holds a resource is closed once its last call ends."""
        executor = self._executor
        executor.shutdown(wait=False, cancel_futures=True)
        close = getattr(getattr(self, "_decoder", None), "close", None)
        if callable(close):
            threading.Thread(
                target=_close_after, args=(executor, close), name="h2b-decoder-close", daemon=True
            ).start()

    # -- the run -------------------------------------------------------------------------------

    async def _in_executor(self, function: Callable[..., _T], *args: object) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def _new_decoder(self) -> Decoder:
        return self._engine.decoder([grammar for _, grammar in self._grammars], self._language)

    async def _main(self) -> None:
        try:
            await self._recognise()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # an engine failure must end the recognition, not the server
            log.exception("recognition failed")
            await self._complete_failure(CompletionCause.ERROR, f"recognizer error: {error}")
        finally:
            self._release()

    async def _recognise(self) -> None:
        self._started_epoch_ms = int(self._wall_clock() * 1000)
        started = self._monotonic()
        try:
            self._decoder: Decoder = await self._in_executor(self._new_decoder)
        except (UnsupportedError, EngineUnavailableError) as error:
            await self._complete_failure(CompletionCause.ERROR, str(error))
            return
        vad = make_vad()
        endpointer = Endpointer.from_params(self._params)
        while not endpointer.done and not self.finished:
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for returns an item that
                # arrived together with a cancellation and swallows the cancel (STOP would hang).
                async with asyncio.timeout(TICK_S):
                    item = await self._queue.get()
            except TimeoutError:
                elapsed = int((self._monotonic() - started) * 1000)
                if elapsed > endpointer.now_ms:
                    await self._handle(endpointer, endpointer.tick(elapsed))
                continue
            if item is _START_TIMERS:
                await self._handle(endpointer, endpointer.start_input_timers(endpointer.now_ms))
                continue
            assert isinstance(item, np.ndarray)
            pcm = item.astype("<i2").tobytes()
            was_in_speech = endpointer.in_speech
            events: list[EndpointEvent] = []
            for frame in vad.feed(pcm):
                events.extend(endpointer.on_frame(frame))
            events.extend(await self._decode(pcm, endpointer, was_in_speech))
            await self._handle(endpointer, events)

    async def _decode(
        self, pcm: bytes, endpointer: Endpointer, was_in_speech: bool
    ) -> list[EndpointEvent]:
        """Feed the decoder from speech on (with the pre-roll); keep the pre-roll before it."""
        if not self._fed_speech and not endpointer.in_speech:
            self._preroll.append(pcm)
            self._preroll_ms += len(pcm) // 16
            while self._preroll and self._preroll_ms - len(self._preroll[0]) // 16 >= PREROLL_MS:
                self._preroll_ms -= len(self._preroll.popleft()) // 16
            return []
        if not self._fed_speech:
            for earlier in self._preroll:
                await self._in_executor(self._decoder.feed, earlier)
            self._preroll.clear()
            self._preroll_ms = 0
        if endpointer.in_speech or was_in_speech:
            # Silence after speech waits aside: a decoder that heard nothing new since the
            # pause can answer the final request from what it decoded at the pause.
            for held in self._trailing:
                await self._in_executor(self._decoder.feed, held)
            self._trailing.clear()
            await self._in_executor(self._decoder.feed, pcm)
        else:
            self._trailing.append(pcm)
        self._fed_speech = True
        events: list[EndpointEvent] = []
        if self._wants_partial(endpointer, was_in_speech):
            self._partial_at = endpointer.now_ms
            began = self._monotonic()
            partial = await self._in_executor(self._decoder.partial)
            events.extend(endpointer.set_match(self._best_match(partial)))
            log.debug(
                "request %s at %d ms: partial %r in %.0f ms",
                self.recognize.request_id,
                endpointer.now_ms,
                partial,
                (self._monotonic() - began) * 1000,
            )
        if self._should_reset_hotword(endpointer):
            close = getattr(self._decoder, "close", None)
            if callable(close):
                await self._in_executor(close)
            self._decoder = await self._in_executor(self._new_decoder)
            self._fed_speech = False
            self._trailing.clear()
        return events

    def _wants_partial(self, endpointer: Endpointer, was_in_speech: bool) -> bool:
        """When the running hypothesis is worth its cost: when speech pauses, and every
        ``PARTIAL_EVERY_MS`` during long speech.

        Normal mode needs the match at a pause to pick the silence timer, and now and then for
        the no-match timer; hotword mode looks for its match at the same moments. Decoding the
        first syllables of a word invites wrong guesses, so nothing is asked mid-word.
        """
        paused = was_in_speech and not endpointer.in_speech
        return paused or endpointer.now_ms - self._partial_at >= PARTIAL_EVERY_MS

    def _should_reset_hotword(self, endpointer: Endpointer) -> bool:
        end = endpointer.speech_end_ms
        return (
            endpointer.mode == "hotword"
            and not endpointer.done
            and not endpointer.in_speech
            and end is not None
            and endpointer.now_ms - end >= HOTWORD_RESET_MS
        )

    def _best_match(self, transcript: str) -> MatchKind:
        best = MatchKind.NONE
        for _, grammar in self._grammars:
            kind = interpret(grammar, transcript, self._language).kind
            if kind is MatchKind.FULL:
                return kind
            if kind is MatchKind.PARTIAL:
                best = kind
        return best

    async def _handle(self, endpointer: Endpointer, events: list[EndpointEvent]) -> None:
        for event in events:
            if isinstance(event, SpeechStarted):
                await self._emit(self, StartOfInput(**self._envelope()))
            elif isinstance(event, Completed):
                await self._complete(event)

    def _envelope(self) -> dict[str, Any]:
        return {"request_id": self.recognize.request_id, "channel_id": self._channel_id}

    # -- results -------------------------------------------------------------------------------

    async def _complete(self, completed: Completed) -> None:
        cause = completed.cause
        body = RecognitionResult(version=__version__, asr_model=self._engine.asr_model)
        reason = _REASONS.get(cause)
        if self._fed_speech and cause is not CompletionCause.NO_INPUT_TIMEOUT:
            n_best = int(self._params.get("n_best_list_length", 1) or 1)
            hypotheses = await self._in_executor(self._decoder.finish, max(n_best, RESCORE_DEPTH))
            readings = self._rank([self._read(h) for h in hypotheses])[:n_best]
            cause, reason, body = self._judge(completed, cause, readings)
        self.finished = True
        event = RecognitionComplete(
            completion_cause=cause, completion_reason=reason, body=body, **self._envelope()
        )
        await self._emit(self, event)

    @staticmethod
    def _rank(readings: list[_Reading]) -> list[_Reading]:
        """Grammar rescoring: the first hypothesis a grammar fully accepts becomes the best."""
        for index, reading in enumerate(readings):
            if reading.nlu.kind is MatchKind.FULL:
                return [reading, *readings[:index], *readings[index + 1 :]]
        return readings

    def _read(self, hypothesis: Hypothesis) -> _Reading:
        """The first grammar that fully matches wins; else the first partial; else none."""
        first: _Reading | None = None
        for written, grammar in self._grammars:
            nlu = interpret(grammar, hypothesis.transcript, self._language)
            reading = _Reading(hypothesis, written, grammar, nlu)
            if nlu.kind is MatchKind.FULL:
                return reading
            if first is None or (
                nlu.kind is MatchKind.PARTIAL and first.nlu.kind is MatchKind.NONE
            ):
                first = reading
        assert first is not None
        return first

    def _judge(
        self, completed: Completed, cause: CompletionCause, readings: list[_Reading]
    ) -> tuple[CompletionCause, str | None, RecognitionResult]:
        family = _FAMILY.get(cause)
        best = readings[0] if readings else None
        kind = best.nlu.kind if best else MatchKind.NONE
        threshold = float(self._params.get("confidence_threshold", 0.0) or 0.0)
        reason = None
        if best is not None and kind is MatchKind.FULL and best.hypothesis.confidence < threshold:
            kind = MatchKind.NONE
            reason = (
                f"confidence {best.hypothesis.confidence:.2f} is below "
                f"confidence_threshold {threshold:g}"
            )
        if family is not None:
            cause = _BY_MATCH[(family, kind)]
        elif cause is CompletionCause.SUCCESS and kind is not MatchKind.FULL:
            cause = CompletionCause.NO_MATCH  # hotword match that the final decoding undid
        result = self._result(completed, readings, kind)
        return cause, reason or _REASONS.get(cause), result

    def _result(
        self, completed: Completed, readings: list[_Reading], kind: MatchKind
    ) -> RecognitionResult:
        if not readings:
            return RecognitionResult(version=__version__, asr_model=self._engine.asr_model)
        built = [self._result_of(completed, readings[0], kind)]
        built += [self._result_of(completed, reading, reading.nlu.kind) for reading in readings[1:]]
        return RecognitionResult(
            asr=built[0].asr,
            nlu=built[0].nlu,
            grammar_uri=built[0].grammar_uri,
            alternatives=tuple(built[1:]),
            version=__version__,
            asr_model=self._engine.asr_model,
        )

    def _result_of(
        self, completed: Completed, reading: _Reading, kind: MatchKind
    ) -> RecognitionResult:
        """One hypothesis as a result; ``kind`` is the verdict on it (after the threshold)."""
        start = self._started_epoch_ms + (completed.speech_start_ms or 0)
        end = self._started_epoch_ms + (completed.speech_end_ms or completed.at_ms)
        asr = Transcript(
            transcript=reading.hypothesis.transcript,
            confidence=round(reading.hypothesis.confidence, 4),
            start=start,
            end=max(start, end),
        )
        if kind is MatchKind.NONE:
            return RecognitionResult(asr=asr, nlu=None, grammar_uri="", version=__version__,
                                     asr_model=self._engine.asr_model)  # fmt: skip
        nlu = Interpretation(
            type=reading.grammar.base,
            value=reading.nlu.value,
            confidence=round(reading.hypothesis.confidence * reading.nlu.confidence, 4),
        )
        return RecognitionResult(
            asr=asr,
            nlu=nlu,
            grammar_uri=reading.written,
            version=__version__,
            asr_model=self._engine.asr_model,
        )

    async def _complete_failure(self, cause: CompletionCause, reason: str) -> None:
        self.finished = True
        body = RecognitionResult(version=__version__, asr_model=self._engine.asr_model)
        event = RecognitionComplete(
            completion_cause=cause, completion_reason=reason, body=body, **self._envelope()
        )
        await self._emit(self, event)
