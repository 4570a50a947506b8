"""What a run produces: :class:`ExecutionResult` and its :class:`NodeResult` per step.

``ExecutionResult`` is the execution result of docs/workflows.md; a finished execution that is not
ok always carries ``code`` and ``error``. The runner builds these, the run ledger stores them, and
:func:`wwiseflowd.operations.execution_outcome` turns one into a Result for the front doors.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, Field, model_validator

from wwiseflowd.results import ErrorCode
from wwiseflowd.store import ExecutionStatus


class NodeResult(BaseModel):
    """One step's outcome in the execution result."""

    node: str
    type: str
    ok: bool
    cached: bool = False
    skipped: bool = False
    idemKey: str | None = None
    data: Any = None
    error: str | None = None
    code: str | None = None
    durationMs: float = 0.0
    attempts: int = 0


class ExecutionResult(BaseModel):
    """One execution's outcome (docs/architecture.md, "Execution result").

    A finished execution that is not ``ok`` always carries ``code`` and ``error`` (as a Result
    does): when a producer left them out they are filled from the step it stopped at.
    """

    ok: bool
    executionId: str
    workflowId: str
    status: ExecutionStatus
    stopped: bool = False
    stopAt: str | None = None
    rolledBack: bool = False
    error: str | None = None
    code: str | None = None
    #: compile errors (``[{nodeId, field, code, message}]``) when the document did not compile
    errors: list[dict[str, Any]] | None = None
    results: list[NodeResult] = []
    startedAt: str
    durationMs: float = 0.0
    source: str = "cli"
    #: content address of the workflow document this run compiled (GET /executions/{id}/document);
    #: None for a run of a compiled plan
    documentKey: str | None = None
    #: a dry run's change report (docs/emulator.md): what the run would change in the real project;
    #: absent for a real run
    changes: dict[str, Any] | None = Field(None, exclude_if=lambda value: value is None)

    @model_validator(mode="after")
    def _failure_explained(self) -> ExecutionResult:
        return self.explained()

    def explained(self) -> ExecutionResult:
        """Fill a missing ``code``/``error`` of a finished failure (in place; returns self)."""
        if self.ok or self.status == "running" or (self.code and self.error):
            return self
        node = failed_node(self.results, self.stopAt)
        if not self.code:
            self.code = (node.code if node is not None else None) or ErrorCode.INTERNAL.value
        if not self.error:
            self.error = (
                failure_sentence(node, self.rolledBack)
                if node is not None
                else f"Workflow {self.workflowId!r} did not finish (status {self.status})."
            )
        return self


def failed_node(results: list[NodeResult], stop_at: str | None) -> NodeResult | None:
    """The step a run stopped at (else its first failed, not skipped, step); None when none failed."""
    failures = [r for r in results if not r.ok and not r.skipped]
    return next((r for r in failures if r.node == stop_at), failures[0] if failures else None)


def failure_sentence(node: NodeResult, rolled_back: bool, problems: tuple[str, ...] = ()) -> str:
    """``Node 'n2' (audioImport) failed: ... The changes made by this run were undone.``"""
    error = f"Node {node.node!r} ({node.type}) failed: {node.error or 'no reason given'}"
    if rolled_back:
        error += " The changes made by this run were undone."
    for sentence in problems:
        error += f" Rollback did not complete: {sentence}"
    return error


def new_execution_id() -> str:
    """A fresh ``exec_<hex>`` id."""
    return f"exec_{uuid.uuid4().hex[:16]}"


__all__ = ["ExecutionResult", "NodeResult", "failed_node", "failure_sentence", "new_execution_id"]
