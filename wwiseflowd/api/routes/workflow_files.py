"""``/workflows/{id}`` writes: save (with conflict detection), rename, duplicate, delete.

Thin routes over the operations layer; the files live in ``[paths] workflows_dir`` and the daemon's
workflow-file watcher picks changes up like hand edits.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from wwiseflowd.api.deps import OpsDep
from wwiseflowd.api.errors import error_responses, result_response, succeeded
from wwiseflowd.api.models import SaveWorkflowRequest, WorkflowFileDetail, WorkflowIdRequest
from wwiseflowd.results import Result

router = APIRouter(prefix="/workflows", tags=["workflows"])


@router.put(
    "/{workflow_id}",
    operation_id="saveWorkflow",
    response_model=WorkflowFileDetail,
    summary="Save a workflow file (409 when it changed on disk since it was opened)",
    responses=error_responses(400, 409, 422),
)
def save_workflow(workflow_id: str, body: SaveWorkflowRequest, ops: OpsDep) -> Any:
    """Writes ``<workflows_dir>/<id>.json`` (or the file already holding that id); the document's
    ``id`` becomes ``workflow_id``. A document that does not compile is saved too (a draft); its
    ``errors`` say why."""
    return succeeded(ops.save_workflow(workflow_id, body.document, body.version)).data


@router.post(
    "/{workflow_id}/rename",
    operation_id="renameWorkflow",
    response_model=WorkflowFileDetail,
    summary="Give a workflow file a new id and file name",
    responses=error_responses(400, 404, 409, 422),
)
def rename_workflow(workflow_id: str, body: WorkflowIdRequest, ops: OpsDep) -> Any:
    """409 CONFLICT when ``newId`` is taken."""
    return succeeded(ops.rename_workflow(workflow_id, body.newId)).data


@router.post(
    "/{workflow_id}/duplicate",
    operation_id="duplicateWorkflow",
    response_model=WorkflowFileDetail,
    summary="Copy a workflow file under a new id",
    responses=error_responses(400, 404, 409, 422),
)
def duplicate_workflow(workflow_id: str, body: WorkflowIdRequest, ops: OpsDep) -> Any:
    """409 CONFLICT when ``newId`` is taken."""
    return succeeded(ops.duplicate_workflow(workflow_id, body.newId)).data


@router.delete(
    "/{workflow_id}",
    operation_id="deleteWorkflow",
    response_model=Result,
    summary="Delete a workflow file",
    responses=error_responses(404, 422),
)
def delete_workflow(workflow_id: str, ops: OpsDep) -> Response:
    """404 NOT_FOUND when no file has this id."""
    return result_response(succeeded(ops.delete_workflow(workflow_id)))
