"""The MCP front door (``wwiseflowd mcp``, stdio): tools and resources over the one engine.

An MCP host (Claude Desktop, Cline, ...) launches this process itself. When a daemon is running
(its ``runtime.json`` in the state dir names a live process and its REST URL), every tool forwards
to the daemon over REST, so there is still one engine and one WAAPI connection; otherwise this
process runs its own engine. Either way a tool answers with the same shapes, and a failure comes
back as an error result whose text starts with the Result's code (``FORBIDDEN: ...``).
Stdout carries only the protocol; logs go to stderr.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import anyio.from_thread
import anyio.to_thread
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from wwiseflowd import __version__
from wwiseflowd.operations import Operations, RunRequest, open_operations
from wwiseflowd.results import Result

if TYPE_CHECKING:
    from wwiseflowd.config import Settings

INSTRUCTIONS = """wwiseflowd automates an Audiokinetic Wwise project. Inspect first: list_node_types,
query_wwise (WAQL), list_workflows. Build a workflow document (nodes + edges, React Flow JSON),
check it with validate_workflow, then execute_workflow: a run is one undo group and is rolled back
as a whole if a node fails, and re-running the same workflow is a no-op (idempotency memo).
File paths must lie under the folders the user allowed ([server] allowed_roots)."""


# -- the MCP server ------------------------------------------------------------------------------


def tool_result(result: Result) -> CallToolResult:
    """A Result as a tool result: data as JSON, or an error result ``"CODE: sentence"``."""
    if result.ok:
        data = result.data
        structured = data if isinstance(data, dict) else {"result": data}
        return CallToolResult(
            content=[TextContent(type="text", text=json.dumps(data, default=str))],
            structured_content=structured,
        )
    return CallToolResult(
        content=[TextContent(type="text", text=f"{result.code}: {result.error}")],
        structured_content=result.model_dump(mode="json"),
        is_error=True,
    )


@dataclass
class _OpsHolder:
    ops: Operations | None = None

    def get(self) -> Operations:
        if self.ops is None:
            raise RuntimeError("the MCP server is not started")
        return self.ops


def _node_message(event: dict[str, Any]) -> str:
    state = "cached" if event.get("cached") else ("ok" if event.get("ok") else event.get("code") or "failed")
    return f"node {event.get('nodeId')} ({event.get('nodeType')}): {state}"


class _Progress:
    """Turns a run's events into MCP progress notifications (done / total nodes)."""

    def __init__(self, report: Callable[[int, int, str], None]) -> None:
        self.report = report
        self.total = 0
        self.done = 0

    def __call__(self, event: dict[str, Any]) -> None:
        if event.get("type") == "run.started":
            self.total = int(event.get("nodeCount") or 0)
        elif event.get("type") == "node.finished":
            self.done += 1
            self.report(self.done, self.total, _node_message(event))


def _hints(*, read_only: bool = False, destructive: bool = False, idempotent: bool = True) -> ToolAnnotations:
    # every tool acts on the configured Wwise project only: never open-world
    return ToolAnnotations(
        read_only_hint=read_only,
        destructive_hint=destructive,
        idempotent_hint=idempotent,
        open_world_hint=False,
    )


#: inspects, changes nothing
READ_ONLY = _hints(read_only=True)
#: adds objects or saves; a repeat changes nothing more
ADDITIVE = _hints()
#: overwrites values or audio; a repeat with the same arguments changes nothing more
OVERWRITES = _hints(destructive=True)
#: overwrites, and a repeat imports again
REIMPORTS = _hints(destructive=True, idempotent=False)

WorkflowArg = Annotated[
    dict[str, Any],
    Field(description="A workflow document: {id, nodes: [{id, type, data}], edges: [{source, target}]}."),
]
InputsArg = Annotated[
    dict[str, Any] | None,
    Field(description="Values for the workflow's $input:<name> references, e.g. files."),
]
ObjectIdArg = Annotated[str, Field(description="The Wwise object's GUID ({...}) or its path.")]


def open_mcp_operations(settings: Settings) -> Operations:
    """The running daemon's client, else an engine of this process (guarded; audited as ``mcp``)."""
    return open_operations(settings, source="mcp")


def build_server(
    settings: Settings, ops_factory: Callable[[Settings], Operations] = open_mcp_operations
) -> MCPServer[Any]:
    """The MCP server with every tool and resource; the operations open in its lifespan (the running
    daemon's client when there is one, else an engine of this process)."""
    holder = _OpsHolder()

    @asynccontextmanager
    async def lifespan(server: MCPServer[Any]) -> AsyncIterator[None]:
        # the engine's WAAPI client must be built off the event loop
        holder.ops = await anyio.to_thread.run_sync(ops_factory, settings)
        try:
            yield
        finally:
            ops, holder.ops = holder.ops, None
            if ops is not None:
                await anyio.to_thread.run_sync(ops.close)

    mcp: MCPServer[Any] = MCPServer(
        "wwiseflowd", version=__version__, instructions=INSTRUCTIONS, lifespan=lifespan, log_level="WARNING"
    )

    @mcp.tool(annotations=READ_ONLY)
    def list_node_types() -> CallToolResult:
        """List the node types a workflow can use, with the JSON schema of each node's data and its
        outputs (what $from:<nodeId>:$output:<field> may reference)."""
        catalog = holder.get().catalog()
        return tool_result(Result.success({"nodeTypes": catalog.data}) if catalog.ok else catalog)

    @mcp.tool(annotations=READ_ONLY)
    def validate_workflow(workflow: WorkflowArg, inputs: InputsArg = None) -> CallToolResult:
        """Compile a workflow without running it. Returns the plan (steps in run order) or every
        problem found, each with nodeId, field, code and message."""
        return tool_result(holder.get().validate(workflow, inputs or {}))

    @mcp.tool(annotations=OVERWRITES)
    async def execute_workflow(
        workflow: WorkflowArg,
        ctx: Context,
        inputs: InputsArg = None,
        force: Annotated[
            bool, Field(description="Ignore the idempotency memo and run every node again.")
        ] = False,
    ) -> CallToolResult:
        """Run a workflow against the Wwise project, reporting progress per node. The run is one
        undo group: if a node fails, every change of the run is undone. Re-running the same workflow
        with the same inputs changes nothing (results come from the idempotency memo)."""

        def report(done: int, total: int, message: str) -> None:
            anyio.from_thread.run(ctx.report_progress, done, total or None, message)

        ops = holder.get()
        request = RunRequest(document=workflow, inputs=inputs or {}, force=force, source="mcp")
        outcome = await anyio.to_thread.run_sync(lambda: ops.run(request, _Progress(report)))
        return tool_result(outcome)

    @mcp.tool(annotations=READ_ONLY)
    def get_execution(
        execution_id: Annotated[str, Field(description="The executionId an execution returned.")],
    ) -> CallToolResult:
        """Get one execution's result: ok, which node it stopped at, each node's outcome."""
        return tool_result(holder.get().get_execution(execution_id))

    @mcp.tool(annotations=READ_ONLY)
    def list_executions(
        limit: Annotated[int, Field(ge=1, le=200)] = 20, offset: Annotated[int, Field(ge=0)] = 0
    ) -> CallToolResult:
        """List recent executions (newest first) from the run ledger."""
        return tool_result(holder.get().list_executions(limit, offset))

    @mcp.tool(annotations=READ_ONLY)
    def list_workflows() -> CallToolResult:
        """List the saved workflow files with their ids and whether each compiles."""
        listed = holder.get().list_workflows()
        return tool_result(Result.success({"workflows": listed.data}) if listed.ok else listed)

    @mcp.tool(annotations=READ_ONLY)
    def query_wwise(
        waql: Annotated[
            str,
            Field(
                description='A WAQL query, e.g. $ "\\Actor-Mixer Hierarchy" select descendants '
                'where type = "Sound"'
            ),
        ],
        return_fields: Annotated[
            list[str] | None,
            Field(description="Accessors to return per object (default: id, name, path, type), e.g. Volume."),
        ] = None,
    ) -> CallToolResult:
        """Query the Wwise project with WAQL (read-only). Returns the matching objects."""
        payload: dict[str, Any] = {"waql": waql}
        if return_fields:
            payload["returnFields"] = return_fields
        return tool_result(holder.get().command("query_waql", payload))

    @mcp.tool(annotations=REIMPORTS)
    def import_audio(
        files: Annotated[
            list[str], Field(description="Absolute paths of WAV files, under the allowed folders.")
        ],
        target_path: Annotated[
            str, Field(description="Wwise parent path, e.g. \\Actor-Mixer Hierarchy\\Default Work Unit\\SFX")
        ],
    ) -> CallToolResult:
        """Import audio files into Wwise as Sounds under target_path (one Sound per file; an existing
        Sound of the same name gets the new audio)."""
        return tool_result(holder.get().command("audio_import", {"files": files, "targetPath": target_path}))

    @mcp.tool(annotations=ADDITIVE)
    def create_sound(
        name: Annotated[str, Field(description="Name of the new Sound.")],
        parent_path: Annotated[
            str, Field(description="Wwise parent path, e.g. \\Actor-Mixer Hierarchy\\Default Work Unit")
        ],
        on_name_conflict: Annotated[
            str, Field(description="merge (default: reuse the existing object), rename, replace or fail.")
        ] = "merge",
    ) -> CallToolResult:
        """Create a Sound object under parent_path. Returns its objectId, name and path."""
        payload = {"name": name, "parentPath": parent_path, "onNameConflict": on_name_conflict}
        return tool_result(holder.get().command("create_sound", payload))

    @mcp.tool(annotations=OVERWRITES)
    def set_output_bus(
        object_id: ObjectIdArg,
        bus_path: Annotated[str, Field(description="Bus path, e.g. \\Master-Mixer Hierarchy\\...\\SFX")],
    ) -> CallToolResult:
        """Route an object's output to a bus (overrides the parent's routing)."""
        return tool_result(
            holder.get().command("set_output_bus", {"objectId": object_id, "busPath": bus_path})
        )

    @mcp.tool(annotations=OVERWRITES)
    def set_property(
        object_id: ObjectIdArg,
        property: Annotated[str, Field(description="Property name as Wwise spells it, e.g. Volume, Pitch.")],
        value: Annotated[float | int | bool | str, Field(description="The new value.")],
    ) -> CallToolResult:
        """Set one property of a Wwise object (the old value is replaced)."""
        payload = {"objectId": object_id, "property": property, "value": value}
        return tool_result(holder.get().command("set_property", payload))

    @mcp.tool(annotations=ADDITIVE)
    def save_project() -> CallToolResult:
        """Save the Wwise project to disk."""
        return tool_result(holder.get().command("project_save", {}))

    @mcp.tool(annotations=REIMPORTS)
    def replay_execution(
        execution_id: Annotated[str, Field(description="The recorded execution, e.g. exec_0123abcd.")],
        dry_run: Annotated[
            bool, Field(description="Only check and list the commands with remapped ids; change nothing.")
        ] = True,
        allow_changed_audio: Annotated[
            bool, Field(description="Import source files even if they changed since the recorded run.")
        ] = False,
    ) -> CallToolResult:
        """Re-apply the changes a recorded execution made (from the audit log) to the open project, in
        one undo group. Every precondition is checked first; by default only a dry run."""
        return tool_result(holder.get().replay(execution_id, dry_run, allow_changed_audio))

    @mcp.resource("wwiseflowd://nodes", name="node-catalog", mime_type="application/json")
    async def node_catalog() -> str:
        """Every node type with its input schema and outputs."""
        return _resource(await anyio.to_thread.run_sync(lambda: holder.get().catalog()))

    @mcp.resource("wwiseflowd://workflows", name="workflow-files", mime_type="application/json")
    async def workflow_files() -> str:
        """The saved workflow files and their compile status."""
        return _resource(await anyio.to_thread.run_sync(lambda: holder.get().list_workflows()))

    @mcp.resource("wwiseflowd://workflows/{workflow_id}", name="workflow-file", mime_type="application/json")
    async def workflow_file(workflow_id: str) -> str:
        """One workflow file: its document, status and errors."""
        return _resource(await anyio.to_thread.run_sync(lambda: holder.get().get_workflow(workflow_id)))

    return mcp


def _resource(result: Result) -> str:
    """A resource's JSON text; a failure is raised (the SDK turns it into an error response)."""
    if not result.ok:
        raise ValueError(f"{result.code}: {result.error}")
    return json.dumps(result.data, default=str)


def serve_stdio(settings: Settings) -> None:
    """Run the MCP server on stdin/stdout until the client closes it."""
    build_server(settings).run()


__all__ = ["build_server", "serve_stdio", "tool_result"]
