"""Request and response bodies of the REST API (what OpenAPI shows and schemathesis checks).

Errors are :class:`~wwiseflowd.results.Result` bodies. The workflow document models are
deliberately loose (extra keys allowed, as React Flow writes them): the compiler, not the HTTP
layer, decides whether a workflow is valid and names every problem with a code.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class WorkflowNode(_Loose):
    """One node of a workflow document (React Flow node). ``data`` holds the node's inputs."""

    id: str = Field(description="Node id, unique in the document.")
    type: str = Field(description="Node type, e.g. createSound (see GET /nodes).")
    data: dict[str, Any] = Field(default_factory=dict, description="Inputs; values may be $from/$input refs.")


class WorkflowEdge(_Loose):
    """One edge: ``source`` runs before ``target`` (and may auto-wire an output to an input)."""

    id: str | None = None
    source: str
    target: str
    sourceHandle: str | None = None
    targetHandle: str | None = None


class WorkflowDocument(_Loose):
    """A workflow document (React Flow compatible JSON), as in docs/workflows.md."""

    id: str | None = Field(None, description="Workflow id (file name stem for watched files).")
    name: str | None = None
    inputs: dict[str, Any] = Field(default_factory=dict, description="Declared inputs, e.g. files.")
    nodes: list[WorkflowNode]
    edges: list[WorkflowEdge] = Field(default_factory=list)


class ExecuteRequest(BaseModel):
    """``{"workflow": doc, "inputs": {...}}``: a workflow plus the values of its ``$input:`` refs."""

    model_config = ConfigDict(extra="forbid")

    workflow: WorkflowDocument
    inputs: dict[str, Any] = Field(default_factory=dict)
    force: bool = Field(False, description="Ignore the idempotency memo and run every node.")
    rollback: bool | None = Field(None, description="Undo the whole run on failure (default: config).")
    executionId: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_.:-]{1,100}$",
        description="Choose the run's id (e.g. to follow GET /events?executionId= from before it starts).",
    )
    dryRun: bool = Field(
        False,
        description="Run against a read-only in-memory copy of `project`; the execution result carries "
        "`changes`, what the run would change. The project's files are never written. Like any run: "
        "waits, or 202 with ?async=true (then GET /executions/{id} has the changes once finished).",
    )
    project: str | None = Field(
        None,
        description="With dryRun: the Wwise project (.wproj or its folder), under [server] allowed_roots. "
        "Without: queue the run for the fleet's daemons serving this project name (docs/fleet.md).",
    )
    wwiseVersion: str | None = Field(
        None, description="With dryRun: emulate this Wwise version instead of the one that saved the project."
    )


class ExecutionAccepted(BaseModel):
    """Answer of ``POST /workflows/execute?async=true``: the run is queued."""

    ok: Literal[True] = True
    executionId: str
    statusUrl: str = Field(description="GET this for the result once the run finished.")
    eventsUrl: str = Field(description="Server-sent events of this run only.")


class ExecutionSummary(_Loose):
    """One run in the ledger (no per-node results; GET /executions/{id} has them)."""

    executionId: str
    workflowId: str | None = None
    status: str | None = None
    ok: bool | None = None
    source: str | None = None
    startedAt: str | None = None
    durationMs: float | None = None
    stopAt: str | None = None


def page(rows: list[Any], limit: int, offset: int) -> dict[str, Any]:
    """The fields of a page from ``rows`` fetched with ``limit + 1``: the extra row only says that
    another page exists (``nextOffset``, null on the last page)."""
    return {
        "items": rows[:limit],
        "limit": limit,
        "offset": offset,
        "nextOffset": offset + limit if len(rows) > limit else None,
    }


class ExecutionPage(BaseModel):
    """One page of the run ledger, newest first."""

    items: list[ExecutionSummary]
    limit: int
    offset: int
    nextOffset: int | None = Field(None, description="Offset of the next page, null on the last page.")


class ExecutionDocument(BaseModel):
    """The workflow document an execution ran, kept under its content address."""

    documentKey: str = Field(description="sha256 of the document's canonical JSON.")
    document: dict[str, Any]


class NodeType(_Loose):
    """A node type as the editor and assistants see it."""

    type: str
    title: str
    description: str
    inputs: dict[str, Any] = Field(description="JSON schema of the node's data.")
    outputs: list[str]
    readOnly: bool = False
    resource: str | None = None
    plugin: str | None = None


class Command(BaseModel):
    """A bus command reachable at ``POST /wwise/{name}``."""

    name: str
    description: str
    readOnly: bool
    input: dict[str, Any] = Field(description="JSON schema of the command's payload.")
    plugin: str | None = None


class WorkflowProblem(_Loose):
    """One compile error of a workflow file."""

    nodeId: str | None = None
    field: str | None = None
    code: str
    message: str


class WorkflowFile(_Loose):
    """A watched workflow file and whether it compiles."""

    id: str
    file: str
    ok: bool
    errors: list[WorkflowProblem] = Field(default_factory=list)
    updatedAt: str | None = None


class WorkflowFileDetail(WorkflowFile):
    """A workflow file with its document (null when the file is not valid JSON)."""

    document: dict[str, Any] | None = None
    version: str | None = Field(
        default=None, description="sha256 of the file's bytes; send it back when saving (conflict detection)."
    )


class SaveWorkflowRequest(BaseModel):
    """``PUT /workflows/{id}``: the document, and the version of the file it was edited from."""

    document: dict[str, Any]
    version: str | None = Field(
        default=None,
        description='The version GET /workflows/{id} gave; null to create a new file only; "*" to overwrite.',
    )


class WorkflowIdRequest(BaseModel):
    """The id (and file name) of a renamed or duplicated workflow."""

    newId: str = Field(min_length=1, max_length=100)


class Health(BaseModel):
    """``GET /health``: is the daemon able to work right now."""

    status: Literal["ok", "degraded"]
    version: str
    backends: dict[str, dict[str, Any]] = Field(
        description="Each backend's connection (e.g. wwise: Wwise Authoring or the emulator), by name."
    )
    watchers: dict[str, Any] = Field(default_factory=dict, description="Drop-folder watchers, by folder.")
    queues: list[dict[str, Any]] = Field(default_factory=list, description="Per rule: queued files.")
    workflowsInError: list[WorkflowFile] = Field(default_factory=list)
    frontDoors: dict[str, Any] = Field(
        default_factory=dict, description="Front doors plugins added (e.g. grpc), by name: state and address."
    )
    problems: list[str] = Field(default_factory=list, description="What makes the status degraded.")


class ReplayRequest(BaseModel):
    """Options of ``POST /executions/{id}/replay`` (the body may be omitted)."""

    model_config = ConfigDict(extra="forbid")

    dryRun: bool = Field(False, description="Check and list the remapped commands; change nothing.")
    allowChangedAudio: bool = Field(
        False, description="Import source files even if their content changed since the recorded run."
    )


class AuditPage(BaseModel):
    """``GET /audit``: entries oldest first, payloads and results in full."""

    items: list[dict[str, Any]]
    limit: int
    offset: int
    nextOffset: int | None = None
