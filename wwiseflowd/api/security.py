"""The REST API's safety rules: loopback binding, the bearer token, the body size limit.

The file-path guard every front door shares lives in :mod:`wwiseflowd.operations.guard`.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# the path guard moved to the operations layer; these names stay importable from here
from wwiseflowd.operations.guard import PathGuard, is_file_key, is_path_like_key, path_fields
from wwiseflowd.results import ErrorCode, Result

if TYPE_CHECKING:
    from wwiseflowd.config import Settings

# -- binding and token -------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses (127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(settings: Settings) -> Result:
    """Refuse a non-loopback ``[server] host`` unless ``[server] token`` is set."""
    host = settings.server.host
    if is_loopback(host) or settings.server.token:
        return Result.success({"host": host})
    return Result.failure(
        ErrorCode.CONFIG_ERROR,
        f"Refusing to serve the REST API on {host!r} without a token: anyone on the network could "
        f'drive Wwise. Set [server] token in wwiseflowd.toml, or bind host = "127.0.0.1".',
    )


def token_matches(authorization: str | None, token: str) -> bool:
    """True when an ``Authorization: Bearer <token>`` header carries ``token`` (constant-time)."""
    if not authorization:
        return False
    scheme, _, given = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


# -- request body size ---------------------------------------------------------------------------


class BodySizeLimit:
    """ASGI middleware answering 413 PAYLOAD_TOO_LARGE once a request body exceeds ``max_bytes``.

    The body is read up front (it is bounded by the limit) and replayed to the app, so chunked
    uploads without a Content-Length are limited too.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                # client went away before sending the body: let the app see the disconnect
                chunks_message: Message = message
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                chunks_message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return chunks_message
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        result = Result.failure(
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"The request body is larger than {self.max_bytes} bytes. Send fewer files per request, "
            f"or raise [server] max_body_bytes in wwiseflowd.toml.",
        )
        body = json.dumps(result.model_dump(mode="json")).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})



__all__ = ["BodySizeLimit", "PathGuard", "check_bind", "is_file_key", "is_loopback", "is_path_like_key",
           "path_fields", "token_matches"]
