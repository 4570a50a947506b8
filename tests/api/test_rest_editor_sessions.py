"""Editor sessions survive a daemon restart (they are kept in the state directory) without what is
on disk being enough to sign in; changing the server token, signing out or expiry end them."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import httpx

from tests.api.rest_support import make_settings, serving
from wwiseflowd.api.sessions import SESSIONS_FILE, SessionStore

TOKEN = "session-test-token"


def _sign_in(url: str, one_time: str) -> httpx.Client:
    browser = httpx.Client(base_url=url)
    assert browser.post("/auth/login", json={"token": one_time}).status_code == 200
    return browser


def _restarted(browser: httpx.Client, url: str) -> httpx.Client:
    """The same browser (its cookies) talking to the restarted daemon."""
    again = httpx.Client(base_url=url, cookies=browser.cookies)
    browser.close()
    return again


def test_a_signed_in_editor_stays_signed_in_across_a_daemon_restart(tmp_path: Path, waapi_sim: Any) -> None:
    settings = make_settings(tmp_path, waapi_sim.url, token=TOKEN)
    with serving(settings) as api:
        assert api.server is not None
        browser = _sign_in(api.url, api.server.editor_url().split("token=")[1])
        cookies = browser.cookies
    stored = settings.paths.state_dir / SESSIONS_FILE
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert cookies["wwiseflowd_session"] not in stored.read_text()  # only its digest is kept
    with serving(settings) as api:
        browser = _restarted(browser, api.url)
        assert browser.get("/nodes").status_code == 200
        csrf = {"X-CSRF-Token": browser.cookies["wwiseflowd_csrf"]}
        assert browser.post("/workflows/validate", json={"nodes": []}).status_code == 401  # CSRF still needed
        assert browser.post("/workflows/validate", json={"nodes": []}, headers=csrf).status_code != 401
        assert browser.post("/auth/logout", headers=csrf).status_code == 200
    with serving(settings) as api:
        browser = _restarted(httpx.Client(base_url=api.url, cookies=cookies), api.url)
        assert browser.get("/nodes").status_code == 401  # signed out before the restart
        browser.close()


def test_changing_the_server_token_signs_every_session_out(tmp_path: Path, waapi_sim: Any) -> None:
    with serving(make_settings(tmp_path, waapi_sim.url, token=TOKEN)) as api:
        browser = _sign_in(api.url, TOKEN)
    with serving(make_settings(tmp_path, waapi_sim.url, token="a-new-token")) as api:
        browser = _restarted(browser, api.url)
        assert browser.get("/nodes").status_code == 401
        assert browser.get("/auth/session").json() == {"authenticated": False, "tokenRequired": True}
        browser.close()


def test_an_expired_session_is_refused_and_not_written_again(tmp_path: Path) -> None:
    path = tmp_path / SESSIONS_FILE
    sessions = SessionStore(path, TOKEN, max_age_s=-1)  # every session is born expired
    issued = sessions.login(TOKEN, TOKEN)
    assert issued is not None and not sessions.known(issued[0])
    assert json.loads(path.read_text())["sessions"] == {}
    assert not SessionStore(path, TOKEN).known(issued[0])


def test_a_damaged_sessions_file_signs_editors_out_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / SESSIONS_FILE
    path.write_text("{not json")
    sessions = SessionStore(path, TOKEN)
    assert not sessions.known("anything")
    issued = sessions.login(TOKEN, TOKEN)
    assert issued is not None and SessionStore(path, TOKEN).known(issued[0])
