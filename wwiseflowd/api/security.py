"""The REST API's safety rules: loopback binding, the bearer token (also on the docs routes), the
body size and nesting limits, and the Host/Origin checks against DNS rebinding and cross-site posts.

The file-path guard every front door shares lives in :mod:`wwiseflowd.operations.guard`.
"""

from __future__ import annotations

import hmac
import ipaddress
import itertools
import json
import operator
import re
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# editor sessions live in api/sessions.py; these names stay importable from here
from wwiseflowd.api.sessions import CSRF_COOKIE, CSRF_HEADER, SAFE_METHODS, SESSION_COOKIE, SessionStore
from wwiseflowd.documents import MAX_NESTING

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
        body = chunks_message.get("body", b"")
        if b"\x00" in body:  # UTF-16/32 JSON: json.loads would decode it, but the scan reads bytes
            await send_result(send, 400, not_utf8_refusal())
            return
        if json_nesting_exceeds(body):
            await send_result(send, 400, nesting_refusal())
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return chunks_message
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        await send_result(
            send,
            413,
            Result.failure(
                ErrorCode.PAYLOAD_TOO_LARGE,
                f"The request body is larger than {self.max_bytes} bytes. Send fewer files per request, "
                f"or raise [server] max_body_bytes in wwiseflowd.toml.",
            ),
        )


async def send_result(send: Send, status: int, result: Result, headers: dict[str, str] | None = None) -> None:
    """Answer with a Result body from ASGI middleware (where no route or exception handler runs)."""
    body = json.dumps(result.model_dump(mode="json")).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


# -- nesting ---------------------------------------------------------------------------------------

#: a JSON string, escapes included; an unterminated one runs to the end (so every match is linear)
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
#: every byte but the six that decide nesting: brackets, braces, quotes and backslashes
_NOT_STRUCTURE = bytes(c for c in range(256) if c not in b'[]{}"\\')
#: every byte but brackets, braces and quotes
_NOT_BRACKET_OR_QUOTE = bytes(c for c in range(256) if c not in b'[]{}"')
#: passes of :func:`_empties_within` at most: a workflow nests four or five levels, and a body that
#: needs more passes (a hostile one) goes to the exact count without first being copied 2 x 32 times
_PEEL_PASSES = 8
#: openers to 2 and closers to 0, so a running sum minus the position is the depth
_STEPS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


def json_nesting_exceeds(body: bytes, limit: int = MAX_NESTING) -> bool:
    """True when the JSON text ``body`` nests objects/arrays deeper than ``limit``; done before
    anything recursive parses the body. Linear, and in C but for one pass over the brackets: strings
    are cut out (a backslash outside a string is ignored, as no escape), then the depth after each
    bracket is the running sum of +1/-1."""
    if b'\\"' in body:  # an escaped quote (or an escaped backslash before a closing one)
        brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_STRUCTURE).translate(None, b'\\"')
    else:  # no backslash before any quote: quotes pair up in order, what lies between pairs is outside
        # two adjacent quotes hold nothing between them and leave every other byte's side of a string
        # as it was: most strings hold no bracket, so this drops nearly all quotes at C speed
        brackets = body.translate(None, _NOT_BRACKET_OR_QUOTE).replace(b'""', b"")
        if b'"' in brackets:
            brackets = b"".join(brackets.split(b'"')[::2])
    if len(brackets) <= limit or _empties_within(brackets, min(limit // 2, _PEEL_PASSES)):
        return False
    depths = map(operator.sub, itertools.accumulate(brackets.translate(_STEPS)), itertools.count(1))
    return max(depths) > limit


def _empties_within(brackets: bytes, passes: int) -> bool:
    """True when removing the innermost ``[]`` and ``{}`` pairs ``passes`` times leaves nothing: the
    brackets then nest at most ``2 * passes`` deep (one pass removes at most two levels: ``{[]}``).
    Shallow documents, nearly all of them, are cleared in a few passes of ``bytes.replace``."""
    for _ in range(passes):
        shorter = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if not shorter:
            return True
        if len(shorter) == len(brackets):
            return False  # mismatched brackets (not JSON): the exact count decides
        brackets = shorter
    return False


def not_utf8_refusal() -> Result:
    """The 400 answer to a body holding NUL bytes: JSON in UTF-16 or UTF-32 (or not JSON at all).
    UTF-8 JSON never holds one (a NUL inside a string is written ``\\u0000``)."""
    return _body_refusal("The request body holds NUL bytes: send JSON encoded as UTF-8 (not UTF-16 or "
                         "UTF-32).", "the body is not UTF-8 JSON")


def nesting_refusal(limit: int = MAX_NESTING) -> Result:
    """The 400 answer to a body nested deeper than ``limit``."""
    return _body_refusal(f"The request body nests objects or arrays more than {limit} levels deep; "
                         f"flatten it (the limit is documented in docs/rest.md).",
                         f"nesting deeper than {limit} levels")


def _body_refusal(sentence: str, problem: str) -> Result:
    """An INVALID_INPUT answer to a body refused before it is parsed, with its one ``data.errors`` entry."""
    return Result.failure(
        ErrorCode.INVALID_INPUT,
        sentence,
        {"errors": [{"nodeId": None, "field": None, "code": ErrorCode.INVALID_INPUT.value,
                     "message": problem}]},
    )


# -- Host and Origin (DNS rebinding, cross-site requests) --------------------------------------------

#: methods that change something; a cross-site Origin is refused for these
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _host_name(value: str) -> str:
    """The host part of a ``Host`` header or an Origin's netloc, lower-case, without port/brackets."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value[1:]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class HostOriginGuard:
    """Refuses requests that a web page on another site could make through the user's browser.

    * ``Host`` must name this machine's loopback (``localhost``, 127.0.0.0/8, ``::1``), the host the
      server is bound to, or one of ``[server] allowed_hosts``: a page that re-points its own domain
      at 127.0.0.1 (DNS rebinding) sends its own domain as Host and gets 403.
    * A state-changing request (POST, PUT, PATCH, DELETE) carrying an ``Origin`` must come from an
      allowed host or a ``[server] cors_origins`` entry; any other site gets 403.

    Other edge checks (an editor's cookie session, say) can reuse :meth:`host_allowed` and
    :meth:`origin_allowed`.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        server = settings.server
        bound = server.host.strip().lower().strip("[]")
        wildcard = bound in ("0.0.0.0", "::", "")
        self.hosts = {h.strip().lower().strip("[]") for h in server.allowed_hosts}
        if not wildcard:
            self.hosts.add(bound)
        self.origins = {o.rstrip("/").lower() for o in server.cors_origins}

    def host_allowed(self, host_header: str | None) -> bool:
        """True for a loopback host name or an allowed one (``None``: no Host, HTTP/1.0 on loopback)."""
        if host_header is None:
            return True
        name = _host_name(host_header)
        return is_loopback(name) or name in self.hosts

    def origin_allowed(self, origin: str) -> bool:
        """True when ``origin`` (``scheme://host[:port]``) is this server's own kind of origin."""
        origin = origin.strip().rstrip("/").lower()
        if origin in self.origins:
            return True
        _scheme, sep, netloc = origin.partition("://")
        return bool(sep) and self.host_allowed(netloc)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers") or []}
        host = headers.get("host")
        if not self.host_allowed(host):
            await send_result(send, 403, Result.failure(
                ErrorCode.FORBIDDEN,
                f"Host {host!r} is not this machine's loopback nor in [server] allowed_hosts; the API "
                f"answers only requests addressed to it (a protection against DNS rebinding).",
            ))
            return
        origin = headers.get("origin")
        if origin is not None and scope.get("method") in STATE_CHANGING and not self.origin_allowed(origin):
            await send_result(send, 403, Result.failure(
                ErrorCode.FORBIDDEN,
                f"Requests that change something are refused from the web origin {origin!r}; add it to "
                f"[server] cors_origins if it is yours.",
            ))
            return
        await self.app(scope, receive, send)


# -- the API documentation behind the token ------------------------------------------------------------

#: FastAPI's documentation routes, which no route dependency covers
DOC_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


class DocsNeedToken:
    """With ``[server] token`` set, ``/docs``, ``/redoc`` and ``/openapi.json`` need it too."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.token and scope["type"] == "http" and scope.get("path") in DOC_PATHS:
            headers = dict(scope.get("headers") or [])
            given = headers.get(b"authorization")
            if not token_matches(given.decode("latin-1") if given else None, self.token):
                await send_result(send, 401, unauthorized(), {"WWW-Authenticate": "Bearer"})
                return
        await self.app(scope, receive, send)


def unauthorized() -> Result:
    """The 401 answer: what to send, and where the token is configured."""
    return Result.failure(
        ErrorCode.UNAUTHORIZED,
        "Missing or wrong bearer token: send 'Authorization: Bearer <token>' with the [server] token "
        "of wwiseflowd.toml (or the WWISEFLOWD_SERVER__TOKEN environment variable, if set there).",
    )


__all__ = ["CSRF_COOKIE", "CSRF_HEADER", "SAFE_METHODS", "SESSION_COOKIE", "BodySizeLimit", "DocsNeedToken",
           "HostOriginGuard", "PathGuard", "SessionStore", "check_bind", "is_file_key", "is_loopback",
           "is_path_like_key", "json_nesting_exceeds", "path_fields", "token_matches"]
