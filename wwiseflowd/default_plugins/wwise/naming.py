"""Wwise 2025.1 renamed three category roots and the Actor-Mixer type; this is the one translation.

wwiseflowd speaks the classic (2019.1-2024.1) names everywhere (docs/workflows.md, ``config.py`` defaults,
workflow documents). Inputs may use either spelling; the adapter sends the connected version's
spelling and translates what Wwise returns back to the classic one, so workflows, idempotency keys
and downstream ``$from`` references are the same whichever Wwise version runs them.
"""

from __future__ import annotations

import re
from typing import Any

#: classic root folder -> 2025.1 root folder (the migration notes list exactly these three).
ROOTS_2025 = {
    "Actor-Mixer Hierarchy": "Containers",
    "Master-Mixer Hierarchy": "Busses",
    "Audio Devices": "Devices",
}
#: classic WAAPI type name -> 2025.1 type name.
TYPES_2025 = {"ActorMixer": "PropertyContainer"}
#: classic objectPath type token -> 2025.1 token (audio.import notation).
TOKENS_2025 = {"<Actor-Mixer>": "<Property Container>"}

_PATH_KEYS = {"path", "parent", "object", "objectPath", "importLocation", "target"}
_TYPE_KEYS = {"type"}


def _swap_root(path: str, table: dict[str, str]) -> str:
    if not path.startswith("\\"):
        return path
    head, sep, rest = path[1:].partition("\\")
    return "\\" + table.get(head, head) + sep + rest


class Naming:
    """The spelling of one Wwise version: ``modern`` is True from 2025.1 on."""

    def __init__(self, modern: bool) -> None:
        self.modern = modern
        self._roots_out = ROOTS_2025 if modern else {v: k for k, v in ROOTS_2025.items()}
        self._roots_in = {v: k for k, v in ROOTS_2025.items()}
        self._types_out = TYPES_2025 if modern else {v: k for k, v in TYPES_2025.items()}
        self._types_in = {v: k for k, v in TYPES_2025.items()}
        self._tokens_out = TOKENS_2025 if modern else {v: k for k, v in TOKENS_2025.items()}

    @classmethod
    def for_version(cls, year: int) -> Naming:
        """The naming of a Wwise release year (``2025`` and later use the new names)."""
        return cls(modern=year >= 2025)

    # -- towards Wwise ---------------------------------------------------------------------------

    def path_out(self, path: str) -> str:
        """A path or objectPath (either spelling) in the connected version's spelling."""
        path = _swap_root(path, self._roots_out)
        for old, new in self._tokens_out.items():
            path = path.replace(old, new)
        return path

    def type_out(self, type_name: str) -> str:
        """A WAAPI type name in the connected version's spelling."""
        return self._types_out.get(type_name, type_name)

    def waql_out(self, waql: str) -> str:
        """A WAQL query with quoted root paths and type names in the connected version's spelling."""
        for old, new in self._roots_out.items():
            waql = waql.replace(f'"\\{old}', f'"\\{new}')
        for old, new in self._types_out.items():
            waql = re.sub(rf"\b{old}\b", new, waql, flags=re.IGNORECASE)
        return waql

    def args_out(self, value: Any) -> Any:
        """WAAPI call arguments in the connected version's spelling (paths, types, WAQL, references)."""
        if isinstance(value, list):
            return [self.args_out(item) for item in value]
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(item, str) and (
                key in _PATH_KEYS or (key.startswith("@") and item.startswith("\\"))
            ):
                out[key] = self.path_out(item)
            elif key in _TYPE_KEYS and isinstance(item, str):
                out[key] = self.type_out(item)
            elif key == "waql" and isinstance(item, str):
                out[key] = self.waql_out(item)
            else:
                out[key] = self.args_out(item)
        return out

    # -- from Wwise ------------------------------------------------------------------------------

    def path_in(self, path: str) -> str:
        """A path Wwise returned, in the classic spelling."""
        return _swap_root(path, self._roots_in)

    def type_in(self, type_name: str) -> str:
        """A type name Wwise returned, in the classic spelling."""
        return self._types_in.get(type_name, type_name)

    def result_in(self, value: Any) -> Any:
        """Translate every ``path``/``type``-like field of a WAAPI result (recursively).

        Before 2025.1 there is nothing to translate (no root or type of that spelling exists under
        the classic names), so a listing of 40,000 Sounds is handed on as it came."""
        if not self.modern:
            return value
        if isinstance(value, list):
            return [self.result_in(item) for item in value]
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(item, str):
                if key in _PATH_KEYS:
                    item = self.path_in(item)
                elif key in _TYPE_KEYS:
                    item = self.type_in(item)
                out[key] = item
            elif isinstance(item, (dict, list)):
                out[key] = self.result_in(item)
            else:
                out[key] = item
        return out
