"""Pre-flight: the whole plan is checked before its first node runs, so a run that cannot succeed
stops before it changed anything.

Checked for every step, with ``$input`` values filled in, and ``$from`` values filled in where an
earlier step's output can be told before it runs (see below); other ``$from`` values are left out:

- **files**: every literal value of a file-path input (typed as a path, or named like ``filePath``,
  ``files``, the same rule as the REST path guard) must exist, and a file must be readable. In a list
  of files, one missing file fails alone when the node runs (a batch imports the rest); only a list
  in which no file is usable stops the run here.
- **the node's inputs** against its input model, for every node type (plugins' too): a value that
  a workflow input or a predicted ``$from`` filled in must have the right type and range, so a wrong
  ``--input`` fails here rather than after earlier nodes changed the project;
- **the node type's own check** (:attr:`NodeSpec.preflight`): the Wwise nodes look up the parent,
  target, bus, event targets and referenced objects they name.

Predicted outputs: an output named like one of the step's own literal inputs is taken to pass that
value through (``objectId`` of a ``setProperty``); a node type's check may also return
``data={"outputs": {...}}`` (a ``createSound`` predicts its ``path`` and ``objectId``).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, overload

from pydantic import ValidationError

from wwiseflowd.documents import parse_ref
from wwiseflowd.gc_pause import GcPause
from wwiseflowd.registry import NodeContext, NodeSpec
from wwiseflowd.results import ErrorCode, Result
from wwiseflowd.watch.fileio import NotRegularFile, open_regular

INPUT_PREFIX = "$input:"
#: a value preflight cannot know (a ``$from`` reference, or a string interpolating one)
_UNKNOWN = object()


def literal_data(
    data: Mapping[str, Any],
    inputs: Mapping[str, Any],
    predicted: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """``data`` with whole-value ``$input:`` references filled in, whole-value ``$from:`` references
    filled in from ``predicted`` (node id -> outputs known before the run), and anything else holding
    a reference left out."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        resolved = _literal(value, inputs, predicted or {})
        if resolved is not _UNKNOWN:
            out[key] = resolved
    return out


def _literal(value: Any, inputs: Mapping[str, Any], predicted: Mapping[str, Mapping[str, Any]]) -> Any:
    if isinstance(value, str):
        if value.startswith(INPUT_PREFIX) and value[len(INPUT_PREFIX):] in inputs:
            return inputs[value[len(INPUT_PREFIX):]]
        ref = parse_ref(value)
        if ref is not None and ref.kind == "from" and ref.output in predicted.get(ref.target, {}):
            return predicted[ref.target][ref.output]
        return _UNKNOWN if "$from:" in value or "$input:" in value else value
    if isinstance(value, list):
        items = [_literal(item, inputs, predicted) for item in value]
        return [item for item in items if item is not _UNKNOWN]
    if isinstance(value, dict):
        return literal_data(value, inputs, predicted)
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
    pause: GcPause | None = None,
) -> Result | None:
    """The first problem of the plan as a failed Result naming the node (None: all clear).

    ``steps`` are ``(node id, type, data)`` in plan order; ``context(node_id, earlier)`` makes the
    NodeContext handed to a node type's own check (only for node types that have one). ``pause``:
    the caller's garbage-collection pause, lifted while a node type's own check runs or files are
    looked at (either may wait: on Wwise, on a network share).
    """
    pause = pause or GcPause()  # none given: one never on, lifting it does nothing
    earlier: list[tuple[str, Mapping[str, Any]]] = []
    predicted: dict[str, dict[str, Any]] = {}
    for (node_id, node_type, data), spec in zip(steps, specs, strict=True):
        literal = literal_data(data, inputs, predicted) if data else {}
        if spec is not None:
            checked = _inputs(spec, data, literal) or _files(spec, literal, pause)
            if checked is None and spec.preflight is not None:
                with pause.lifted():  # the check may wait on Wwise: collection is not held off meanwhile
                    checked = _own_check(spec, literal, context(node_id, _Earlier(earlier, len(earlier))))
            if checked is not None and not checked.ok:
                return Result.failure(
                    checked.code or ErrorCode.INVALID_INPUT,
                    f"Node {node_id!r} ({node_type}): {checked.error} Nothing was changed: the run "
                    f"stopped before its first node.",
                    data={"nodeId": node_id, "preflight": True},
                )
            predicted[node_id] = _predicted(spec, literal, checked)
        earlier.append((node_type, literal))
    return None


def _predicted(spec: NodeSpec, literal: Mapping[str, Any], checked: Result | None) -> dict[str, Any]:
    """Outputs known before the step runs: pass-through inputs, then what its check predicted."""
    known = {name: literal[name] for name in spec.outputs if name in literal} if literal else {}
    outputs = checked.data.get("outputs") if checked is not None and isinstance(checked.data, dict) else None
    return {**known, **outputs} if isinstance(outputs, dict) else known


def _inputs(spec: NodeSpec, data: Mapping[str, Any], literal: Mapping[str, Any]) -> Result | None:
    """The filled-in inputs against the node's model; fields still holding an unknown reference, and
    fields missing because of one, are the node's to check when it runs. Only for steps with a
    filled-in reference: literal values were checked by the compiler already."""
    if not any(isinstance(v, str) and v.startswith("$") and k in literal for k, v in data.items()):
        return None
    try:
        spec.inputs.model_validate(literal)
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error.get("loc") else None
            if error.get("type") == "missing" or field is None:
                continue
            if _holds_unknown(data.get(field), field in literal):
                continue
            return Result.failure(ErrorCode.INVALID_INPUT, f"input {field!r}: {error.get('msg', 'invalid')}.")
    return None


def _holds_unknown(raw: Any, filled: bool) -> bool:
    """Whether ``raw`` held a reference pre-flight could not fill in (a whole-value reference counts
    as filled when it was; one inside a list or object always counts as unknown)."""
    if isinstance(raw, str) and parse_ref(raw) is not None:
        return not filled
    return not filled or "$from:" in str(raw) or "$input:" in str(raw)


def _own_check(spec: NodeSpec, literal: dict[str, Any], ctx: NodeContext) -> Result:
    if spec.preflight is None:
        return Result.success()
    try:
        result = spec.preflight(literal, ctx)
    except Exception as exc:  # a plugin's check must not crash the run; the node will say more
        return Result.failure(ErrorCode.PLUGIN_ERROR, f"its pre-flight check failed ({exc}).")
    return result if isinstance(result, Result) else Result.success()


def _files(spec: NodeSpec, literal: dict[str, Any], pause: GcPause) -> Result | None:
    """The first file input no file of which can be used; ``pause`` is lifted while files are
    looked at (they may lie on a share that stops answering)."""
    if not literal:
        return None
    guard = _guard()
    fields = guard.path_fields(spec.inputs)
    keys = [key for key in literal if key in fields or guard.is_file_key(key)]
    if not keys:
        return None
    with pause.lifted():
        return _file_inputs(literal, keys, guard.FILE_ITEM_KEYS)


def _file_inputs(literal: dict[str, Any], keys: list[str], item_keys: frozenset[str]) -> Result | None:
    for key in keys:
        value = literal[key]
        folder = key.lower() in ("folder", "directory")
        if isinstance(value, str):
            problem = file_problem(value, folder)
            if problem:
                return Result.failure(ErrorCode.FILE_NOT_FOUND, f"input {key!r}: {problem}")
        elif isinstance(value, list) and value:
            paths = [_item_path(item, item_keys) for item in value]
            problems = [file_problem(p, folder) if p is not None else None for p in paths]
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


def file_problem(value: str, folder: bool = False) -> str | None:
    """Why the file (or folder) ``value`` cannot be used, or None.

    A file is really opened (non-blocking, and only when it is a regular file: see
    :func:`~wwiseflowd.watch.fileio.open_regular`), so whatever would stop the node from reading it
    (permissions, a pipe or socket named like a WAV, a dangling link) is found here, for root too.
    """
    path = Path(value).expanduser()
    try:
        is_dir = stat.S_ISDIR(os.stat(path).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return f"{value} does not exist; check the path (was it moved or renamed?)"
    except OSError as exc:  # e.g. a folder on the way that cannot be entered
        return f"{value} cannot be read ({exc.strerror or exc}); fix the permissions of its folder"
    if folder:
        return None if is_dir and os.access(path, os.R_OK | os.X_OK) else (
            f"{value} is not a folder that can be read; check the path and its permissions")
    if is_dir:
        return f"{value} is a folder, not a file"
    try:
        open_regular(path).close()
    except NotRegularFile as exc:
        return f"{exc}; point the node at a real file"
    except PermissionError:
        return f"{value} cannot be read (permission denied); fix its permissions"
    except OSError as exc:
        return f"{value} cannot be read ({exc.strerror or exc})"
    return None
