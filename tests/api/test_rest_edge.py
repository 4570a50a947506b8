"""The REST edge against hostile requests: nesting, Host/Origin, docs behind the token, Result bodies.

A real server on a socket (uvicorn) over a real engine on the emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.rest_support import make_settings, serving
from wwiseflowd.api.security import json_nesting_exceeds
from wwiseflowd.config import settings_for_tests
from wwiseflowd.documents import MAX_NESTING
from wwiseflowd.engine import Engine

pytestmark = pytest.mark.integration


def _deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels):
        value = {"k": value}
    return value


def _document(levels: int) -> dict[str, Any]:
    data = {
        "name": "Deep",
        "parentPath": "\\Actor-Mixer Hierarchy\\Default Work Unit",
        "notes": _deep(levels),
    }
    return {"id": "deep", "nodes": [{"id": "n1", "type": "createSound", "data": data}], "edges": []}


def _deep_json(levels: int) -> bytes:
    inner = b'{"k":' * levels + b"{}" + b"}" * levels
    return (
        b'{"id":"deep","edges":[],"nodes":[{"id":"n1","type":"createSound","data":{"name":"D","notes":'
        + inner
        + b"}}]}"
    )


@pytest.mark.parametrize("levels", [400, 1000])
def test_deeply_nested_bodies_get_a_coded_answer_on_validate_and_execute(
    tmp_path: Path, waapi_sim: Any, levels: int
) -> None:
    with serving(make_settings(tmp_path, waapi_sim.url)) as api:
        for path in ("/workflows/validate", "/workflows/execute"):
            response = api.http.post(
                path, content=_deep_json(levels), headers={"content-type": "application/json"}
            )
            body = response.json()
            assert response.status_code == 400, (path, body)
            assert body["code"] == "INVALID_INPUT" and str(MAX_NESTING) in body["error"]
            assert body["data"]["errors"]


def test_json_in_utf16_or_utf32_is_refused_before_it_can_hide_its_nesting(
    tmp_path: Path, waapi_sim: Any
) -> None:
    """json.loads decodes UTF-16/32 bytes, but the nesting scan reads bytes: in UTF-16 an escaped
    quote is 5C 00 22 00, so the scan paired the quotes wrongly and let 5,000 levels through."""
    hidden = '["\\"", ' + "[" * 5000 + "]" * 5000 + "]"
    assert not json_nesting_exceeds(hidden.encode("utf-16-le"))  # what the scan alone would say
    with serving(make_settings(tmp_path, waapi_sim.url)) as api:
        for encoding in ("utf-16-le", "utf-16", "utf-32"):
            for text in (hidden, '{"nodes": []}'):
                response = api.http.post("/workflows/validate", content=text.encode(encoding),
                                         headers={"content-type": "application/json"})
                body = response.json()
                assert response.status_code == 400, (encoding, body)
                assert body["code"] == "INVALID_INPUT" and "UTF-8" in body["error"]
                assert body["data"]["errors"]


def test_the_compiler_refuses_deep_documents_with_a_result_naming_the_node(tmp_path: Path) -> None:
    with Engine(settings_for_tests(tmp_path)) as engine:
        result = engine.compile(_document(1000))
        assert not result.ok and result.code == "INVALID_INPUT"
        assert result.data["errors"][0]["nodeId"] == "n1"


def test_nesting_scan_ignores_brackets_inside_strings() -> None:
    assert not json_nesting_exceeds(b'{"a": "' + b"[" * 500 + b'"}')
    assert not json_nesting_exceeds(b'{"a": "\\"' + b"[" * 500 + b'"}')
    assert json_nesting_exceeds(b"[" * (MAX_NESTING + 1) + b"]" * (MAX_NESTING + 1))


def test_a_foreign_host_header_is_refused_and_loopback_or_configured_hosts_pass(
    tmp_path: Path, waapi_sim: Any
) -> None:
    with serving(make_settings(tmp_path, waapi_sim.url, allowed_hosts=["studio-pc.local"])) as api:
        rebinding = api.http.get("/health", headers={"host": "attacker.example:8765"})
        assert rebinding.status_code == 403 and rebinding.json()["code"] == "FORBIDDEN"
        assert "DNS rebinding" in rebinding.json()["error"]
        for host in ("localhost:1234", "127.0.0.1", "[::1]:8765", "studio-pc.local:8765"):
            assert api.http.get("/health", headers={"host": host}).status_code == 200, host


def test_state_changing_requests_from_another_site_are_refused(tmp_path: Path, waapi_sim: Any) -> None:
    with serving(make_settings(tmp_path, waapi_sim.url)) as api:
        doc = {"id": "x", "nodes": [], "edges": []}
        foreign = api.http.post("/workflows/validate", json=doc, headers={"origin": "https://evil.example"})
        assert foreign.status_code == 403 and "evil.example" in foreign.json()["error"]
        same = api.http.post("/workflows/validate", json=doc, headers={"origin": api.url})
        assert same.status_code != 403
        assert api.http.get("/health", headers={"origin": "https://evil.example"}).status_code == 200


def test_with_a_token_the_docs_need_it_too_and_the_401_names_where_it_is(
    tmp_path: Path, waapi_sim: Any
) -> None:
    settings = make_settings(tmp_path, waapi_sim.url, token="secret-token-123")
    with serving(settings) as api:
        for path in ("/docs", "/redoc", "/openapi.json", "/health"):
            anonymous = httpx.get(api.url + path, timeout=10)
            assert anonymous.status_code == 401, path
            body = anonymous.json()
            assert body["code"] == "UNAUTHORIZED" and "runtime.json" not in body["error"]
            assert "[server] token" in body["error"]
            assert api.http.get(path).status_code == 200, path  # api.http sends the token


def test_every_422_carries_data_errors(tmp_path: Path, waapi_sim: Any) -> None:
    with serving(make_settings(tmp_path, waapi_sim.url)) as api:
        responses = [
            api.http.post("/wwise/create_sound", json={"parentPath": "\\Actor-Mixer Hierarchy"}),
            api.http.post("/workflows/validate", json={"id": "x", "nodes": [{"id": "a", "type": "nope"}]}),
            api.http.post("/workflows/validate", json={"nodes": "not a list"}),
        ]
        for response in responses:
            assert response.status_code == 422, response.text
            assert isinstance(response.json()["data"]["errors"], list) and response.json()["data"]["errors"]
