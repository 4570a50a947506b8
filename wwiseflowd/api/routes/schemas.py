"""``/schemas``: JSON schemas of the workflow document's own parts, for the editor's forms."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from wwiseflowd.api.errors import error_responses
from wwiseflowd.documents import InputSpec

router = APIRouter(prefix="/schemas", tags=["nodes"])


@router.get(
    "/workflow-input",
    operation_id="getWorkflowInputSchema",
    summary="JSON schema of one declared workflow input",
    responses=error_responses(),
)
def workflow_input_schema() -> dict[str, Any]:
    """The schema of an entry of a document's ``inputs`` (``{type, format, required, description,
    default}``), from the model the compiler and ``check_inputs`` use; the editor builds its form
    for declaring inputs from it."""
    return InputSpec.model_json_schema()
