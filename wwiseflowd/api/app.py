"""The REST app factory: ``create_app(engine=None, settings=None, status=None) -> FastAPI``.

With an ``engine`` (the daemon's), the app uses it and leaves its lifecycle to the caller; without
one, the lifespan starts an Engine from ``settings`` and closes it at shutdown. Every answer that
is not a success is a Result body (see errors.py).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from loguru import logger
from starlette.exceptions import HTTPException as StarletteHTTPException

from wwiseflowd import __version__
from wwiseflowd.api.deps import require_token
from wwiseflowd.api.editor import ASSETS_PREFIX, EditorPages, assets_app
from wwiseflowd.api.errors import ApiError, result_response
from wwiseflowd.api.metrics import ApiMetrics
from wwiseflowd.api.routes import ROUTERS
from wwiseflowd.api.security import BodySizeLimit, DocsNeedToken, HostOriginGuard
from wwiseflowd.api.sessions import SESSIONS_FILE, SessionStore
from wwiseflowd.config import Settings, load_config
from wwiseflowd.engine import Engine
from wwiseflowd.operations import PathGuard
from wwiseflowd.results import ErrorCode, Result
from wwiseflowd.store.doctor import StateFileCorrupt

DESCRIPTION = """The REST front door of wwiseflowd: validate and run workflows, follow their progress,
run single Wwise commands, and watch the daemon's health. Every error body is a Result
`{"ok": false, "data", "error", "code"}`; `code` comes from one enum (see docs/rest.md)."""

#: HTTP statuses FastAPI/Starlette raise themselves, and the code their Result carries
_HTTP_CODES = {404: ErrorCode.NOT_FOUND, 401: ErrorCode.UNAUTHORIZED, 403: ErrorCode.FORBIDDEN}


def create_app(
    engine: Engine | None = None,
    settings: Settings | None = None,
    status: Callable[[], dict[str, Any]] | None = None,
    *,
    metrics: ApiMetrics | None = None,
    sessions: SessionStore | None = None,
) -> FastAPI:
    """Build the FastAPI app over ``engine`` (or over one the lifespan creates from ``settings``).

    ``metrics`` and ``sessions`` come from a server that has them before the app exists
    (:class:`~wwiseflowd.api.server.ApiServer` builds the app on its first request, and follows
    the engine's events and signs the editor in from its start); given metrics are left to it."""
    if settings is None:
        settings = engine.settings if engine is not None else load_config().settings
    app = FastAPI(
        title="wwiseflowd",
        version=__version__,
        description=DESCRIPTION,
        lifespan=_lifespan(settings, own_metrics=metrics is None),
        dependencies=[Depends(require_token)],
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.status = status
    app.state.guard = PathGuard.from_settings(settings)
    #: the service layer over app.state.engine (built on first use: the lifespan may start the engine)
    app.state.operations = None
    #: editor sign-in: one-time login tokens and session cookies, kept in the state dir (api/sessions.py)
    app.state.sessions = sessions or SessionStore(settings.paths.state_dir / SESSIONS_FILE,
                                                  settings.server.token)
    app.state.metrics = metrics or ApiMetrics(status)
    #: set when the server stops, so open event streams end
    app.state.stopping = threading.Event()

    for router in ROUTERS:
        app.include_router(router)
    app.mount(ASSETS_PREFIX, assets_app(), name="editor-assets")
    _install_error_handlers(app)

    _install_middleware(app, settings)
    return app


def _lifespan(settings: Settings, *, own_metrics: bool) -> Callable[[FastAPI], Any]:
    """The app's lifespan: an engine from ``settings`` when none was given (closed at the end), the
    metrics follower when the app owns it, and ``stopping`` set when the app stops."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned: Engine | None = None
        if app.state.engine is None:
            owned = Engine(settings)
            # waapi-client must never be built on the event loop's thread
            await anyio.to_thread.run_sync(owned.start)
            app.state.engine = owned
        app.state.stopping.clear()
        if own_metrics:
            app.state.metrics.start(app.state.engine)
        try:
            yield
        finally:
            app.state.stopping.set()
            if own_metrics:
                app.state.metrics.stop()
            if owned is not None:
                await anyio.to_thread.run_sync(owned.close)
                app.state.engine = None

    return lifespan


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(BodySizeLimit, max_bytes=settings.server.max_body_bytes)
    app.add_middleware(EditorPages)
    app.add_middleware(DocsNeedToken, token=settings.server.token)
    app.add_middleware(HostOriginGuard, settings=settings)  # outermost: checked before anything else
    if settings.server.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.server.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def on_api_error(request: Request, exc: ApiError) -> Response:
        return result_response(exc.result, exc.status, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def on_invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = [_validation_problem(err) for err in exc.errors()]
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            result = Result.failure(
                ErrorCode.INVALID_INPUT, "The request body is not valid JSON.", {"errors": errors}
            )
            return result_response(result, 400)
        first = errors[0]["message"] if errors else "invalid request"
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        result = Result.failure(
            ErrorCode.INVALID_INPUT, f"The request is invalid: {first}{more}.", {"errors": errors}
        )
        return result_response(result, 422)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, ErrorCode.INVALID_INPUT)
        sentence = {
            404: f"No route {request.url.path}; see /docs for the API.",
            405: f"{request.method} is not allowed on {request.url.path}; see /docs for the API.",
        }.get(exc.status_code, f"{exc.detail}")
        headers = dict(exc.headers) if exc.headers else None
        return result_response(Result.failure(code, sentence), exc.status_code, headers)

    @app.exception_handler(StateFileCorrupt)
    async def on_damaged_state(request: Request, exc: StateFileCorrupt) -> Response:
        return result_response(Result.failure(exc.code, str(exc)), 503)  # not a bug: the file and the way out

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> Response:
        logger.opt(exception=exc).error("Unexpected error answering {} {}", request.method, request.url.path)
        result = Result.failure(
            ErrorCode.INTERNAL,
            f"Unexpected error ({type(exc).__name__}) answering {request.method} {request.url.path}; "
            f"this is a bug: the daemon log has the traceback.",
        )
        return result_response(result, 500)


def _validation_problem(err: Any) -> dict[str, Any]:
    location = [str(part) for part in err.get("loc", ()) if part not in ("body",)]
    field = ".".join(location) or None
    return {
        "nodeId": None,
        "field": field,
        "code": ErrorCode.INVALID_INPUT.value,
        "message": f"{field}: {err.get('msg')}" if field else str(err.get("msg")),
        "type": err.get("type"),
    }
