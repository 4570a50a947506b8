"""Pre-flight: the whole plan is checked before its first node runs, so a run that cannot succeed
stops before it changed anything.

Checked for every step, with ``$input`` values filled in (``$from`` values are not known yet):

- **files**: every literal value of a file-path input (typed as a path, or named like ``filePath``,
  ``files``, the same rule as the REST path guard) must exist, and a file must be readable. In a list
  of files, one missing file fails alone when the node runs (a batch imports the rest); only a list
  in which no file is usable stops the run here.
- **the node type's own check** (:attr:`NodeSpec.preflight`): the Wwise nodes look up the parent,
  target and bus they name.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, overload

from wwiseflowd.registry import NodeContext, NodeSpec
from wwiseflowd.results import ErrorCode, Result

INPUT_PREFIX = "$input:"
#: a value preflight cannot know (a ``$from`` reference, or a string interpolating one)
_UNKNOWN = object()


def literal_data(data: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with whole-value ``$input:`` references filled in and anything else holding a
    reference left out."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        resolved = _literal(value, inputs)
        if resolved is not _UNKNOWN:
            out[key] = resolved
    return out


def _literal(value: Any, inputs: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        if value.startswith(INPUT_PREFIX) and value[len(INPUT_PREFIX):] in inputs:
            return inputs[value[len(INPUT_PREFIX):]]
        return _UNKNOWN if "$from:" in value or "$input:" in value else value
    if isinstance(value, list):
        items = [_literal(item, inputs) for item in value]
        return [item for item in items if item is not _UNKNOWN]
    if isinstance(value, dict):
        return literal_data(value, inputs)
    return value


class _Earlier(Sequence[tuple[str, Mapping[str, Any]]]):
    """The first ``size`` items of the pre-flight's growing list: what ``ctx.earlier`` shows one
    step, without copying the list for every step (a copy per step is quadratic in plan size)."""

    def __init__(self, items: list[tuple[str, Mapping[str, Any]]], size: int) -> None:
        self._items = items
        self._size = size

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int) -> tuple[str, Mapping[str, Any]]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[str, Mapping[str, Any]]]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return self._items[: self._size][index]
        return self._items[range(self._size)[index]]  # range: negative indexes and IndexError

    def __iter__(self) -> Any:
        items = self._items
        return (items[k] for k in range(self._size))


def check_plan(
    steps: Sequence[tuple[str, str, Mapping[str, Any]]],
    specs: Sequence[NodeSpec | None],
    inputs: Mapping[str, Any],
    context: Callable[[str, Sequence[tuple[str, Mapping[str, Any]]]], NodeContext],
) -> Result | None:
    """The first problem of the plan as a failed Result naming the node (None: all clear).

    ``steps`` are ``(node id, type, data)`` in plan order; ``context(node_id, earlier)`` makes the
    NodeContext handed to a node type's own check (only for node types that have one).
    """
    earlier: list[tuple[str, Mapping[str, Any]]] = []
    for (node_id, node_type, data), spec in zip(steps, specs, strict=True):
        literal = literal_data(data, inputs) if data else {}
        if spec is not None:
            problem = _files(spec, literal)
            if problem is None and spec.preflight is not None:
                problem = _own_check(spec, literal, context(node_id, _Earlier(earlier, len(earlier))))
            if problem is not None:
                return Result.failure(
                    problem.code or ErrorCode.INVALID_INPUT,
                    f"Node {node_id!r} ({node_type}): {problem.error} Nothing was changed: the run "
                    f"stopped before its first node.",
                    data={"nodeId": node_id, "preflight": True},
                )
        earlier.append((node_type, literal))
    return None


def _own_check(spec: NodeSpec, literal: dict[str, Any], ctx: NodeContext) -> Result | None:
    if spec.preflight is None:
        return None
    try:
        result = spec.preflight(literal, ctx)
    except Exception as exc:  # a plugin's check must not crash the run; the node will say more
        return Result.failure(ErrorCode.PLUGIN_ERROR, f"its pre-flight check failed ({exc}).")
    return None if result.ok else result


def _files(spec: NodeSpec, literal: dict[str, Any]) -> Result | None:
    if not literal:
        return None
    guard = _guard()
    fields = guard.path_fields(spec.inputs)
    is_file_key, FILE_ITEM_KEYS = guard.is_file_key, guard.FILE_ITEM_KEYS  # noqa: N806
    for key, value in literal.items():
        if key not in fields and not is_file_key(key):
            continue
        folder = key.lower() in ("folder", "directory")
        if isinstance(value, str):
            problem = _unusable(value, folder)
            if problem:
                return Result.failure(ErrorCode.FILE_NOT_FOUND, f"input {key!r}: {problem}")
        elif isinstance(value, list) and value:
            paths = [_item_path(item, FILE_ITEM_KEYS) for item in value]
            problems = [_unusable(p, folder) if p is not None else None for p in paths]
            if all(problems):
                listed = "; ".join(str(p) for p in problems[:3]) + (" ..." if len(problems) > 3 else "")
                return Result.failure(
                    ErrorCode.FILE_NOT_FOUND,
                    f"input {key!r}: none of its {len(paths)} file(s) can be used ({listed})",
                )
    return None


@cache
def _guard() -> ModuleType:
    """The REST guard's rule for which inputs are files; imported on first use (once every module
    is loaded: the guard imports the operations package, which imports the runner)."""
    from wwiseflowd.operations import guard

    return guard


def _item_path(item: Any, keys: frozenset[str]) -> str | None:
    """A list item's path: the string itself, or ``{"path": ...}`` of a drop batch."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        return next((item[k] for k in keys if isinstance(item.get(k), str)), None)
    return None


def _unusable(value: str, folder: bool) -> str | None:
    """Why the file (or folder) ``value`` cannot be used, or None."""
    path = Path(value).expanduser()
    if not path.exists():
        return f"{value} does not exist; check the path (was it moved or renamed?)"
    if not folder and path.is_dir():
        return f"{value} is a folder, not a file"
    if not os.access(path, os.R_OK):
        return f"{value} cannot be read (permission denied); fix its permissions"
    return None
