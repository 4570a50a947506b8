"""WAAPI failures in wwiseflowd's words: WAMP error URIs to ErrorCodes, and their sentences."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wwiseflowd.default_plugins.wwise.connection import CallFailed
from wwiseflowd.results import ErrorCode, Result

#: WAMP error URI -> ErrorCode. ``invalid_arguments`` and ``query.invalid_query`` are refined by their
#: message (name clash -> NAME_CONFLICT, unknown object -> OBJECT_NOT_FOUND), see :func:`error_code`.
ERROR_CODES: dict[str, ErrorCode] = {
    "ak.wwise.locked": ErrorCode.WWISE_LOCKED,
    "ak.wwise.unavailable": ErrorCode.WAAPI_UNAVAILABLE,
    "ak.wwise.connection_failed": ErrorCode.WAAPI_UNAVAILABLE,
    "ak.wwise.invalid_object": ErrorCode.OBJECT_NOT_FOUND,
    "ak.wwise.query.unknown_object": ErrorCode.OBJECT_NOT_FOUND,
    "ak.wwise.invalid_arguments": ErrorCode.INVALID_INPUT,
    "ak.wwise.query.invalid_query": ErrorCode.INVALID_INPUT,
    "ak.wwise.invalid_options": ErrorCode.INVALID_INPUT,
    "ak.wwise.invalid_json": ErrorCode.INVALID_INPUT,
    "ak.wwise.invalid_property": ErrorCode.INVALID_INPUT,
    "ak.wwise.invalid_reference": ErrorCode.INVALID_INPUT,
    "ak.wwise.invalid_type": ErrorCode.INVALID_INPUT,
    "ak.wwise.unknown_class_id": ErrorCode.INVALID_INPUT,
    "ak.wwise.invalid_language": ErrorCode.INVALID_INPUT,
    "ak.wwise.unknown_language": ErrorCode.INVALID_INPUT,
    "ak.wwise.unknown_platform": ErrorCode.INVALID_INPUT,
    "ak.wwise.schema_validation_failed": ErrorCode.INVALID_INPUT,
    "ak.wwise.file_error": ErrorCode.WAAPI_ERROR,
    "ak.wwise.invalid_procedure_uri": ErrorCode.WAAPI_ERROR,
    "wamp.error.no_such_procedure": ErrorCode.WAAPI_ERROR,
    "ak.wwise.unexpected_error": ErrorCode.WAAPI_ERROR,
}



def error_code(uri: str, kwargs: Mapping[str, Any]) -> ErrorCode:
    """The ErrorCode for a WAMP error ``uri`` with its ``kwargs`` (``message``, ``details``)."""
    message = str(kwargs.get("message") or "").lower()
    raw_details = kwargs.get("details")
    details: dict[str, Any] = raw_details if isinstance(raw_details, dict) else {}
    if uri.startswith("wamp.close.") or uri == "wamp.error.canceled":
        return ErrorCode.WAAPI_UNAVAILABLE  # the session ended under a pending call
    if uri in ("ak.wwise.invalid_arguments", "ak.wwise.query.invalid_query", "ak.wwise.invalid_reference"):
        if details.get("typeUri") == "ak.wwise.schema_validation_failed":
            return ErrorCode.INVALID_INPUT
        if "same name" in message or "already exists" in message or "name conflict" in message:
            return ErrorCode.NAME_CONFLICT
        if "not found" in message or ("is unknown" in message and "argument" not in message):
            return ErrorCode.OBJECT_NOT_FOUND
    return ERROR_CODES.get(uri, ErrorCode.WAAPI_ERROR)


def call_failure(uri: str, exc: CallFailed) -> Result:
    """The Result of a call to ``uri`` that Wwise answered with an error."""
    code = error_code(exc.uri, exc.kwargs)
    message = str(exc.kwargs.get("message") or exc.uri).strip()
    if code == ErrorCode.WWISE_LOCKED:
        sentence = (
            f"Wwise is locked ({message}): a modal dialog is probably open in Wwise "
            "Authoring. Close it, then run again."
        )
    elif code == ErrorCode.WAAPI_UNAVAILABLE:
        sentence = f"Wwise could not serve {uri} ({message}); make sure a project is open and retry."
    elif code == ErrorCode.OBJECT_NOT_FOUND:
        sentence = f"Wwise cannot find an object used by {uri}: {message}"
    elif code in (ErrorCode.INVALID_INPUT, ErrorCode.NAME_CONFLICT):
        sentence = f"Wwise rejected the arguments of {uri}: {message}"
    else:
        sentence = f"Wwise reported {exc.uri} for {uri}: {message}"
    return Result.failure(
        code, sentence, data={"uri": exc.uri, "details": exc.kwargs.get("details"), "message": message}
    )


def busy(uri: str) -> Result:
    """The connection stayed locked by another call for longer than a call may take."""
    return Result.failure(
        ErrorCode.WAAPI_TIMEOUT,
        f"The WAAPI connection stayed busy too long to send {uri}; another long call is running. "
        "Try again when it finished.",
    )


def not_found(ref: str, what: str) -> Result:
    """OBJECT_NOT_FOUND naming the reference the caller gave."""
    return Result.failure(
        ErrorCode.OBJECT_NOT_FOUND,
        f"The {what} {ref} does not exist in the Wwise project; check the path or id "
        "(it may have been renamed or deleted).",
    )
