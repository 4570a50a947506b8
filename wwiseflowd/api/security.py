"""The REST API's safety rules: loopback binding, the bearer token, the body size limit.

The file-path guard every front door shares lives in :mod:`wwiseflowd.operations.guard`.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import secrets
import threading
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


# -- editor sessions: one-time login token -> HttpOnly session cookie + CSRF header ---------------

SESSION_COOKIE = "wwiseflowd_session"
#: readable by the page, which echoes it in :data:`CSRF_HEADER` on every state-changing request
CSRF_COOKIE = "wwiseflowd_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SessionStore:
    """Editor sessions of one app, in memory (a restart signs everyone out, like Jupyter).

    ``wwiseflowd run`` prints an editor URL carrying a one-time login token; the page exchanges it
    (or the ``[server] token`` itself) for a session cookie. Each session has its CSRF secret.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._login_tokens: set[str] = set()
        self._sessions: dict[str, str] = {}  # session id -> csrf secret

    def issue_login_token(self) -> str:
        """A new one-time login token (valid until used or the daemon stops)."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._login_tokens.add(token)
        return token

    def login(self, given: str, server_token: str) -> tuple[str, str] | None:
        """``(session id, csrf secret)`` for a valid one-time token (consumed) or the server token."""
        with self._lock:
            one_time = next((t for t in self._login_tokens if hmac.compare_digest(t, given)), None)
            if one_time is not None:
                self._login_tokens.discard(one_time)
            elif not (server_token and hmac.compare_digest(given.encode(), server_token.encode())):
                return None
            session, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
            self._sessions[session] = csrf
            return session, csrf

    def logout(self, session: str | None) -> None:
        """Forget a session."""
        with self._lock:
            self._sessions.pop(session or "", None)

    def check(self, session: str | None, csrf: str | None, method: str) -> bool:
        """True for a known session whose request is safe or carries the session's CSRF secret."""
        if not session:
            return False
        with self._lock:
            expected = self._sessions.get(session)
        if expected is None:
            return False
        if method.upper() in SAFE_METHODS:
            return True
        return csrf is not None and hmac.compare_digest(csrf.encode(), expected.encode())

    def known(self, session: str | None) -> bool:
        """True when ``session`` is a live session id."""
        with self._lock:
            return bool(session) and session in self._sessions
