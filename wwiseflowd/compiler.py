"""The workflow compiler: a React Flow document in, a Plan out (pure, no I/O).

Parse, check node types, wire references and edges (``$from``, ``$input``, handles, auto-wiring),
order the steps topologically (ties by document order), detect cycles, validate each node's literal
inputs against its pydantic model. Every problem is collected and reported at once as
``data.errors = [{"nodeId", "field", "code", "message"}]``. Values that come from references are
validated when the runner resolves them.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

# the reference syntax lives with the document format; re-exported here for the compiler's callers
from wwiseflowd.documents import MAX_NESTING, Ref, iter_refs, nesting_depth, parse_ref
from wwiseflowd.gc_pause import gc_paused
from wwiseflowd.jsontext import canonical_json
from wwiseflowd.ready_queue import ReadyQueue, cycles
from wwiseflowd.registry import NodeSpec, Registry
from wwiseflowd.results import ErrorCode, Result
from wwiseflowd.wiring import Wiring, inputs_model, same_cycle
from wwiseflowd.wiring import names as _names

_T = TypeVar("_T")
DEFAULT_WORKFLOW_ID = "workflow"
_NO_FIELDS: tuple[str, ...] = ()  # shared by the many nodes without references
#: JSON types a declared workflow input may have (``{"inputs": {"file": {"type": "string"}}}``)
INPUT_TYPES = ("string", "number", "integer", "boolean", "array", "object")


@dataclass(slots=True)
class PlanStep:
    """One node of a plan: its data (references kept as strings), dependencies and level.

    A plain dataclass (pydantic validates it inside :class:`Plan`): plans of 10,000 steps are
    built in the compiler's hot path.
    """

    nodeId: str
    type: str
    data: dict[str, Any]
    deps: list[str]
    level: int


class Plan(BaseModel):
    """A compiled workflow: steps in execution order. ``hash`` identifies it for caching."""

    workflowId: str
    name: str | None = None
    hash: str
    inputs: dict[str, dict[str, Any]] | None = None
    steps: list[PlanStep]


#: steps whose canonical JSON is hashed at a time (a few tens of KB: see plan_hash)
_HASH_CHUNK = 256


def plan_hash(workflow_id: str, inputs: dict[str, Any] | None, steps: list[PlanStep]) -> str:
    """sha256 over the workflow id, the declared inputs and every step's fields, in plan order:
    of the canonical JSON of ``[workflow_id, inputs, [[nodeId, type, data, deps, level], ...]]``.

    The text is hashed a chunk of steps at a time rather than made whole: 10,000 steps make a
    2 MB string and its 2 MB encoding, which the allocator maps fresh and unmaps at every compile
    (a thousand page faults per compile); the hash is the same."""
    digest = hashlib.sha256(f"[{canonical_json(workflow_id)},{canonical_json(inputs)},[".encode())
    for start in range(0, len(steps), _HASH_CHUNK):
        chunk = [[s.nodeId, s.type, s.data, s.deps, s.level] for s in steps[start:start + _HASH_CHUNK]]
        text = canonical_json(chunk)[1:-1]  # the items, without the chunk's own brackets
        digest.update(f",{text}".encode() if start else text.encode())
    digest.update(b"]]")
    return digest.hexdigest()


@dataclass
class CompileError:
    """One problem, reported with the node it concerns and the field (None for the whole node)."""

    code: ErrorCode
    message: str
    node_id: str | None = None
    field: str | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The ``data.errors[]`` item."""
        return {
            "nodeId": self.node_id,
            "field": self.field,
            "code": str(self.code),
            "message": self.message,
            **self.extra,
        }


@dataclass(slots=True)
class _Node:
    index: int
    id: str
    type: str
    data: dict[str, Any]
    spec: NodeSpec | None
    ref_fields: Sequence[str]  # inputs whose value holds a reference
    preds: list[str] = dataclasses.field(default_factory=list)  # edge sources, in edge order, no duplicates
    succs: Sequence[str] = ()  # set by _link_succs, when needed (most compiles never need them)
    own_data: bool = False  # data is the document's dict until wiring writes to it
    problems: list[Any] | None = None  # pydantic errors of the literal inputs, None when valid
    pos: int = 0  # position in the compiler's node dict (document order of the valid nodes)
    pred_pos: list[int] = dataclasses.field(default_factory=list)  # preds as positions, same order

    def set(self, field_name: str, value: Any) -> None:
        """Set one input, copying the document's data first (the caller's document is never changed)."""
        if not self.own_data:
            self.data = dict(self.data)
            self.own_data = True
        self.data[field_name] = value
        if field_name not in self.ref_fields and _has_ref(value):
            self.ref_fields = [*self.ref_fields, field_name]


class CompileFailed(Exception):
    """Raised by :func:`compile_plan`; ``errors`` lists every problem found."""

    def __init__(self, errors: list[CompileError]) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


def check_plan(raw: Mapping[str, Any], registry: Registry) -> Plan | Result:
    """A plan dict a previous compile returned, checked again (fields, hash, node types, order)."""
    try:
        plan = Plan.model_validate(raw)
    except ValidationError as exc:
        return Result.failure(ErrorCode.INVALID_INPUT,
                              f"This plan is not valid ({exc.error_count()} problem(s), first: "
                              f"{exc.errors()[0]['msg']}); compile the workflow again.")
    if plan_hash(plan.workflowId, plan.inputs, plan.steps) != plan.hash:
        return Result.failure(ErrorCode.INVALID_INPUT,
                              "The plan's hash does not match its steps (was it edited?); compile the "
                              "workflow again.")
    seen: set[str] = set()
    for step in plan.steps:
        if step.type not in registry.node_types:
            return Result.failure(ErrorCode.UNKNOWN_NODE_TYPE,
                                  f"Plan step {step.nodeId!r} has type {step.type!r}, which no loaded "
                                  f"plugin provides; see wwiseflowd plugins.")
        missing = [d for d in step.deps if d not in seen]
        if missing:
            return Result.failure(ErrorCode.INVALID_INPUT,
                                  f"Plan step {step.nodeId!r} depends on {missing[0]!r}, which does "
                                  f"not come before it; compile the workflow again.")
        seen.add(step.nodeId)
    return plan


def compile_workflow(document: Any, registry: Registry) -> Result:
    """Compile ``document``: ``Result(ok, data=plan dict)`` or ``Result(not ok, data={"errors"})``."""
    try:
        plan = compile_plan(document, registry)
    except CompileFailed as exc:
        return errors_result(exc.errors)
    return Result.success(plan.model_dump())


def errors_result(errors: list[CompileError]) -> Result:
    """The failed Result for compile errors: the first error's code, one sentence, all errors."""
    first = errors[0]
    more = f" (and {len(errors) - 1} more problem(s), listed in data.errors)" if len(errors) > 1 else ""
    return Result.failure(
        first.code, f"The workflow does not compile: {first.message}{more}",
        data={"errors": [e.as_dict() for e in errors]},
    )


def check_nesting(document: Any) -> None:
    """Raise :class:`CompileFailed` (INVALID_INPUT, naming the node) when ``document`` nests deeper
    than :data:`~wwiseflowd.documents.MAX_NESTING`: everything after this may recurse over it."""
    if nesting_depth(document) <= MAX_NESTING:
        return
    nodes = document.get("nodes") if isinstance(document, Mapping) else None
    culprit = next(
        (n for n in nodes or [] if isinstance(n, Mapping) and nesting_depth(n) > MAX_NESTING - 2), None
    )
    node_id = str(culprit.get("id")) if isinstance(culprit, Mapping) and culprit.get("id") else None
    where = f"the data of node {node_id!r}" if node_id else "the document"
    raise CompileFailed([CompileError(
        ErrorCode.INVALID_INPUT,
        f"{where.capitalize()} nests objects or arrays more than {MAX_NESTING} levels deep; flatten it "
        f"(the limit keeps every front door safe from documents built to exhaust the parser).",
        node_id, "data" if node_id else None,
    )])


def checked_plan(raw: Mapping[str, Any], registry: Registry) -> Plan | Result:
    """:func:`check_plan`, after the nesting check (it recurses over the steps' data)."""
    try:
        check_nesting(raw)
    except CompileFailed as exc:
        return errors_result(exc.errors)
    return check_plan(raw, registry)


def inputs_problem(inputs: Any) -> Result | None:
    """Why run ``inputs`` cannot be used (not an object, or nested too deep), or None."""
    if inputs is not None and not isinstance(inputs, Mapping):
        return Result.failure(ErrorCode.INVALID_INPUT, f"Workflow inputs must be an object of name -> "
                              f"value, got {type(inputs).__name__}.")
    return inputs_too_deep(inputs)


def inputs_too_deep(inputs: Mapping[str, Any] | None) -> Result | None:
    """INVALID_INPUT naming the input that nests deeper than
    :data:`~wwiseflowd.documents.MAX_NESTING` (the runner's reference resolution recurses over
    inputs, whichever front door passed them); None when every input is within the limit."""
    if not inputs or nesting_depth(inputs) <= MAX_NESTING:
        return None
    name = next((str(k) for k, v in inputs.items() if nesting_depth(v) > MAX_NESTING - 1), "inputs")
    return Result.failure(
        ErrorCode.INVALID_INPUT,
        f"The workflow input {name!r} nests objects or arrays more than {MAX_NESTING} levels deep; "
        f"flatten it (the limit keeps every front door safe from inputs built to exhaust the runner).",
        data={"errors": [CompileError(ErrorCode.INVALID_INPUT, f"nested more than {MAX_NESTING} levels deep",
                                      None, f"inputs.{name}").as_dict()]},
    )


def _str_or_none(value: Any) -> bool:
    return value is None or isinstance(value, str)


def compile_plan(document: Any, registry: Registry, *, nesting_checked: bool = False) -> Plan:
    """Compile ``document`` into a :class:`Plan`; raises :class:`CompileFailed` with all problems.

    ``nesting_checked``: the caller ran :func:`check_nesting` on this very document already."""
    if not nesting_checked:
        check_nesting(document)
    with gc_paused():
        return _Compiler(registry).compile(document)


class _Compiler:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.errors: list[CompileError] = []
        self._handle_edges: list[tuple[int, dict[str, Any]]] = []
        self._edge_cycles_found: dict[str, int] = {}
        #: each node's edge predecessors as sorted positions (dict order), and whether every edge
        #: points forward (then document order is the plan order and there is no cycle)
        self._edge_deps: list[list[int]] = []
        self._forward = True
        self._succs_linked = False

    def error(
        self, code: ErrorCode, message: str, node_id: str | None = None, field: str | None = None,
        **extra: Any,
    ) -> None:
        self.errors.append(CompileError(code, message, node_id, field, extra))

    # -- the pipeline -------------------------------------------------------------------------------

    def compile(self, document: Any) -> Plan:
        if not isinstance(document, Mapping):
            self.error(
                ErrorCode.INVALID_INPUT,
                f"A workflow document must be a JSON object with 'nodes' and 'edges', got "
                f"{type(document).__name__}.",
            )
            raise CompileFailed(self.errors)
        workflow_id = self._workflow_id(document)
        self._typed_fields(document)
        declared = self._declared_inputs(document.get("inputs"))
        nodes = self._nodes(document.get("nodes"))
        self._edges(document.get("edges", []), nodes)
        wiring = Wiring(self.error)
        wiring.handles(self._handle_edges, nodes)
        self._edge_deps, self._forward = _edge_positions(nodes)
        if not self._forward:
            self._link_succs(nodes)
        self._edge_cycles_found = {} if self._forward else _edge_cycles(nodes)
        wiring.auto(nodes, self._edge_cycles_found)
        ref_deps = self._check_refs(nodes, declared)
        steps = plan_order(nodes, ref_deps, self._edge_deps, self._forward, self.error)
        self._validate(nodes)
        if self.errors:
            raise CompileFailed(self.errors)
        name = document.get("name")
        # the compiler built every field itself: construct without re-validating 10,000 steps
        return Plan.model_construct(
            workflowId=workflow_id,
            name=name if isinstance(name, str) else None,
            hash=plan_hash(workflow_id, declared, steps),
            inputs=declared,
            steps=steps,
        )

    def _workflow_id(self, document: Mapping[str, Any]) -> str:
        value = document.get("id", DEFAULT_WORKFLOW_ID)
        if not isinstance(value, str) or not value.strip():
            self.error(
                ErrorCode.INVALID_INPUT,
                f"The workflow 'id' must be a non-empty string, got {value!r}.", field="id",
            )
            return DEFAULT_WORKFLOW_ID
        return value

    def _typed_fields(self, document: Mapping[str, Any]) -> None:
        """The document's fields whose type the published schema fixes and nothing below checks: a
        ``name`` that is not a string, ``inputs`` or ``edges`` given as null. Every front door refuses
        them here, as the REST API's OpenAPI models do (docs/workflows.md)."""
        name = document.get("name")
        if name is not None and not isinstance(name, str):
            self.error(ErrorCode.INVALID_INPUT, f"The workflow 'name' must be a string, got "
                       f"{type(name).__name__}.", field="name")
        for key, shape in (("inputs", "an object"), ("edges", "a list")):
            if key in document and document[key] is None:
                self.error(ErrorCode.INVALID_INPUT, f"The workflow '{key}' is null: leave it out, or make it "
                           f"{shape}.", field=key)

    def _edge_field_types(self, index: int, edge: Mapping[str, Any]) -> None:
        """An edge's ``id`` and handles are strings when present (the OpenAPI models say so)."""
        for key in ("id", "sourceHandle", "targetHandle"):
            value = edge.get(key)
            if not _str_or_none(value):
                self.error(ErrorCode.INVALID_INPUT, f"edges[{index}]: {key!r} must be a string, got "
                           f"{type(value).__name__}.", field=f"edges[{index}].{key}")

    def _declared_inputs(self, raw: Any) -> dict[str, dict[str, Any]] | None:
        if raw is None:
            return None
        if not isinstance(raw, Mapping):
            self.error(
                ErrorCode.INVALID_INPUT,
                "The workflow 'inputs' must be an object mapping input names to "
                '{"type": ..., "default": ...}.',
                field="inputs",
            )
            return None
        declared: dict[str, dict[str, Any]] = {}
        for name, spec in raw.items():
            spec = spec if spec is not None else {}
            if not isinstance(spec, Mapping):
                self.error(
                    ErrorCode.INVALID_INPUT,
                    f"Workflow input {name!r} must be declared as an object like "
                    '{"type": "string"}.',
                    field=f"inputs.{name}",
                )
                continue
            kind = spec.get("type")
            if kind is not None and kind not in INPUT_TYPES:
                self.error(
                    ErrorCode.INVALID_INPUT,
                    f"Workflow input {name!r} has type {kind!r}; use one of {', '.join(INPUT_TYPES)}.",
                    field=f"inputs.{name}.type",
                )
            declared[str(name)] = dict(spec)
        return declared

    def _nodes(self, raw: Any) -> dict[str, _Node]:
        if not isinstance(raw, list):
            self.error(
                ErrorCode.INVALID_INPUT,
                "The workflow has no 'nodes' list; add \"nodes\": [{\"id\": ..., \"type\": ..., "
                "\"data\": {...}}].",
                field="nodes",
            )
            return {}
        nodes: dict[str, _Node] = {}
        node_types = self.registry.node_types
        for index, item in enumerate(raw):
            where = f"nodes[{index}]"
            if not isinstance(item, dict):
                self.error(ErrorCode.INVALID_INPUT, f"{where} must be an object, got {type(item).__name__}.",
                           field=where)
                continue
            node_id = item.get("id")
            if not isinstance(node_id, str) or not node_id:
                self.error(ErrorCode.INVALID_INPUT, f"{where} has no 'id' (a non-empty string).",
                           field=f"{where}.id")
                continue
            if node_id in nodes:
                self.error(
                    ErrorCode.INVALID_INPUT,
                    f"Node id {node_id!r} is used by more than one node ({where} repeats it); "
                    f"node ids must be unique.",
                    node_id, "id",
                )
                continue
            node_type = item.get("type")
            spec = node_types.get(node_type) if isinstance(node_type, str) else None
            if not isinstance(node_type, str) or not node_type:
                self.error(ErrorCode.INVALID_INPUT, f"Node {node_id!r} has no 'type'.", node_id, "type")
                node_type = ""
            elif spec is None:
                close = difflib.get_close_matches(node_type, node_types, n=3)
                hint = f" Did you mean {', '.join(close)}?" if close else ""
                self.error(
                    ErrorCode.UNKNOWN_NODE_TYPE,
                    f"Node {node_id!r} has unknown type {node_type!r}.{hint} "
                    f"Run 'wwiseflowd nodes' for the available types.",
                    node_id, "type",
                )
            data = item.get("data", {})
            if not isinstance(data, dict):
                self.error(ErrorCode.INVALID_INPUT, f"Node {node_id!r}: 'data' must be an object.",
                           node_id, "data")
                data = {}
            # the one pass over the values: which inputs hold references (checked and resolved later)
            ref_fields = [k for k, v in data.items() if _may_hold_ref(v) and _has_ref(v)] or _NO_FIELDS
            made = nodes[node_id] = _Node(index, node_id, node_type, data, spec, ref_fields, pos=len(nodes))
            if spec is not None:
                # validate while the node's data is in the CPU cache; _validate sorts the findings
                # once wiring is known (a wired input's "missing" error is no error)
                made.problems = _literal_problems(spec, data, ref_fields)
        return nodes

    def _edges(self, raw: Any, nodes: dict[str, _Node]) -> None:
        """Link nodes to their edge sources (preds, duplicates dropped); report the bad edges.

        Successor lists are built later, only if something needs them (:meth:`_link_succs`):
        writing to a random source node per edge is most of this pass's time on a large graph."""
        if raw is None:
            return
        if not isinstance(raw, list):
            self.error(ErrorCode.INVALID_INPUT, "'edges' must be a list of {source, target} objects.",
                       field="edges")
            return
        for index, item in enumerate(raw):
            if not isinstance(item, dict):
                self.error(ErrorCode.INVALID_INPUT, f"edges[{index}] must be an object with source and "
                           "target.", field=f"edges[{index}]")
                continue
            source, target = item.get("source"), item.get("target")
            source_handle, target_handle = item.get("sourceHandle"), item.get("targetHandle")
            if not (_str_or_none(item.get("id")) and _str_or_none(source_handle)
                    and _str_or_none(target_handle)):
                self._edge_field_types(index, item)  # says which field
            if source_handle or target_handle:
                self._handle_edges.append((index, item))
            # the common case, kept cheap: once per edge (ids are strings: hashable)
            from_node = nodes.get(source) if isinstance(source, str) else None
            to_node = nodes.get(target) if isinstance(target, str) else None
            if from_node is not None and to_node is not None and from_node is not to_node:
                to_node.preds.append(from_node.id)
                to_node.pred_pos.append(from_node.pos)
                continue
            for code, message, node_id, field, extra in _edge_problems(index, item, nodes):
                self.error(code, message, node_id, field, **extra)
        for node in nodes.values():
            # a repeated edge counts once; per node, so no set of all edge pairs is ever built
            if len(node.preds) > 1:
                node.preds, node.pred_pos = _unique(node.preds), _unique(node.pred_pos)

    def _check_refs(
        self, nodes: dict[str, _Node], declared: dict[str, dict[str, Any]] | None
    ) -> dict[str, list[str]]:
        """Check every reference; return the dependencies ``$from`` references add, per node."""
        ref_deps: dict[str, list[str]] = {}
        for node in nodes.values():
            for field_name in node.ref_fields:
                for ref in iter_refs(node.data[field_name]):
                    if ref.kind == "input":
                        if not ref.target:
                            self.error(ErrorCode.INVALID_REFERENCE,
                                       f"Node {node.id!r}: '$input:' needs an input name.",
                                       node.id, field_name)
                        elif declared is not None and ref.target not in declared:
                            self.error(
                                ErrorCode.INVALID_REFERENCE,
                                f"Node {node.id!r}: input {field_name!r} refers to workflow input "
                                f"{ref.target!r}, which the workflow does not declare (declared: "
                                f"{_names(declared)}).",
                                node.id, field_name,
                            )
                        continue
                    self._check_from(node, field_name, ref, nodes, ref_deps)
        return ref_deps

    def _check_from(
        self, node: _Node, field_name: str, ref: Ref, nodes: dict[str, _Node],
        ref_deps: dict[str, list[str]],
    ) -> None:
        if not ref.output:
            self.error(
                ErrorCode.INVALID_REFERENCE,
                f"Node {node.id!r}: input {field_name!r} is not a valid reference; write "
                f"\"$from:<nodeId>:$output:<field>\".",
                node.id, field_name,
            )
            return
        source = nodes.get(ref.target)
        if source is None:
            self.error(
                ErrorCode.INVALID_REFERENCE,
                f"Node {node.id!r}: input {field_name!r} refers to node {ref.target!r}, which is not "
                f"in this workflow.",
                node.id, field_name,
            )
            return
        if source is node:
            self.error(ErrorCode.INVALID_REFERENCE,
                       f"Node {node.id!r}: input {field_name!r} refers to the node's own output.",
                       node.id, field_name)
            return
        if source.spec is not None and ref.output not in source.spec.outputs:
            self.error(
                ErrorCode.INVALID_REFERENCE,
                f"Node {node.id!r}: input {field_name!r} refers to output {ref.output!r} of node "
                f"{source.id!r} ({source.type}), which has outputs {_names(source.spec.outputs)}.",
                node.id, field_name,
            )
            return
        if same_cycle(self._edge_cycles_found, node.id, source.id):
            return  # the edges already form a cycle, which is the error reported
        if self._reaches(node.id, source.id, nodes):
            self.error(
                ErrorCode.INVALID_REFERENCE,
                f"Node {node.id!r}: input {field_name!r} refers to node {source.id!r}, which runs "
                f"after it (downstream along the edges); a node can only use outputs of nodes "
                f"before it.",
                node.id, field_name,
            )
            return
        deps = ref_deps.setdefault(node.id, [])
        if source.id not in deps:
            deps.append(source.id)

    def _link_succs(self, nodes: dict[str, _Node]) -> None:
        """Fill every node's ``succs`` from the ``preds`` (once per compile)."""
        if self._succs_linked:
            return
        self._succs_linked = True
        succs: dict[str, list[str]] = {node_id: [] for node_id in nodes}
        for node in nodes.values():
            for source in node.preds:
                succs[source].append(node.id)
        for node_id, mine in succs.items():
            nodes[node_id].succs = mine

    def _reaches(self, start: str, goal: str, nodes: dict[str, _Node]) -> bool:
        """True when ``goal`` is downstream of ``start`` along edges (iterative DFS)."""
        self._link_succs(nodes)
        if not nodes[start].succs:
            return False
        seen = {start}
        stack = [start]
        while stack:
            for nxt in nodes[stack.pop()].succs:
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return False

    # -- ordering -----------------------------------------------------------------------------------

    # -- validation ---------------------------------------------------------------------------------

    def _validate(self, nodes: dict[str, _Node]) -> None:
        """Report the literal inputs' problems (found in _nodes) now that wiring is known."""
        flagged = {(e.node_id, e.field) for e in self.errors if e.node_id is not None}
        for node in nodes.values():
            if not node.problems:
                continue
            deferred = node.ref_fields
            for err in node.problems:
                loc = err["loc"]
                if deferred and (not loc or loc[0] in deferred):
                    continue  # references and wired inputs are judged after resolution
                if loc and (node.id, loc[0]) in flagged:
                    continue  # one problem per field: wiring already reported this one
                if not loc and any(flagged_id == node.id for flagged_id, _ in flagged):
                    continue  # a whole-node problem (a mode half set) follows from that wiring error
                field_name = ".".join(str(p) for p in loc) or None
                if err["type"] == "missing":
                    message = (
                        f"Node {node.id!r} ({node.type}): required input {field_name!r} is "
                        f"missing; set it, reference another node's output, or connect an edge "
                        f"from a node that outputs {field_name!r}."
                    )
                else:
                    message = (
                        f"Node {node.id!r} ({node.type}): input {field_name or '(node)'!r}: "
                        f"{err['msg']} (got {_short(err.get('input'))})."
                    )
                self.error(ErrorCode.INVALID_INPUT, message, node.id, field_name)


def plan_order(
    nodes: dict[str, _Node], ref_deps: dict[str, list[str]], edge_deps: list[list[int]], forward: bool,
    error: Any,
) -> list[PlanStep]:
    """The plan's steps: Kahn's algorithm with ties by document position (the runner's
    :class:`ReadyQueue`, one at a time); steps that never become ready sit on or behind cycles,
    reported through ``error``.

    ``edge_deps`` are each node's edge predecessors as sorted positions; ``forward`` says they all
    point back in document order. Then (most documents) that order is what Kahn's algorithm would
    give, and the steps are taken as they are, unless a reference adds a dependency forward.
    Works on integer positions (dict order is document order) because it runs over every edge.
    """
    ids = list(nodes)
    dep_pos = edge_deps
    if ref_deps:
        pos = {node_id: k for k, node_id in enumerate(ids)}
        dep_pos = list(dep_pos)
        for node_id, extra in ref_deps.items():
            k = pos[node_id]
            added = [pos[d] for d in extra if pos[d] not in dep_pos[k]]
            if added:
                dep_pos[k] = sorted([*dep_pos[k], *added])  # edge order must not change the plan
                forward = forward and max(added) < k
    level = [0] * len(ids)
    if forward:
        order: Sequence[int] = range(len(ids))
        for k, mine in enumerate(dep_pos):
            if mine:
                level[k] = max([level[d] for d in mine]) + 1
    else:
        order = _kahn(ids, dep_pos, level, nodes, error)
    node_list = list(nodes.values())
    return [
        PlanStep(ids[k], node_list[k].type, node_list[k].data, [ids[d] for d in dep_pos[k]], level[k])
        for k in order
    ]


def _kahn(
    ids: list[str], dep_pos: list[list[int]], level: list[int], nodes: dict[str, _Node], error: Any
) -> list[int]:
    """Kahn's order over positions (filling ``level``); reports the cycles it cannot order."""
    queue = ReadyQueue(dep_pos)
    queue.prepare()
    order: list[int] = []
    while (k := queue.take()) is not None:
        order.append(k)
        if dep_pos[k]:
            level[k] = max(level[d] for d in dep_pos[k]) + 1
        queue.done(k)
    if len(order) < len(ids):
        succs = {ids[k]: [ids[j] for j in queue.successors(k)] for k in range(len(ids))}
        for component in cycles([ids[k] for k in queue.never_ready()], succs):
            component.sort(key=lambda n: nodes[n].index)
            path = " -> ".join([*component, component[0]])
            error(
                ErrorCode.CYCLE_DETECTED,
                f"Nodes {', '.join(repr(c) for c in component)} form a cycle ({path}); "
                f"remove one of the edges or references between them.",
                component[0], None, nodes=component,
            )
    return order


def _unique(items: list[_T]) -> list[_T]:
    """``items`` without repeats, in order (most lists hold one or two distinct items)."""
    if len(items) < 2 or (len(items) == 2 and items[0] != items[1]):
        return items
    return list(dict.fromkeys(items))


def _edge_positions(nodes: dict[str, _Node]) -> tuple[list[list[int]], bool]:
    """Each node's edge predecessors as sorted positions, and True when all point backwards."""
    deps: list[list[int]] = []
    forward = True
    for k, node in enumerate(nodes.values()):
        if not node.pred_pos:
            deps.append([])
            continue
        mine = sorted(node.pred_pos)  # a copy; edge order must not change the plan
        if mine[-1] >= k:
            forward = False
        deps.append(mine)
    return deps, forward


def _edge_cycles(nodes: dict[str, _Node]) -> dict[str, int]:
    """Node id -> cycle number, for nodes on a cycle of edges; empty (and cheap) for a DAG."""
    remaining = {node_id: len(node.preds) for node_id, node in nodes.items()}
    ready = [node_id for node_id, count in remaining.items() if count == 0]
    while ready:
        for nxt in nodes[ready.pop()].succs:
            remaining[nxt] -= 1
            if remaining[nxt] == 0:
                ready.append(nxt)
    stuck = [node_id for node_id, count in remaining.items() if count > 0]
    if not stuck:
        return {}
    succs = {node_id: nodes[node_id].succs for node_id in stuck}
    return {member: number for number, component in enumerate(cycles(stuck, succs)) for member in component}


def _edge_problems(
    index: int, item: dict[str, Any], nodes: dict[str, _Node]
) -> Iterator[tuple[ErrorCode, str, str | None, str, dict[str, Any]]]:
    """Why edge ``index`` links nothing: an end that is not a node, or a node linked to itself."""
    source, target = item.get("source"), item.get("target")
    where = f"edges[{index}]"
    name = item.get("id", where)
    bad = False
    for end, value in (("source", source), ("target", target)):
        if not isinstance(value, str) or value not in nodes:
            other = target if end == "source" else source
            yield (ErrorCode.INVALID_REFERENCE,
                   f"Edge {name!r} has {end} {value!r}, which is not a node of this workflow.",
                   other if isinstance(other, str) and other in nodes else None, f"{where}.{end}", {})
            bad = True
    if not bad and source == target:
        yield (ErrorCode.CYCLE_DETECTED, f"Edge {name!r} connects node {source!r} to itself (a cycle).",
               str(source), f"{where}.target", {"nodes": [source]})


def _literal_problems(spec: NodeSpec, data: dict[str, Any], ref_fields: Sequence[str]) -> list[Any] | None:  # noqa: E501
    """Pydantic's errors for the inputs that hold no reference (those are judged at run time)."""
    literal = {k: v for k, v in data.items() if k not in ref_fields} if ref_fields else data
    try:
        # model_validate's own call without its Python wrapper: this runs once per node
        inputs_model(spec).__pydantic_validator__.validate_python(literal)
    except ValidationError as exc:
        return list(exc.errors())
    return None


def _may_hold_ref(value: Any) -> bool:
    """Cheap pre-check: only ``$`` strings and containers can hold references."""
    return isinstance(value, list | dict) or (isinstance(value, str) and value.startswith("$"))


def _has_ref(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("$") and parse_ref(value) is not None
    if isinstance(value, list | dict):
        return next(iter_refs(value), None) is not None
    return False


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
