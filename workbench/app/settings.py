"""The workbench's settings: one versioned JSON file in the platform's configuration folder.

No Qt here: the window converts its ``QByteArray`` geometry to ``bytes`` and back.

Where the file lives (:func:`config_dir`, :func:`default_path`)::

    Linux and others  $XDG_CONFIG_HOME/h2b-workbench/settings.json (~/.config/… when unset)
    Windows           %APPDATA%\\h2b-workbench\\settings.json
    macOS             ~/Library/Application Support/h2b-workbench/settings.json

How to use it (for the window, the session controller, the grammar library)::

    settings = Settings.load()             # never raises; problems are in settings.warnings
    for warning in settings.warnings:      # show them in the status area, plain words
        status.show(warning, "warning")
    settings.last_device = "USB Headset"   # typed properties; setters check their values
    settings.session_params = {"speech_complete_timeout": 800}
    settings.save()                        # atomic; SettingsError (plain words) if it cannot

What is kept: the window's geometry and state (:attr:`~Settings.window_geometry`,
:attr:`~Settings.window_state`, named :meth:`~Settings.layout_state` blobs for splitters and
headers), the audio input (:attr:`~Settings.last_device`, :attr:`~Settings.last_source`,
:attr:`~Settings.recent_files`), the connection profile's name and *non-secret* fields
(:attr:`~Settings.profile_name`, :attr:`~Settings.profile_fields`: a key that looks secret is
refused; secrets go to the keyring), the session parameters (:attr:`~Settings.session_params`)
and the grammar library (:attr:`~Settings.grammar_library`).

Robustness: a missing file gives the defaults silently. A file that is not JSON, not an object,
or has no version this code knows gives the defaults plus a warning, and is moved aside (to
``settings.json.broken`` or ``settings.json.v<N>`` for a newer version) so that saving never
destroys what a newer workbench wrote. A single value of the wrong type is dropped with a
warning; the rest is kept. Keys this version does not know are kept as they are. Saving writes a
temporary file in the same folder and renames it over the old one, so a crash mid-save leaves
the old file whole.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any, Final

from workbench.app import settings_values as values
from workbench.app.settings_values import (
    MAX_RECENT_FILES,
    SECRET_WORDS,
    JsonScalar,
    SourceChoice,
    SourceKind,
)

__all__ = [
    "APP_DIR_NAME",
    "FILE_NAME",
    "MAX_RECENT_FILES",
    "SECRET_WORDS",
    "SETTINGS_VERSION",
    "JsonScalar",
    "Settings",
    "SettingsError",
    "SourceChoice",
    "SourceKind",
    "config_dir",
    "default_path",
]

SETTINGS_VERSION: Final = 1
APP_DIR_NAME: Final = "h2b-workbench"
FILE_NAME: Final = "settings.json"


class SettingsError(Exception):
    """The settings could not be saved; the message says where and why, in plain words."""


def config_dir(
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
    home: Path | None = None,
) -> Path:
    """The workbench's configuration folder on this platform (arguments are for tests)."""
    env = os.environ if environ is None else environ
    system = sys.platform if platform is None else platform
    base_home = Path.home() if home is None else home
    if system.startswith("win"):
        appdata = env.get("APPDATA")
        base = Path(appdata) if appdata else base_home / "AppData" / "Roaming"
    elif system == "darwin":
        base = base_home / "Library" / "Application Support"
    else:
        xdg = env.get("XDG_CONFIG_HOME", "")
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else base_home / ".config"
    return base / APP_DIR_NAME


def default_path() -> Path:
    """``settings.json`` in :func:`config_dir`."""
    return config_dir() / FILE_NAME


class Settings:
    """The settings file's content with typed accessors; see the module docstring."""

    def __init__(self, path: Path, data: Mapping[str, Any] | None = None) -> None:
        self.path = path
        self.warnings: list[str] = []
        """What was wrong with the file when it was loaded, in plain words (for the status)."""
        self._data: dict[str, Any] = json.loads(json.dumps(dict(data or {})))
        self._data["version"] = SETTINGS_VERSION

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        """The settings in ``path`` (default: :func:`default_path`); never raises."""
        target = default_path() if path is None else path
        settings = cls(target)
        try:
            text = target.read_text(encoding="utf-8")
        except FileNotFoundError:
            return settings
        except (OSError, UnicodeDecodeError) as error:
            settings.warnings.append(f"The settings in {target} could not be read ({error}).")
            return settings
        try:
            raw = json.loads(text)
        except ValueError:
            raw = None
        version = raw.get("version") if isinstance(raw, dict) else None
        if not isinstance(raw, dict) or not isinstance(version, int) or version < 1:
            kept = settings._move_aside(".broken")
            settings.warnings.append(
                f"The settings file {target} is damaged, so the defaults are used{kept}."
            )
            return settings
        if version > SETTINGS_VERSION:
            kept = settings._move_aside(f".v{version}")
            settings.warnings.append(
                f"The settings file {target} was written by a newer workbench (format "
                f"{version}), so the defaults are used{kept}."
            )
            return settings
        settings._data.update(raw)
        settings._data["version"] = SETTINGS_VERSION
        settings._check_all()
        return settings

    def save(self) -> None:
        """Write the settings atomically; :class:`SettingsError` in plain words on failure."""
        text = json.dumps(self._data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        temporary: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                prefix=".settings-", suffix=".tmp", dir=self.path.parent
            )
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
            temporary = None
        except OSError as error:
            reason = error.strerror or str(error)
            raise SettingsError(
                f"The settings could not be saved to {self.path}: {reason}."
            ) from None
        finally:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)

    def to_json(self) -> dict[str, Any]:
        """A copy of everything that would be saved."""
        copy: dict[str, Any] = json.loads(json.dumps(self._data))
        return copy

    # -- window --------------------------------------------------------------------------

    @property
    def window_geometry(self) -> bytes | None:
        """``QWidget.saveGeometry()`` as bytes, for ``restoreGeometry`` at the next start."""
        return self._bytes("window", "geometry")

    @window_geometry.setter
    def window_geometry(self, value: bytes | None) -> None:
        self._set_bytes(value, "window", "geometry")

    @property
    def window_state(self) -> bytes | None:
        """``QMainWindow.saveState()`` as bytes (docks and toolbars)."""
        return self._bytes("window", "state")

    @window_state.setter
    def window_state(self, value: bytes | None) -> None:
        self._set_bytes(value, "window", "state")

    def layout_state(self, name: str) -> bytes | None:
        """A named layout blob (a splitter's or a header's ``saveState()``), None if unsaved."""
        blob = self._get("window", "layouts", default={}).get(name)
        return base64.b64decode(blob) if isinstance(blob, str) else None

    def set_layout_state(self, name: str, value: bytes) -> None:
        layouts = dict(self._get("window", "layouts", default={}))
        layouts[name] = base64.b64encode(bytes(value)).decode("ascii")
        self._set(layouts, "window", "layouts")

    # -- audio ---------------------------------------------------------------------------

    @property
    def last_device(self) -> str | None:
        """The name of the input device last used (names survive re-plugging; indexes don't)."""
        value = self._get("audio", "device")
        return value if isinstance(value, str) else None

    @last_device.setter
    def last_device(self, value: str | None) -> None:
        self._set(values.text_or_none(value), "audio", "device")

    @property
    def last_source(self) -> SourceChoice:
        value = self._get("audio", "source", default={})
        return SourceChoice(**value) if value else SourceChoice()

    @last_source.setter
    def last_source(self, value: SourceChoice) -> None:
        self._set(asdict(values.source_choice(asdict(value))), "audio", "source")

    @property
    def recent_files(self) -> list[str]:
        """Audio files played, most recent first (at most :data:`MAX_RECENT_FILES`)."""
        return list(self._get("audio", "recent_files", default=[]))

    @recent_files.setter
    def recent_files(self, value: list[str]) -> None:
        self._set(values.paths(list(value)), "audio", "recent_files")

    def add_recent_file(self, path: str | os.PathLike[str]) -> None:
        """Put ``path`` first in :attr:`recent_files`."""
        text = os.fspath(path)
        self.recent_files = [text, *(p for p in self.recent_files if p != text)]

    # -- connection ----------------------------------------------------------------------

    @property
    def profile_name(self) -> str | None:
        value = self._get("connection", "profile")
        return value if isinstance(value, str) else None

    @profile_name.setter
    def profile_name(self, value: str | None) -> None:
        self._set(values.text_or_none(value), "connection", "profile")

    @property
    def profile_fields(self) -> dict[str, str]:
        """A custom profile's non-secret fields (URLs, realm, CA file); never a secret."""
        return dict(self._get("connection", "fields", default={}))

    @profile_fields.setter
    def profile_fields(self, value: Mapping[str, str]) -> None:
        secret = [key for key in value if values.looks_secret(key)]
        if secret:
            raise ValueError(
                f"{', '.join(secret)} looks secret: secrets are kept in the keyring, "
                "never in the settings file"
            )
        self._set(values.profile_fields(dict(value)), "connection", "fields")

    # -- session and grammars -------------------------------------------------------------

    @property
    def session_params(self) -> dict[str, JsonScalar]:
        """Session parameters the user set (name → value as the protocol schema has it)."""
        return dict(self._get("session_params", default={}))

    @session_params.setter
    def session_params(self, value: Mapping[str, JsonScalar]) -> None:
        self._set(values.params(dict(value)), "session_params")

    @property
    def grammar_library(self) -> list[dict[str, Any]]:
        """The grammar library's entries, as JSON objects the grammar panel defines."""
        return [dict(entry) for entry in self._get("grammar_library", default=[])]

    @grammar_library.setter
    def grammar_library(self, value: list[dict[str, Any]]) -> None:
        self._set(values.library(json.loads(json.dumps(list(value)))), "grammar_library")

    # -- internals -----------------------------------------------------------------------

    def _get(self, *keys: str, default: Any = None) -> Any:
        node: Any = self._data
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return default
            node = node[key]
        return default if node is None and default is not None else node

    def _set(self, value: Any, *keys: str) -> None:
        node = self._data
        for key in keys[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        if value is None:
            node.pop(keys[-1], None)
        else:
            node[keys[-1]] = value

    def _bytes(self, *keys: str) -> bytes | None:
        value = self._get(*keys)
        return base64.b64decode(value) if isinstance(value, str) else None

    def _set_bytes(self, value: bytes | None, *keys: str) -> None:
        text = None if value is None else base64.b64encode(bytes(value)).decode("ascii")
        self._set(text, *keys)

    def _check_all(self) -> None:
        for section in ("window", "audio", "connection"):
            if not isinstance(self._data.get(section, {}), dict):
                del self._data[section]
                self.warnings.append(f"The saved {section} settings could not be used; reset.")
        for keys, (what, check) in values.CHECKS.items():
            value = self._get(*keys)
            if value is None:
                continue
            try:
                self._set(check(value), *keys)
            except (ValueError, TypeError) as error:
                self._set(None, *keys)
                self.warnings.append(f"The saved {what} could not be used ({error}); reset.")

    def _move_aside(self, suffix: str) -> str:
        """Rename the unreadable file so a save cannot overwrite it; says where it went."""
        kept = self.path.with_name(self.path.name + suffix)
        try:
            os.replace(self.path, kept)
        except OSError:
            return ""
        return f" (the old file is kept as {kept.name})"
