"""Running one batch as an ordered pipeline of small steps (the way paperless-ngx consumes a file).

Each step reads and updates a :class:`BatchContext`; any step may stop the batch with a reason
(the rule is gone, the workflow does not compile, Wwise is unavailable and the batch waits).
The steps, in order (:attr:`BatchProcessor.steps`):

1. ``check_rule``       the batch's rule is still configured (else its files fail with CONFIG_ERROR)
2. ``check_workflow``   the rule's workflow compiled (else the batch waits, files untouched)
2b. ``claim_files``     shared folders only: files another daemon holds or finished leave the batch
3. ``reconcile``        files a crash left in flight that did reach Wwise are marked done (by identity)
4. ``drop_missing``     files removed from the drop folder meanwhile fail with FILE_NOT_FOUND
5. ``import_files``     the workflow runs once (a second time without files that failed alone)
6. ``fail_invalid``     files that are not valid WAVs fail with their reason
7. ``settle``           each finished file goes to processed/, is deleted or left; failures to failed/
8. ``finish``           the batch is closed and ``batch.finished`` published
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

from wwiseflowd.daemon.reconcile import Reconciler
from wwiseflowd.daemon.rules import DropRule, ErrorReports
from wwiseflowd.daemon.run_outcome import FileOutcome, RunOutcome, interpret
from wwiseflowd.events import utc_now_iso
from wwiseflowd.files import write_text_atomic
from wwiseflowd.results import ErrorCode
from wwiseflowd.runner import new_execution_id
from wwiseflowd.store.journal import BatchRecord, DropRecord, FileState, Journal
from wwiseflowd.watch.workflows import WorkflowEntry, WorkflowLibrary

if TYPE_CHECKING:
    from wwiseflowd.daemon.shared import SharedFolders
    from wwiseflowd.engine import Engine

__all__ = ["BatchContext", "BatchProcessor", "FileOutcome", "RunOutcome", "interpret"]

#: file states a batch still has to work on
_TODO = (FileState.QUEUED, FileState.IMPORTING, FileState.STABLE)


@dataclass
class BatchContext:
    """What the steps of one batch share."""

    batch: BatchRecord
    files: list[DropRecord]
    rule: DropRule | None = None
    workflow: WorkflowEntry | None = None
    execution_id: str | None = None
    #: set by a step that stops the batch: why (for the log)
    stopped: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def todo(self) -> list[DropRecord]:
        """Files still to be imported, in drop order."""
        return [f for f in self.files if f.state in _TODO]


Step = Callable[[BatchContext], str | None]


class BatchProcessor:
    """Runs batches from the journal through the engine, one at a time (the worker thread)."""

    def __init__(
        self,
        journal: Journal,
        engine: Engine,
        library: WorkflowLibrary,
        rules: Mapping[str, DropRule],
        *,
        retry_base_s: float = 1.0,
        retry_max_s: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.journal = journal
        self.engine = engine
        self.library = library
        self.rules = rules
        self.retry_base_s = retry_base_s
        self.retry_max_s = retry_max_s
        self.clock = clock
        self.reconciler = Reconciler(engine)
        #: the execution in flight (so a stop can cancel it after its grace period)
        self.current_execution: str | None = None
        #: the batch being run (for /health: a rule whose batch runs is not stalled)
        self.current_batch: BatchRecord | None = None
        #: told of the files a settle finished with, all at once (the pump: one hand-off per batch)
        self.on_settled: Callable[[DropRule, list[DropRecord]], None] | None = None
        #: claims of the rules with ``shared = true`` (the daemon sets it when there are such rules)
        self.shared: SharedFolders | None = None
        self.steps: list[Step] = [
            self.check_rule,
            self.check_workflow,
            self.claim_files,
            self.reconcile,
            self.drop_missing,
            self.import_files,
            self.fail_invalid,
            self.settle_batch,
            self.finish,
        ]

    def run(self, batch: BatchRecord) -> BatchContext:
        """Run ``batch`` through :attr:`steps` until one stops it or all are done."""
        ctx = BatchContext(batch=batch, files=self.journal.batch_files(batch.id))
        self.current_batch = batch
        try:
            for step in self.steps:
                ctx.stopped = step(ctx)
                if ctx.stopped is not None:
                    logger.debug("Batch {} stopped at {}: {}", batch.id, step.__name__, ctx.stopped)
                    break
        finally:
            self.current_batch = None
            if self.shared is not None:
                self.shared.after_batch(ctx)
        return ctx

    # -- the steps ---------------------------------------------------------------------------------

    def check_rule(self, ctx: BatchContext) -> str | None:
        """The rule was removed from the configuration: its files fail, the batch closes."""
        ctx.rule = self.rules.get(ctx.batch.rule)
        if ctx.rule is not None:
            return None
        sentence = f"The watch rule {ctx.batch.rule!r} is no longer configured; drop the file again."
        active = [f for f in ctx.files if f.state in (*_TODO, FileState.SEEN)]
        self.journal.mark_failed_many([(f.id, ErrorCode.CONFIG_ERROR.value, sentence) for f in active])
        self.journal.finish_batch(ctx.batch.id, code=ErrorCode.CONFIG_ERROR.value, error="rule removed")
        return "rule removed"

    def check_workflow(self, ctx: BatchContext) -> str | None:
        """The rule's workflow is missing or does not compile: the batch waits, files untouched."""
        assert ctx.rule is not None
        ctx.workflow = self.library.get(ctx.rule.config.workflow)
        if ctx.workflow is not None and ctx.workflow.plan is not None:
            return None
        return self._wait(
            ctx.batch,
            ErrorCode.CONFIG_ERROR.value,
            f"Workflow {ctx.rule.config.workflow!r} of rule {ctx.rule.id!r} is not available (missing, "
            f"or it never compiled); add or fix it in the workflows directory. The files wait.",
        )

    def claim_files(self, ctx: BatchContext) -> str | None:
        """A shared folder's files are claimed in the fleet's Redis; the batch waits while it is away."""
        assert ctx.rule is not None
        if self.shared is None or not ctx.rule.config.shared:
            return None
        try:
            self.shared.claim(ctx)
        except Exception as exc:
            return self._wait(
                ctx.batch, ErrorCode.BACKEND_UNAVAILABLE.value,
                f"The fleet's Redis, where the daemons watching the shared folder claim its files, did not "
                f"answer ({type(exc).__name__}: {exc}). The files wait in the drop folder and this daemon's "
                f"journal; nothing is lost.",
            )
        return None

    def reconcile(self, ctx: BatchContext) -> str | None:
        """Files a crash left ``importing`` that reached the project are done, not imported again."""
        assert ctx.rule is not None
        in_flight = [f for f in ctx.files if f.state is FileState.IMPORTING]
        if not in_flight or ctx.rule.config.dry_run:  # a dry run never reached Wwise: it runs again
            return None
        found = self.reconciler.find(ctx.rule, in_flight)
        if not found.ok:
            return self._wait(ctx.batch, found.code or ErrorCode.WAAPI_UNAVAILABLE.value, found.error or "")
        hits: dict[int, dict[str, Any]] = found.data if isinstance(found.data, dict) else {}
        for record in in_flight:
            hit = hits.get(record.id)
            if hit is not None:
                logger.info(
                    "{} reached the project before the interruption; not importing it again", record.rel_path
                )
                self.journal.mark_done(
                    record.id,
                    object_ids=hit.get("objectIds"),
                    object_path=hit.get("objectPath"),
                    note="reconciled after an interruption",
                )
        ctx.files = self.journal.batch_files(ctx.batch.id)
        return None

    def drop_missing(self, ctx: BatchContext) -> str | None:
        """Files removed from the drop folder before their import fail with FILE_NOT_FOUND."""
        gone = [f for f in ctx.todo() if not Path(f.path).exists()]
        if gone:
            self.journal.mark_failed_many(
                [
                    (
                        f.id,
                        ErrorCode.FILE_NOT_FOUND.value,
                        f"{f.rel_path} was removed from the drop folder before it could be imported.",
                    )
                    for f in gone
                ]
            )
            ctx.files = self.journal.batch_files(ctx.batch.id)
        return None

    def import_files(self, ctx: BatchContext) -> str | None:
        """Run the workflow on the valid files; once more without files that failed alone."""
        valid = [f for f in ctx.todo() if f.valid]
        for attempt in range(2):
            if not valid:
                break
            outcome = self._run_once(ctx, valid)
            if outcome.transient:
                return self._wait(
                    ctx.batch, outcome.code or ErrorCode.WAAPI_UNAVAILABLE.value, outcome.error or ""
                )
            alone = _failed_alone(valid, outcome) if attempt == 0 else []
            self._record(valid, outcome, ctx.execution_id, rerun=bool(alone))
            if not alone:
                break
            # a run that was undone because of some files: import the others on their own
            valid = [f for f in valid if f not in alone]
            logger.info("Re-running batch {} without the {} file(s) that failed", ctx.batch.id, len(alone))
        ctx.files = self.journal.batch_files(ctx.batch.id)
        return None

    def fail_invalid(self, ctx: BatchContext) -> str | None:
        """Files that are not complete WAVs fail with the probe's reason."""
        invalid = [f for f in ctx.todo() if not f.valid]
        entries = [
            (
                f.id,
                f.code or ErrorCode.INVALID_AUDIO.value,
                f.error or f"{f.rel_path} is not a valid WAV file",
            )
            for f in invalid
        ]
        if entries:
            self.journal.mark_failed_many(entries, execution_id=ctx.execution_id)
            ctx.files = self.journal.batch_files(ctx.batch.id)
        return None

    def settle_batch(self, ctx: BatchContext) -> str | None:
        """Move, delete or leave each finished file; failed ones go to failed/ with a report."""
        assert ctx.rule is not None
        self.settle(ctx.rule, ctx.files)  # as the steps before left them (each re-reads what it changed)
        return None

    def finish(self, ctx: BatchContext) -> str | None:
        """Close the batch, publish ``batch.finished`` and log its summary."""
        assert ctx.rule is not None
        finished = self.journal.finish_batch(ctx.batch.id)
        event = {
            "type": "batch.finished",
            "rule": ctx.rule.id,
            "batchId": ctx.batch.id,
            "files": finished.files,
            "executionId": ctx.execution_id,
            "imported": finished.imported,
            "failed": finished.failed,
            "skipped": finished.skipped,
        }
        if ctx.rule.config.dry_run:  # nothing imported: how many files the dry run looked at, left in place
            files = self.journal.batch_files(ctx.batch.id)
            event |= {"dryRun": True, "previewed": sum(f.state is FileState.PREVIEWED for f in files)}
        self._publish(event)
        logger.info(
            "Batch {} of {}: {} imported, {} failed, {} already there{}",
            ctx.batch.id,
            ctx.rule.id,
            finished.imported,
            finished.failed,
            finished.skipped,
            f" (execution {ctx.execution_id})" if ctx.execution_id else " (no run: nothing was importable)",
        )
        return None

    # -- settling (also called by the pump for interrupted moves) ------------------------------------

    def settle(self, rule: DropRule, records: list[DropRecord]) -> None:
        """Move/delete/leave each finished file and write ``.error.json`` for failures."""
        # name each file in the log for human-sized batches; a 1,000-file burst gets its summary line
        level = "INFO" if len(records) <= 20 else "DEBUG"
        if rule.config.dry_run:
            self._settle_dry(rule, records, level)
            return
        notes: list[tuple[int, str]] = []
        reports = ErrorReports()
        finished = [r for r in records if r.state in (FileState.DONE, FileState.FAILED)]
        try:
            for record in finished:
                try:
                    note = self._settle_one(rule, record, level, reports)
                except Exception as exc:  # one file's surprise must not strand the rest of the batch
                    logger.exception("Could not finish with {} after its batch", record.path)
                    note = f"not settled: {exc}"
                if note:
                    notes.append((record.id, note))
            self.journal.set_notes(notes)
            self.journal.mark_settled(r.id for r in finished)
        finally:  # the pump stops tracking these files even if the journal write failed
            if self.on_settled is not None:
                self.on_settled(rule, finished)

    def _settle_dry(self, rule: DropRule, records: list[DropRecord], level: str) -> None:
        """A dry-run rule consumes nothing: each file stays where it is, ``previewed`` in the journal
        (not ``done``), so the real run imports it once the rule stops being a dry run."""
        finished = [r for r in records if r.state in (FileState.DONE, FileState.FAILED)]
        for record in finished:
            if record.state is FileState.DONE:
                logger.log(level, "Dry run: {} would be imported -> {}; left in place", record.rel_path,
                           record.object_path or rule.config.target)
            else:
                logger.warning("Dry run: {} would fail ({}): {}; left in place", record.rel_path, record.code,
                               record.error)
        self.journal.mark_previewed(r.id for r in finished)
        if self.on_settled is not None:
            self.on_settled(rule, finished)

    def _settle_one(
        self, rule: DropRule, record: DropRecord, level: str, reports: ErrorReports
    ) -> str | None:
        if record.state is FileState.DONE:
            logger.log(level, "Imported {} -> {}", record.rel_path, record.object_path or rule.config.target)
            return rule.after_success(record, reports)
        if record.state is FileState.FAILED:
            logger.error("{} failed ({}): {}", record.rel_path, record.code, record.error)
            return rule.after_failure(
                record,
                code=record.code or ErrorCode.IMPORT_FAILED.value,
                reason=record.error or "",
                execution_id=record.execution_id,
            )
        return None

    # -- helpers -----------------------------------------------------------------------------------

    def _run_once(self, ctx: BatchContext, files: list[DropRecord]) -> RunOutcome:
        """One run of the workflow; the execution id is journalled before anything reaches Wwise."""
        assert ctx.rule is not None and ctx.workflow is not None and ctx.workflow.plan is not None
        ctx.execution_id = execution_id = new_execution_id()
        self.journal.start_batch(ctx.batch.id, execution_id)
        self.journal.mark_importing([f.id for f in files], execution_id)
        plan = ctx.workflow.plan
        inputs = ctx.rule.workflow_inputs(files, declared=plan.get("inputs"))
        self.current_execution = execution_id
        try:
            if ctx.rule.config.dry_run:
                result = self._execute_dry(ctx.rule, plan, inputs, execution_id)
            else:
                result = self.engine.execute(plan, inputs, force=True, execution_id=execution_id,
                                             source="watch")
        except Exception as exc:  # the engine promises not to raise; never lose the batch if it does
            logger.opt(exception=True).error("Engine raised while running batch: {}", exc)
            return RunOutcome(True, ErrorCode.INTERNAL.value, f"internal error: {exc}", {})
        finally:
            self.current_execution = None
        execution = result.model_dump(mode="json") if hasattr(result, "model_dump") else dict(result)
        return interpret(execution, files)

    def _execute_dry(self, rule: DropRule, plan: dict[str, Any], inputs: dict[str, Any],
                     execution_id: str) -> Any:
        """``dry_run = true``: the run on a read-only copy of the rule's project; the change report
        is logged and written to ``<state_dir>/dry-runs/<execution id>.json``."""
        from wwiseflowd.sim.dryrun import execute_dry, render_text

        project = rule.config.dry_run_project
        if project is None:
            raise ValueError(f"Rule {rule.id!r} has dry_run = true but no dry_run_project.")
        result, changes = execute_dry(self.engine, plan, inputs, project, execution_id)
        folder = Path(self.engine.settings.paths.state_dir) / "dry-runs"
        folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(folder / f"{execution_id}.json", changes.model_dump_json(indent=2))
        logger.info("Dry run of rule {}:\n{}", rule.id, render_text(changes))
        return result

    def _record(
        self, files: list[DropRecord], outcome: RunOutcome, execution_id: str | None, *, rerun: bool
    ) -> None:
        """Journal each file's outcome. With ``rerun`` only the files that failed alone are failed;
        the others stay ``importing`` for the run without them."""
        results = [(f, outcome.files[f.id]) for f in files]
        done = [(f.id, r.object_ids, r.object_path) for f, r in results if r.ok]
        failed = [
            (f.id, r.code or ErrorCode.IMPORT_FAILED.value, r.error or "import failed")
            for f, r in results
            if not r.ok and (not rerun or r.error != outcome.error)
        ]
        self.journal.mark_done_many(done, execution_id=execution_id)
        self.journal.mark_failed_many(failed, execution_id=execution_id)

    def _wait(self, batch: BatchRecord, code: str, error: str) -> str:
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
        return f"waits ({code})"

    def _publish(self, event: dict[str, Any]) -> None:
        try:
            self.engine.events.publish({"time": utc_now_iso(), **event})
        except Exception:
            logger.opt(exception=True).debug("Publishing {} failed", event.get("type"))


def _failed_alone(files: list[DropRecord], outcome: RunOutcome) -> list[DropRecord]:
    """Files that failed for their own reason in a run where nothing succeeded (the run was undone
    because of them): the others deserve a run without them. Empty when that does not apply."""
    alone = [f for f in files if not outcome.files[f.id].ok and outcome.files[f.id].error != outcome.error]
    nothing_ok = not any(o.ok for o in outcome.files.values())
    return alone if nothing_ok and alone and len(alone) < len(files) else []
