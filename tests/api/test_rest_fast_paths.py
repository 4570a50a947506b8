"""The REST shortcuts taken for speed (issue 16) answer what the slow ways answered.

``POST /workflows/validate``: small documents compile on the event loop, large ones on the
threadpool; either way, and for both body shapes, the plan is the one ``engine.compile`` makes of
the document as sent. Following one run: its stream's run.finished carries the final result.
"""

from __future__ import annotations

import json
from typing import Any

from tests.api.rest_support import Api
from wwiseflowd.api.routes.workflows import INLINE_COMPILE_ITEMS
from wwiseflowd.config import DEFAULT_TARGET


def chain(count: int, workflow_id: str) -> dict[str, Any]:
    """``count`` createSound nodes, each wired to the one before, with React Flow's extra keys."""
    nodes = [{"id": f"n{i}", "type": "createSound", "position": {"x": i, "y": 0}, "selected": False,
              "data": {"name": f"S{i}", "parentPath": DEFAULT_TARGET}} for i in range(count)]
    edges = [{"id": f"e{i}", "source": f"n{i - 1}", "target": f"n{i}", "animated": True}
             for i in range(1, count)]
    return {"id": workflow_id, "name": "chain", "nodes": nodes, "edges": edges}


def test_small_and_large_documents_get_the_plan_the_engine_makes(api: Api) -> None:
    for count in (3, INLINE_COMPILE_ITEMS):  # 3 nodes inline; 2 x 400 - 1 items on the threadpool
        document = chain(count, f"chain-{count}")
        expected = api.engine.compile(document)
        for body in (document, {"workflow": document, "inputs": {}}):
            response = api.http.post("/workflows/validate", json=body)
            assert response.status_code == 200, response.text
            assert response.json()["data"] == expected.data


def test_a_large_broken_document_lists_its_problems_too(api: Api) -> None:
    document = chain(INLINE_COMPILE_ITEMS, "broken-chain")
    document["nodes"][-1]["data"] = {"name": "", "parentPath": "$from:n0:$output:nothing"}
    response = api.http.post("/workflows/validate", json={"workflow": document})
    assert response.status_code == 422
    assert response.json()["data"]["errors"] == api.engine.compile(document).data["errors"]


def test_following_one_run_ends_with_its_final_result_and_the_client_uses_it(api: Api) -> None:
    """``/events?executionId=X`` ends with run.finished carrying the result GET /executions/X gives;
    the daemon client returns that result without asking again."""
    from wwiseflowd.operations import DaemonClient, RunRequest
    from wwiseflowd.operations.client import iter_sse

    document = chain(2, "followed")
    with api.http.stream("GET", "/events", params={"executionId": "exec_followed_once"}) as stream:
        lines = stream.iter_lines()
        assert next(lines).startswith(":")  # subscribed
        started = api.http.post("/workflows/execute", params={"async": "true"},
                                json={"workflow": document, "executionId": "exec_followed_once"})
        assert started.status_code == 202, started.text
        finished = next(data for kind, data in iter_sse(lines) if kind == "run.finished")
    stored = api.http.get("/executions/exec_followed_once").json()
    assert finished["execution"] == stored and stored["status"] == "succeeded"

    client = DaemonClient(api.url)
    asked: list[str] = []
    client.http.event_hooks["request"].append(lambda request: asked.append(request.url.path))
    try:
        outcome = client.run(RunRequest(document={**document, "id": "followed-2"}, force=True))
    finally:
        client.close()
    assert outcome.ok, outcome.error
    assert asked == ["/workflows/execute"]  # streamed: no GET /events before, no GET /executions after


def test_validate_reads_its_body_itself_and_answers_as_execute_does(api: Api) -> None:
    """The validate route parses the body once and leaves the document to the compiler
    (api/bodies.py); execute keeps FastAPI's body parameter. A malformed request gets the same
    status from both, and a wrong option the same ``data.errors``."""
    document = chain(2, "options")
    json_type = {"Content-Type": "application/json"}
    text = json.dumps(document).encode()
    requests: list[dict[str, Any]] = [
        {"json": {"workflow": document, "bogus": 1}},
        {"json": {"workflow": document, "force": "yes please"}},
        {"json": {"workflow": document, "inputs": []}},
        {"json": {"workflow": "a workflow"}},
        {"json": [document]}, {"json": "a workflow"}, {"json": 7},
        {"json": {**document, "edges": None}}, {"json": {**document, "name": ["a", "list"]}},
        {"content": b"", "headers": json_type},
        {"content": text, "headers": {"Content-Type": "text/plain"}},
        {"content": text},  # no Content-Type at all
        {"content": b'{"nodes": [', "headers": json_type},
    ]
    for request in requests:
        validated = api.http.post("/workflows/validate", **request)
        executed = api.http.post("/workflows/execute", **request)
        assert validated.status_code == executed.status_code, (request, validated.text, executed.text)
        assert validated.status_code in (400, 422), validated.text
        assert validated.json()["code"] == "INVALID_INPUT" and validated.json()["data"]["errors"]
        sent = request.get("json")
        if isinstance(sent, dict) and isinstance(sent.get("workflow"), dict):  # an option is wrong
            fields = [e["field"] for e in validated.json()["data"]["errors"]]
            assert fields == [e["field"] for e in executed.json()["data"]["errors"]], request
    wrong = api.http.post("/workflows/validate", json={"workflow": document, "force": "yes please"})
    assert [e["field"] for e in wrong.json()["data"]["errors"]] == ["wrapped.force"]
    not_json = api.http.post("/workflows/validate", content=b'{"nodes": [', headers=json_type)
    assert not_json.status_code == 400 and not_json.json()["error"] == "The request body is not valid JSON."
    suffixed = api.http.post("/workflows/validate", content=text,
                             headers={"Content-Type": "application/vnd.x+json; charset=utf-8"})
    assert suffixed.status_code == 200, suffixed.text


def test_the_compiler_refuses_every_document_the_openapi_models_refuse(api: Api) -> None:
    """What keeps validate (compiler only) and execute (models, then compiler) in agreement: each
    field of a document, set to each kind of JSON value, is refused by the compiler whenever the
    models refuse it."""
    from pydantic import ValidationError

    from wwiseflowd.api.models import WorkflowDocument

    base = chain(2, "shapes")
    base["inputs"] = {}
    base["edges"][0].update(sourceHandle=None, targetHandle=None)
    fields = [("id",), ("name",), ("inputs",), ("nodes",), ("edges",), ("nodes", 0), ("nodes", 0, "id"),
              ("nodes", 0, "type"), ("nodes", 0, "data"), ("edges", 0), ("edges", 0, "id"),
              ("edges", 0, "source"), ("edges", 0, "target"), ("edges", 0, "sourceHandle"),
              ("edges", 0, "targetHandle")]
    checked = 0
    for path in fields:
        for value in (None, 5, 0, 1.5, True, False, [1], [], {"x": 1}, {}, "s", ""):
            document = json.loads(json.dumps(base))
            parent = document
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = value
            try:
                WorkflowDocument.model_validate(document)
            except ValidationError:
                checked += 1
                assert not api.engine.compile(document).ok, (path, value)
    assert checked > 80  # the models refuse most of these


def test_a_lone_surrogate_escape_parses_as_json_reads_it(api: Api) -> None:
    """pydantic-core's parser refuses ``"\\ud800"``; json's takes it, and so does the route."""
    document = chain(1, "surrogate")
    text = json.dumps(document).replace('"S0"', '"S\\ud800"')
    response = api.http.post("/workflows/validate", content=text.encode(),
                             headers={"Content-Type": "application/json"})
    compiled = api.engine.compile(json.loads(text))
    assert response.status_code == (200 if compiled.ok else 422), response.text
    assert response.json()["data"] == compiled.data


def test_validate_documents_the_body_execute_documents(api: Api) -> None:
    paths = api.http.get("/openapi.json").json()["paths"]
    validate = paths["/workflows/validate"]["post"]["requestBody"]
    assert validate == paths["/workflows/execute"]["post"]["requestBody"]
    refs = {item["$ref"] for item in validate["content"]["application/json"]["schema"]["oneOf"]}
    assert refs == {"#/components/schemas/ExecuteRequest", "#/components/schemas/WorkflowDocument"}
