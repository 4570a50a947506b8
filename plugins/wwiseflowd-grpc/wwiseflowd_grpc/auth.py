"""Token auth through metadata: ``authorization: Bearer <[server] token>`` on every call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

from wwiseflowd.api.security import token_matches
from wwiseflowd.results import ErrorCode, Result
from wwiseflowd_grpc.status import abort

DENIED = Result.failure(
    ErrorCode.UNAUTHORIZED,
    "Missing or wrong token: send metadata 'authorization: Bearer <token>' with the [server] token from "
    "wwiseflowd.toml (the daemon's runtime.json holds it too).",
)


def _deny(request: Any, context: grpc.ServicerContext) -> Any:
    abort(context, DENIED)


class TokenInterceptor(grpc.ServerInterceptor):
    """Refuses (UNAUTHENTICATED, the Result in the details) any call without the token."""

    def __init__(self, token: str) -> None:
        self.token = token

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        """Pass the call on when its metadata carries the token, else answer with a refusal."""
        handler = continuation(details)
        metadata = dict(details.invocation_metadata or ())
        if handler is None or token_matches(metadata.get("authorization"), self.token):
            return handler
        return _refusal(handler)


def _refusal(handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    """A handler of the same shape (unary/stream) that refuses the call."""
    serializers = {"request_deserializer": handler.request_deserializer,
                   "response_serializer": handler.response_serializer}
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(_deny, **serializers)
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(_deny, **serializers)
    if handler.stream_unary is not None:
        return grpc.stream_unary_rpc_method_handler(_deny, **serializers)
    return grpc.stream_stream_rpc_method_handler(_deny, **serializers)
