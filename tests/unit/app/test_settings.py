"""Settings: where the file lives, typed round trips, atomic saves, and damaged files survived."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from workbench.app.settings import (
    MAX_RECENT_FILES,
    SETTINGS_VERSION,
    Settings,
    SettingsError,
    SourceChoice,
    config_dir,
    default_path,
)


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private XDG config folder, as a user's would be."""
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


def test_the_file_lives_in_the_platforms_config_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    linux = config_dir({"XDG_CONFIG_HOME": "/x/conf"}, "linux", home)
    assert linux == Path("/x/conf/h2b-workbench")
    assert config_dir({}, "linux", home) == home / ".config" / "h2b-workbench"
    relative = config_dir({"XDG_CONFIG_HOME": "conf"}, "linux", home)  # the spec ignores it
    assert relative == home / ".config" / "h2b-workbench"
    windows = config_dir({"APPDATA": r"C:\Users\ann\AppData\Roaming"}, "win32", home)
    assert windows == Path(r"C:\Users\ann\AppData\Roaming") / "h2b-workbench"
    assert config_dir({}, "win32", home) == home / "AppData" / "Roaming" / "h2b-workbench"
    mac = config_dir({"XDG_CONFIG_HOME": "/ignored"}, "darwin", home)
    assert mac == home / "Library" / "Application Support" / "h2b-workbench"


def test_defaults_without_a_file(config_home: Path) -> None:
    assert default_path() == config_home / "h2b-workbench" / "settings.json"
    settings = Settings.load()
    assert settings.warnings == []
    assert settings.window_geometry is None
    assert settings.window_state is None
    assert settings.layout_state("timeline") is None
    assert settings.last_device is None
    assert settings.last_source == SourceChoice()
    assert settings.recent_files == []
    assert settings.profile_name is None
    assert settings.profile_fields == {}
    assert settings.session_params == {}
    assert settings.grammar_library == []
    assert not default_path().exists()  # loading never writes


def test_everything_round_trips_through_the_file(config_home: Path) -> None:
    settings = Settings.load()
    settings.window_geometry = b"\x01\xd9\xd0\xcb\x00\x03geometry\xff"
    settings.window_state = bytes(range(256))
    settings.set_layout_state("main-splitter", b"\x00\x01")
    settings.last_device = "USB Headset"
    settings.last_source = SourceChoice("text", text="bonjour", engine="espeak-ng", voice="fr-fr")
    settings.add_recent_file("/audio/b.wav")
    settings.add_recent_file(Path("/audio/a.wav"))
    settings.add_recent_file("/audio/b.wav")
    settings.profile_name = "staging"
    settings.profile_fields = {"api_url": "wss://staging.example/", "realm": "bots"}
    settings.session_params = {"speech_complete_timeout": 800, "recognition_mode": "normal"}
    settings.grammar_library = [{"name": "digits", "uri": "builtin:speech/digits?length=4"}]
    settings.save()

    again = Settings.load()
    assert again.warnings == []
    assert again.window_geometry == b"\x01\xd9\xd0\xcb\x00\x03geometry\xff"
    assert again.window_state == bytes(range(256))
    assert again.layout_state("main-splitter") == b"\x00\x01"
    assert again.last_device == "USB Headset"
    assert again.last_source == SourceChoice(
        "text", text="bonjour", engine="espeak-ng", voice="fr-fr"
    )
    assert again.recent_files == ["/audio/b.wav", "/audio/a.wav"]
    assert again.profile_name == "staging"
    assert again.profile_fields == {"api_url": "wss://staging.example/", "realm": "bots"}
    assert again.session_params == {"speech_complete_timeout": 800, "recognition_mode": "normal"}
    assert again.grammar_library == [{"name": "digits", "uri": "builtin:speech/digits?length=4"}]
    on_disk = json.loads(default_path().read_text(encoding="utf-8"))
    assert on_disk["version"] == SETTINGS_VERSION
    assert on_disk["audio"]["device"] == "USB Headset"


def test_setting_none_removes_a_value(config_home: Path) -> None:
    settings = Settings.load()
    settings.last_device = "pulse"
    settings.window_geometry = b"x"
    settings.last_device = None
    settings.window_geometry = None
    assert settings.last_device is None
    assert settings.window_geometry is None
    assert settings.to_json() == {"version": SETTINGS_VERSION, "audio": {}, "window": {}}


def test_recent_files_are_bounded(config_home: Path) -> None:
    settings = Settings.load()
    for number in range(MAX_RECENT_FILES + 5):
        settings.add_recent_file(f"/audio/{number}.wav")
    assert len(settings.recent_files) == MAX_RECENT_FILES
    assert settings.recent_files[0] == f"/audio/{MAX_RECENT_FILES + 4}.wav"


def test_secrets_are_refused(config_home: Path) -> None:
    settings = Settings.load()
    for field in ("client_secret", "password", "access-token", "API_KEY"):
        with pytest.raises(ValueError, match="keyring"):
            settings.profile_fields = {"api_url": "wss://x/", field: "hunter2"}
    assert settings.profile_fields == {}
    path = default_path()
    path.parent.mkdir(parents=True)
    fields = {"api_url": "wss://x/", "client_secret": "hunter2"}
    path.write_text(json.dumps({"version": 1, "connection": {"profile": "p", "fields": fields}}))
    loaded = Settings.load()
    assert loaded.profile_fields == {}  # dropped, with a word about it
    assert loaded.profile_name == "p"
    assert "secret-looking fields (client_secret)" in loaded.warnings[0]
    assert "hunter2" not in json.dumps(loaded.to_json())


def test_a_damaged_file_gives_defaults_a_warning_and_is_kept(config_home: Path) -> None:
    path = default_path()
    path.parent.mkdir(parents=True)
    for damaged in ('{"version": 1, "audio": ', "[1, 2]", '{"audio": {}}', '{"version": "1"}'):
        path.write_text(damaged)
        settings = Settings.load()
        assert settings.last_device is None
        assert len(settings.warnings) == 1
        assert settings.warnings[0].startswith(f"The settings file {path} is damaged")
        assert "kept as settings.json.broken" in settings.warnings[0]
        assert path.with_name("settings.json.broken").read_text() == damaged
        assert not path.exists()
        settings.last_device = "pulse"
        settings.save()  # a fresh file, the damaged one still aside
        assert Settings.load().last_device == "pulse"


def test_a_file_from_a_newer_version_is_not_overwritten(config_home: Path) -> None:
    path = default_path()
    path.parent.mkdir(parents=True)
    newer = json.dumps({"version": SETTINGS_VERSION + 1, "audio": {"device": "x"}})
    path.write_text(newer)
    settings = Settings.load()
    assert settings.last_device is None
    assert "written by a newer workbench (format 2)" in settings.warnings[0]
    settings.save()
    assert path.with_name("settings.json.v2").read_text() == newer


def test_one_bad_value_is_dropped_and_the_rest_kept(config_home: Path) -> None:
    path = default_path()
    path.parent.mkdir(parents=True)
    content = {
        "version": 1,
        "window": {"geometry": "not base64!", "state": "AAE="},
        "audio": {"device": 42, "source": {"kind": "radio"}, "recent_files": ["/a.wav"]},
        "session_params": {"speech_complete_timeout": [800]},
        "grammar_library": [{"name": "digits"}],
        "future_key": {"kept": True},
    }
    path.write_text(json.dumps(content))
    settings = Settings.load()
    assert settings.window_geometry is None
    assert settings.window_state == b"\x00\x01"
    assert settings.last_device is None
    assert settings.last_source == SourceChoice()
    assert settings.recent_files == ["/a.wav"]
    assert settings.session_params == {}
    assert settings.grammar_library == [{"name": "digits"}]
    assert len(settings.warnings) == 4
    assert settings.warnings[0].startswith("The saved window position could not be used")
    assert any("last audio source" in warning for warning in settings.warnings)
    settings.save()
    assert json.loads(path.read_text())["future_key"] == {"kept": True}


def test_a_section_of_the_wrong_type_is_reset(config_home: Path) -> None:
    path = default_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"version": 1, "audio": "pulse", "connection": {"profile": "p"}}))
    settings = Settings.load()
    assert settings.warnings == ["The saved audio settings could not be used; reset."]
    assert settings.profile_name == "p"
    settings.last_device = "pulse"
    assert settings.last_device == "pulse"


def test_a_failed_save_leaves_the_old_file_whole_and_no_temporary(
    config_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings.load()
    settings.last_device = "first"
    settings.save()
    folder = default_path().parent
    settings.last_device = "second"

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", disk_full)  # the new content is half written
        with pytest.raises(SettingsError) as caught:
            settings.save()
    assert str(caught.value) == (
        f"The settings could not be saved to {default_path()}: No space left on device."
    )
    assert Settings.load().last_device == "first"  # the old file is whole
    assert [p.name for p in folder.iterdir()] == ["settings.json"]  # no temporary left
    settings.save()
    assert Settings.load().last_device == "second"


def test_a_save_where_no_file_can_be_made_is_a_plain_error(tmp_path: Path) -> None:
    (tmp_path / "settings.json").mkdir()  # a folder where the file should be
    with pytest.raises(SettingsError, match=r"could not be saved to .*settings\.json: "):
        Settings(tmp_path / "settings.json").save()
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_wrong_values_are_refused_when_set(config_home: Path) -> None:
    settings = Settings.load()
    with pytest.raises(ValueError, match="unknown source kind"):
        settings.last_source = SourceChoice(kind="radio")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a plain value"):
        settings.session_params = {"x": [1]}  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        settings.grammar_library = [{"when": object()}]
