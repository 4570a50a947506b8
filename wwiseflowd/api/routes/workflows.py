"""``/workflows``: validate and execute workflow documents; list the watched workflow files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import Discriminator, Tag

from wwiseflowd.api.deps import EngineDep, GuardDep, SettingsDep, StatusDep
from wwiseflowd.api.errors import ApiError, error_responses, json_response, result_response
from wwiseflowd.api.models import (
    ExecuteRequest,
    ExecutionAccepted,
    WorkflowDocument,
    WorkflowFile,
    WorkflowFileDetail,
)
from wwiseflowd.api.security import PathGuard, checked_compile
from wwiseflowd.api.workflow_files import scan_workflow_files
from wwiseflowd.engine import Engine, ExecutionResult
from wwiseflowd.results import ErrorCode, Result
from wwiseflowd.watch.workflows import read_workflow_file
from wwiseflowd.workflow_store import file_version

router = APIRouter(prefix="/workflows", tags=["workflows"])


def _body_shape(value: Any) -> str:
    wrapped = isinstance(value, dict) and "workflow" in value and "nodes" not in value
    return "wrapped" if wrapped else "document"


#: a workflow document, or ``{"workflow", "inputs", ...}``; told apart by key so only one model parses it
WorkflowBody = Annotated[
    Annotated[ExecuteRequest, Tag("wrapped")] | Annotated[WorkflowDocument, Tag("document")],
    Discriminator(_body_shape),
]


def unpack(body: WorkflowBody) -> tuple[dict[str, Any], ExecuteRequest]:
    """The workflow document and the run options, from either body shape."""
    if isinstance(body, ExecuteRequest):
        return body.workflow.model_dump(mode="json", exclude_unset=True), body
    document = body.model_dump(mode="json", exclude_unset=True)
    return document, ExecuteRequest(workflow=body)


@router.post(
    "/validate",
    operation_id="validateWorkflow",
    response_model=Result,
    summary="Compile a workflow without running it",
    responses=error_responses(400, 403, 422),
)
def validate_workflow(body: WorkflowBody, engine: EngineDep, guard: GuardDep) -> Response:
    """Answers the plan (``data``) when the workflow compiles; 422 with ``data.errors`` otherwise."""
    document, options = unpack(body)
    compiled = checked_compile(engine, guard, document, options.inputs)
    if not compiled.ok:
        raise ApiError(compiled)
    return result_response(compiled)


@router.post(
    "/execute",
    operation_id="executeWorkflow",
    response_model=ExecutionResult,
    summary="Run a workflow (waits, or 202 with ?async=true)",
    responses={
        202: {"model": ExecutionAccepted, "description": "Queued (async=true)."},
        **error_responses(400, 403, 409, 422, 503),
    },
)
async def execute_workflow(
    body: WorkflowBody,
    engine: EngineDep,
    guard: GuardDep,
    request: Request,
    run_async: Annotated[
        bool, Query(alias="async", description="Answer 202 at once; follow GET /events or /executions/{id}.")
    ] = False,
) -> Response:
    """Compile then run. A run that happened answers 200 with its execution result, whose ``ok``
    says whether the workflow succeeded; a workflow that does not compile answers 422.

    The request waits on the event loop, not on a threadpool thread, so long runs never starve
    the routes that answer at once (health, events, metrics)."""
    document, options = unpack(body)
    # the editor says who it is, so the execution history can tell its runs apart
    source = "editor" if request.headers.get("x-wwiseflowd-source") == "editor" else "rest"
    execution_id = await run_in_threadpool(_start, engine, guard, document, options, source)
    if run_async:
        accepted = ExecutionAccepted(
            executionId=execution_id,
            statusUrl=request.url_for("get_execution", execution_id=execution_id).path,
            eventsUrl=f"{request.url_for('stream_events').path}?executionId={execution_id}",
        )
        return json_response(accepted, 202)
    delay = WAIT_MIN_S
    while (result := engine.wait(execution_id, timeout=0)) is None:
        await anyio.sleep(delay)
        delay = min(delay * 2, WAIT_MAX_S)
    return json_response(result)


#: polling bounds while a request waits for its run (seconds)
WAIT_MIN_S = 0.002
WAIT_MAX_S = 0.05


def _start(
    engine: Engine, guard: PathGuard, document: dict[str, Any], options: ExecuteRequest, source: str = "rest"
) -> str:
    """Check, compile and submit a run in the background; its executionId. Raises ApiError."""
    compiled = checked_compile(engine, guard, document, options.inputs)
    if not compiled.ok:
        raise ApiError(compiled)
    if options.executionId is not None and engine.get_execution(options.executionId) is not None:
        raise ApiError.of(
            ErrorCode.CONFLICT, f"Execution id {options.executionId!r} is taken; choose another or omit it."
        )
    try:
        return engine.submit(
            compiled.data,
            options.inputs,
            force=options.force,
            rollback=options.rollback,
            execution_id=options.executionId,
            source=source,
        )
    except ValueError:  # the same id was submitted a moment ago by another request
        raise ApiError.of(
            ErrorCode.CONFLICT, f"Execution id {options.executionId!r} is already running."
        ) from None
    except RuntimeError:  # the engine is shutting down
        raise ApiError.of(ErrorCode.WAAPI_UNAVAILABLE, "The daemon is shutting down; retry later.") from None


def _workflow_files(engine: EngineDep, settings: SettingsDep, status: StatusDep) -> list[dict[str, Any]]:
    if status is None:
        return scan_workflow_files(engine, settings.paths.workflows_dir)
    return list(status().get("workflows", []))


@router.get(
    "",
    operation_id="listWorkflows",
    response_model=list[WorkflowFile],
    summary="The watched workflow files and whether each compiles",
    responses=error_responses(),
)
def list_workflows(engine: EngineDep, settings: SettingsDep, status: StatusDep) -> Any:
    """From the daemon's workflow-file watcher, or read from ``[paths] workflows_dir`` now."""
    return [
        {k: v for k, v in entry.items() if k != "document"}
        for entry in _workflow_files(engine, settings, status)
    ]


@router.get(
    "/{workflow_id}",
    operation_id="getWorkflow",
    response_model=WorkflowFileDetail,
    summary="One workflow file: status, errors and document",
    responses=error_responses(404, 422),
)
def get_workflow(workflow_id: str, engine: EngineDep, settings: SettingsDep, status: StatusDep) -> Any:
    """404 NOT_FOUND when no watched file has this id."""
    for entry in _workflow_files(engine, settings, status):
        if entry.get("id") == workflow_id:
            if "document" not in entry:
                entry = {**entry, "document": read_workflow_file(Path(entry["file"]))[0]}
            return {**entry, "version": file_version(Path(entry["file"]))}
    raise ApiError.of(
        ErrorCode.NOT_FOUND,
        f"No workflow file has id {workflow_id!r}; GET /workflows lists them "
        f"(files in {settings.paths.workflows_dir}).",
    )
