"""Dependencies that hand routes what they need: the operations layer, the engine, settings, auth.

They are ``async def`` because none blocks: FastAPI would run plain ``def`` ones on the threadpool,
one thread hop each per request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from wwiseflowd.api.errors import ApiError
from wwiseflowd.api.security import (
    CSRF_COOKIE,
    CSRF_HEADER,
    SESSION_COOKIE,
    SessionStore,
    token_matches,
)
from wwiseflowd.config import Settings
from wwiseflowd.engine import Engine
from wwiseflowd.operations import LocalOperations
from wwiseflowd.results import ErrorCode

StatusFn = Callable[[], dict[str, Any]]

#: reachable without credentials: the editor's page and its sign-in
PUBLIC_PATHS = frozenset({"/", "/auth/session", "/auth/login", "/auth/logout"})

#: documents bearer auth in OpenAPI; the check itself is :func:`require_token`
bearer_scheme = HTTPBearer(auto_error=False, description="[server] token from wwiseflowd.toml, when set.")


async def get_engine(request: Request) -> Engine:
    """The engine the lifespan owns or was given."""
    engine: Engine | None = request.app.state.engine
    if engine is None:
        raise ApiError.of(ErrorCode.WAAPI_UNAVAILABLE, "The engine is not running yet; retry in a moment.")
    return engine


async def get_operations(request: Request) -> LocalOperations:
    """The service layer over the app's engine (guarded by ``[server] allowed_roots``)."""
    engine = await get_engine(request)
    ops: LocalOperations | None = request.app.state.operations
    if ops is None or ops.engine is not engine:
        ops = LocalOperations(engine, request.app.state.guard, request.app.state.status, source="rest")
        request.app.state.operations = ops
    return ops


async def get_settings(request: Request) -> Settings:
    """The effective settings of this app."""
    settings: Settings = request.app.state.settings
    return settings


async def get_status(request: Request) -> StatusFn | None:
    """The daemon's status callable, or None when the API runs without a daemon."""
    status: StatusFn | None = request.app.state.status
    return status


async def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> None:
    """401 UNAUTHORIZED unless ``[server] token`` is unset, the request carries it as a bearer token,
    or it comes from a signed-in editor session (with its CSRF header when it changes something)."""
    token = request.app.state.settings.server.token
    if not token or request.url.path in PUBLIC_PATHS:
        return
    if token_matches(request.headers.get("authorization"), token):
        return
    sessions: SessionStore = request.app.state.sessions
    session = request.cookies.get(SESSION_COOKIE)
    if sessions.check(session, request.headers.get(CSRF_HEADER), request.method):
        return
    if sessions.known(session):
        raise ApiError.of(
            ErrorCode.UNAUTHORIZED,
            f"The editor session's CSRF header is missing or wrong: send '{CSRF_HEADER}' with the value of "
            f"the {CSRF_COOKIE} cookie on every request that changes something.",
        )
    raise ApiError.of(
        ErrorCode.UNAUTHORIZED,
        "Missing or wrong bearer token: send 'Authorization: Bearer <token>' with the [server] token "
        "from wwiseflowd.toml (the daemon's runtime.json holds it too).",
        headers={"WWW-Authenticate": "Bearer"},
    )


EngineDep = Annotated[Engine, Depends(get_engine)]
OpsDep = Annotated[LocalOperations, Depends(get_operations)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
StatusDep = Annotated[StatusFn | None, Depends(get_status)]
