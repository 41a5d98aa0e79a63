"""Redaction: secrets and tokens never enter the timeline.

Timelines are exported and mailed to support, so every piece of text that enters one (raw
frames, notes, summaries, data values) goes through :func:`redact` first. Two layers:

* **Rules** that recognise a credential by its context: ``bearer <token>``, an
  ``Authorization`` header, and JSON, form or ``key: value`` fields whose key names a secret
  (``access_token``, ``refresh_token``, ``id_token``, ``client_secret``, ``password``,
  ``secret``, ``token``, ``api_key``). They catch credentials nobody told us about, but they
  are heuristics: a value that contains a delimiter may be masked only up to it.
* **Registered secrets** (:class:`SecretSet`): exact strings the controller knows (the client
  secret, the access token) are replaced wherever they appear, also in their JSON-escaped and
  URL-encoded spellings. This is the guarantee; it runs last and repeats until none is left.

The mask is ``***``. JSON stays valid JSON after redaction: values are masked inside their
quotes, and a bare number or boolean becomes the string ``"***"``.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING
from urllib.parse import quote, quote_plus

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["MASK", "SECRET_FIELDS", "SecretSet", "redact"]

MASK = "***"

SECRET_FIELDS: tuple[str, ...] = (
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
)
"""Keys whose value is masked; a key that *ends* with one of them (``uhlive_api_secret``) too."""

# The prefix is bounded so that a long run of word characters cannot make matching quadratic.
_KEY = r"[\w\-]{0,40}?(?:" + "|".join(re.escape(name) for name in SECRET_FIELDS) + ")"
# A value outside quotes ends at whitespace, a JSON/form delimiter, a quote or a backslash
# (the start of an escaped quote when JSON sits inside a JSON string).
_BARE_VALUE = r"[^\s&,;\"'\\<>{}\[\]()]+"

# Any of these words must be present for a rule to have something to do: a cheap first test.
_TRIGGER = re.compile(r"bearer|authori[sz]ation|token|secret|passw|api_?key", re.IGNORECASE)
_AUTHORIZATION = re.compile(
    r"(?<![A-Za-z0-9])(authori[sz]ation\\*[\"']?\s*[:=]\s*\\*[\"']?)"
    r"(?:(basic|bearer|token|digest|negotiate)\s+)?" + _BARE_VALUE,
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?<![A-Za-z0-9])(bearer)\s+" + _BARE_VALUE, re.IGNORECASE)
_JSON_STRING_FIELD = re.compile(
    r"(\"" + _KEY + r"\"\s*:\s*\")(?:[^\"\\]|\\.)*(\")", re.IGNORECASE | re.DOTALL
)
_JSON_SCALAR_FIELD = re.compile(
    r"(\"" + _KEY + r"\"\s*:\s*)(?:-?[0-9][0-9eE.+\-]*|true|false)(?=\s*[,}\]]|\s*$)",
    re.IGNORECASE,
)
_LOOSE_FIELD = re.compile(
    # JSON's ``"secret": null`` holds no secret; a form's ``password=null`` does.
    r"(?<![A-Za-z0-9])("
    + _KEY
    + r"\\*[\"']?\s*(?::\s*\\*[\"']?(?!null\b)|=\s*\\*[\"']?))"
    + _BARE_VALUE,
    re.IGNORECASE,
)


def _mask_authorization(match: re.Match[str]) -> str:
    scheme = match.group(2)
    return f"{match.group(1)}{scheme} {MASK}" if scheme else f"{match.group(1)}{MASK}"


def _apply_rules(text: str) -> str:
    if not _TRIGGER.search(text):
        return text
    text = _AUTHORIZATION.sub(_mask_authorization, text)
    text = _BEARER.sub(lambda match: f"{match.group(1)} {MASK}", text)
    text = _JSON_STRING_FIELD.sub(lambda match: f"{match.group(1)}{MASK}{match.group(2)}", text)
    text = _JSON_SCALAR_FIELD.sub(lambda match: f'{match.group(1)}"{MASK}"', text)
    return _LOOSE_FIELD.sub(lambda match: f"{match.group(1)}{MASK}", text)


WHOLE_WORD_BELOW = 6
"""Secrets shorter than this are masked only where they stand alone (not inside a longer word):
masking a one-letter "secret" everywhere would shred every line while protecting nothing."""


def _secret_pattern(spelling: str) -> str:
    escaped = re.escape(spelling)
    if len(spelling) >= WHOLE_WORD_BELOW:
        return escaped
    return rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])"


class SecretSet:
    """Exact secret strings to mask wherever they appear (the client secret, the token).

    Each secret is also masked in the spellings it takes inside a JSON string (escaped quotes,
    backslashes, ``\\uXXXX``) and inside a form or URL (percent-encoded), because that is how
    it travels. Longer spellings are tried first so that one secret containing another is
    masked whole.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._spellings: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        for secret in secrets:
            self.add(secret)

    def __bool__(self) -> bool:
        return bool(self._spellings)

    def __len__(self) -> int:
        return len(self._spellings)

    def add(self, secret: str) -> bool:
        """Register ``secret``; return False if it was empty or already known.

        A secret made only of ``*`` cannot be masked (the mask would re-create it) and is
        refused with ``ValueError``.
        """
        if not secret:
            return False
        if not secret.strip("*"):
            raise ValueError("a secret made only of '*' cannot be masked")
        spellings = {
            secret,
            json.dumps(secret, ensure_ascii=False)[1:-1],
            json.dumps(secret, ensure_ascii=True)[1:-1],
            quote(secret, safe=""),
            quote_plus(secret, safe=""),
        }
        new = spellings - self._spellings
        if not new:
            return False
        self._spellings |= new
        ordered = sorted(self._spellings, key=len, reverse=True)
        self._pattern = re.compile("|".join(_secret_pattern(spelling) for spelling in ordered))
        return True

    def found_in(self, text: str) -> bool:
        """True if any registered secret (in any spelling) occurs in ``text``."""
        return self._pattern is not None and self._pattern.search(text) is not None

    def scrub(self, text: str) -> str:
        """``text`` with every registered secret replaced by the mask.

        Masking can join the pieces around a secret into another one (``a`` + ``a**`` masked
        gives ``a***``); the loop runs until none is left. It ends because every pass removes
        at least one character other than ``*`` and adds none.
        """
        pattern = self._pattern
        if pattern is None:
            return text
        while pattern.search(text):
            text = pattern.sub(MASK, text)
        return text


def redact(text: str, secrets: SecretSet | Iterable[str] = ()) -> str:
    """``text`` with bearer tokens, secret fields and the given secrets replaced by ``***``."""
    secret_set = secrets if isinstance(secrets, SecretSet) else SecretSet(secrets)
    # Secrets first, so that a rule cannot mask half of one and leave the rest unrecognisable;
    # again after the rules only if they changed something (a mask could complete a secret).
    scrubbed = secret_set.scrub(text)
    ruled = _apply_rules(scrubbed)
    return scrubbed if ruled == scrubbed else secret_set.scrub(ruled)
