"""Request bodies a route reads itself instead of through a FastAPI body parameter.

FastAPI validates a body parameter into its model before the route runs. For a workflow document
that pass repeats what the compiler does anyway: the document models are loose on purpose (see
models.py), and the compiler names every problem of a document with a code, for every front door.
On ``POST /workflows/validate``, the route the editor calls on every edit, that second pass cost
more than a fifth of the HTTP overhead (docs/benchmarks.md). So that route parses the body once
here, checks the run options of the wrapped shape with the same model, and leaves the document to
the compiler. Its OpenAPI body is the one of ``POST /workflows/execute`` (:data:`WORKFLOW_BODY_OPENAPI`).

The answers match FastAPI's own: JSON that does not parse is a 400 (``json_invalid``); a missing
body, a body without a JSON content type, or a wrong option is a 422 whose ``data.errors`` name
the field. The compiler refuses every document the OpenAPI models refuse (tested), so the two
workflow routes agree on what is a workflow.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from pydantic_core import from_json

from wwiseflowd.api.models import ExecuteRequest

#: the request body of both workflow routes in OpenAPI: a document, or ``{"workflow", "inputs", ...}``
WORKFLOW_BODY_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {
            "oneOf": [{"$ref": "#/components/schemas/ExecuteRequest"},
                      {"$ref": "#/components/schemas/WorkflowDocument"}],
            "title": "Body",
        }}},
    }
}

#: what stands in for the document while the options of a wrapped body are checked
_ANY_DOCUMENT: dict[str, Any] = {"nodes": []}


def is_wrapped(value: Any) -> bool:
    """True for ``{"workflow": doc, ...}``; a body with ``nodes`` is a document, whatever else it has."""
    return isinstance(value, dict) and "workflow" in value and "nodes" not in value


async def json_body(request: Request) -> Any:
    """The request's body parsed as JSON, as FastAPI parses a body parameter: a body sent without a
    JSON content type, or no body, is a 422; one that does not parse, a 400."""
    raw = await request.body()
    content_type = request.headers.get("content-type")
    # no Content-Type is refused too, as FastAPI does: a cross-site page can post a typeless body
    if content_type is None or not _names_json(content_type):
        raise _invalid("model_attributes_type", "Input should be a valid dictionary or object to extract "
                       "fields from (send the body as JSON, Content-Type: application/json)")
    if not raw:
        raise _invalid("missing", "Field required")
    try:
        return from_json(raw)  # pydantic-core's parser: a third faster than json's on a workflow
    except ValueError:
        pass  # json's decides: it also takes what pydantic-core refuses (a lone surrogate escape)
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        where = ("body", exc.pos) if isinstance(exc, json.JSONDecodeError) else ("body",)
        raise RequestValidationError([{"type": "json_invalid", "loc": where, "msg": "JSON decode error",
                                       "input": {}, "ctx": {"error": str(exc)}}]) from None


def workflow_and_inputs(sent: Any) -> tuple[Any, dict[str, Any]]:
    """The document and the run inputs of a workflow body of either shape. The options of the
    wrapped shape are checked by :class:`ExecuteRequest` (an unknown key, a wrong type: a 422
    naming it); the document is the caller's to compile."""
    if not is_wrapped(sent):
        return sent, {}
    try:
        options = ExecuteRequest.model_validate({**sent, "workflow": _ANY_DOCUMENT})
    except ValidationError as exc:
        # located as FastAPI locates them on execute: under the shape's tag (data.errors: "wrapped.force")
        raise RequestValidationError(
            [{**error, "loc": ("body", "wrapped", *error["loc"])} for error in exc.errors(include_url=False)]
        ) from None
    return sent["workflow"], options.inputs


def _names_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _invalid(kind: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"type": kind, "loc": ("body",), "msg": message, "input": None}])
