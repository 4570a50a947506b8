"""``/nodes``: the node catalog the editor builds its forms from."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from wwiseflowd.api.deps import EngineDep
from wwiseflowd.api.errors import error_responses
from wwiseflowd.api.models import NodeType

router = APIRouter(prefix="/nodes", tags=["nodes"])


@router.get(
    "",
    operation_id="listNodeTypes",
    response_model=list[NodeType],
    summary="Node types with the JSON schema of their inputs",
    responses=error_responses(),
)
def list_node_types(engine: EngineDep) -> Any:
    """Every node type the loaded plugins registered, sorted by type."""
    return engine.catalog()
