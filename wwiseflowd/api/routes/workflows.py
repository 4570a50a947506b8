"""``/workflows``: validate and execute workflow documents; list the watched workflow files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from fastapi.sse import format_sse_event
from pydantic import Discriminator, Tag

from wwiseflowd.api.bodies import WORKFLOW_BODY_OPENAPI, is_wrapped, json_body, workflow_and_inputs
from wwiseflowd.api.deps import EngineDep, OpsDep
from wwiseflowd.api.errors import ApiError, error_responses, json_response, result_response, succeeded
from wwiseflowd.api.models import (
    ExecuteRequest,
    ExecutionAccepted,
    WorkflowDocument,
    WorkflowFile,
    WorkflowFileDetail,
)
from wwiseflowd.api.routes.events import Followed
from wwiseflowd.api.workers import in_worker
from wwiseflowd.engine import Engine, ExecutionResult
from wwiseflowd.executions import new_execution_id
from wwiseflowd.jsontext import compact_json
from wwiseflowd.operations import Operations, RunRequest
from wwiseflowd.results import ErrorCode, Result

router = APIRouter(prefix="/workflows", tags=["workflows"])


def _body_shape(value: Any) -> str:
    return "wrapped" if is_wrapped(value) else "document"


#: a workflow document, or ``{"workflow", "inputs", ...}``; told apart by key so only one model parses it
WorkflowBody = Annotated[
    Annotated[ExecuteRequest, Tag("wrapped")] | Annotated[WorkflowDocument, Tag("document")],
    Discriminator(_body_shape),
]


#: a streamed run sends a ``ping`` comment after this long without an event (as GET /events does),
#: so a proxy does not take a long silent step for a dead connection
KEEPALIVE_S = 15.0
#: one server-sent event, as OpenAPI 3.2 describes a stream's items (GET /events has the same)
SSE_ITEM: dict[str, Any] = {"type": "object", "properties": {
    "data": {"type": "string"}, "event": {"type": "string"}, "id": {"type": "string"},
    "retry": {"type": "integer", "minimum": 0}}}


#: documents up to this many nodes and edges are compiled on the event loop (well under 2 ms); a
#: larger one goes to the threadpool so it never holds up the routes that answer at once
INLINE_COMPILE_ITEMS = 400


def unpack(body: WorkflowBody) -> tuple[dict[str, Any], ExecuteRequest]:
    """The workflow document and the run options, from either body shape."""
    if isinstance(body, ExecuteRequest):
        return body.workflow.model_dump(mode="json", exclude_unset=True), body
    document = body.model_dump(mode="json", exclude_unset=True)
    return document, ExecuteRequest(workflow=body)


async def unpack_sent(request: Request, body: WorkflowBody) -> tuple[dict[str, Any], ExecuteRequest]:
    """As :func:`unpack`, but the document is the JSON the client sent: FastAPI parsed it (Starlette
    keeps the parsed body) and validated it into ``body``, so dumping the model back to a dict would
    only repeat work (for a 100-node document it cost more than compiling it)."""
    sent = await request.json()
    if isinstance(body, ExecuteRequest):
        document = sent.get("workflow") if isinstance(sent, dict) else None
        return (document, body) if isinstance(document, dict) else unpack(body)
    return (sent, ExecuteRequest(workflow=body)) if isinstance(sent, dict) else unpack(body)


def small(document: dict[str, Any]) -> bool:
    """True for a document cheap enough to compile on the event loop (no threadpool hop)."""
    nodes, edges = document.get("nodes"), document.get("edges")
    size = (len(nodes) if isinstance(nodes, list) else 0) + (len(edges) if isinstance(edges, list) else 0)
    return size <= INLINE_COMPILE_ITEMS


@router.post(
    "/validate",
    operation_id="validateWorkflow",
    response_model=Result,
    summary="Compile a workflow without running it",
    responses=error_responses(400, 403, 422),
    openapi_extra=WORKFLOW_BODY_OPENAPI,
)
async def validate_workflow(ops: OpsDep, request: Request) -> Response:
    """Answers the plan (``data``) when the workflow compiles; 422 with ``data.errors`` otherwise.

    The body is read here, not by a FastAPI body parameter: the compiler checks the document
    (api/bodies.py says why), the options of the wrapped shape are checked as on execute."""
    document, inputs = workflow_and_inputs(await json_body(request))
    # the editor validates every edit: a small document (or not a document) spares it two thread hand-offs
    if not isinstance(document, dict) or small(document):
        return result_response(succeeded(ops.validate(document, inputs)))
    return result_response(succeeded(await in_worker(ops.validate, document, inputs)))


@router.post(
    "/execute",
    operation_id="executeWorkflow",
    response_model=ExecutionResult,
    summary="Run a workflow (waits, or 202 with ?async=true)",
    responses={
        200: {"content": {"text/event-stream": {"itemSchema": SSE_ITEM}},
              "description": "The execution result; with stream=true, the run's events."},
        202: {"model": ExecutionAccepted, "description": "Queued (async=true)."},
        **error_responses(400, 403, 409, 422, 503),
    },
)
async def execute_workflow(
    body: WorkflowBody,
    ops: OpsDep,
    request: Request,
    engine: EngineDep,
    run_async: Annotated[
        bool, Query(alias="async", description="Answer 202 at once; follow GET /events or /executions/{id}.")
    ] = False,
    stream: Annotated[
        bool, Query(description="Answer text/event-stream: the run's events as GET /events sends them, the "
                    "last a run.finished carrying the execution (one request instead of two).")
    ] = False,
) -> Response:
    """Compile then run. A run that happened answers 200 with its execution result, whose ``ok``
    says whether the workflow succeeded; a workflow that does not compile answers 422. With
    ``stream=true`` the 200 is the run's events (a refusal before the run is still a JSON error).

    The request waits on the event loop, not on a threadpool thread, so long runs never starve
    the routes that answer at once (health, events, metrics)."""
    document, options = await unpack_sent(request, body)
    # the editor says who it is, so the execution history can tell its runs apart
    source = "editor" if request.headers.get("x-wwiseflowd-source") == "editor" else "rest"
    if options.dryRun and not options.project:
        raise ApiError.of(ErrorCode.INVALID_INPUT, "dryRun needs project: the path of the Wwise project "
                          "(.wproj or its folder) to try the workflow on.")
    run = RunRequest(
        document=document, inputs=options.inputs, force=options.force, rollback=options.rollback,
        execution_id=options.executionId, source=source,
        project=None if options.dryRun else options.project,  # dryRun: a project path, not a fleet name
        dry_run_project=options.project if options.dryRun else None, wwise_version=options.wwiseVersion,
    )
    if stream:
        return await _streamed(run, ops, engine, request, run_async=run_async)
    started = succeeded(await in_worker(ops.start, run))
    execution_id = str(started.data["executionId"])
    if run_async:
        accepted = ExecutionAccepted(
            executionId=execution_id,
            statusUrl=request.url_for("get_execution", execution_id=execution_id).path,
            eventsUrl=f"{request.url_for('stream_events').path}?executionId={execution_id}",
        )
        return json_response(accepted, 202)
    if run.project is not None:  # queued for the fleet: another daemon may run it
        execution = await in_worker(ops.wait_queued, execution_id)
    else:
        execution = await ops.wait_async(execution_id)
    if execution is None:
        raise ApiError.of(ErrorCode.INTERNAL, f"Execution {execution_id} has no result.")
    return json_response(execution)


async def _streamed(
    run: RunRequest, ops: Operations, engine: Engine, request: Request, *, run_async: bool
) -> Response:
    """Subscribe to the run's events, start it, answer its events as they come."""
    if run_async or run.project is not None:
        raise ApiError.of(ErrorCode.INVALID_INPUT, "stream=true follows a run of this daemon to its end: not "
                          "with async=true, nor for a fleet project's run (follow GET /fleet/events).")
    run = run.model_copy(update={"execution_id": run.execution_id or new_execution_id()})
    followed = Followed(engine, run.execution_id)
    try:
        succeeded(await in_worker(ops.start, run))
    except BaseException:
        followed.close()
        raise

    async def body() -> AsyncIterator[bytes]:
        try:
            async for event in followed.events(request.app.state.stopping, keepalive_s=KEEPALIVE_S):
                if event.comment is not None:
                    yield format_sse_event(comment=event.comment)
                else:
                    yield format_sse_event(data_str=compact_json(event.data), event=event.event, id=event.id)
        finally:
            followed.close()

    return StreamingResponse(body(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@router.get(
    "",
    operation_id="listWorkflows",
    response_model=list[WorkflowFile],
    summary="The watched workflow files and whether each compiles",
    responses=error_responses(),
)
def list_workflows(ops: OpsDep) -> Any:
    """From the daemon's workflow-file watcher, or read from ``[paths] workflows_dir`` now."""
    return ops.list_workflows().data


@router.get(
    "/{workflow_id}",
    operation_id="getWorkflow",
    response_model=WorkflowFileDetail,
    summary="One workflow file: status, errors and document",
    responses=error_responses(404, 422),
)
def get_workflow(workflow_id: str, ops: OpsDep) -> Any:
    """404 NOT_FOUND when no watched file has this id."""
    return succeeded(ops.get_workflow(workflow_id)).data
