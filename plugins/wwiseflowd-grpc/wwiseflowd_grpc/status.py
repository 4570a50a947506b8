"""Failed Results as gRPC statuses: the one map from error codes to status codes.

The Result travels in the status details (``google.rpc.Status`` holding a ``ResultDetail``), so a
client gets the code, the sentence and ``data`` (e.g. every compile error) as REST gives them.
"""

from __future__ import annotations

from typing import NoReturn

import grpc
from google.protobuf import any_pb2
from google.rpc import status_pb2
from grpc_status import rpc_status

from wwiseflowd.results import ErrorCode, Result
from wwiseflowd_grpc import wwiseflow_pb2 as pb

_S = grpc.StatusCode
#: the gRPC status for each error code (the REST map's counterpart in api/errors.py)
STATUS_BY_CODE: dict[ErrorCode, grpc.StatusCode] = {
    ErrorCode.INVALID_INPUT: _S.INVALID_ARGUMENT,
    ErrorCode.UNKNOWN_NODE_TYPE: _S.INVALID_ARGUMENT,
    ErrorCode.CYCLE_DETECTED: _S.INVALID_ARGUMENT,
    ErrorCode.INVALID_REFERENCE: _S.INVALID_ARGUMENT,
    ErrorCode.AMBIGUOUS_WIRING: _S.INVALID_ARGUMENT,
    ErrorCode.INVALID_AUDIO: _S.INVALID_ARGUMENT,
    ErrorCode.FILE_NOT_FOUND: _S.NOT_FOUND,
    ErrorCode.AUDIO_CHANGED: _S.FAILED_PRECONDITION,
    ErrorCode.OBJECT_NOT_FOUND: _S.NOT_FOUND,
    ErrorCode.NOT_FOUND: _S.NOT_FOUND,
    ErrorCode.NAME_CONFLICT: _S.ALREADY_EXISTS,
    ErrorCode.CONFLICT: _S.ALREADY_EXISTS,
    ErrorCode.WAAPI_ERROR: _S.FAILED_PRECONDITION,
    ErrorCode.BACKEND_ERROR: _S.FAILED_PRECONDITION,
    ErrorCode.CREATE_FAILED: _S.FAILED_PRECONDITION,
    ErrorCode.IMPORT_FAILED: _S.FAILED_PRECONDITION,
    ErrorCode.RENDER_FAILED: _S.FAILED_PRECONDITION,
    ErrorCode.ROLLED_BACK: _S.ABORTED,
    ErrorCode.INTERRUPTED: _S.ABORTED,
    ErrorCode.CANCELLED: _S.CANCELLED,
    ErrorCode.WWISE_LOCKED: _S.UNAVAILABLE,
    ErrorCode.WAAPI_UNAVAILABLE: _S.UNAVAILABLE,
    ErrorCode.BACKEND_UNAVAILABLE: _S.UNAVAILABLE,
    ErrorCode.REAPER_UNAVAILABLE: _S.UNAVAILABLE,
    ErrorCode.WAAPI_TIMEOUT: _S.DEADLINE_EXCEEDED,
    ErrorCode.TIMEOUT: _S.DEADLINE_EXCEEDED,
    ErrorCode.UNAUTHORIZED: _S.UNAUTHENTICATED,
    ErrorCode.FORBIDDEN: _S.PERMISSION_DENIED,
    ErrorCode.PAYLOAD_TOO_LARGE: _S.RESOURCE_EXHAUSTED,
    ErrorCode.PLUGIN_ERROR: _S.INTERNAL,
    ErrorCode.CONFIG_ERROR: _S.INTERNAL,
    ErrorCode.STATE_FILE_CORRUPT: _S.UNAVAILABLE,
    ErrorCode.INTERNAL: _S.INTERNAL,
}


def status_code(result: Result) -> grpc.StatusCode:
    """The status a failed ``result`` answers with (UNKNOWN for a code not in the map)."""
    try:
        return STATUS_BY_CODE[ErrorCode(result.code or "")]
    except ValueError:
        return _S.UNKNOWN


def to_status(result: Result) -> grpc.Status:
    """``result`` as a rich gRPC status: code, the sentence as message, a ResultDetail in details."""
    detail = any_pb2.Any()
    detail.Pack(pb.ResultDetail(code=result.code or "", error=result.error or "",
                                result_json=result.model_dump_json()))
    status = status_pb2.Status(code=status_code(result).value[0], message=result.error or "",
                               details=[detail])
    return rpc_status.to_status(status)


def abort(context: grpc.ServicerContext, result: Result) -> NoReturn:
    """End the call with ``result``'s status (raises, as ``context.abort`` does)."""
    context.abort_with_status(to_status(result))
    raise AssertionError("abort_with_status returned")  # it always raises


def result_of(error: grpc.RpcError) -> Result | None:
    """Client side: the Result a failed call carried in its details (None when it has none)."""
    status = rpc_status.from_call(error)
    for detail in status.details if status is not None else []:
        unpacked = pb.ResultDetail()
        if detail.Unpack(unpacked):
            return Result.model_validate_json(unpacked.result_json)
    return None
