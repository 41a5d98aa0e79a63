"""Completion causes: the twelve values the official SDK accepts, with what each one means."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CompletionCause(StrEnum):
    """Why a recognition or a command ended, exactly as spelled on the wire."""

    SUCCESS = "Success"
    NO_MATCH = "NoMatch"
    NO_INPUT_TIMEOUT = "NoInputTimeout"
    HOTWORD_MAXTIME = "HotwordMaxtime"
    GRAM_LOAD_FAILURE = "GramLoadFailure"
    ERROR = "Error"
    SUCCESS_MAXTIME = "SuccessMaxtime"
    LANGUAGE_UNSUPPORTED = "LanguageUnsupported"
    PARTIAL_MATCH = "PartialMatch"
    PARTIAL_MATCH_MAXTIME = "PartialMatchMaxtime"
    NO_MATCH_MAXTIME = "NoMatchMaxtime"
    GRAM_DEFINITION_FAILURE = "GramDefinitionFailure"


class Outcome(StrEnum):
    """How a user should read a cause: the UI colours results by it."""

    SUCCESS = "success"
    PARTIAL = "partial"
    NO_RESULT = "no-result"
    FAILURE = "failure"


@dataclass(frozen=True, slots=True)
class CauseInfo:
    """What a completion cause means, its MRCPv2 equivalent, and how to read it."""

    cause: CompletionCause
    mrcp_code: int
    outcome: Outcome
    meaning: str


_INFO = (
    CauseInfo(CompletionCause.SUCCESS, 0, Outcome.SUCCESS, "a grammar matched the speech"),
    CauseInfo(
        CompletionCause.NO_MATCH,
        1,
        Outcome.NO_RESULT,
        "speech was heard but no grammar matched it",
    ),
    CauseInfo(
        CompletionCause.NO_INPUT_TIMEOUT,
        2,
        Outcome.NO_RESULT,
        "nobody spoke before no_input_timeout elapsed",
    ),
    CauseInfo(
        CompletionCause.HOTWORD_MAXTIME,
        3,
        Outcome.NO_RESULT,
        "hotword mode ran for hotword_max_duration without a match",
    ),
    CauseInfo(
        CompletionCause.GRAM_LOAD_FAILURE,
        4,
        Outcome.FAILURE,
        "a grammar of the request is unknown or could not be loaded",
    ),
    CauseInfo(CompletionCause.ERROR, 6, Outcome.FAILURE, "the recognizer failed internally"),
    CauseInfo(
        CompletionCause.SUCCESS_MAXTIME,
        8,
        Outcome.SUCCESS,
        "recognition_timeout was reached while the speech fully matched",
    ),
    CauseInfo(
        CompletionCause.LANGUAGE_UNSUPPORTED,
        10,
        Outcome.FAILURE,
        "speech_language is not supported (for this grammar)",
    ),
    CauseInfo(
        CompletionCause.PARTIAL_MATCH,
        13,
        Outcome.PARTIAL,
        "the utterance ended with only part of a grammar matched",
    ),
    CauseInfo(
        CompletionCause.PARTIAL_MATCH_MAXTIME,
        14,
        Outcome.PARTIAL,
        "recognition_timeout was reached with only a partial match",
    ),
    CauseInfo(
        CompletionCause.NO_MATCH_MAXTIME,
        15,
        Outcome.NO_RESULT,
        "recognition_timeout was reached without any match",
    ),
    CauseInfo(
        CompletionCause.GRAM_DEFINITION_FAILURE,
        16,
        Outcome.FAILURE,
        "DEFINE-GRAMMAR could not build the grammar (bad builtin or parameters)",
    ),
)

CAUSE_INFO: dict[CompletionCause, CauseInfo] = {info.cause: info for info in _INFO}


def parse_cause(value: object) -> CompletionCause | None:
    """Map a wire value to a cause: falsy means none; raise ValueError if it is unknown."""
    if not value:
        return None
    if not isinstance(value, str):
        raise ValueError(f"completion_cause must be a string, got {value!r}")
    try:
        return CompletionCause(value)
    except ValueError:
        known = ", ".join(cause.value for cause in CompletionCause)
        raise ValueError(f"unknown completion_cause {value!r}; known causes: {known}") from None
