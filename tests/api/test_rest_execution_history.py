"""The execution history as the editor reads it: filters and paging done by the server (through the
service layer), and the workflow document kept with every run so any run can be drawn again."""

from __future__ import annotations

from pathlib import Path

from tests.api.rest_support import Api, four_node_workflow
from wwiseflowd.default_plugins.wwise.wav import write_wav


def _save_only(workflow_id: str) -> dict[str, object]:
    """A one-node document that runs in a moment against the emulator."""
    return {"id": workflow_id, "nodes": [{"id": "save", "type": "projectSave", "position": {"x": 3, "y": 4}}]}


def _execute(api: Api, document: dict[str, object], editor: bool = False) -> str:
    headers = {"X-Wwiseflowd-Source": "editor"} if editor else {}
    answer = api.http.post("/workflows/execute", json={"workflow": document}, headers=headers)
    return str(answer.json()["executionId"])


def test_the_history_is_filtered_by_source_and_workflow_and_paged_by_the_server(api: Api) -> None:
    ids = {}
    for n in range(6):
        workflow = "Footsteps-import" if n % 2 else "dialogue-lines"
        ids[n] = _execute(api, _save_only(workflow), editor=n < 3)
    page = api.http.get("/executions", params={"source": "editor", "limit": 2}).json()
    assert [item["executionId"] for item in page["items"]] == [ids[2], ids[1]]
    assert page["nextOffset"] == 2
    last = api.http.get("/executions", params={"source": "editor", "limit": 2, "offset": 2}).json()
    assert [item["executionId"] for item in last["items"]] == [ids[0]] and last["nextOffset"] is None
    footsteps = api.http.get("/executions", params={"workflow": "footSTEPS"}).json()["items"]
    assert [item["executionId"] for item in footsteps] == [ids[5], ids[3], ids[1]]
    both = {"workflow": "dialogue", "source": "rest", "status": "succeeded"}
    listed = api.http.get("/executions", params=both).json()["items"]
    assert [item["executionId"] for item in listed] == [ids[4]]
    failed = {"workflow": "dialogue", "status": "failed"}
    assert api.http.get("/executions", params=failed).json()["items"] == []
    assert api.http.get("/executions", params={"source": "x" * 41}).status_code == 422


def test_a_run_of_an_unsaved_document_keeps_it_so_the_run_can_be_drawn(api: Api, tmp_path: Path) -> None:
    document = four_node_workflow(write_wav(api.audio / "Keep_01.wav"))
    document["nodes"][1]["position"] = {"x": 320, "y": 40}
    execution_id = _execute(api, document)
    result = api.http.get(f"/executions/{execution_id}").json()
    kept = api.http.get(f"/executions/{execution_id}/document")
    assert kept.status_code == 200, kept.text
    assert kept.json()["document"] == document  # positions and references as they were run
    assert kept.json()["documentKey"] == result["documentKey"]
    # a second run of the same document shares its one content-addressed copy
    again = _execute(api, document)
    api.engine.wait(again, timeout=30)
    assert api.http.get(f"/executions/{again}").json()["documentKey"] == result["documentKey"]
    # a document that does not compile is kept too (its errors can be drawn on it)
    broken = {"id": "broken", "nodes": [{"id": "a", "type": "noSuchType", "position": {"x": 1, "y": 2}}]}
    failed = api.engine.execute(broken, source="cli")
    assert failed.code == "UNKNOWN_NODE_TYPE" and failed.documentKey
    assert api.http.get(f"/executions/{failed.executionId}/document").json()["document"] == broken


def test_asking_for_the_document_of_an_unknown_run_or_a_plan_run_is_not_found(api: Api) -> None:
    assert api.http.get("/executions/exec_nope/document").json()["code"] == "NOT_FOUND"
    plan = api.http.post("/workflows/validate", json={"workflow": _save_only("planned")}).json()["data"]
    execution_id = api.engine.execute(plan).executionId  # a caller that sends a compiled plan
    missing = api.http.get(f"/executions/{execution_id}/document")
    assert missing.status_code == 404 and "compiled plan" in missing.json()["error"]
