"""A finished recognition summed up: for people (a few lines) and for JSON (one object).

The UI's result panel, the ``recognize`` command and the lab show the same things: the
completion cause and what it means, what was heard, what was understood (the NLU value exactly
as it came on the wire), which grammar matched, and how long each step took.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from workbench.controller.pending import PendingRecognition
from workbench.protocol.causes import CAUSE_INFO, Outcome
from workbench.protocol.codec import result_to_json
from workbench.protocol.messages import JsonObject, JsonValue, RecognitionComplete


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass(frozen=True, slots=True)
class RecognitionReport:
    """What one RECOGNITION-COMPLETE said, with the latencies measured by the controller."""

    request_id: int
    grammars: tuple[str, ...]
    completion_cause: str | None
    completion_reason: str | None
    meaning: str
    outcome: str
    transcript: str | None
    confidence: float | None
    value: JsonValue
    nlu_type: str | None
    nlu_confidence: float | None
    grammar_uri: str
    body: JsonObject | None
    reply_ms: float | None
    start_of_input_ms: float | None
    complete_ms: float | None

    @classmethod
    def of(cls, pending: PendingRecognition, complete: RecognitionComplete) -> RecognitionReport:
        """The report of ``pending``, which ended with ``complete``."""
        cause = complete.completion_cause
        info = CAUSE_INFO.get(cause) if cause is not None else None
        body = complete.body
        asr = body.asr if body is not None else None
        nlu = body.nlu if body is not None else None
        times = pending.times
        return cls(
            request_id=pending.request_id,
            grammars=pending.command.grammars,
            completion_cause=cause.value if cause is not None else None,
            completion_reason=complete.completion_reason,
            meaning=info.meaning if info is not None else "the server gave no completion cause",
            outcome=info.outcome.value if info is not None else Outcome.FAILURE.value,
            transcript=asr.transcript if asr is not None else None,
            confidence=asr.confidence if asr is not None else None,
            value=nlu.value if nlu is not None else None,
            nlu_type=nlu.type if nlu is not None else None,
            nlu_confidence=nlu.confidence if nlu is not None else None,
            grammar_uri=body.grammar_uri if body is not None else "",
            body=result_to_json(body) if body is not None else None,
            reply_ms=_ms(times.since_sent_ms(times.in_progress)),
            start_of_input_ms=_ms(times.since_sent_ms(times.start_of_input)),
            complete_ms=_ms(times.since_sent_ms(times.completed)),
        )

    @property
    def success(self) -> bool:
        """True for the ``Success`` cause only."""
        return self.completion_cause == "Success"

    def to_json(self) -> JsonObject:
        """A JSON object; ``value`` is the NLU value as on the wire, ``body`` the whole result."""
        return {
            "request_id": self.request_id,
            "grammars": list(self.grammars),
            "completion_cause": self.completion_cause,
            "completion_reason": self.completion_reason,
            "meaning": self.meaning,
            "outcome": self.outcome,
            "transcript": self.transcript,
            "confidence": self.confidence,
            "value": self.value,
            "nlu_type": self.nlu_type,
            "nlu_confidence": self.nlu_confidence,
            "grammar_uri": self.grammar_uri,
            "latencies_ms": {
                "reply": self.reply_ms,
                "start_of_input": self.start_of_input_ms,
                "complete": self.complete_ms,
            },
            "body": self.body,
        }

    def lines(self) -> list[str]:
        """The result block printed for people."""
        cause = self.completion_cause or "no completion cause"
        lines = [f"Result: {cause} ({self.meaning})"]
        if self.completion_reason and self.completion_reason.lower() != "success":
            lines.append(f"  reason      : {self.completion_reason}")
        if self.transcript is not None:
            lines.append(f"  transcript  : {self.transcript!r} (confidence {self.confidence:.2f})")
        if self.nlu_type is not None:
            value = json.dumps(self.value, ensure_ascii=False)
            lines.append(
                f"  value       : {value} ({self.nlu_type}, confidence {self.nlu_confidence:.2f})"
            )
        if self.grammar_uri:
            lines.append(f"  grammar     : {self.grammar_uri}")
        steps = [
            ("RECOGNITION-IN-PROGRESS", self.reply_ms),
            ("START-OF-INPUT", self.start_of_input_ms),
            ("RECOGNITION-COMPLETE", self.complete_ms),
        ]
        shown = ", ".join(f"{name} {ms:.0f} ms" for name, ms in steps if ms is not None)
        lines.append(f"  latencies   : RECOGNIZE → {shown}")
        return lines
