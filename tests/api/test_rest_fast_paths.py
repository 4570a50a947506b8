"""The REST shortcuts taken for speed (issue 16) answer what the slow ways answered.

``POST /workflows/validate``: small documents compile on the event loop, large ones on the
threadpool; either way, and for both body shapes, the plan is the one ``engine.compile`` makes of
the document as sent. Following one run: its stream's run.finished carries the final result.
"""

from __future__ import annotations

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
