"""``/metrics``: Prometheus text exposition."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from wwiseflowd.api.errors import error_responses
from wwiseflowd.api.metrics import CONTENT_TYPE, ApiMetrics

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    operation_id="getMetrics",
    response_class=Response,
    summary="Prometheus metrics",
    responses={200: {"content": {CONTENT_TYPE: {"schema": {"type": "string"}}}}, **error_responses()},
)
def get_metrics(request: Request) -> Response:
    """Executions by status, node duration by type, WAAPI calls by operation, queue depths."""
    metrics: ApiMetrics = request.app.state.metrics
    return Response(metrics.render(), media_type=CONTENT_TYPE)
