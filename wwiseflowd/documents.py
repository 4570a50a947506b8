"""The workflow document format's one home: reading a file, the id default, declared inputs and
the reference syntax.

A workflow document is JSON ``{id?, name?, inputs?, nodes: [...], edges: [...]}`` (React Flow
shape). Every front door and the daemon's workflow library read files through
:func:`read_workflow_file`, so the size limit and the id default (the file name) are the same
everywhere. Declared inputs are :class:`InputSpec` (:func:`declared_inputs`,
:func:`check_inputs`). References (``$from:<node>:$output:<field>``, ``$input:<name>``) are
parsed by :func:`parse_ref` and resolved by the pure function :func:`resolve_refs`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from wwiseflowd.results import ErrorCode, Result

#: a workflow file larger than this is refused unread (a workflow is a few kB)
MAX_FILE_BYTES = 5 * 1024 * 1024
#: how deeply a workflow document (or any REST body) may nest objects and arrays; deeper documents
#: are refused with INVALID_INPUT before anything recursive (JSON parsing, validation) touches them
MAX_NESTING = 64
#: a declared input with this ``format`` holds a file path
PATH_FORMAT = "path"
FROM_PREFIX = "$from:"
OUTPUT_MARK = ":$output:"
INPUT_PREFIX = "$input:"
#: the Python types of each JSON type a declared input may have
JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}

InputType = Literal["string", "number", "integer", "boolean", "array", "object"]


class InputSpec(BaseModel):
    """One declared workflow input: ``{"type": "array", "format": "path", "default": [...]}``."""

    model_config = ConfigDict(extra="allow")

    type: InputType | None = None
    format: str | None = None
    required: bool = True
    description: str | None = None

    @property
    def has_default(self) -> bool:
        """True when the document gives a default (which may be ``null``)."""
        return "default" in (self.model_extra or {}) or "default" in self.model_fields_set

    @property
    def default(self) -> Any:
        """The declared default (None when there is none; see :attr:`has_default`)."""
        return (self.model_extra or {}).get("default")


def declared_inputs(document: Any) -> dict[str, InputSpec]:
    """The document's declared inputs as models; malformed entries are skipped (the compiler reports
    them)."""
    raw = document.get("inputs") if isinstance(document, Mapping) else None
    if not isinstance(raw, Mapping):
        return {}
    specs: dict[str, InputSpec] = {}
    for name, spec in raw.items():
        if isinstance(spec, Mapping):
            try:
                specs[str(name)] = InputSpec.model_validate(dict(spec))
            except ValueError:
                continue
    return specs


def check_inputs(declared: Mapping[str, Mapping[str, Any]] | None, inputs: dict[str, Any]) -> list[str]:
    """Apply declared defaults to ``inputs`` (in place); every missing, unknown or mistyped input
    as a phrase (``input 'n' is required``). Nothing is checked when nothing is declared."""
    if declared is None:
        return []
    problems = []
    for name, raw in declared.items():
        try:
            spec = InputSpec.model_validate(dict(raw))
        except ValueError:  # the compiler reported it; judge what can be judged
            spec = InputSpec.model_construct(**dict(raw))
        if name not in inputs:
            if spec.has_default:
                inputs[name] = spec.default
            elif spec.required:
                problems.append(f"input {name!r} is required")
            continue
        value = inputs[name]
        kinds = JSON_TYPES.get(spec.type or "")
        if kinds and (not isinstance(value, kinds) or (spec.type != "boolean" and isinstance(value, bool))):
            problems.append(f"input {name!r} must be of type {spec.type}, got {type(value).__name__}")
    problems += [
        f"input {name!r} is not declared (declared: {', '.join(declared) or 'none'})"
        for name in inputs
        if name not in declared
    ]
    return problems


# -- references ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """A reference found in a node's data: ``$from:<node>:$output:<field>`` or ``$input:<name>``."""

    kind: str  # "from" or "input"
    target: str  # node id for "from", input name for "input"
    output: str = ""


def parse_ref(value: Any) -> Ref | None:
    """The reference ``value`` spells, or None when it is a plain value."""
    if not isinstance(value, str) or not value.startswith("$"):
        return None
    if value.startswith(FROM_PREFIX):
        node, sep, output = value[len(FROM_PREFIX) :].rpartition(OUTPUT_MARK)
        if sep:
            return Ref("from", node, output)
        return Ref("from", value[len(FROM_PREFIX) :], "")  # malformed: reported by the compiler
    if value.startswith(INPUT_PREFIX):
        return Ref("input", value[len(INPUT_PREFIX) :])
    return None


def iter_refs(value: Any) -> Iterator[Ref]:
    """Every reference inside ``value`` (strings, lists and dicts, recursively)."""
    if isinstance(value, str):
        ref = parse_ref(value)
        if ref is not None:
            yield ref
    elif isinstance(value, list):
        for item in value:
            yield from iter_refs(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from iter_refs(item)


def from_ref(node_id: str, output: str) -> str:
    """The reference string for output ``output`` of node ``node_id``."""
    return f"{FROM_PREFIX}{node_id}{OUTPUT_MARK}{output}"


class ReferenceProblem(Exception):
    """A reference that cannot be resolved: ``code`` (an ErrorCode) and a sentence."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def resolve_refs(
    value: Any, inputs: Mapping[str, Any], outputs: Mapping[str, Any], node_id: str, key: str
) -> Any:
    """``value`` with every reference replaced: ``$input:`` from ``inputs``, ``$from:`` from the
    ``outputs`` of nodes that ran. Raises :class:`ReferenceProblem` naming node and input key."""
    if isinstance(value, str):
        ref = parse_ref(value) if value.startswith("$") else None
        return value if ref is None else _resolved(ref, inputs, outputs, node_id, key)
    if isinstance(value, list):
        return [resolve_refs(item, inputs, outputs, node_id, key) for item in value]
    if isinstance(value, dict):
        return {k: resolve_refs(v, inputs, outputs, node_id, key) for k, v in value.items()}
    return value


def _resolved(ref: Ref, inputs: Mapping[str, Any], outputs: Mapping[str, Any], node_id: str, key: str) -> Any:
    if ref.kind == "input":
        if ref.target not in inputs:
            raise ReferenceProblem(
                ErrorCode.INVALID_INPUT,
                f"Node {node_id!r}: input {key!r} needs workflow input {ref.target!r}, which was not "
                f"given; pass it (CLI: --input {ref.target}=..., REST: \"inputs\").",
            )
        return inputs[ref.target]
    if ref.target not in outputs:
        raise ReferenceProblem(
            ErrorCode.INVALID_REFERENCE,
            f"Node {node_id!r}: input {key!r} refers to node {ref.target!r}, which has not run; is the "
            f"plan out of date?",
        )
    output = outputs[ref.target]
    if not isinstance(output, Mapping) or ref.output not in output:
        keys = ", ".join(map(str, output)) if isinstance(output, Mapping) else "nothing"
        raise ReferenceProblem(
            ErrorCode.INVALID_REFERENCE,
            f"Node {node_id!r}: input {key!r} wants output {ref.output!r} of node {ref.target!r}, which "
            f"returned {keys}.",
        )
    return output[ref.output]


def workflow_id(path: Path, document: Mapping[str, Any] | None) -> str:
    """A file's workflow id: its document's ``id``, else the file name stem."""
    if document is not None and isinstance(document.get("id"), str) and document["id"]:
        return str(document["id"])
    return path.stem


def read_workflow_file(path: Path) -> Result:
    """The workflow document in ``path`` (``id`` defaults to the file name) or a failed Result.

    Codes: FILE_NOT_FOUND (missing or unreadable), PAYLOAD_TOO_LARGE (over :data:`MAX_FILE_BYTES`),
    INVALID_INPUT (not JSON, or not a JSON object).
    """
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return Result.failure(
                ErrorCode.PAYLOAD_TOO_LARGE,
                f"Workflow file {path} is {size} bytes, more than {MAX_FILE_BYTES}; is it a workflow?",
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Result.failure(ErrorCode.FILE_NOT_FOUND, f"Workflow file {path} does not exist.")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return Result.failure(ErrorCode.FILE_NOT_FOUND, f"Cannot read workflow file {path}: {reason}.")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        return Result.failure(
            ErrorCode.INVALID_INPUT,
            f"Workflow file {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            f"fix it and save again.",
        )
    if not isinstance(document, dict):
        return Result.failure(
            ErrorCode.INVALID_INPUT,
            f"Workflow file {path} holds a JSON {type(document).__name__}, not a workflow object.",
        )
    if document.get("id") in (None, ""):
        document["id"] = path.stem
    return Result.success(document)


def find_workflow(ref: str, workflows_dir: Path, shipped: Mapping[str, Path]) -> Path | None:
    """The file of workflow ``ref``: a path to an existing file, else the workflow with that id.

    Ids are looked up in the workflows directory first (a file there replaces a shipped workflow of
    the same id), then among ``shipped`` (the built-in ``auto-import`` and plugins' workflows).
    """
    given = Path(ref).expanduser()
    if given.is_file():
        return given
    if workflows_dir.is_dir():
        for path in sorted(workflows_dir.glob("*.json")):
            read = read_workflow_file(path)
            if workflow_id(path, read.data if read.ok else None) == ref:
                return path
    return shipped.get(ref)


def file_problem(result: Result) -> dict[str, Any]:
    """A failed read as one compile-style problem ``{nodeId, field, code, message}``."""
    return {"nodeId": None, "field": None, "code": result.code, "message": result.error}


__all__ = [
    "FROM_PREFIX",
    "INPUT_PREFIX",
    "MAX_FILE_BYTES",
    "OUTPUT_MARK",
    "PATH_FORMAT",
    "InputSpec",
    "Ref",
    "ReferenceProblem",
    "check_inputs",
    "declared_inputs",
    "from_ref",
    "iter_refs",
    "parse_ref",
    "resolve_refs",
    "file_problem",
    "find_workflow",
    "read_workflow_file",
    "workflow_id",
]


#: types that never hold anything: the nesting walk skips them without an isinstance check
_LEAVES = frozenset({str, int, float, bool, type(None)})


def nesting_depth(value: Any, limit: int = MAX_NESTING) -> int:
    """How deeply ``value`` nests dicts and lists, counted without recursion; stops past ``limit``.

    Walks one level at a time and keeps only the containers of the next level: a 10,000-node
    document has about 250,000 values, and this runs before every compile.
    """
    level = [value]
    depth = 0
    leaves = _LEAVES
    while level:
        below: list[Any] = []
        push = below.append
        found = False
        for item in level:
            kind = type(item)
            if kind is dict or (kind is not list and isinstance(item, Mapping)):
                children: Any = item.values()
            elif kind is list or isinstance(item, list | tuple):
                children = item
            else:
                continue
            found = True
            for child in children:  # a plain loop: most containers hold a few values
                if type(child) not in leaves:
                    push(child)
        if not found:
            break
        depth += 1
        if depth > limit:
            return depth
        level = below
    return depth
