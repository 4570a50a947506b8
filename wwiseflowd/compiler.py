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
import gc
import hashlib
import heapq
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from wwiseflowd.registry import NodeSpec, Registry
from wwiseflowd.results import ErrorCode, Result

FROM_PREFIX = "$from:"
OUTPUT_MARK = ":$output:"
INPUT_PREFIX = "$input:"
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


def plan_hash(workflow_id: str, inputs: dict[str, Any] | None, steps: list[PlanStep]) -> str:
    """sha256 over the workflow id, the declared inputs and every step's fields, in plan order."""
    body = [workflow_id, inputs, [[s.nodeId, s.type, s.data, s.deps, s.level] for s in steps]]
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


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


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_json(value: Any) -> str:
    """Deterministic JSON (sorted keys, no spaces): the input of every hash."""
    return _CANONICAL.encode(value)


def inputs_model(spec: NodeSpec) -> type[BaseModel]:
    """The node type's input model."""
    return spec.inputs


def is_empty(value: Any) -> bool:
    """True for values auto-wiring may fill: absent, null or the empty string."""
    return value is None or value == ""


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
    succs: list[str] = dataclasses.field(default_factory=list)
    own_data: bool = False  # data is the document's dict until wiring writes to it
    problems: list[Any] | None = None  # pydantic errors of the literal inputs, None when valid

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


def compile_plan(document: Any, registry: Registry) -> Plan:
    """Compile ``document`` into a :class:`Plan`; raises :class:`CompileFailed` with all problems."""
    # the compiler allocates many small acyclic objects; full GC passes over them made it quadratic
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _Compiler(registry).compile(document)
    finally:
        if was_enabled:
            gc.enable()


class _Compiler:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.errors: list[CompileError] = []
        self._required_cache: dict[str, tuple[str, ...]] = {}
        self._handle_edges: list[tuple[int, dict[str, Any]]] = []
        self._edge_cycles_found: dict[str, int] = {}

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
        declared = self._declared_inputs(document.get("inputs"))
        nodes = self._nodes(document.get("nodes"))
        self._edges(document.get("edges", []), nodes)
        wired: set[tuple[str, str]] = set()  # (node id, input) filled by a handle or auto-wiring
        self._wire_handles(nodes, wired)
        self._auto_wire(nodes, wired)
        ref_deps = self._check_refs(nodes, declared)
        steps = self._order(nodes, ref_deps)
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
            if data is None:
                data = {}
            if not isinstance(data, dict):
                self.error(ErrorCode.INVALID_INPUT, f"Node {node_id!r}: 'data' must be an object.",
                           node_id, "data")
                data = {}
            # the one pass over the values: which inputs hold references (checked and resolved later)
            ref_fields = [k for k, v in data.items() if _may_hold_ref(v) and _has_ref(v)] or _NO_FIELDS
            made = nodes[node_id] = _Node(index, node_id, node_type, data, spec, ref_fields)
            if spec is not None:
                # validate while the node's data is in the CPU cache; _validate sorts the findings
                # once wiring is known (a wired input's "missing" error is no error)
                made.problems = _literal_problems(spec, data, ref_fields)
        return nodes

    def _edges(self, raw: Any, nodes: dict[str, _Node]) -> None:
        """Link nodes along valid edges (preds/succs, duplicates dropped); report the bad ones."""
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
            if item.get("sourceHandle") or item.get("targetHandle"):
                self._handle_edges.append((index, item))
            if (isinstance(source, str) and isinstance(target, str) and source in nodes
                    and target in nodes and source != target):
                nodes[source].succs.append(target)  # the common case, kept cheap: once per edge
                nodes[target].preds.append(source)
                continue
            where = f"edges[{index}]"
            bad = False
            for end, value in (("source", source), ("target", target)):
                if not isinstance(value, str) or value not in nodes:
                    other = target if end == "source" else source
                    self.error(
                        ErrorCode.INVALID_REFERENCE,
                        f"Edge {item.get('id', where)!r} has {end} {value!r}, which is not a node of "
                        f"this workflow.",
                        other if isinstance(other, str) and other in nodes else None,
                        f"{where}.{end}",
                    )
                    bad = True
            if bad:
                continue
            assert isinstance(source, str) and isinstance(target, str)
            if source == target:
                self.error(
                    ErrorCode.CYCLE_DETECTED,
                    f"Edge {item.get('id', where)!r} connects node {source!r} to itself (a cycle).",
                    source, f"{where}.target", nodes=[source],
                )
                continue
        for node in nodes.values():
            # a repeated edge counts once; per node, so no set of all edge pairs is ever built
            if len(node.preds) > 1:
                node.preds = list(dict.fromkeys(node.preds))
            if len(node.succs) > 1:
                node.succs = list(dict.fromkeys(node.succs))

    # -- wiring -------------------------------------------------------------------------------------

    def _wire_handles(self, nodes: dict[str, _Node], wired: set[tuple[str, str]]) -> None:
        """Edges with sourceHandle/targetHandle wire that output into that input."""
        for index, item in self._handle_edges:
            out_handle, in_handle = item.get("sourceHandle"), item.get("targetHandle")
            if not out_handle and not in_handle:
                continue
            source_id, target_id = item.get("source"), item.get("target")
            source = nodes.get(source_id) if isinstance(source_id, str) else None
            target = nodes.get(target_id) if isinstance(target_id, str) else None
            if source is None or target is None or source is target:
                continue
            output = str(out_handle or in_handle)
            field_name = str(in_handle or out_handle)
            where = f"edges[{index}]"
            ok = True
            if source.spec is not None and output not in source.spec.outputs:
                self.error(
                    ErrorCode.INVALID_REFERENCE,
                    f"Edge {item.get('id', where)!r}: node {source.id!r} ({source.type}) has no output "
                    f"{output!r}; its outputs are {_names(source.spec.outputs)}.",
                    target.id, f"{where}.sourceHandle",
                )
                ok = False
            if target.spec is not None and field_name not in inputs_model(target.spec).model_fields:
                self.error(
                    ErrorCode.INVALID_REFERENCE,
                    f"Edge {item.get('id', where)!r}: node {target.id!r} ({target.type}) has no input "
                    f"{field_name!r}; its inputs are {_names(inputs_model(target.spec).model_fields)}.",
                    target.id, f"{where}.targetHandle",
                )
                ok = False
            if not ok:
                continue
            ref = from_ref(source.id, output)
            current = target.data.get(field_name)
            if (target.id, field_name) in wired and current != ref:
                self.error(
                    ErrorCode.AMBIGUOUS_WIRING,
                    f"Node {target.id!r}: input {field_name!r} is wired from more than one edge "
                    f"({current} and {ref}); keep one.",
                    target.id, field_name,
                )
            elif not is_empty(current) and current != ref:
                self.error(
                    ErrorCode.AMBIGUOUS_WIRING,
                    f"Node {target.id!r}: input {field_name!r} has a value ({current!r}) and is also "
                    f"wired from {source.id!r}.{output}; remove one of them.",
                    target.id, field_name,
                )
            else:
                target.set(field_name, ref)
                wired.add((target.id, field_name))

    def _auto_wire(self, nodes: dict[str, _Node], wired: set[tuple[str, str]]) -> None:
        """On an edge A->B, a required input of B left empty takes A's output of the same name.

        Required means required by the input model, or by the mode the node's other inputs chose
        (:attr:`NodeSpec.modes`). An edge that closes a cycle wires nothing: the cycle is the error.
        """
        cyclic = self._edge_cycles_found = self._edge_cycles(nodes)
        for node in nodes.values():
            if node.spec is None or not node.preds:
                continue
            for field_name in (*self._required(node.spec), *_mode_required(node.spec, node.data)):
                if not is_empty(node.data.get(field_name)):
                    continue
                sources = [
                    src for src in sorted(node.preds, key=lambda d: nodes[d].index)
                    if nodes[src].spec is not None and field_name in nodes[src].spec.outputs  # type: ignore[union-attr]
                    and not _same_cycle(cyclic, src, node.id)
                ]
                if len(sources) == 1:
                    node.set(field_name, from_ref(sources[0], field_name))
                    wired.add((node.id, field_name))
                elif len(sources) > 1:
                    self.error(
                        ErrorCode.AMBIGUOUS_WIRING,
                        f"Node {node.id!r}: input {field_name!r} could come from any of "
                        f"{', '.join(repr(s) for s in sources)}; set it explicitly, e.g. "
                        f"\"{from_ref(sources[0], field_name)}\".",
                        node.id, field_name, candidates=sources,
                    )

    def _edge_cycles(self, nodes: dict[str, _Node]) -> dict[str, int]:
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
        return {
            member: number
            for number, component in enumerate(_cycles(stuck, succs))
            for member in component
        }

    def _required(self, spec: NodeSpec) -> tuple[str, ...]:
        required = self._required_cache.get(spec.type)
        if required is None:
            fields = inputs_model(spec).model_fields
            required = tuple(name for name, info in fields.items() if info.is_required())
            self._required_cache[spec.type] = required
        return required

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
        if _same_cycle(self._edge_cycles_found, node.id, source.id):
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

    def _reaches(self, start: str, goal: str, nodes: dict[str, _Node]) -> bool:
        """True when ``goal`` is downstream of ``start`` along edges (iterative DFS)."""
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

    def _order(self, nodes: dict[str, _Node], ref_deps: dict[str, list[str]]) -> list[PlanStep]:
        """The plan's steps by Kahn's algorithm, ties by document position; leftovers are cycles.

        Works on integer positions (dict order is document order) because it runs over every edge.
        """
        ids = list(nodes)
        pos = {node_id: k for k, node_id in enumerate(ids)}
        dep_pos: list[list[int]] = []
        succs: list[list[int]] = [[] for _ in ids]
        for k, node in enumerate(nodes.values()):
            mine = [pos[d] for d in node.preds]
            extra = ref_deps.get(node.id)
            if extra:
                mine += [pos[d] for d in extra if pos[d] not in mine]
            mine.sort()  # edge order must not change the plan
            dep_pos.append(mine)
            for d in mine:
                succs[d].append(k)
        remaining = [len(d) for d in dep_pos]
        ready = [k for k, count in enumerate(remaining) if count == 0]  # already a heap: sorted
        level = [0] * len(ids)
        done = [False] * len(ids)
        order: list[int] = []
        while ready:
            k = heapq.heappop(ready)
            order.append(k)
            done[k] = True
            mine = dep_pos[k]
            if mine:
                level[k] = max(level[d] for d in mine) + 1
            for nxt in succs[k]:
                remaining[nxt] -= 1
                if remaining[nxt] == 0:
                    heapq.heappush(ready, nxt)
        if len(order) < len(ids):
            succ_ids = {ids[k]: [ids[j] for j in succs[k]] for k in range(len(ids))}
            self._report_cycles([ids[k] for k in range(len(ids)) if not done[k]], nodes, succ_ids)
        node_list = list(nodes.values())
        return [
            PlanStep(ids[k], node_list[k].type, node_list[k].data, [ids[d] for d in dep_pos[k]], level[k])
            for k in order
        ]

    def _report_cycles(
        self, stuck: list[str], nodes: dict[str, _Node], succs: dict[str, list[str]]
    ) -> None:
        """One CYCLE_DETECTED per strongly connected component."""
        for component in _cycles(stuck, succs):
            component.sort(key=lambda n: nodes[n].index)
            path = " -> ".join([*component, component[0]])
            self.error(
                ErrorCode.CYCLE_DETECTED,
                f"Nodes {', '.join(repr(c) for c in component)} form a cycle ({path}); "
                f"remove one of the edges or references between them.",
                component[0], None, nodes=component,
            )

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


def _mode_required(spec: NodeSpec, data: Mapping[str, Any]) -> tuple[str, ...]:
    """The empty inputs of the modes ``data`` chose: a group with any input set needs all of it."""
    needed: list[str] = []
    for group in spec.modes:
        if any(not is_empty(data.get(name)) for name in group):
            needed += [name for name in group if is_empty(data.get(name))]
    return tuple(needed)


def _same_cycle(cyclic: Mapping[str, int], a: str, b: str) -> bool:
    number = cyclic.get(a)
    return number is not None and number == cyclic.get(b)


def _cycles(stuck: list[str], succs: Mapping[str, list[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node among ``stuck`` (Tarjan, iterative)."""
    stuck_set = set(stuck)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in stuck:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node_id, i = work.pop()
            if i == 0:
                index[node_id] = low[node_id] = len(index)
                stack.append(node_id)
                on_stack.add(node_id)
            children = [c for c in succs[node_id] if c in stuck_set]
            if i < len(children):
                work.append((node_id, i + 1))
                child = children[i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node_id] = min(low[node_id], index[child])
                continue
            if low[node_id] == index[node_id]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node_id:
                        break
                if len(component) > 1:
                    found.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node_id])
    return found

def _literal_problems(spec: NodeSpec, data: dict[str, Any], ref_fields: Sequence[str]) -> list[Any] | None:  # noqa: E501
    """Pydantic's errors for the inputs that hold no reference (those are judged at run time)."""
    literal = {k: v for k, v in data.items() if k not in ref_fields} if ref_fields else data
    try:
        inputs_model(spec).model_validate(literal)
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


def _names(names: Any) -> str:
    listed = ", ".join(repr(n) for n in names)
    return listed or "none"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
