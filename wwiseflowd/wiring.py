"""Wiring a workflow's inputs from its edges: handles name the output and input, and a required
input left empty takes the one upstream output of the same name (auto-wiring).

Part of the compiler (:mod:`wwiseflowd.compiler`), which owns the nodes; wiring only fills
``$from:`` references into their data and reports problems through ``error``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from wwiseflowd.documents import from_ref
from wwiseflowd.results import ErrorCode

if TYPE_CHECKING:
    from pydantic import BaseModel

    from wwiseflowd.compiler import _Node
    from wwiseflowd.registry import NodeSpec

Report = Callable[..., None]


def inputs_model(spec: NodeSpec) -> type[BaseModel]:
    """The node type's input model."""
    return spec.inputs


def is_empty(value: Any) -> bool:
    """True for values auto-wiring may fill: absent, null or the empty string."""
    return value is None or value == ""


def mode_required(spec: NodeSpec, data: Mapping[str, Any]) -> tuple[str, ...]:
    """The empty inputs of the modes ``data`` chose: a group with any input set needs all of it."""
    needed: list[str] = []
    for group in spec.modes:
        if any(not is_empty(data.get(name)) for name in group):
            needed += [name for name in group if is_empty(data.get(name))]
    return tuple(needed)


def same_cycle(cyclic: Mapping[str, int], a: str, b: str) -> bool:
    """True when nodes ``a`` and ``b`` lie on the same cycle of edges."""
    number = cyclic.get(a)
    return number is not None and number == cyclic.get(b)


def names(items: Any) -> str:
    """``'a', 'b'`` (or ``none``) for a sentence."""
    return ", ".join(repr(n) for n in items) or "none"


class Wiring:
    """Fills inputs from edges for one compile; ``error(code, message, node_id, field, **extra)``."""

    def __init__(self, error: Report) -> None:
        self.error = error
        #: (node id, input) filled by a handle or auto-wiring
        self.wired: set[tuple[str, str]] = set()
        self._required: dict[str, tuple[str, ...]] = {}

    def handles(self, handle_edges: list[tuple[int, dict[str, Any]]], nodes: dict[str, _Node]) -> None:
        """Edges with sourceHandle/targetHandle wire that output into that input."""
        for index, item in handle_edges:
            out_handle, in_handle = item.get("sourceHandle"), item.get("targetHandle")
            if not out_handle and not in_handle:
                continue
            source_id, target_id = item.get("source"), item.get("target")
            source = nodes.get(source_id) if isinstance(source_id, str) else None
            target = nodes.get(target_id) if isinstance(target_id, str) else None
            if source is None or target is None or source is target:
                continue
            output, field_name = str(out_handle or in_handle), str(in_handle or out_handle)
            where = f"edges[{index}]"
            if self._handles_exist(item, where, source, target, output, field_name):
                self._wire(target, field_name, source.id, output)

    def _handles_exist(
        self, item: dict[str, Any], where: str, source: _Node, target: _Node, output: str, field_name: str
    ) -> bool:
        ok = True
        if source.spec is not None and output not in source.spec.outputs:
            self.error(
                ErrorCode.INVALID_REFERENCE,
                f"Edge {item.get('id', where)!r}: node {source.id!r} ({source.type}) has no output "
                f"{output!r}; its outputs are {names(source.spec.outputs)}.",
                target.id, f"{where}.sourceHandle",
            )
            ok = False
        if target.spec is not None and field_name not in inputs_model(target.spec).model_fields:
            self.error(
                ErrorCode.INVALID_REFERENCE,
                f"Edge {item.get('id', where)!r}: node {target.id!r} ({target.type}) has no input "
                f"{field_name!r}; its inputs are {names(inputs_model(target.spec).model_fields)}.",
                target.id, f"{where}.targetHandle",
            )
            ok = False
        return ok

    def _wire(self, target: _Node, field_name: str, source_id: str, output: str) -> None:
        ref = from_ref(source_id, output)
        current = target.data.get(field_name)
        if (target.id, field_name) in self.wired and current != ref:
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
                f"wired from {source_id!r}.{output}; remove one of them.",
                target.id, field_name,
            )
        else:
            target.set(field_name, ref)
            self.wired.add((target.id, field_name))

    def auto(self, nodes: dict[str, _Node], cyclic: Mapping[str, int]) -> None:
        """On an edge A->B, a required input of B left empty takes A's output of the same name.

        Required means required by the input model, or by the mode the node's other inputs chose
        (:attr:`NodeSpec.modes`). An edge that closes a cycle (``cyclic``: node id -> cycle number)
        wires nothing: the cycle is the error.
        """
        for node in nodes.values():
            if node.spec is None or not node.preds:
                continue
            required = self.required(node.spec)
            if node.spec.modes:
                required = (*required, *mode_required(node.spec, node.data))
            for field_name in required:
                if not is_empty(node.data.get(field_name)):
                    continue
                sources = [
                    src for src in sorted(node.preds, key=lambda d: nodes[d].index)
                    if (spec := nodes[src].spec) is not None and field_name in spec.outputs
                    and not same_cycle(cyclic, src, node.id)
                ]
                if len(sources) == 1:
                    node.set(field_name, from_ref(sources[0], field_name))
                    self.wired.add((node.id, field_name))
                elif len(sources) > 1:
                    self.error(
                        ErrorCode.AMBIGUOUS_WIRING,
                        f"Node {node.id!r}: input {field_name!r} could come from any of "
                        f"{', '.join(repr(s) for s in sources)}; set it explicitly, e.g. "
                        f"\"{from_ref(sources[0], field_name)}\".",
                        node.id, field_name, candidates=sources,
                    )

    def required(self, spec: NodeSpec) -> tuple[str, ...]:
        """The required inputs of ``spec`` (cached per type for this compile)."""
        required = self._required.get(spec.type)
        if required is None:
            fields = inputs_model(spec).model_fields
            required = tuple(name for name, info in fields.items() if info.is_required())
            self._required[spec.type] = required
        return required
