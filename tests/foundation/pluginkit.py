"""Test plugin helpers shared by the foundation tests (imported as ``pluginkit``)."""

from __future__ import annotations

from pydantic import BaseModel

from wwiseflowd import NodeContext, NodeSpec, Result


class NoInputs(BaseModel):
    """Inputs of the test node types."""


def node_spec(type_: str, **overrides: object) -> NodeSpec:
    """A minimal node type for registry tests."""

    def run(data: NoInputs, ctx: NodeContext) -> Result:
        return Result.success({"type": type_})

    fields: dict[str, object] = {"type": type_, "title": type_, "description": f"test node {type_}",
                                 "inputs": NoInputs, "run": run}
    fields.update(overrides)
    return NodeSpec(**fields)  # type: ignore[arg-type]


NODE_PLUGIN_SOURCE = '''
from pydantic import BaseModel
from wwiseflowd import NodeSpec, Result, hookimpl

class In(BaseModel):
    pass

@hookimpl
def register_node_types(register):
    register(NodeSpec(type="{type}", title="{type}", description="from a file", inputs=In,
                      run=lambda data, ctx: Result.success()))
'''
