"""Retention: forget old audit files and blobs, memo entries, finished executions and drop-journal rows.

``[retention]`` (:class:`~wwiseflowd.config.RetentionConfig`) sets the ages and the audit size cap;
:func:`prune` applies them once (``wwiseflowd prune [--dry-run]``), :class:`RetentionWorker` does it
in the daemon's background. What is never removed:

- today's audit file, and any audit file (or older) holding a command of an execution that is still
  running or that the drop journal still has in flight (crash recovery reconciles those);
- a blob any kept line references (or written in the last :data:`BLOB_GRACE_S` seconds);
- a running execution's ledger row; a drop-journal row in flight, or whose file is still in the
  drop folder (its row is what stops a rescan from importing it twice).

Audit files go oldest first and only as a prefix, so the hash chain of what is kept stays whole;
``audit/anchor.json`` records the hash the first kept line links to.
"""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from loguru import logger
from pydantic import BaseModel, Field

from wwiseflowd.audit.chain import ANCHOR_FILE, audit_files, iter_raw
from wwiseflowd.audit.index import iso
from wwiseflowd.audit.trail import AuditTrail
from wwiseflowd.config import RetentionConfig, Settings
from wwiseflowd.store import Store
from wwiseflowd.store.journal import Journal

#: a blob written this recently is kept even when no line references it yet (its line is coming)
BLOB_GRACE_S = 600.0
_BLOB_REF = re.compile(rb'"\$blob":"([0-9a-f]{64})"')


class PruneReport(BaseModel):
    """What a prune removed (or, with ``dryRun``, would remove)."""

    dryRun: bool = False
    auditFiles: list[str] = Field(default_factory=list)
    auditBytes: int = 0
    blobs: int = 0
    blobBytes: int = 0
    memo: int = 0
    ledger: int = 0
    journalFiles: int = 0
    journalBatches: int = 0
    kept: list[str] = Field(default_factory=list, description="Why older audit files were kept.")

    def lines(self) -> list[str]:
        """The report as text for ``wwiseflowd prune``."""
        verb = "Would remove" if self.dryRun else "Removed"
        lines = [
            f"{verb}: {len(self.auditFiles)} audit file(s) ({self.auditBytes} bytes), {self.blobs} blob(s) "
            f"({self.blobBytes} bytes), {self.memo} memo entr(ies), {self.ledger} execution(s), "
            f"{self.journalFiles} drop-journal file row(s) and {self.journalBatches} batch(es).",
        ]
        return lines + [f"Kept: {reason}" for reason in self.kept]


def protected_executions(store: Store, journal: Journal | None, running: set[str]) -> set[str]:
    """Executions still open (running here or per the ledger) or in flight in the drop journal."""
    ids = set(running)
    ids |= {row["executionId"] for row in store.ledger_list(limit=100_000, status="running")}
    if journal is not None:
        ids |= {r.execution_id for r in journal.active() if r.execution_id}
        ids |= {b.execution_id for b in journal.waiting_batches() if b.execution_id}
    return ids


def prune(
    config: RetentionConfig, *, store: Store, trail: AuditTrail, journal: Journal | None,
    running: set[str] | None = None, dry_run: bool = False, now: datetime | None = None,
) -> PruneReport:
    """Apply ``config`` once; see the module docstring for what is never removed."""
    now = now or datetime.now(UTC)
    report = PruneReport(dryRun=dry_run)
    protected = protected_executions(store, journal, running or set())
    _prune_audit(config, trail, protected, report, now)
    if config.memo_days:
        report.memo = store.prune(iso(now - timedelta(days=config.memo_days)), memo=True, ledger=False,
                                  dry_run=dry_run)["memo"]
    if config.ledger_days:
        report.ledger = store.prune(iso(now - timedelta(days=config.ledger_days)), memo=False, ledger=True,
                                    dry_run=dry_run)["ledger"]
    if config.journal_days and journal is not None:
        counts = journal.prune((now - timedelta(days=config.journal_days)).timestamp(), dry_run=dry_run)
        report.journalFiles, report.journalBatches = counts["files"], counts["batches"]
    return report


def _prune_audit(
    config: RetentionConfig, trail: AuditTrail, protected: set[str], report: PruneReport, now: datetime
) -> None:
    files = audit_files(trail.directory)
    refs = {p.name: _blob_refs(p) for p in files}
    sizes = {p.name: p.stat().st_size for p in files}
    blob_sizes = {d: trail.blobs.size(d) for d in trail.blobs.digests()}
    trail.index.sync()  # the index says which files hold the protected executions' lines
    needed = trail.index.execution_files(sorted(protected)) if protected else set()
    cutoff = (now - timedelta(days=config.audit_days)).date() if config.audit_days else None
    budget = int(config.audit_max_mb * 1024 * 1024) if config.audit_max_mb else None
    drop: list[Path] = []
    for path in files[:-1] if files and _day(files[-1]) >= now.date() else files:
        kept = [p for p in files if p not in drop and p != path]
        over = budget is not None and _usage(kept + [path], sizes, refs, blob_sizes) > budget
        if not over and (cutoff is None or _day(path) >= cutoff):
            break
        if path.name in needed:
            report.kept.append(f"{path.name} and newer: it holds commands of an execution still open or "
                               f"in flight ({', '.join(sorted(protected))[:200]}).")
            break
        drop.append(path)
    keep = [p for p in files if p not in drop]
    still_referenced = set().union(*(refs[p.name] for p in keep)) if keep else set()
    orphans = [d for d in blob_sizes if d not in still_referenced and _old_enough(trail, d, now)]
    report.auditFiles = [p.name for p in drop]
    report.auditBytes = sum(sizes[p.name] for p in drop)
    report.blobs, report.blobBytes = len(orphans), sum(blob_sizes[d] for d in orphans)
    if report.dryRun or not drop and not orphans:
        return
    _remove(trail, drop, keep, orphans)


def _remove(trail: AuditTrail, drop: list[Path], keep: list[Path], orphans: list[str]) -> None:
    if drop:
        anchor = {"file": keep[0].name if keep else None, "prev": _link_after(drop[-1])}
        (trail.directory / ANCHOR_FILE).write_text(json.dumps(anchor), encoding="utf-8")
    for path in drop:
        path.unlink(missing_ok=True)
    trail.index.forget_files([p.name for p in drop])
    for digest in orphans:
        trail.blobs.delete(digest)


def _link_after(path: Path) -> str:
    """The hash the line after ``path``'s last line links to."""
    from wwiseflowd.audit.chain import last_hash

    digest = last_hash(path)
    return digest if digest is not None else json.loads(next(iter_raw(path))[1])["prev"]


def _usage(files: list[Path], sizes: dict[str, int], refs: dict[str, set[str]], blobs: dict[str, int]) -> int:
    used = set().union(*(refs[p.name] for p in files)) if files else set()
    return sum(sizes[p.name] for p in files) + sum(blobs.get(d, 0) for d in used)


def _blob_refs(path: Path) -> set[str]:
    return {m.decode() for m in _BLOB_REF.findall(path.read_bytes())}


def _day(path: Path) -> date:
    try:
        return date.fromisoformat(path.name[len("audit-"):-len(".jsonl")])
    except ValueError:
        return date.max  # a file named otherwise is never taken for old


def _old_enough(trail: AuditTrail, digest: str, now: datetime) -> bool:
    try:
        return now.timestamp() - trail.blobs.path(digest).stat().st_mtime >= BLOB_GRACE_S
    except OSError:
        return False


def prune_settings(settings: Settings, *, dry_run: bool = False) -> PruneReport:
    """``wwiseflowd prune``: open the store, the audit trail and the drop journal of ``settings``."""
    from wwiseflowd.store import open_store

    store, trail = open_store(settings), AuditTrail.for_settings(settings)
    journal = Journal.in_state_dir(Path(settings.paths.state_dir))
    try:
        return prune(settings.retention, store=store, trail=trail, journal=journal, dry_run=dry_run)
    finally:
        journal.close()
        trail.close()
        store.close()


class RetentionWorker:
    """The daemon's background prune: once shortly after start, then every ``interval_s``."""

    def __init__(self, config: RetentionConfig, engine: Any, journal: Journal | None, *,
                 first_delay_s: float = 60.0) -> None:
        self.config = config
        self.engine = engine
        self.journal = journal
        self.first_delay_s = first_delay_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="wwiseflowd-retention", daemon=True)

    def start(self) -> RetentionWorker:
        """Start the thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop it (a prune in progress finishes first)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(30)

    def run_once(self) -> PruneReport | None:
        """One prune; errors are logged, never raised (retention must not take the daemon down)."""
        try:
            report = prune(self.config, store=self.engine.store, trail=self.engine.audit_trail,
                           journal=self.journal, running=set(self.engine.running()))
        except Exception as exc:
            logger.opt(exception=exc).warning("Retention prune failed: {}", exc)
            return None
        if report.auditFiles or report.blobs or report.memo or report.ledger or report.journalFiles:
            logger.info("Retention: {}", report.lines()[0])
        return report

    def _loop(self) -> None:
        delay = min(self.first_delay_s, self.config.interval_s)
        while not self._stop.wait(delay):
            started = time.monotonic()
            self.run_once()
            delay = max(1.0, self.config.interval_s - (time.monotonic() - started))


__all__ = ["PruneReport", "RetentionWorker", "protected_executions", "prune", "prune_settings"]
