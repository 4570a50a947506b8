"""How a failed :class:`~wwiseflowd.results.Result` becomes an HTTP answer.

The one place that maps error codes to HTTP statuses. Every error body the API sends is a Result
(``{"ok": false, "data", "error", "code"}``), never a bare 500 or FastAPI's ``{"detail": ...}``.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response
from pydantic import BaseModel

from wwiseflowd.results import ErrorCode, Result

#: HTTP status for each error code; codes not listed answer 422 (the request could not be carried out).
STATUS_BY_CODE: dict[str, int] = {
    ErrorCode.INVALID_INPUT: 422,
    ErrorCode.UNKNOWN_NODE_TYPE: 422,
    ErrorCode.CYCLE_DETECTED: 422,
    ErrorCode.INVALID_REFERENCE: 422,
    ErrorCode.AMBIGUOUS_WIRING: 422,
    ErrorCode.FILE_NOT_FOUND: 422,
    ErrorCode.INVALID_AUDIO: 422,
    ErrorCode.WAAPI_ERROR: 422,
    ErrorCode.CREATE_FAILED: 422,
    ErrorCode.IMPORT_FAILED: 422,
    ErrorCode.OBJECT_NOT_FOUND: 404,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.NAME_CONFLICT: 409,
    ErrorCode.CONFLICT: 409,
    ErrorCode.WWISE_LOCKED: 409,
    ErrorCode.ROLLED_BACK: 409,
    ErrorCode.AUDIO_CHANGED: 409,
    ErrorCode.CANCELLED: 409,
    ErrorCode.INTERRUPTED: 409,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.BACKEND_ERROR: 422,
    ErrorCode.BACKEND_UNAVAILABLE: 503,
    ErrorCode.WAAPI_UNAVAILABLE: 503,
    ErrorCode.WAAPI_TIMEOUT: 503,
    ErrorCode.TIMEOUT: 503,
    ErrorCode.PLUGIN_ERROR: 500,
    ErrorCode.CONFIG_ERROR: 500,
    ErrorCode.STATE_FILE_CORRUPT: 503,
    ErrorCode.INTERNAL: 500,
}


def status_for(result: Result) -> int:
    """The HTTP status that answers ``result``: 200 when ok, else by its code."""
    if result.ok:
        return 200
    return STATUS_BY_CODE.get(result.code or "", 422)


class ApiError(Exception):
    """Raised inside a route or dependency to answer with a failed Result (handled in app.py)."""

    def __init__(self, result: Result, status: int | None = None, headers: dict[str, str] | None = None):
        super().__init__(result.error)
        self.result = result
        self.status = status if status is not None else status_for(result)
        self.headers = headers

    @classmethod
    def of(cls, code: ErrorCode, error: str, data: Any = None, **kwargs: Any) -> ApiError:
        """Shortcut: ``raise ApiError.of(ErrorCode.NOT_FOUND, "No execution ...")``."""
        return cls(Result.failure(code, error, data), **kwargs)


def succeeded(result: Result) -> Result:
    """``result`` when it succeeded; else raises the ApiError that answers with its code and sentence."""
    if not result.ok:
        raise ApiError(result)
    return result


def json_response(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """``model`` serialized by pydantic straight to JSON bytes (no second validation pass)."""
    return Response(
        model.model_dump_json(), status_code=status, headers=headers, media_type="application/json"
    )


def result_response(
    result: Result, status: int | None = None, headers: dict[str, str] | None = None
) -> Response:
    """A JSON response carrying ``result`` with the status its code maps to. Every 422 carries
    ``data.errors`` (the documented shape): a Result without one gets a single entry from its sentence."""
    status = status if status is not None else status_for(result)
    if status == 422:
        result = with_errors_list(result)
    return json_response(result, status, headers)


def with_errors_list(result: Result) -> Result:
    """``result`` with ``data.errors`` present (one entry made from ``error`` when missing)."""
    data = result.data
    if isinstance(data, dict) and isinstance(data.get("errors"), list):
        return result
    entry = {"nodeId": None, "field": None, "code": result.code, "message": result.error}
    if isinstance(data, dict):
        return result.model_copy(update={"data": {**data, "errors": [entry]}})
    extra = {} if data is None else {"detail": data}
    return result.model_copy(update={"data": {**extra, "errors": [entry]}})


_DESCRIPTIONS = {
    400: "Malformed request (not JSON, or nested deeper than 64 levels).",
    401: "Missing or wrong bearer token.",
    403: "A file path outside [server] allowed_roots, a foreign Host, or a cross-site Origin.",
    404: "No such execution, workflow, command or Wwise object.",
    409: "Conflict: name taken, Wwise busy, run already finished.",
    413: "Request body larger than [server] max_body_bytes.",
    422: "The request is well-formed but invalid; data.errors lists the problems.",
    503: "Wwise (or the engine) is unreachable; retry later.",
    500: "Unexpected error (a bug); the body is still a Result.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` documenting Result bodies for ``statuses`` (400/401/403/413/500 always:
    the edge middleware answers those on any route).

    The content type is spelled out: an error is JSON even on routes that stream (``/events``)
    or answer plain text (``/metrics``). ``Result`` is in the schema's components because several
    routes answer it on success.
    """
    wanted = sorted({*statuses, 400, 401, 403, 413, 500})
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Result"}}}
    return {status: {"description": _DESCRIPTIONS[status], "content": content} for status in wanted}
