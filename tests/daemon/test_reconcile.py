"""Recovery after an interruption matches a file by its identity (path + hash), never by content alone.

Real parts: the emulator over a real socket, a real engine running the daemon's built-in workflow,
a real journal and real files. The interruption is reproduced by running the batch's workflow for
only part of its files under the batch's execution id, then leaving the journal as a kill -9 would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.daemon.conftest import TARGET, daemon_settings, import_calls, sounds
from tests.daemon.wavs import write_wav
from wwiseflowd.config import WatchConfig
from wwiseflowd.daemon.batches import BatchProcessor
from wwiseflowd.daemon.reconcile import Provenance, identifies, parse_provenance
from wwiseflowd.daemon.rules import DropRule, sha256_file
from wwiseflowd.engine import Engine
from wwiseflowd.sim import Emulator
from wwiseflowd.store.journal import DropRecord, FileState, Journal
from wwiseflowd.watch.workflows import WorkflowLibrary

N = 50


@pytest.fixture
def engine(tmp_path: Path, sim: Emulator) -> Iterator[Engine]:
    settings = daemon_settings(tmp_path, sim.url, [])
    with Engine(settings).start() as started:
        yield started


def _interrupted_batch(
    tmp_path: Path, engine: Engine, reached: int
) -> tuple[BatchProcessor, Journal, int, DropRule]:
    """50 identical files in one batch; the first ``reached`` got into Wwise before the 'kill'."""
    drop = tmp_path / "drop"
    rule = DropRule.from_config(WatchConfig(folder=drop, name="sfx", target=TARGET))
    library = WorkflowLibrary(tmp_path / "workflows", engine.compile)
    library.load_builtin()
    journal = Journal(tmp_path / "state" / "drops.sqlite3")
    # a silence placeholder with the same bytes was imported long ago under another name
    old = write_wav(tmp_path / "old" / "Silence.wav", seed=7)
    entries = []
    for i in range(N):
        path = write_wav(drop / f"Placeholder_{i:02d}.wav", seed=7)
        entries.append((str(path), path.name, TARGET))
    ids = journal.record_seen("sfx", entries)
    digest = sha256_file(old)
    for (path_text, _rel, _t), file_id in zip(entries, ids.values(), strict=True):
        st = Path(path_text).stat()
        journal.mark_stable(file_id, size=st.st_size, mtime_ns=st.st_mtime_ns, sha256=digest, valid=True)
    batch = journal.create_batch("sfx", list(ids.values()))
    workflow = library.get(rule.config.workflow)
    assert workflow is not None and workflow.plan is not None
    old_record = _record(old, digest)
    done = engine.execute(workflow.plan, rule.workflow_inputs([old_record], declared=None))
    assert done.ok, done.error
    execution_id = "exec-interrupted"
    journal.start_batch(batch, execution_id)
    journal.mark_importing(list(ids.values()), execution_id)
    files = journal.batch_files(batch)
    if reached:
        inputs = rule.workflow_inputs(files[:reached], declared=None)
        partial = engine.execute(workflow.plan, inputs, execution_id=execution_id, force=True)
        assert partial.ok, partial.error
    processor = BatchProcessor(journal, engine, library, {"sfx": rule})
    return processor, journal, batch, rule


def _record(path: Path, digest: str) -> DropRecord:
    fields = dict.fromkeys(DropRecord.__dataclass_fields__)
    fields.update(id=0, rule="sfx", path=str(path), rel_path=path.name, target=TARGET, sha256=digest)
    fields.update(state=FileState.QUEUED, valid=True, object_ids=[], attempts=0)
    fields.update(created_at=0.0, updated_at=0.0)
    return DropRecord(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("reached", [0, 1, 25, 49])
def test_fifty_identical_files_interrupted_all_become_fifty_sounds(
    tmp_path: Path, sim: Emulator, engine: Engine, reached: int
) -> None:
    processor, journal, batch, _rule = _interrupted_batch(tmp_path, engine, reached)
    before = import_calls(sim)
    processor.run(journal.batch(batch))  # type: ignore[arg-type]
    names = sorted(name for name, _notes in sounds(sim) if name.startswith("Placeholder_"))
    assert names == [f"Placeholder_{i:02d}" for i in range(N)]
    states = [f.state for f in journal.batch_files(batch)]
    assert states == [FileState.DONE] * N
    reconciled = [f for f in journal.batch_files(batch) if f.note and "reconciled" in f.note]
    assert len(reconciled) == reached  # only the files that really got in, not every equal-bytes file
    assert (import_calls(sim) - before > 0) == (reached < N)
    journal.close()


def test_a_note_identifies_a_file_by_path_and_hash_not_by_hash_alone() -> None:
    note = "Imported by wwiseflowd from /drop/a b; c.wav; sha256 " + "ab" * 32 + "; execution e-1"
    provenance = parse_provenance(note)
    assert provenance == Provenance("/drop/a b; c.wav", "ab" * 32, "e-1")
    same = _record(Path("/drop/a b; c.wav"), "AB" * 32)
    other_name = _record(Path("/drop/copy.wav"), "ab" * 32)
    assert identifies(provenance, same)
    assert not identifies(provenance, other_name)
    assert parse_provenance("a note a designer wrote") is None


def test_reconciling_looks_the_project_up_without_writing_the_audit_trail(
    tmp_path: Path, sim: Emulator, engine: Engine
) -> None:
    # its answer is every Sound under the target with its notes: a 5 MB audit blob per Wwise
    # restart in the 30-minute soak, whose indexing then held the state file's lock for minutes
    processor, journal, batch, rule = _interrupted_batch(tmp_path, engine, 25)
    logged = len(engine.audit_trail.entries())
    found = processor.reconciler.find(rule, journal.batch_files(batch))
    assert found.ok and len(found.data) == 25
    assert len(engine.audit_trail.entries()) == logged
    journal.close()
