"""Running one batch: reconcile what a crash left in flight, run the rule's workflow once, and settle
every file (done, failed alone with a reason, or still queued because Wwise was unavailable).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

from wwiseflowd.daemon.reconcile import Reconciler
from wwiseflowd.daemon.rules import DropRule
from wwiseflowd.events import utc_now_iso
from wwiseflowd.operations.outcome import execution_outcome
from wwiseflowd.results import TRANSIENT_CODES, ErrorCode
from wwiseflowd.runner import new_execution_id
from wwiseflowd.store.journal import BatchRecord, DropRecord, FileState, Journal
from wwiseflowd.watch.workflows import WorkflowLibrary

if TYPE_CHECKING:
    from wwiseflowd.engine import Engine

#: a run cancelled because the daemon is stopping is not the files' fault: the batch waits too
_TRANSIENT = {c.value for c in TRANSIENT_CODES} | {ErrorCode.CANCELLED.value}


@dataclass
class FileOutcome:
    """How one file of a run ended."""

    ok: bool
    object_ids: list[str] = field(default_factory=list)
    object_path: str | None = None
    code: str | None = None
    error: str | None = None


@dataclass
class RunOutcome:
    """How a run of the workflow ended, per file; ``transient`` means try the batch again later."""

    transient: bool
    code: str | None
    error: str | None
    files: dict[int, FileOutcome]


def interpret(execution: Mapping[str, Any], files: list[DropRecord]) -> RunOutcome:
    """Read the per-file results (any node output ``files: [{file, ok, ...}]``) of an execution."""
    per_path: dict[str, dict[str, Any]] = {}
    for node in execution.get("results") or []:
        data = node.get("data") if isinstance(node, Mapping) else None
        entries = data.get("files") if isinstance(data, Mapping) else None
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if isinstance(entry, Mapping) and isinstance(entry.get("file"), str):
                previous = per_path.get(entry["file"])
                if previous is None or previous.get("ok", True):
                    per_path[entry["file"]] = dict(entry)  # a failure anywhere wins
    outcome = execution_outcome(execution)
    ok, code, error = outcome.ok, outcome.code, outcome.error
    rolled_back = bool(execution.get("rolledBack"))
    outcomes: dict[int, FileOutcome] = {}
    for record in files:
        entry = per_path.get(record.path)
        if entry is not None and not entry.get("ok", True):
            outcomes[record.id] = FileOutcome(
                ok=False,
                code=str(entry.get("code") or ErrorCode.IMPORT_FAILED.value),
                error=str(entry.get("error") or f"{Path(record.path).name} could not be imported"),
            )
        elif ok or (entry is not None and not rolled_back):
            ids = entry.get("objectIds") if entry else None
            if not isinstance(ids, list):
                ids = [entry["objectId"]] if entry and entry.get("objectId") else []
            outcomes[record.id] = FileOutcome(
                ok=True,
                object_ids=[str(i) for i in ids],
                object_path=entry.get("objectPath") if entry else None,
            )
        else:
            outcomes[record.id] = FileOutcome(ok=False, code=str(code), error=str(error))
    transient = not ok and str(code) in _TRANSIENT
    return RunOutcome(transient=transient, code=str(code) if code else None, error=error, files=outcomes)


class BatchProcessor:
    """Runs batches from the journal through the engine, one at a time (the worker thread)."""

    def __init__(
        self,
        journal: Journal,
        engine: Engine,
        library: WorkflowLibrary,
        rules: Mapping[str, DropRule],
        *,
        chunk_size: int = 100,
        retry_base_s: float = 1.0,
        retry_max_s: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.journal = journal
        self.engine = engine
        self.library = library
        self.rules = rules
        self.chunk_size = chunk_size
        self.retry_base_s = retry_base_s
        self.retry_max_s = retry_max_s
        self.clock = clock
        self.reconciler = Reconciler(engine)
        #: the execution in flight (so a stop can cancel it after its grace period)
        self.current_execution: str | None = None
        self.on_settled: Callable[[DropRule, DropRecord], None] | None = None

    # -- entry point -------------------------------------------------------------------------------

    def run(self, batch: BatchRecord) -> None:
        """Process ``batch`` to the end, or put it back to wait for Wwise."""
        rule = self.rules.get(batch.rule)
        files = self.journal.batch_files(batch.id)
        if rule is None:
            for f in files:
                if f.state in (FileState.QUEUED, FileState.IMPORTING, FileState.STABLE, FileState.SEEN):
                    self.journal.mark_failed(
                        f.id,
                        code=ErrorCode.CONFIG_ERROR.value,
                        error=f"The watch rule {batch.rule!r} is no longer configured; drop the file again.",
                    )
            self.journal.finish_batch(batch.id, code=ErrorCode.CONFIG_ERROR.value, error="rule removed")
            return
        workflow = self.library.get(rule.config.workflow)
        if workflow is None or workflow.plan is None:
            self._wait(
                batch,
                ErrorCode.CONFIG_ERROR.value,
                f"Workflow {rule.config.workflow!r} of rule {rule.id!r} is not available (missing, or it "
                f"never compiled); add or fix it in the workflows directory. The files wait.",
            )
            return

        in_flight = [f for f in files if f.state is FileState.IMPORTING]
        if in_flight:
            found = self.reconciler.find(rule, in_flight)
            if not found.ok:
                self._wait(batch, found.code or ErrorCode.WAAPI_UNAVAILABLE.value, found.error or "")
                return
            for record in in_flight:
                hit = found.data.get(record.id) if isinstance(found.data, dict) else None
                if hit is not None:
                    logger.info(
                        "{} reached the project before the interruption; not importing it again",
                        record.rel_path,
                    )
                    self.journal.mark_done(
                        record.id,
                        object_ids=hit.get("objectIds"),
                        object_path=hit.get("objectPath"),
                        note="reconciled after an interruption",
                    )
            files = self.journal.batch_files(batch.id)

        todo = [f for f in files if f.state in (FileState.QUEUED, FileState.IMPORTING, FileState.STABLE)]
        for record in [f for f in todo if not Path(f.path).exists()]:
            self.journal.mark_failed(
                record.id,
                code=ErrorCode.FILE_NOT_FOUND.value,
                error=f"{record.rel_path} was removed from the drop folder before it could be imported.",
            )
            todo.remove(record)
        invalid = [f for f in todo if not f.valid]
        valid = [f for f in todo if f.valid]
        execution_id: str | None = None
        for attempt in range(2):  # the second attempt re-runs the rest without files that failed alone
            if not valid:
                break
            execution_id = new_execution_id()
            self.journal.start_batch(batch.id, execution_id)
            self.journal.mark_importing([f.id for f in valid], execution_id)
            outcome = self._execute(rule, workflow.plan, valid, execution_id)
            if outcome.transient:
                self._wait(batch, outcome.code or ErrorCode.WAAPI_UNAVAILABLE.value, outcome.error or "")
                return
            singled_out = [
                f for f in valid if not outcome.files[f.id].ok and outcome.files[f.id].error != outcome.error
            ]
            retry_rest = (
                attempt == 0
                and not any(o.ok for o in outcome.files.values())
                and singled_out
                and len(singled_out) < len(valid)
            )
            done = [
                (f.id, outcome.files[f.id].object_ids, outcome.files[f.id].object_path)
                for f in valid
                if outcome.files[f.id].ok
            ]
            failed = [
                (
                    f.id,
                    outcome.files[f.id].code or ErrorCode.IMPORT_FAILED.value,
                    outcome.files[f.id].error or "import failed",
                )
                for f in valid
                if not outcome.files[f.id].ok and (not retry_rest or f in singled_out)
            ]
            self.journal.mark_done_many(done, execution_id=execution_id)
            self.journal.mark_failed_many(failed, execution_id=execution_id)
            if not retry_rest:
                break
            # a run that was undone because of some files: import the others on their own
            valid = [f for f in valid if f not in singled_out]
            logger.info("Re-running batch {} without the {} file(s) that failed", batch.id, len(singled_out))
        for record in invalid:
            self.journal.mark_failed(
                record.id,
                code=record.code or ErrorCode.INVALID_AUDIO.value,
                error=record.error or f"{record.rel_path} is not a valid WAV file",
                execution_id=execution_id,
            )
        self._settle(rule, batch.id)
        finished = self.journal.finish_batch(batch.id)
        self._publish(
            {
                "type": "batch.finished",
                "rule": rule.id,
                "batchId": batch.id,
                "files": finished.files,
                "executionId": execution_id,
                "imported": finished.imported,
                "failed": finished.failed,
                "skipped": finished.skipped,
            }
        )
        logger.info(
            "Batch {} of {}: {} imported, {} failed, {} already there{}",
            batch.id,
            rule.id,
            finished.imported,
            finished.failed,
            finished.skipped,
            f" (execution {execution_id})" if execution_id else " (no run: nothing was importable)",
        )

    # -- steps -------------------------------------------------------------------------------------

    def _execute(
        self, rule: DropRule, plan: dict[str, Any], files: list[DropRecord], execution_id: str
    ) -> RunOutcome:
        inputs = rule.workflow_inputs(files, chunk_size=self.chunk_size, declared=plan.get("inputs"))
        self.current_execution = execution_id
        try:
            result = self.engine.execute(plan, inputs, force=True, execution_id=execution_id, source="watch")
        except Exception as exc:  # the engine promises not to raise; never lose the batch if it does
            logger.opt(exception=True).error("Engine raised while running batch: {}", exc)
            return RunOutcome(True, ErrorCode.INTERNAL.value, f"internal error: {exc}", {})
        finally:
            self.current_execution = None
        execution = result.model_dump(mode="json") if hasattr(result, "model_dump") else dict(result)
        return interpret(execution, files)

    def _wait(self, batch: BatchRecord, code: str, error: str) -> None:
        delay = min(self.retry_base_s * (2 ** min(batch.attempts, 10)), self.retry_max_s)
        self.journal.wait_batch(batch.id, retry_at=self.clock() + delay, code=code, error=error)
        logger.warning(
            "Batch {} of {} waits ({}): {} Retrying in {:.0f} s; the files stay in the drop folder.",
            batch.id,
            batch.rule,
            code,
            error,
            delay,
        )

    def _settle(self, rule: DropRule, batch_id: int) -> None:
        self.settle(rule, self.journal.batch_files(batch_id))

    def settle(self, rule: DropRule, records: list[DropRecord]) -> None:
        """Move/delete/leave each finished file and write ``.error.json`` for failures."""
        # name each file in the log for human-sized batches; a 1,000-file burst gets its summary line
        level = "INFO" if len(records) <= 20 else "DEBUG"
        notes: list[tuple[int, str]] = []
        for record in records:
            if record.state is FileState.DONE:
                logger.log(
                    level, "Imported {} -> {}", record.rel_path, record.object_path or rule.config.target
                )
                note = rule.after_success(record)
            elif record.state is FileState.FAILED:
                note = rule.after_failure(
                    record,
                    code=record.code or ErrorCode.IMPORT_FAILED.value,
                    reason=record.error or "",
                    execution_id=record.execution_id,
                )
                logger.error("{} failed ({}): {}", record.rel_path, record.code, record.error)
            else:
                continue
            if note:
                notes.append((record.id, note))
            if self.on_settled is not None:
                self.on_settled(rule, record)
        self.journal.set_notes(notes)
        self.journal.mark_settled(r.id for r in records if r.state in (FileState.DONE, FileState.FAILED))

    def _publish(self, event: dict[str, Any]) -> None:
        try:
            self.engine.events.publish({"time": utc_now_iso(), **event})
        except Exception:
            logger.opt(exception=True).debug("Publishing {} failed", event.get("type"))
