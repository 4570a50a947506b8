"""``POST /workflows/validate`` answers what the engine compiles, whichever way it takes (issue 16).

Small documents compile on the event loop, large ones on the threadpool; either way, and for both
body shapes, the plan is the one ``engine.compile`` makes of the document as sent.
"""

from __future__ import annotations

from typing import Any

from rest_support import Api

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
