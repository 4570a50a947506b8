"""``/executions``: the run ledger, one execution, cancelling a run."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response

from wwiseflowd.api.deps import EngineDep, OpsDep
from wwiseflowd.api.errors import ApiError, error_responses, json_response, result_response, succeeded
from wwiseflowd.api.models import ExecutionDocument, ExecutionPage, ReplayRequest
from wwiseflowd.engine import ExecutionResult
from wwiseflowd.results import ErrorCode, Result

router = APIRouter(prefix="/executions", tags=["executions"])


@router.get(
    "",
    operation_id="listExecutions",
    response_model=ExecutionPage,
    summary="Execution history from the run ledger, newest first",
    responses=error_responses(422),
)
def list_executions(
    ops: OpsDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    status: Annotated[
        Literal["running", "succeeded", "failed", "cancelled"] | None,
        Query(description="Only runs in this state."),
    ] = None,
    source: Annotated[
        str | None,
        Query(max_length=40, description="Only runs started from this front door: editor, rest, cli, "
              "daemon, mcp, watch ..."),
    ] = None,
    workflow: Annotated[
        str | None,
        Query(max_length=200, description="Only runs whose workflow id contains this text (any case)."),
    ] = None,
) -> ExecutionPage:
    """Paged with ``limit`` and ``offset`` after filtering; ``nextOffset`` is null on the last page."""
    listed = succeeded(ops.list_executions(limit, offset, status, source=source or None,
                                           workflow=workflow or None))
    return ExecutionPage.model_validate({**listed.data, "limit": limit, "offset": offset})


def _unknown(execution_id: str) -> ApiError:
    return ApiError.of(
        ErrorCode.NOT_FOUND,
        f"No execution {execution_id!r} in the run ledger; GET /executions lists the known ones.",
    )


@router.get(
    "/{execution_id}",
    operation_id="getExecution",
    response_model=ExecutionResult,
    summary="One execution's result",
    responses=error_responses(404, 422),
)
def get_execution(execution_id: str, engine: EngineDep) -> Response:
    """The execution result from the run ledger; 404 when unknown."""
    # straight from the engine's model: no dict round trip on a route pollers hit often
    execution = engine.get_execution(execution_id)
    if execution is None:
        raise _unknown(execution_id)
    return json_response(execution)


@router.get(
    "/{execution_id}/document",
    operation_id="getExecutionDocument",
    response_model=ExecutionDocument,
    summary="The workflow document an execution ran",
    responses=error_responses(404, 422),
)
def get_execution_document(execution_id: str, ops: OpsDep) -> ExecutionDocument:
    """``{documentKey, document}``: the content-addressed copy kept with the run, so any run (of a
    file since changed, or of a document never saved) can be drawn; 404 when none was kept."""
    return ExecutionDocument.model_validate(succeeded(ops.get_execution_document(execution_id)).data)


@router.post(
    "/{execution_id}/cancel",
    operation_id="cancelExecution",
    response_model=Result,
    summary="Ask a running execution to stop",
    responses=error_responses(404, 409, 422),
)
def cancel_execution(execution_id: str, ops: OpsDep) -> Result:
    """Nodes not yet started are skipped; with rollback on, the run's Wwise changes are undone."""
    return succeeded(ops.cancel(execution_id))


@router.post(
    "/{execution_id}/replay",
    operation_id="replayExecution",
    response_model=Result,
    summary="Re-apply a recorded execution's changes to the connected project",
    responses=error_responses(400, 404, 409, 422, 503),
)
def replay_execution(
    execution_id: str, ops: OpsDep,
    request: Annotated[ReplayRequest | None, Body(description="Dry run and audio options.")] = None,
) -> Response:
    """Every precondition is checked first (data.problems); then one undo group: all or nothing.

    ``data`` is the replay report: steps with their remapped payloads, problems, idMap, replayId.
    """
    options = request or ReplayRequest()
    return result_response(ops.replay(execution_id, options.dryRun, options.allowChangedAudio))
