"""Hypothesis strategies for H2B messages."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from workbench.protocol.causes import CompletionCause
from workbench.protocol.messages import (
    EVENT_TYPES,
    Event,
    Interpretation,
    RecognitionComplete,
    RecognitionResult,
    Transcript,
)

# Epoch milliseconds the SDK can turn into a datetime (years 1970..9999).
epoch_ms = st.integers(min_value=0, max_value=253_402_300_799_000)
confidences = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
texts = st.text(max_size=30)
json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | texts | confidences
json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=10,
)
request_ids = st.integers(min_value=0, max_value=2**64 - 1)

transcripts = st.builds(
    Transcript,
    transcript=texts,
    confidence=confidences,
    start=epoch_ms,
    end=epoch_ms,
    phones=st.none() | texts,
)
interpretations = st.builds(
    Interpretation,
    type=st.sampled_from(["builtin:speech/boolean", "builtin:speech/spelling/digits"]) | texts,
    # A falsy nlu object would read as "no nlu" in the SDK; values are what vary here.
    value=json_values,
    confidence=confidences,
)


def _result(alternatives: st.SearchStrategy[tuple[RecognitionResult, ...]]) -> Any:
    return st.builds(
        RecognitionResult,
        asr=st.none() | transcripts,
        nlu=st.none() | interpretations,
        grammar_uri=texts,
        alternatives=alternatives,
        version=st.none() | texts,
        asr_model=st.none() | texts,
    )


def recognition_results() -> st.SearchStrategy[RecognitionResult]:
    """Results with up to three alternatives (alternatives have none of their own)."""
    leaf = _result(st.just(()))
    return _result(st.lists(leaf, max_size=3).map(tuple))  # type: ignore[no-any-return]


def events() -> st.SearchStrategy[Event]:
    """Any of the fifteen events with arbitrary envelope values."""

    @st.composite
    def build(draw: st.DrawFn) -> Event:
        cls = draw(st.sampled_from(list(EVENT_TYPES.values())))
        envelope: dict[str, Any] = {
            "request_id": draw(request_ids),
            "channel_id": draw(texts),
            "completion_cause": draw(st.none() | st.sampled_from(list(CompletionCause))),
            "completion_reason": draw(st.none() | texts.filter(bool)),
            "headers": draw(st.dictionaries(texts, json_values, max_size=4)),
        }
        if cls is RecognitionComplete:
            return RecognitionComplete(body=draw(st.none() | recognition_results()), **envelope)
        return cls(**envelope)

    return build()
