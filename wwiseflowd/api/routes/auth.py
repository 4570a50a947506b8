"""``/auth``: the editor's sign-in. A one-time login token (printed by ``wwiseflowd run``) or the
``[server] token`` becomes an HttpOnly, SameSite=Strict session cookie plus a CSRF secret."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from wwiseflowd.api.deps import SettingsDep
from wwiseflowd.api.errors import ApiError, error_responses, result_response
from wwiseflowd.api.security import token_matches
from wwiseflowd.api.sessions import CSRF_COOKIE, SESSION_COOKIE, SESSION_MAX_AGE_S, SessionStore
from wwiseflowd.results import ErrorCode, Result

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginRequest(BaseModel):
    """The one-time login token from the editor URL, or the server token."""

    token: str = Field(min_length=1, max_length=512)


class SessionInfo(BaseModel):
    """Whether this browser may use the API."""

    authenticated: bool
    tokenRequired: bool


@router.get(
    "/session",
    operation_id="getSession",
    response_model=SessionInfo,
    summary="Is this browser signed in?",
    responses=error_responses(),
)
def get_session(request: Request, settings: SettingsDep) -> Any:
    """``tokenRequired`` is false when no ``[server] token`` is set (loopback only)."""
    token = settings.server.token
    sessions: SessionStore = request.app.state.sessions
    signed_in = sessions.known(request.cookies.get(SESSION_COOKIE)) or (
        bool(token) and token_matches(request.headers.get("authorization"), token or "")
    )
    return {"authenticated": bool(signed_in) or not token, "tokenRequired": bool(token)}


@router.post(
    "/login",
    operation_id="login",
    response_model=Result,
    summary="Exchange a login token for a session cookie",
    responses=error_responses(400, 401, 422),
)
def login(body: LoginRequest, request: Request, settings: SettingsDep) -> Response:
    """Sets the ``wwiseflowd_session`` (HttpOnly) and ``wwiseflowd_csrf`` cookies, both SameSite=Strict."""
    sessions: SessionStore = request.app.state.sessions
    issued = sessions.login(body.token, settings.server.token or "")
    if issued is None:
        raise ApiError.of(
            ErrorCode.UNAUTHORIZED,
            "This login token is wrong or was already used: open the newest editor URL that "
            "`wwiseflowd run` printed, or paste the [server] token from wwiseflowd.toml.",
        )
    session, csrf = issued
    response = result_response(Result.success({"authenticated": True}))
    # both last as long as the session, which outlives a daemon restart (api/sessions.py)
    age = int(SESSION_MAX_AGE_S)
    response.set_cookie(SESSION_COOKIE, session, max_age=age, httponly=True, samesite="strict", path="/")
    response.set_cookie(CSRF_COOKIE, csrf, max_age=age, httponly=False, samesite="strict", path="/")
    return response


@router.post(
    "/logout",
    operation_id="logout",
    response_model=Result,
    summary="End this browser's session",
    responses=error_responses(),
)
def logout(request: Request) -> Response:
    """Forgets the session and clears its cookies."""
    sessions: SessionStore = request.app.state.sessions
    sessions.logout(request.cookies.get(SESSION_COOKIE))
    response = result_response(Result.success({"authenticated": False}))
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response
