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


def test_validate_reads_its_body_itself_and_answers_as_a_body_parameter_did(api: Api) -> None:
    """The route parses the body once and leaves the document to the compiler (api/bodies.py):
    every malformed request still gets the answer FastAPI's body parameter gave it."""
    document = chain(2, "options")

    def post(**kwargs: Any) -> Any:
        return api.http.post("/workflows/validate", **kwargs)

    unknown = post(json={"workflow": document, "bogus": 1})
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["data"]["errors"]] == ["bogus"]
    wrong_type = post(json={"workflow": document, "force": "yes please"})
    assert wrong_type.status_code == 422 and wrong_type.json()["data"]["errors"][0]["field"] == "force"
    assert post(json={"workflow": document, "inputs": []}).status_code == 422
    assert post(content=b"", headers={"Content-Type": "application/json"}).status_code == 422
    as_text = post(content=json.dumps(document).encode(), headers={"Content-Type": "text/plain"})
    assert as_text.status_code == 422 and "JSON" in as_text.json()["error"]
    suffixed = post(content=json.dumps(document).encode(), headers={"Content-Type": "application/vnd.x+json"})
    assert suffixed.status_code == 200, suffixed.text
    not_json = post(content=b'{"nodes": [', headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400 and not_json.json()["error"] == "The request body is not valid JSON."
    for body in ([document], "a workflow", 7, {"workflow": "a workflow"}):
        refused = post(json=body)
        assert refused.status_code == 422 and refused.json()["code"] == "INVALID_INPUT", body
        assert "must be a JSON object" in refused.json()["error"], refused.text


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
