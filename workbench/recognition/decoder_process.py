"""Decoders in worker processes, for engines that hold the GIL while they decode.

pocketsphinx never releases the GIL: a language-model ``finish()`` on a few seconds of speech
stalls every thread of the process, the server's event loop included, for a third of a second.
:class:`ProcessEngine` wraps such an engine: each decoder lives in a worker process (started
with ``spawn``, kept warm, reused), and the server's thread only waits on a pipe, which releases
the GIL. The wrapped engine must be constructible in the child from ``engine_type()``.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from workbench.protocol.grammars import GrammarUri, parse_grammar_uri
from workbench.recognition.engine import Engine, EngineUnavailableError, Hypothesis

log = logging.getLogger(__name__)

_CONTEXT = multiprocessing.get_context("spawn")


def _serve(connection: Connection, engine_type: Callable[[], Engine]) -> None:
    """The worker: build the engine once, then run one decoder at a time for the parent."""
    engine = engine_type()
    load = getattr(engine, "load", None)
    if callable(load):
        load()
    decoder: Any = None
    while True:
        try:
            operation, argument = connection.recv()
        except EOFError:
            return
        try:
            if operation == "open":
                grammars, language = argument
                decoder = engine.decoder([parse_grammar_uri(g) for g in grammars], language)
                reply: object = None
            elif operation == "feed":
                decoder.feed(argument)
                reply = None
            elif operation == "partial":
                reply = decoder.partial()
            elif operation == "finish":
                reply = [(h.transcript, h.confidence) for h in decoder.finish(argument)]
                decoder = None
            else:  # "drop"
                decoder = None
                reply = None
            connection.send(("ok", reply))
        except Exception as error:  # sent back and raised in the parent, type and all
            connection.send(("error", error))


class _Worker:
    """One warm worker process and the parent's end of its pipe."""

    def __init__(self, engine_type: Callable[[], Engine]) -> None:
        self.connection, child_end = _CONTEXT.Pipe()
        self.process: BaseProcess = _CONTEXT.Process(
            target=_serve, args=(child_end, engine_type), daemon=True, name="h2b-decoder"
        )
        self.process.start()
        child_end.close()

    def call(self, operation: str, argument: object = None) -> Any:
        try:
            self.connection.send((operation, argument))
            status, reply = self.connection.recv()
        except (EOFError, OSError, BrokenPipeError) as error:
            raise EngineUnavailableError(
                f"the decoder process stopped unexpectedly (exit code {self.process.exitcode})"
            ) from error
        if status == "error":
            raise reply
        return reply

    def alive(self) -> bool:
        return self.process.is_alive()

    def stop(self) -> None:
        self.connection.close()
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()


class ProcessEngine:
    """An engine whose decoders run in worker processes (``warm`` of them kept ready)."""

    def __init__(self, engine_type: Callable[[], Engine], *, warm: int = 2) -> None:
        self._engine_type = engine_type
        local = engine_type()
        self.name = local.name
        self.asr_model = local.asr_model
        self._languages = local.languages()
        self._warm = warm
        self._idle: list[_Worker] = []
        self._starting = 0
        self._closed = False
        self._lock = threading.Lock()

    def languages(self) -> frozenset[str]:
        """Those of the wrapped engine."""
        return self._languages

    def load(self) -> None:
        """Start the warm workers (each loads its own model)."""
        with self._lock:
            self._closed = False
            while len(self._idle) < self._warm:
                self._idle.append(_Worker(self._engine_type))

    def close(self) -> None:
        """Stop the idle workers (busy and starting ones stop when they come back)."""
        with self._lock:
            idle, self._idle = self._idle, []
            self._closed = True
        for worker in idle:
            worker.stop()

    def _take(self) -> _Worker:
        """A warm worker if one is idle, else a new one; the pool refills once it runs dry."""
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    if not self._idle:  # the last warm one: get ready for a burst
                        self._replenish()
                    return worker
        self._replenish()
        return _Worker(self._engine_type)

    def _replenish(self) -> None:
        """Start workers in the background until ``warm`` are idle or starting (lock held)."""
        missing = self._warm - len(self._idle) - self._starting
        for _ in range(max(0, missing)):
            self._starting += 1
            threading.Thread(target=self._start_one, name="h2b-decoder-start", daemon=True).start()

    def _start_one(self) -> None:
        try:
            worker = _Worker(self._engine_type)
        finally:
            with self._lock:
                self._starting -= 1
        self._give_back(worker)

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if worker.alive() and len(self._idle) < self._warm and not self._closed:
                self._idle.append(worker)
                return
        worker.stop()

    def decoder(self, grammars: Sequence[GrammarUri], language: str) -> RemoteDecoder:
        """A decoder in a worker process; errors of the wrapped engine are raised here."""
        worker = self._take()
        try:
            worker.call("open", ([str(g) for g in grammars], language))
        except Exception:
            self._give_back(worker)
            raise
        return RemoteDecoder(self, worker)


class RemoteDecoder:
    """The parent's handle on a decoder in a worker; the worker goes back when it finishes."""

    def __init__(self, engine: ProcessEngine, worker: _Worker) -> None:
        self._engine = engine
        self._worker: _Worker | None = worker
        self._result: list[Hypothesis] | None = None

    def _call(self, operation: str, argument: object = None) -> Any:
        if self._worker is None:
            raise RuntimeError("this decoder is closed")
        return self._worker.call(operation, argument)

    def feed(self, pcm: bytes) -> None:
        """Send audio to the worker."""
        self._call("feed", pcm)

    def partial(self) -> str:
        """The worker decoder's running hypothesis."""
        return str(self._call("partial"))

    def finish(self, n_best: int = 1) -> list[Hypothesis]:
        """End the utterance; the worker is then free for another decoder."""
        if self._result is None:
            pairs = self._call("finish", n_best)
            self._result = [Hypothesis(text, confidence) for text, confidence in pairs]
            self.close()
        return list(self._result)

    def close(self) -> None:
        """Give the worker back without a result (STOP, a vanished client)."""
        worker, self._worker = self._worker, None
        if worker is None:
            return
        if self._result is None:
            try:
                worker.call("drop")
            except Exception:  # a dead worker is simply not reused
                log.debug("decoder worker could not be reset", exc_info=True)
        self._engine._give_back(worker)
