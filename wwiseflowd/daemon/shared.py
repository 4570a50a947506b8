"""A batch of a shared drop folder (``[[watch]] shared = true``): claim its files before the run, give
the claims back or turn them into finished markers after it (:mod:`wwiseflowd.fleet.claims`).

Files another daemon holds or already finished leave this daemon's batch and its journal (they are
not this daemon's to report); the pump keeps an eye on them and takes them back if their claim
lapses (its holder died) or their content changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from loguru import logger

from wwiseflowd.daemon.rules import DropRule
from wwiseflowd.fleet.claims import ClaimState, DropClaims
from wwiseflowd.store.journal import DropRecord, FileState, Journal

if TYPE_CHECKING:
    from wwiseflowd.daemon.batches import BatchContext

#: ``BatchContext.extra`` key: relative paths this daemon claimed for the batch
CLAIMED = "claimed"


class SharedFolders:
    """The claim side of the batch steps, for the rules with ``shared = true``."""

    def __init__(self, claims: DropClaims, journal: Journal) -> None:
        self.claims = claims
        self.journal = journal
        #: told about each file left to another daemon (the pump watches it from then on)
        self.on_released: Callable[[DropRule, DropRecord], None] | None = None

    def claim(self, ctx: BatchContext) -> None:
        """Claim the batch's files; those held or finished by another daemon leave the batch.
        Raises ``redis.RedisError`` when Redis does not answer (the batch then waits, untouched)."""
        assert ctx.rule is not None
        todo = ctx.todo()
        answers = self.claims.claim(ctx.rule.id, [(f.rel_path, f.sha256) for f in todo])
        ctx.extra[CLAIMED] = [rel for rel, a in answers.items() if a.state is ClaimState.MINE]
        others = [f for f in todo if answers[f.rel_path].state is not ClaimState.MINE]
        if not others:
            return
        self.journal.forget(f.id for f in others)
        for record in others:
            answer = answers[record.rel_path]
            logger.debug("{} is {} by {}; leaving it to that daemon", record.rel_path,
                         "held" if answer.state is ClaimState.HELD else "already finished", answer.holder)
            if self.on_released is not None:
                self.on_released(ctx.rule, record)
        logger.info("Batch {} of {}: {} file(s) left to other daemons of the fleet", ctx.batch.id,
                    ctx.rule.id, len(others))
        ctx.files = self.journal.batch_files(ctx.batch.id)

    def after_batch(self, ctx: BatchContext) -> None:
        """Claims of finished files become finished markers; the others (the batch waits) are given back."""
        claimed = set(ctx.extra.get(CLAIMED) or ())
        if ctx.rule is None or not claimed:
            return
        files = [f for f in self.journal.batch_files(ctx.batch.id) if f.rel_path in claimed]
        finished = [f for f in files if f.state in (FileState.DONE, FileState.FAILED)]
        outcomes = [(f.rel_path, f.sha256, f.state.value, f.execution_id) for f in finished]
        unfinished = sorted(claimed - {f.rel_path for f in finished})
        try:
            self.claims.finish(ctx.rule.id, outcomes)
            self.claims.release(ctx.rule.id, unfinished)
        except Exception as exc:  # Redis away: the claims lapse after the lease by themselves
            logger.warning("Could not record the end of batch {}'s claims in Redis ({}); they lapse after "
                           "the lease, and a file left in place may be imported again by another daemon",
                           ctx.batch.id, exc)
