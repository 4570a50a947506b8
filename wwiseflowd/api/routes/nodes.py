"""``/nodes``: the node catalog the editor builds its forms from."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

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
def list_node_types(request: Request, engine: EngineDep) -> Response:
    """Every node type the loaded plugins registered, sorted by type."""
    registry = engine.registry
    cached = getattr(request.app.state, "catalog", None)
    # plugins load once per engine, so the catalog (JSON schemas are slow to build) is built once too
    if cached is None or cached[0] is not registry:
        cached = (registry, json.dumps(engine.catalog()).encode())
        request.app.state.catalog = cached
    return Response(cached[1], media_type="application/json")
