"""What every front door may ask of wwiseflowd: the :class:`Operations` protocol and its requests.

Two implementations: :class:`~wwiseflowd.operations.local.LocalOperations` (an engine in this
process) and :class:`~wwiseflowd.operations.client.DaemonClient` (the running daemon's REST API).
Every method answers a :class:`~wwiseflowd.results.Result` and never raises for a user error; a
front door only turns that Result into its own form (exit code, HTTP status, tool result).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from wwiseflowd.audit.index import AuditFilter
from wwiseflowd.results import Result
from wwiseflowd.store import ExecutionStatus

#: receives each event of a followed execution (``node.started``, ``node.finished``, ``run.finished`` ...)
EventSink = Callable[[dict[str, Any]], None]


class RunRequest(BaseModel):
    """One workflow run as a front door asks for it."""

    model_config = ConfigDict(frozen=True)

    #: a workflow document, or a plan a previous validate returned
    document: dict[str, Any]
    inputs: dict[str, Any] = Field(default_factory=dict)
    #: ignore the idempotency memo and run every node again
    force: bool = False
    #: undo the run's changes on failure; None = ``[engine] rollback``
    rollback: bool | None = None
    #: choose the execution id (e.g. to follow its events before it starts); None = a fresh one
    execution_id: str | None = None
    #: which front door asked (kept in the run ledger): cli, rest, mcp, editor, watch ...
    source: str = "cli"
    #: run it on whichever daemon of the fleet serves this project (docs/fleet.md); None = here
    project: str | None = None
    #: a dry run: run on a read-only in-memory copy of this Wwise project (.wproj or its folder); the
    #: result carries ``changes``, what the run would change (docs/emulator.md)
    dry_run_project: str | None = None
    #: with ``dry_run_project``: emulate this Wwise version instead of the one that saved the project
    wwise_version: str | None = None


class Operations(Protocol):
    """The service layer's API. ``where`` says which engine answers (for messages and logs)."""

    where: str

    def catalog(self) -> Result:
        """Every node type: ``data`` is a list of ``{type, inputSchema, outputs, plugin, ...}``."""
        ...

    def validate(self, document: dict[str, Any], inputs: dict[str, Any] | None = None) -> Result:
        """Path check, then compile: the plan, or every problem in ``data.errors``."""
        ...

    def start(self, request: RunRequest) -> Result:
        """Check, compile and start a run in the background: ``data = {"executionId": ...}``."""
        ...

    def run(self, request: RunRequest, on_event: EventSink | None = None) -> Result:
        """Start, follow (``on_event`` per event) and wait: the run's outcome (see :meth:`outcome`)."""
        ...

    def follow(self, execution_id: str, on_event: EventSink | None = None) -> Result:
        """Report the events of a running execution until it finishes; its outcome."""
        ...

    def wait(self, execution_id: str, timeout: float | None = None) -> Result:
        """The outcome once finished; TIMEOUT when still running after ``timeout`` s; NOT_FOUND."""
        ...

    def cancel(self, execution_id: str) -> Result:
        """Ask a running execution to stop; NOT_FOUND when unknown, CONFLICT when it already ended."""
        ...

    def get_execution(self, execution_id: str) -> Result:
        """One execution (live while running): ``data`` is its ExecutionResult as JSON."""
        ...

    def list_executions(
        self, limit: int = 50, offset: int = 0, status: ExecutionStatus | None = None,
        *, source: str | None = None, workflow: str | None = None,
    ) -> Result:
        """Execution summaries, newest first: ``data = {"items": [...], "nextOffset": n | None}``;
        only runs in ``status``, from ``source`` (editor, rest, cli, daemon, mcp ...) and whose
        workflow id contains ``workflow`` (ignoring case)."""
        ...

    def get_execution_document(self, execution_id: str) -> Result:
        """The workflow document an execution ran: ``data = {"documentKey", "document"}``; NOT_FOUND
        when the execution is unknown or ran a plan (no document was kept)."""
        ...

    def list_workflows(self) -> Result:
        """The workflow files with their compile status (no documents): ``data`` is a list."""
        ...

    def get_workflow(self, workflow_id: str) -> Result:
        """One workflow file with its ``document``; NOT_FOUND when no file has that id."""
        ...

    def save_workflow(self, workflow_id: str, document: dict[str, Any], version: str | None) -> Result:
        """Write a workflow file; ``version`` None creates only, ``"*"`` overwrites, else must match
        the file's (CONFLICT when it changed on disk). ``data`` as get_workflow, with ``version``."""
        ...

    def rename_workflow(self, workflow_id: str, new_id: str) -> Result:
        """Give a workflow file a new id and file name; CONFLICT when ``new_id`` is taken."""
        ...

    def duplicate_workflow(self, workflow_id: str, new_id: str) -> Result:
        """Copy a workflow file under ``new_id``; CONFLICT when it is taken."""
        ...

    def delete_workflow(self, workflow_id: str) -> Result:
        """Delete a workflow file; NOT_FOUND when no file has that id."""
        ...

    def browse_files(self, path: str | None = None) -> Result:
        """A folder's sub-folders and audio files (or the roots), only under the allowed roots."""
        ...

    def command(self, name: str, payload: dict[str, Any]) -> Result:
        """One bus command (``create_sound`` ...), after the path check."""
        ...

    def replay(self, execution_id: str, dry_run: bool = False, allow_changed_audio: bool = False) -> Result:
        """Re-apply a recorded execution's changes (preconditions first, one undo group); ``data`` is
        the replay report (steps with remapped payloads, problems, idMap, replayId)."""
        ...

    def audit(self, query: AuditFilter) -> Result:
        """Audit entries matching ``query``, blobs resolved: ``data = {"items": [...]}``."""
        ...

    def verify_audit(self) -> Result:
        """The audit chain check: ``data = {"ok", "files", "lines", "blobs", "problems"}``."""
        ...

    def close(self) -> None:
        """Release what this object opened (an engine it started, an HTTP client)."""
        ...




__all__ = ["EventSink", "Operations", "RunRequest"]
