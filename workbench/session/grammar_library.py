"""A library of grammar presets: the ones the workbench ships and the ones the user saved.

A preset is a grammar URI worth keeping (``builtin:speech/spelling/digits?regex=[0-9]{1,2}``),
optionally with the session alias it is usually defined under (DEFINE-GRAMMAR ``content_id``).
Shipped presets come from the getting-started guide and the builtin catalogue; they are
read-only so that an update of the workbench can fix them. User presets are saved, renamed and
removed freely and persisted by the settings as a JSON list (:meth:`GrammarLibrary.to_json`).

Every URI is checked by the protocol core (``workbench.protocol.grammars``), never here. Adding a
preset refuses an unusable URI or alias. Loading a saved list does not: a preset saved with an
older catalogue stays in the library with its :meth:`GrammarPreset.problems`, because silently
dropping the user's data is worse than showing what is wrong with it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from workbench.protocol.grammars import (
    GrammarError,
    GrammarUri,
    parse_grammar_uri,
    validate_alias,
    validate_grammar_uri,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

__all__ = [
    "SHIPPED_PRESETS",
    "GrammarLibrary",
    "GrammarPreset",
    "PresetError",
]

MAX_NAME_LENGTH = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class PresetError(ValueError):
    """A preset that cannot be added, renamed or removed; ``str()`` says why in plain words."""


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a preset, or None when it can.

    Names are shown in a list and kept in a settings file: non-empty, no surrounding blanks
    (they would make two names look identical), no control character, at most 80 characters.
    """
    if not name.strip():
        return "the preset name is empty"
    if name != name.strip():
        return f"preset name '{name}' starts or ends with a blank"
    if _CONTROL.search(name):
        return f"preset name '{name}' holds a control character"
    if len(name) > MAX_NAME_LENGTH:
        return f"preset name '{name[:20]}…' is longer than {MAX_NAME_LENGTH} characters"
    return None


@dataclass(frozen=True, slots=True)
class GrammarPreset:
    """A named grammar URI, the alias it is defined under (if any) and what it is for.

    ``uri`` is kept exactly as written on the wire. ``shipped`` presets come with the workbench
    and cannot be changed by the user.
    """

    name: str
    uri: str
    alias: str | None = None
    description: str = ""
    shipped: bool = False

    @property
    def recognize_uri(self) -> str:
        """What RECOGNIZE lists for this preset: ``session:<alias>`` once defined, else the URI."""
        return f"session:{self.alias}" if self.alias else self.uri

    def problems(self) -> tuple[str, ...]:
        """Everything the protocol core finds wrong with the name, URI and alias; () when usable.

        An alias must be valid alias syntax and may only stand for a ``builtin:`` grammar, as the
        server refuses DEFINE-GRAMMAR for anything else.
        """
        found: list[str] = []
        name_issue = name_problem(self.name)
        if name_issue is not None:
            found.append(name_issue)
        uri: GrammarUri | None = None
        try:
            uri = parse_grammar_uri(self.uri)
        except GrammarError as error:
            found.append(str(error))
        if uri is not None:
            found.extend(problem.message for problem in validate_grammar_uri(uri))
        if self.alias is not None:
            alias_issue = validate_alias(self.alias)
            if alias_issue is not None:
                found.append(alias_issue)
            elif uri is not None and not uri.is_builtin:
                found.append(f"alias '{self.alias}' can only stand for a builtin: grammar")
        return tuple(found)

    def to_record(self) -> dict[str, str | None]:
        """The preset as a JSON object (``shipped`` is not kept: saved presets are the user's)."""
        return {
            "name": self.name,
            "uri": self.uri,
            "alias": self.alias,
            "description": self.description,
        }


def _shipped(name: str, uri: str, description: str, alias: str | None = None) -> GrammarPreset:
    return GrammarPreset(name, uri, alias, description, shipped=True)


SHIPPED_PRESETS: tuple[GrammarPreset, ...] = (
    _shipped(
        "num_in_range100",
        "builtin:speech/spelling/digits?regex=[0-9]{1,2}",
        "A number from 0 to 99 said digit by digit: the guessing game of the getting-started "
        "guide, which defines it as session:num_in_range100.",
        alias="num_in_range100",
    ),
    _shipped(
        "boolean",
        "builtin:speech/boolean",
        "Yes or no; nlu.value is a JSON boolean. The guide asks 'play again?' with it in "
        "hotword mode.",
    ),
    _shipped(
        "zipcode",
        "builtin:speech/zipcode",
        "A postal code, returned as a string.",
    ),
    _shipped(
        "phone_number",
        "builtin:speech/spelling/phone_number",
        "A phone number in E.164; the country comes from speech_language (fr-FR, en-US).",
    ),
    _shipped(
        "menu_keywords",
        "builtin:speech/keywords?alternatives=adresse|multi|arrêt|date",
        "One keyword of a voice menu, as in the SDK examples; nlu.value is the keyword.",
    ),
    _shipped(
        "wake_word",
        "builtin:speech/keywords?alternatives=allo\\-media",
        "The SDK examples' wake word, for hotword mode ('-' escaped as the examples do).",
    ),
    _shipped(
        "date",
        "builtin:speech/date",
        "A date; nlu.value holds day, month, year and valid. An incomplete date may end as "
        "PartialMatch.",
    ),
    _shipped(
        "parcel_number",
        "builtin:speech/spelling/mixed?regex=[a-z]{2}[0-9]{9}[a-z]{2}",
        "A spelled parcel number such as le137137866cn (letters and digits).",
    ),
    _shipped(
        "text2num",
        "builtin:speech/text2num",
        "Any speech, numbers written as digits. Matches everything: use it alone.",
    ),
)
"""The presets every library starts with, read-only."""


class GrammarLibrary:
    """The shipped presets followed by the user's, with unique names (case-insensitively).

    Plain Python and mutable; the Qt view calls :meth:`add`, :meth:`rename` and :meth:`remove`
    and persists :meth:`to_json`. ``notes`` says what loading a saved list had to change.
    """

    def __init__(self, user: Iterable[GrammarPreset] = ()) -> None:
        self._shipped = SHIPPED_PRESETS
        self._user: list[GrammarPreset] = []
        self.notes: tuple[str, ...] = ()
        for preset in user:
            self.add(preset)

    @property
    def shipped(self) -> tuple[GrammarPreset, ...]:
        """The read-only presets of the workbench, in display order."""
        return self._shipped

    @property
    def user(self) -> tuple[GrammarPreset, ...]:
        """The user's presets, in the order they were added."""
        return tuple(self._user)

    @property
    def presets(self) -> tuple[GrammarPreset, ...]:
        """Shipped presets first, then the user's."""
        return (*self._shipped, *self._user)

    def __iter__(self) -> Iterator[GrammarPreset]:
        return iter(self.presets)

    def __len__(self) -> int:
        return len(self._shipped) + len(self._user)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def get(self, name: str) -> GrammarPreset | None:
        """The preset called ``name`` (any letter case), or None."""
        folded = name.casefold()
        return next((p for p in self.presets if p.name.casefold() == folded), None)

    def _user_index(self, name: str) -> int:
        preset = self.get(name)
        if preset is None:
            raise PresetError(f"there is no preset called '{name}'")
        if preset.shipped:
            raise PresetError(f"'{preset.name}' ships with the workbench and cannot be changed")
        return self._user.index(preset)

    def add(self, preset: GrammarPreset, *, replace_existing: bool = False) -> GrammarPreset:
        """Add ``preset`` as a user preset and return it as stored.

        Raises :class:`PresetError` when the name, URI or alias has a problem, or the name is
        taken (by a shipped preset, or by a user preset unless ``replace_existing``).
        """
        stored = replace(preset, shipped=False)
        problems = stored.problems()
        if problems:
            raise PresetError(f"preset '{stored.name}': {problems[0]}")
        existing = self.get(stored.name)
        if existing is not None and (existing.shipped or not replace_existing):
            raise PresetError(f"a preset called '{existing.name}' already exists")
        if existing is not None:
            self._user[self._user.index(existing)] = stored
        else:
            self._user.append(stored)
        return stored

    def rename(self, name: str, new_name: str) -> GrammarPreset:
        """Rename the user preset ``name``; shipped presets and taken names are refused."""
        index = self._user_index(name)
        problem = name_problem(new_name)
        if problem is not None:
            raise PresetError(problem)
        other = self.get(new_name)
        if other is not None and other is not self._user[index]:
            raise PresetError(f"a preset called '{other.name}' already exists")
        renamed = replace(self._user[index], name=new_name)
        self._user[index] = renamed
        return renamed

    def remove(self, name: str) -> GrammarPreset:
        """Remove the user preset ``name`` and return it; shipped presets are refused."""
        return self._user.pop(self._user_index(name))

    # --- persistence --------------------------------------------------------------------------

    def to_records(self) -> list[dict[str, str | None]]:
        """The user presets as a list of JSON objects (shipped ones are never saved)."""
        return [preset.to_record() for preset in self._user]

    def to_json(self) -> str:
        """:meth:`to_records` as JSON text, for the settings' grammar-library slot."""
        return json.dumps(self.to_records(), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> GrammarLibrary:
        """A library from :meth:`to_json` text; raises :class:`PresetError` if it is not JSON."""
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as error:
            raise PresetError(f"the saved grammar library is not JSON: {error}") from None
        return cls.from_records(data)

    @classmethod
    def from_records(cls, data: object) -> GrammarLibrary:
        """A library from a list of preset objects, keeping as much of the user's data as it can.

        Raises :class:`PresetError` only when ``data`` is not a list. Entries without a string
        name and URI are skipped; a name taken by a shipped preset (a later version may ship
        one) is renamed ``name (2)`` unless the entry is the same grammar; presets with URI
        problems are kept. Every such change is listed in ``notes``.
        """
        if not isinstance(data, list):
            raise PresetError("the saved grammar library is not a list of presets")
        library = cls()
        notes: list[str] = []
        for position, entry in enumerate(data, start=1):
            preset = _preset_from_record(entry)
            if preset is None:
                notes.append(f"entry {position} skipped: it needs a string name and uri")
                continue
            existing = library.get(preset.name)
            if existing is not None and existing.uri == preset.uri:
                notes.append(f"'{preset.name}' skipped: the same grammar is already there")
                continue
            if existing is not None or name_problem(preset.name) is not None:
                new_name = library._free_name(preset.name.strip() or "preset")
                notes.append(f"'{preset.name}' renamed '{new_name}'")
                preset = replace(preset, name=new_name)
            library._user.append(preset)
        library.notes = tuple(notes)
        return library

    def _free_name(self, base: str) -> str:
        base = _CONTROL.sub(" ", base)[: MAX_NAME_LENGTH - 6].strip() or "preset"
        number = 2
        while f"{base} ({number})" in self:
            number += 1
        return f"{base} ({number})"


def _preset_from_record(entry: object) -> GrammarPreset | None:
    if not isinstance(entry, dict):
        return None
    name, uri = entry.get("name"), entry.get("uri")
    if not isinstance(name, str) or not isinstance(uri, str):
        return None
    alias = entry.get("alias")
    description = entry.get("description")
    return GrammarPreset(
        name,
        uri,
        alias if isinstance(alias, str) and alias else None,
        description if isinstance(description, str) else "",
    )
