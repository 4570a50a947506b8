"""BatchProcessor decisions, with the engine replaced by scripted execution results.

The engine is the seam: everything from the journal to processed/ and failed/ is real.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.daemon.wavs import write_wav
from wwiseflowd.config import WatchConfig
from wwiseflowd.daemon import rules
from wwiseflowd.daemon.batches import BatchProcessor
from wwiseflowd.daemon.rules import DropRule
from wwiseflowd.engine import ExecutionResult
from wwiseflowd.events import EventHub
from wwiseflowd.results import Result
from wwiseflowd.store.journal import FileState, Journal
from wwiseflowd.watch.workflows import WorkflowEntry


class ScriptedEngine:
    """Returns the next scripted execution dict for each run; records the files each run got."""

    def __init__(self, executions: list[Any]) -> None:
        self.executions = executions
        self.runs: list[list[str]] = []
        self.events = EventHub()

    def execute(
        self, plan: Any, inputs: dict[str, Any] | None = None, *, execution_id: str = "exec_t", **_: Any
    ) -> ExecutionResult:
        files = [f["path"] for f in (inputs or {})["files"]]
        self.runs.append(files)
        script = self.executions.pop(0)
        raw = script(files) if callable(script) else script
        # the scripts give the facts a test is about; the rest is what every execution carries
        return ExecutionResult.model_validate({
            "executionId": execution_id, "workflowId": "auto-import", "startedAt": "2026-12-02T00:00:00Z",
            "status": "succeeded" if raw["ok"] else "failed", **raw,
            "results": [{"type": "audioImport", **node} for node in raw["results"]],
        })

    def command(self, name: str, payload: dict[str, Any], **_: Any) -> Result:
        return Result.success([])

    def compile(self, document: dict[str, Any]) -> Result:
        return Result.success({})

    def cancel(self, execution_id: str) -> bool:
        return False

    def health(self) -> dict[str, Any]:
        return {}

    def backend(self, name: str) -> Any:
        return None


class OneWorkflow:
    def get(self, workflow_id: str) -> WorkflowEntry:
        return WorkflowEntry(id=workflow_id, file="x", ok=True, plan={"inputs": None, "steps": []})


def _setup(tmp_path: Path, engine: ScriptedEngine) -> tuple[BatchProcessor, Journal, DropRule, int]:
    rule = DropRule.from_config(WatchConfig(folder=tmp_path / "drop", name="sfx"))
    journal = Journal(tmp_path / "j.sqlite3")
    entries = []
    for name in ("A.wav", "B.wav"):
        path = write_wav(tmp_path / "drop" / name, seed=len(name) + ord(name[0]))
        entries.append((str(path), name, rule.config.target))
    ids = journal.record_seen("sfx", entries)
    for (path_text, _rel, _target), file_id in zip(entries, ids.values(), strict=True):
        st = Path(path_text).stat()
        journal.mark_stable(file_id, size=st.st_size, mtime_ns=st.st_mtime_ns, sha256="0" * 64, valid=True)
    batch = journal.create_batch("sfx", list(ids.values()))
    processor = BatchProcessor(journal, engine, OneWorkflow(), {"sfx": rule})  # type: ignore[arg-type]
    return processor, journal, rule, batch


def _undone(bad: str, reason: str) -> Any:
    def execution(files: list[str]) -> dict[str, Any]:
        entries = [
            {
                "file": f,
                "ok": not f.endswith(bad),
                "code": None if not f.endswith(bad) else "IMPORT_FAILED",
                "error": None if not f.endswith(bad) else reason,
            }
            for f in files
        ]
        return {
            "ok": False,
            "rolledBack": True,
            "code": "IMPORT_FAILED",
            "error": "Node 'import' failed.",
            "results": [{"node": "import", "ok": False, "data": {"files": entries}}],
        }

    return execution


def _ok(files: list[str]) -> dict[str, Any]:
    entries = [
        {"file": f, "ok": True, "objectId": "{ID}", "objectPath": "\\T\\" + Path(f).stem} for f in files
    ]
    return {"ok": True, "results": [{"node": "import", "ok": True, "data": {"files": entries}}]}


def test_a_file_that_got_its_run_undone_fails_alone_and_the_rest_is_run_again(tmp_path: Path) -> None:
    engine = ScriptedEngine([_undone("A.wav", "Wwise refused A.wav: unsupported format"), _ok])
    processor, journal, rule, batch = _setup(tmp_path, engine)
    processor.run(journal.batch(batch))  # type: ignore[arg-type]
    assert [len(run) for run in engine.runs] == [2, 1] and engine.runs[1][0].endswith("B.wav")
    states = {f.rel_path: f for f in journal.batch_files(batch)}
    assert states["B.wav"].state is FileState.DONE and states["B.wav"].object_path == "\\T\\B"
    assert states["A.wav"].state is FileState.FAILED
    report = json.loads((rule.failed_root / "A.wav.error.json").read_text())
    assert report["reason"] == "Wwise refused A.wav: unsupported format"
    assert (rule.processed_root / "B.wav").exists()


def test_a_file_rerendered_while_its_batch_ran_is_left_in_place_for_the_next_drop(tmp_path: Path) -> None:
    def rerendered(files: list[str]) -> dict[str, Any]:
        a = next(f for f in files if f.endswith("A.wav"))
        write_wav(Path(a), frames=1600, seed=99)  # the designer renders A.wav again during the import
        return _ok(files)

    engine = ScriptedEngine([rerendered])
    processor, journal, rule, batch = _setup(tmp_path, engine)
    processor.run(journal.batch(batch))  # type: ignore[arg-type]
    states = {f.rel_path: f for f in journal.batch_files(batch)}
    assert states["A.wav"].state is FileState.DONE and states["B.wav"].state is FileState.DONE
    assert (rule.processed_root / "B.wav").exists()
    assert not (rule.processed_root / "A.wav").exists()  # the new render was not swept away unimported
    assert (tmp_path / "drop" / "A.wav").stat().st_size > (rule.processed_root / "B.wav").stat().st_size
    assert "newer file was written over it" in (states["A.wav"].note or "")


def test_a_file_rerendered_in_the_instant_it_is_moved_goes_back_to_the_drop_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The render writes through the drop folder's name after the move linked it into processed/
    (both names are one file then): the moved file is not the one imported, so it goes back."""
    link = os.link

    def link_then_rerender(source: Any, dest: Any) -> None:
        link(source, dest)
        if Path(source).name == "A.wav":
            write_wav(Path(source), frames=1600, seed=99)

    monkeypatch.setattr(rules.os, "link", link_then_rerender)
    processor, journal, rule, batch = _setup(tmp_path, ScriptedEngine([_ok]))
    processor.run(journal.batch(batch))  # type: ignore[arg-type]
    states = {f.rel_path: f for f in journal.batch_files(batch)}
    assert states["A.wav"].state is FileState.DONE
    assert "newer file was written over it" in (states["A.wav"].note or "")
    assert not (rule.processed_root / "A.wav").exists() and (rule.processed_root / "B.wav").exists()
    assert (tmp_path / "drop" / "A.wav").stat().st_size > (rule.processed_root / "B.wav").stat().st_size


def test_no_file_is_left_importing_when_the_rerun_is_undone_too(tmp_path: Path) -> None:
    engine = ScriptedEngine([_undone("A.wav", "bad A"), _undone("B.wav", "bad B")])
    processor, journal, _rule, batch = _setup(tmp_path, engine)
    processor.run(journal.batch(batch))  # type: ignore[arg-type]
    assert {f.rel_path: f.state for f in journal.batch_files(batch)} == {
        "A.wav": FileState.FAILED,
        "B.wav": FileState.FAILED,
    }
    assert journal.next_batch() is None


def test_wwise_unavailable_keeps_every_file_waiting_in_the_drop_folder(tmp_path: Path) -> None:
    unavailable = {"ok": False, "code": "WAAPI_UNAVAILABLE", "error": "Wwise is not running.", "results": []}
    engine = ScriptedEngine([unavailable])
    processor, journal, rule, batch = _setup(tmp_path, engine)
    processor.run(journal.batch(batch))  # type: ignore[arg-type]
    record = journal.batch(batch)
    assert record is not None and record.state.value == "waiting" and record.code == "WAAPI_UNAVAILABLE"
    assert sorted(p.name for p in rule.folder.iterdir()) == ["A.wav", "B.wav"]


def test_an_old_failure_report_that_cannot_be_removed_does_not_keep_the_file_in_the_drop_folder(
    tmp_path: Path,
) -> None:
    processor, journal, rule, batch = _setup(tmp_path, ScriptedEngine([_ok]))
    (rule.failed_root / "A.wav.error.json").mkdir(parents=True)  # unlink() refuses a directory
    settled: list[str] = []
    processor.on_settled = lambda _rule, records: settled.extend(r.rel_path for r in records)
    processor.run(journal.batch(batch))  # type: ignore[arg-type]
    assert (rule.processed_root / "A.wav").exists() and (rule.processed_root / "B.wav").exists()
    assert sorted(settled) == ["A.wav", "B.wav"]


def test_a_surprise_while_moving_one_file_still_settles_the_rest_and_tells_the_pump(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    processor, journal, rule, batch = _setup(tmp_path, ScriptedEngine([_ok]))
    after_success = DropRule.after_success

    def breaks_on_a(self: DropRule, record: Any, reports: Any = None) -> str | None:
        if record.rel_path == "A.wav":
            raise RuntimeError("disk driver hiccup")
        return after_success(self, record, reports)

    monkeypatch.setattr(DropRule, "after_success", breaks_on_a)
    settled: list[str] = []
    processor.on_settled = lambda _rule, records: settled.extend(r.rel_path for r in records)
    processor.run(journal.batch(batch))  # type: ignore[arg-type]
    assert sorted(settled) == ["A.wav", "B.wav"]  # the pump stops tracking both: neither is stuck
    assert (rule.processed_root / "B.wav").exists() and (tmp_path / "drop" / "A.wav").exists()
    states = {f.rel_path: f for f in journal.batch_files(batch)}
    assert states["A.wav"].state is FileState.DONE  # imported once; the journal will not import it again
    assert (states["A.wav"].note or "").startswith("not settled: disk driver hiccup")
