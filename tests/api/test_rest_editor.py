"""The editor's side of the REST API: its pages, workflow-file writes with conflict detection,
the drop-folder status, and sign-in (one-time token -> HttpOnly session cookie + CSRF header)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.rest_support import Api, four_node_workflow, make_settings, serving
from wwiseflowd.api.editor import editor_built

TOKEN = "editor-test-token"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
needs_build = pytest.mark.skipif(not editor_built(), reason="the editor is not built: `make ui`")


@pytest.fixture
def secured(tmp_path: Path, waapi_sim: Any) -> Iterator[Api]:
    with serving(make_settings(tmp_path, waapi_sim.url, token=TOKEN)) as api:
        yield api


def _flow(api: Api) -> dict[str, Any]:
    return four_node_workflow(api.audio / "missing.wav")


@needs_build
def test_the_editor_page_is_served_at_root_and_its_assets_under_ui(api: Api) -> None:
    page = api.http.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    asset = page.text.split('src="')[1].split('"')[0]
    assert asset.startswith("/ui/assets/")
    assert api.http.get(asset).status_code == 200


@needs_build
def test_client_routes_answer_a_browser_with_the_page_and_other_clients_with_json(api: Api) -> None:
    for path in ("/executions", "/executions/exec_123", "/drops"):
        assert api.http.get(path, headers=HTML).headers["content-type"].startswith("text/html"), path
    assert api.http.get("/executions").json()["items"] == []
    assert api.http.get("/executions/exec_123").json()["code"] == "NOT_FOUND"
    assert api.http.get("/drops").json() == {
        "running": False,
        "rules": [],
        "files": [],
        "waitingBatches": [],
        "batches": [],
        "failures": [],
    }


def test_saving_creates_a_file_and_a_stale_version_is_a_conflict(api: Api) -> None:
    folder = api.settings.paths.workflows_dir
    created = api.http.put("/workflows/my-flow", json={"document": _flow(api), "version": None})
    assert created.status_code == 200, created.text
    body = created.json()
    path = folder / "my-flow.json"
    assert body["file"] == str(path) and body["ok"] is True
    on_disk = json.loads(path.read_text())
    assert on_disk["id"] == "my-flow" and on_disk["nodes"][0]["position"] == {"x": 0, "y": 0}
    # creating again without naming the version is refused: it would overwrite someone's file
    again = api.http.put("/workflows/my-flow", json={"document": _flow(api), "version": None})
    assert again.status_code == 409 and again.json()["code"] == "CONFLICT"
    # the version read back saves; then a hand edit makes that version stale
    version = api.http.get("/workflows/my-flow").json()["version"]
    assert version == body["version"]
    saved = api.http.put(
        "/workflows/my-flow", json={"document": {**_flow(api), "name": "v2"}, "version": version}
    )
    assert saved.status_code == 200
    path.write_text(path.read_text().replace("v2", "by hand"))
    stale = api.http.put(
        "/workflows/my-flow", json={"document": _flow(api), "version": saved.json()["version"]}
    )
    assert stale.status_code == 409 and "changed on disk" in stale.json()["error"]
    assert "by hand" in path.read_text()
    forced = api.http.put("/workflows/my-flow", json={"document": _flow(api), "version": "*"})
    assert forced.status_code == 200 and "by hand" not in path.read_text()


def test_a_draft_that_does_not_compile_is_saved_with_its_errors(api: Api) -> None:
    draft = {"nodes": [{"id": "a", "type": "createSound", "data": {}}]}
    saved = api.http.put("/workflows/draft", json={"document": draft})
    assert saved.status_code == 200
    assert saved.json()["ok"] is False and saved.json()["errors"][0]["nodeId"] == "a"


def test_a_workflow_id_that_is_not_a_file_name_is_refused(api: Api) -> None:
    refused = api.http.put("/workflows/..%2Fevil", json={"document": _flow(api)})
    assert refused.status_code in (404, 422)
    refused = api.http.put("/workflows/.hidden", json={"document": _flow(api)})
    assert refused.status_code == 422 and refused.json()["code"] == "INVALID_INPUT"


def test_rename_duplicate_and_delete_a_workflow_file(api: Api) -> None:
    folder = api.settings.paths.workflows_dir
    api.http.put("/workflows/one", json={"document": _flow(api)})
    copy = api.http.post("/workflows/one/duplicate", json={"newId": "two"})
    assert copy.status_code == 200 and (folder / "two.json").is_file() and (folder / "one.json").is_file()
    taken = api.http.post("/workflows/one/rename", json={"newId": "two"})
    assert taken.status_code == 409
    renamed = api.http.post("/workflows/one/rename", json={"newId": "three"})
    assert renamed.status_code == 200 and renamed.json()["id"] == "three"
    assert (
        not (folder / "one.json").exists()
        and json.loads((folder / "three.json").read_text())["id"] == "three"
    )
    assert api.http.delete("/workflows/three").status_code == 200
    assert not (folder / "three.json").exists()
    assert api.http.delete("/workflows/three").json()["code"] == "NOT_FOUND"
    assert [w["id"] for w in api.http.get("/workflows").json()] == ["two"]


def test_runs_from_the_editor_are_recorded_with_source_editor(api: Api, wav: Path) -> None:
    flow = four_node_workflow(wav)
    ran = api.http.post("/workflows/execute", json=flow, headers={"X-Wwiseflowd-Source": "editor"})
    assert ran.status_code == 200 and ran.json()["source"] == "editor"
    assert api.http.post("/workflows/execute", json=flow).json()["source"] == "rest"


def test_a_one_time_login_token_becomes_an_httponly_strict_session_cookie(secured: Api) -> None:
    assert secured.server is not None
    # what `wwiseflowd run` logs: the editor URL with a fresh one-time token
    url = secured.server.editor_url()
    assert url.startswith(f"{secured.url}/?token=")
    otp = url.split("token=")[1]
    with httpx.Client(base_url=secured.url) as browser:
        assert browser.get("/nodes").status_code == 401
        assert browser.get("/auth/session").json() == {"authenticated": False, "tokenRequired": True}
        login = browser.post("/auth/login", json={"token": otp})
        assert login.status_code == 200
        cookies = login.headers.get_list("set-cookie")
        session_cookie = next(c for c in cookies if c.startswith("wwiseflowd_session="))
        assert "HttpOnly" in session_cookie and "SameSite=strict" in session_cookie
        csrf_cookie = next(c for c in cookies if c.startswith("wwiseflowd_csrf="))
        assert "HttpOnly" not in csrf_cookie and "SameSite=strict" in csrf_cookie
        assert browser.get("/auth/session").json()["authenticated"] is True
        assert browser.get("/nodes").status_code == 200
        # a state-changing request needs the CSRF header as well as the cookie
        body = _flow(secured)
        no_csrf = browser.post("/workflows/validate", json=body)
        assert no_csrf.status_code == 401 and "CSRF" in no_csrf.json()["error"]
        csrf = browser.cookies["wwiseflowd_csrf"]
        assert (
            browser.post("/workflows/validate", json=body, headers={"X-CSRF-Token": csrf}).status_code != 401
        )
        assert (
            browser.post("/workflows/validate", json=body, headers={"X-CSRF-Token": "forged"}).status_code
            == 401
        )
    with httpx.Client(base_url=secured.url) as other:
        reused = other.post("/auth/login", json={"token": otp})
        assert reused.status_code == 401 and "already used" in reused.json()["error"]
        assert other.post("/auth/login", json={"token": TOKEN}).status_code == 200


def test_file_browsing_lists_only_the_allowed_roots_and_their_audio(api: Api, wav: Path) -> None:
    (api.audio / "notes.txt").write_text("not audio")
    roots = api.http.get("/files").json()
    assert [entry["path"] for entry in roots["entries"]] == [str(api.audio.resolve())]
    listed = api.http.get("/files", params={"path": str(api.audio)}).json()
    assert [entry["name"] for entry in listed["entries"]] == ["Footstep_01.wav"]
    assert listed["parent"] is None  # the root's parent is outside the roots
    outside = api.http.get("/files", params={"path": str(api.audio / "..")})
    assert outside.status_code == 403 and outside.json()["code"] == "FORBIDDEN"
