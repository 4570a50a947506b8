"""The API's safety rules: token, loopback bind, allowed roots, body size, CORS, Result-only errors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.rest_support import Api, four_node_workflow, make_settings, serving
from wwiseflowd.api import ApiServer, ApiServerError
from wwiseflowd.api.security import PathGuard, is_file_key, is_loopback, token_matches
from wwiseflowd.config import DEFAULT_TARGET, settings_for_tests
from wwiseflowd.default_plugins.wwise.wav import write_wav
from wwiseflowd.engine import Engine

TOKEN = "correct horse battery staple"


@pytest.fixture
def secured(tmp_path: Path, waapi_sim: Any) -> Iterator[Api]:
    """The API with [server] token set and a small body limit."""
    with serving(make_settings(tmp_path, waapi_sim.url, token=TOKEN, max_body_bytes=4096)) as api:
        yield api


def test_without_a_token_configured_requests_need_no_credentials(api: Api) -> None:
    assert api.http.get("/nodes").status_code == 200


def test_with_a_token_configured_every_route_requires_it(secured: Api) -> None:
    bare = httpx.Client(base_url=secured.url)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        response = bare.get("/health", headers=headers)

        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["code"] == "UNAUTHORIZED"
    assert bare.post("/wwise/project_save", json={}).status_code == 401
    assert secured.http.get("/health").status_code == 200  # this client sends the token
    bare.close()


def test_token_comparison_needs_the_exact_token() -> None:
    assert token_matches(f"Bearer {TOKEN}", TOKEN)
    assert token_matches(f"bearer {TOKEN}", TOKEN)
    assert not token_matches(f"Bearer {TOKEN}x", TOKEN)
    assert not token_matches(None, TOKEN)
    assert not token_matches(TOKEN, TOKEN)


def test_a_non_loopback_host_without_a_token_is_refused(tmp_path: Path) -> None:
    settings = settings_for_tests(tmp_path, server={"host": "0.0.0.0", "port": 0})
    server = ApiServer(Engine(settings), settings)

    with pytest.raises(ApiServerError, match=r"\[server\] token"):
        server.start()
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.20")


def test_a_file_outside_the_allowed_roots_is_forbidden(api: Api, tmp_path: Path) -> None:
    outside = write_wav(tmp_path / "elsewhere" / "Secret.wav")
    escaping = api.audio / ".." / "elsewhere" / "Secret.wav"

    for path in (outside, escaping):
        workflow = api.http.post("/workflows/execute", json=four_node_workflow(path))
        command = api.http.post(
            "/wwise/audio_import", json={"files": [str(path)], "targetPath": DEFAULT_TARGET}
        )

        for response in (workflow, command):
            assert response.status_code == 403, response.text
            body = response.json()
            assert body["code"] == "FORBIDDEN"
            assert "allowed_roots" in body["error"]
    assert api.http.get("/executions").json()["items"] == []  # nothing ran


def test_a_symlink_inside_the_root_that_points_outside_is_forbidden(tmp_path: Path) -> None:
    root = tmp_path / "audio"
    outside = write_wav(tmp_path / "elsewhere" / "Secret.wav")
    root.mkdir(exist_ok=True)
    link = root / "Innocent.wav"
    os.symlink(outside, link)
    guard = PathGuard([root])

    assert guard.check_path(str(link), "filePath").code == "FORBIDDEN"
    assert guard.check_path(str(root / "Fine.wav"), "filePath").ok


def test_paths_reached_through_workflow_inputs_and_defaults_are_checked(tmp_path: Path) -> None:
    guard = PathGuard([tmp_path / "audio"])
    settings = settings_for_tests(tmp_path)
    from wwiseflowd.plugins import load_plugins

    registry = load_plugins(settings).registry()
    document = {
        "id": "w",
        "inputs": {"clips": {"type": "array", "default": ["/etc/passwd"]}},
        "nodes": [{"id": "n", "type": "audioImport", "data": {"files": "$input:clips", "targetPath": "\\X"}}],
    }

    assert guard.check_workflow(document, None, registry).code == "FORBIDDEN"
    allowed = {"clips": [str(tmp_path / "audio" / "a.wav")]}
    assert guard.check_workflow(document, allowed, registry).ok
    assert guard.check_workflow(document, {"clips": ["/tmp/../etc/x.wav"]}, registry).code == "FORBIDDEN"
    typed = {"id": "t", "inputs": {"clip": {"type": "string", "format": "path"}}, "nodes": []}
    assert guard.check_workflow(typed, {"clip": "/etc/passwd"}, registry).code == "FORBIDDEN"


def test_a_refusal_names_the_node_and_field_and_a_non_object_document_is_left_to_the_compiler(
    tmp_path: Path,
) -> None:
    guard = PathGuard([tmp_path / "audio"])
    from wwiseflowd.plugins import load_plugins

    registry = load_plugins(settings_for_tests(tmp_path)).registry()
    fine = {"id": "ok", "type": "audioImport", "data": {"files": [str(tmp_path / "audio" / "a.wav")]}}
    bad = {"id": "second", "type": "audioImport", "data": {"targetPath": "\\X", "outputDir": "/etc"}}
    refused = guard.check_workflow({"nodes": [fine, bad]}, None, registry)
    assert refused.code == "FORBIDDEN"
    assert refused.error.startswith("node 'second' data.outputDir: '/etc' is outside the allowed folders")
    for document in ([fine], "x", None, 3):
        assert guard.check_workflow(document, None, registry).ok  # type: ignore[arg-type]


def test_the_guards_key_cache_keeps_no_long_or_endless_keys(tmp_path: Path) -> None:
    """A body may carry megabyte-long keys, or a million different ones: the cache of key kinds
    keeps neither (each is still classified, and a long path-like key still checked)."""
    from wwiseflowd.operations import guard as guard_module

    guard = PathGuard([tmp_path / "audio"])
    long_key = "x" * 100_000 + "Dir"
    assert guard.check_payload({long_key: "/etc"}, "payload").code == "FORBIDDEN"
    assert long_key not in guard_module._KINDS
    guard.check_payload({f"k{i}": i for i in range(2 * guard_module._KINDS_MAX)}, "payload")
    assert len(guard_module._KINDS) <= guard_module._KINDS_MAX


def test_with_no_allowed_roots_and_no_drop_folders_no_file_is_accepted(tmp_path: Path) -> None:
    guard = PathGuard.from_settings(settings_for_tests(tmp_path))

    refused = guard.check_path(str(tmp_path / "a.wav"), "filePath")

    assert refused.code == "FORBIDDEN" and "allowed_roots" in refused.error
    drop = tmp_path / "drop"
    with_watch = settings_for_tests(tmp_path, watch=[{"folder": str(drop)}])
    assert PathGuard.from_settings(with_watch).check_path(str(drop / "a.wav"), "filePath").ok


def test_wwise_object_paths_and_relative_subfolders_are_not_mistaken_for_files(tmp_path: Path) -> None:
    guard = PathGuard([tmp_path])
    assert is_file_key("filePath") and is_file_key("files") and is_file_key("audioFile")
    assert not is_file_key("parentPath") and not is_file_key("targetPath") and not is_file_key("busPath")

    relative = {
        "files": [{"path": str(tmp_path / "a.wav"), "relativeDir": "SFX/Steps"}],
        "originalsSubfolder": "{relative_dir}",
        "targetPath": "\\Actor-Mixer Hierarchy",
    }
    assert guard.check_payload(relative, "payload").ok


def test_absolute_paths_under_path_like_keys_and_batch_items_are_checked(tmp_path: Path) -> None:
    guard = PathGuard([tmp_path])

    batch_item = guard.check_payload({"files": [{"path": "/etc/passwd"}]}, "payload")
    odd_key = guard.check_payload({"options": {"outputDir": "/var/tmp"}}, "payload")
    windows = guard.check_payload({"sourceFile": "C:\\Windows\\x.wav"}, "payload")

    assert batch_item.code == odd_key.code == windows.code == "FORBIDDEN"
    assert "payload.options.outputDir" in odd_key.error


def test_an_oversize_body_is_a_413_result_with_or_without_content_length(secured: Api) -> None:
    big = {"workflow": {"nodes": [], "padding": "x" * 10_000}}

    declared = secured.http.post("/workflows/validate", json=big)

    def chunks() -> Iterator[bytes]:
        yield b'{"nodes": [], "padding": "'
        for _ in range(20):
            yield b"x" * 1000
        yield b'"}'

    streamed = secured.http.post(
        "/workflows/validate", content=chunks(), headers={"Content-Type": "application/json"}
    )
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json()["code"] == "PAYLOAD_TOO_LARGE"
        assert "max_body_bytes" in response.json()["error"]


def test_cors_is_closed_unless_origins_are_configured(tmp_path: Path, waapi_sim: Any) -> None:
    preflight = {"Origin": "http://editor.local", "Access-Control-Request-Method": "POST"}
    with serving(make_settings(tmp_path / "a", waapi_sim.url)) as closed:
        assert "access-control-allow-origin" not in closed.http.options("/nodes", headers=preflight).headers
    allowed = ["http://editor.local"]
    with serving(make_settings(tmp_path / "b", waapi_sim.url, cors_origins=allowed)) as opened:
        response = opened.http.options("/nodes", headers=preflight)
        assert response.headers["access-control-allow-origin"] == "http://editor.local"
        assert (
            opened.http.get("/nodes", headers={"Origin": "http://evil.example"}).headers.get(
                "access-control-allow-origin"
            )
            is None
        )


def test_unknown_routes_and_methods_answer_result_bodies(api: Api) -> None:
    missing = api.http.get("/nope")
    wrong_method = api.http.delete("/nodes")

    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"
    assert wrong_method.status_code == 405 and wrong_method.json()["ok"] is False


def test_an_unexpected_exception_still_answers_an_internal_result(api: Api, monkeypatch: Any) -> None:
    def broken() -> list[dict[str, Any]]:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(api.engine, "catalog", broken)

    response = api.http.get("/nodes")

    assert response.status_code == 500
    body = response.json()
    assert body["ok"] is False and body["code"] == "INTERNAL"
    assert "RuntimeError" in body["error"]


def test_without_an_engine_the_lifespan_starts_one_and_closes_it(tmp_path: Path, waapi_sim: Any) -> None:
    from fastapi.testclient import TestClient

    from wwiseflowd.api import create_app

    app = create_app(settings=make_settings(tmp_path, waapi_sim.url))
    assert app.state.engine is None

    with TestClient(app, base_url="http://127.0.0.1") as client:
        engine = app.state.engine
        assert client.get("/health").json()["backends"]["wwise"]["connected"] is True
        assert client.post(
            "/wwise/create_sound", json={"name": "Owned", "parentPath": DEFAULT_TARGET}
        ).json()["ok"]

    assert app.state.engine is None
    with pytest.raises(RuntimeError, match="closed"):  # the lifespan closed what it opened
        engine.submit({"id": "after-close", "nodes": []})
