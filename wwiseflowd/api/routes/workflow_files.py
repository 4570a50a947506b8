"""``/workflows/{id}`` writes: save (with conflict detection), rename, duplicate, delete.

The files live in ``[paths] workflows_dir``; the daemon's workflow-file watcher picks changes up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from wwiseflowd.api.deps import EngineDep, SettingsDep
from wwiseflowd.api.errors import ApiError, error_responses, result_response
from wwiseflowd.api.models import SaveWorkflowRequest, WorkflowFileDetail, WorkflowIdRequest
from wwiseflowd.api.workflow_files import describe_workflow_file
from wwiseflowd.engine import Engine
from wwiseflowd.results import Result
from wwiseflowd.workflow_store import WorkflowStore

router = APIRouter(prefix="/workflows", tags=["workflows"])


def _detail(engine: Engine, written: Result) -> dict[str, Any]:
    """The written file as ``GET /workflows/{id}`` shows it; raises ApiError when the write failed."""
    if not written.ok:
        raise ApiError(written)
    return {**describe_workflow_file(engine, Path(written.data["file"])), "version": written.data["version"]}


@router.put(
    "/{workflow_id}",
    operation_id="saveWorkflow",
    response_model=WorkflowFileDetail,
    summary="Save a workflow file (409 when it changed on disk since it was opened)",
    responses=error_responses(409, 422),
)
def save_workflow(
    workflow_id: str, body: SaveWorkflowRequest, engine: EngineDep, settings: SettingsDep
) -> Any:
    """Writes ``<workflows_dir>/<id>.json`` (or the file already holding that id); the document's
    ``id`` becomes ``workflow_id``. A document that does not compile is saved too (a draft); its
    ``errors`` say why."""
    store = WorkflowStore(settings.paths.workflows_dir)
    return _detail(engine, store.save(workflow_id, body.document, body.version))


@router.post(
    "/{workflow_id}/rename",
    operation_id="renameWorkflow",
    response_model=WorkflowFileDetail,
    summary="Give a workflow file a new id and file name",
    responses=error_responses(404, 409, 422),
)
def rename_workflow(
    workflow_id: str, body: WorkflowIdRequest, engine: EngineDep, settings: SettingsDep
) -> Any:
    """409 CONFLICT when ``newId`` is taken."""
    store = WorkflowStore(settings.paths.workflows_dir)
    return _detail(engine, store.rename(workflow_id, body.newId))


@router.post(
    "/{workflow_id}/duplicate",
    operation_id="duplicateWorkflow",
    response_model=WorkflowFileDetail,
    summary="Copy a workflow file under a new id",
    responses=error_responses(404, 409, 422),
)
def duplicate_workflow(
    workflow_id: str, body: WorkflowIdRequest, engine: EngineDep, settings: SettingsDep
) -> Any:
    """409 CONFLICT when ``newId`` is taken."""
    store = WorkflowStore(settings.paths.workflows_dir)
    return _detail(engine, store.duplicate(workflow_id, body.newId))


@router.delete(
    "/{workflow_id}",
    operation_id="deleteWorkflow",
    response_model=Result,
    summary="Delete a workflow file",
    responses=error_responses(404),
)
def delete_workflow(workflow_id: str, settings: SettingsDep) -> Response:
    """404 NOT_FOUND when no file has this id."""
    deleted = WorkflowStore(settings.paths.workflows_dir).delete(workflow_id)
    if not deleted.ok:
        raise ApiError(deleted)
    return result_response(deleted)
