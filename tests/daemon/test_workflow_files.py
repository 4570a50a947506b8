"""Workflow files compiled by the real engine: built-in auto-import, overrides, bad edits, removal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wwiseflowd.config import settings_for_tests
from wwiseflowd.engine import Engine
from wwiseflowd.watch.workflows import BUILTIN_ID, WorkflowLibrary, builtin_workflow_path

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with Engine(settings_for_tests(tmp_path)) as e:
        yield e


def _library(tmp_path: Path, engine: Engine) -> tuple[WorkflowLibrary, list[dict[str, Any]]]:
    events: list[dict[str, Any]] = []
    library = WorkflowLibrary(tmp_path / "workflows", engine.compile, events.append)
    (tmp_path / "workflows").mkdir(exist_ok=True)
    library.load_builtin()
    return library, events


def test_the_builtin_auto_import_is_the_config_file_and_compiles(tmp_path: Path, engine: Engine) -> None:
    assert builtin_workflow_path() == REPO / "config" / "workflows" / "auto-import.json"
    library, events = _library(tmp_path, engine)
    entry = library.get(BUILTIN_ID)
    assert entry is not None and entry.ok and entry.builtin
    assert entry.plan is not None and "files" in entry.plan["inputs"]
    assert [s["type"] for s in entry.plan["steps"]] == ["audioImport", "projectSave"]
    assert events[0]["type"] == "workflow.compiled" and events[0]["ok"] is True


def test_a_file_with_the_same_id_replaces_the_builtin(tmp_path: Path, engine: Engine) -> None:
    library, _ = _library(tmp_path, engine)
    doc = json.loads(builtin_workflow_path().read_text())
    doc["name"] = "My own auto-import"
    (tmp_path / "workflows" / "mine.json").write_text(json.dumps(doc))
    library.sync()
    entry = library.get(BUILTIN_ID)
    assert entry is not None and not entry.builtin and entry.file.endswith("mine.json")


def test_bad_json_keeps_the_last_good_version_and_reports_why(tmp_path: Path, engine: Engine) -> None:
    library, events = _library(tmp_path, engine)
    path = tmp_path / "workflows" / "flow.json"
    doc = {**json.loads(builtin_workflow_path().read_text()), "id": "flow"}
    path.write_text(json.dumps(doc))
    library.sync()
    good_plan = library.get("flow").plan  # type: ignore[union-attr]
    path.write_text('{"id": "flow", "nodes": [')  # saved half-way
    changed = library.sync()
    assert [e.ok for e in changed] == [False]
    entry = library.get("flow")
    assert entry is not None and entry.plan == good_plan
    status = next(s for s in library.status() if s["id"] == "flow")
    assert status["ok"] is False and "is not valid JSON" in status["errors"][0]["message"]
    assert events[-1]["ok"] is False and events[-1]["file"] == str(path)


def test_a_removed_file_is_no_longer_available(tmp_path: Path, engine: Engine) -> None:
    library, _ = _library(tmp_path, engine)
    path = tmp_path / "workflows" / "flow.json"
    path.write_text(json.dumps({**json.loads(builtin_workflow_path().read_text()), "id": "flow"}))
    library.sync()
    assert library.get("flow") is not None
    path.unlink()
    library.sync()
    assert library.get("flow") is None
