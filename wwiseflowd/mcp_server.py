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
import queue
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.tools.base import Tool
from pydantic import BaseModel, Field

from wwiseflowd import __version__
from wwiseflowd.events import LoopWakeup
from wwiseflowd.mcp_tools import (
    ADDITIVE,
    OVERWRITES,
    READ_ONLY,
    REIMPORTS,
    bus_tool,
    checked_async_tool,
    checked_tool,
    tool_result,
)
from wwiseflowd.operations import Operations, RunRequest, open_operations
from wwiseflowd.plugins import load_plugins
from wwiseflowd.registry import CommandSpec, Registry
from wwiseflowd.results import Result

if TYPE_CHECKING:
    from wwiseflowd.config import Settings

INSTRUCTIONS = """wwiseflowd automates an Audiokinetic Wwise project. Inspect first: list_node_types,
query_wwise (WAQL), list_workflows. Build a workflow document (nodes + edges, React Flow JSON),
check it with validate_workflow, then execute_workflow: a run is one undo group and is rolled back
as a whole if a node fails, and re-running the same workflow is a no-op (idempotency memo).
File paths must lie under the folders the user allowed ([server] allowed_roots)."""


# -- the MCP server ------------------------------------------------------------------------------


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


class _ProgressRelay:
    """Progress from the run's thread to the MCP client without holding the run up: the thread
    queues each report and wakes the event loop (it never waits for the notification to be
    written); :meth:`pump`, a task on the loop, sends them in order, the last ones included."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.reports: queue.SimpleQueue[tuple[int, int, str]] = queue.SimpleQueue()
        self.wakeup = LoopWakeup()
        self.finished = False

    def __call__(self, done: int, total: int, message: str) -> None:
        """A report, from any thread."""
        self.reports.put((done, total, message))
        self.wakeup()

    def finish(self) -> None:
        """The run returned (on the loop): :meth:`pump` sends what is left and ends."""
        self.finished = True
        self.wakeup()

    async def pump(self) -> None:
        while True:
            finished = self.finished  # read before draining: a report queued before it is sent below
            while not self.reports.empty():
                done, total, message = self.reports.get_nowait()
                await self.ctx.report_progress(done, total or None, message)
            if finished:
                return
            await self.wakeup.wait(1.0)


def open_mcp_operations(settings: Settings) -> Operations:
    """The running daemon's client, else an engine of this process (guarded; audited as ``mcp``)."""
    return open_operations(settings, source="mcp")


def build_server(
    settings: Settings,
    ops_factory: Callable[[Settings], Operations] = open_mcp_operations,
    registry: Registry | None = None,
) -> MCPServer[Any]:
    """The MCP server with every tool and resource; the operations open in its lifespan (the running
    daemon's client when there is one, else an engine of this process). The bus-command tools
    come from ``registry`` (default: the plugins of ``settings``)."""
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

    commands = (registry if registry is not None else load_plugins(settings).registry()).commands
    mcp: MCPServer[Any] = MCPServer(
        "wwiseflowd", version=__version__, instructions=INSTRUCTIONS, lifespan=lifespan, log_level="WARNING",
        tools=[*_core_tools(holder), *_bus_tools(holder, commands)],
    )

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


class _Workflow(BaseModel):
    workflow: dict[str, Any] = Field(
        description="A workflow document: {id, nodes: [{id, type, data}], edges: [{source, target}]}."
    )
    inputs: dict[str, Any] | None = Field(
        None, description="Values for the workflow's $input:<name> references, e.g. files."
    )


class _Run(_Workflow):
    force: bool = Field(False, description="Ignore the idempotency memo and run every node again.")


class _DryRun(_Workflow):
    project: str = Field(description="The Wwise project to try the workflow on: its .wproj or folder, "
                                     "under the allowed folders. Only an in-memory copy is changed.")
    wwise_version: str | None = Field(
        None, description="Emulate this Wwise version (e.g. 2023.1) instead of the one that saved it.")


class _Execution(BaseModel):
    execution_id: str = Field(description="The executionId an execution returned.")


class _Page(BaseModel):
    limit: int = Field(20, ge=1, le=200)
    offset: int = Field(0, ge=0)


class _Replay(BaseModel):
    execution_id: str = Field(description="The recorded execution, e.g. exec_0123abcd.")
    dry_run: bool = Field(
        True, description="Only check and list the commands with remapped ids; change nothing."
    )
    allow_changed_audio: bool = Field(
        False, description="Import source files even if they changed since the recorded run."
    )


class _Nothing(BaseModel):
    pass


def _core_tools(holder: _OpsHolder) -> list[Tool]:
    """The tools over the service layer (workflows, executions, replay)."""

    def node_types(_: Any) -> Result:
        catalog = holder.get().catalog()
        return Result.success({"nodeTypes": catalog.data}) if catalog.ok else catalog

    def workflows(_: Any) -> Result:
        listed = holder.get().list_workflows()
        return Result.success({"workflows": listed.data}) if listed.ok else listed

    return [
        checked_tool("list_node_types", _Nothing, node_types, READ_ONLY,
                     "List the node types a workflow can use, with the JSON schema of each node's data "
                     "and its outputs (what $from:<nodeId>:$output:<field> may reference)."),
        checked_tool("validate_workflow", _Workflow,
                     lambda a: holder.get().validate(a.workflow, a.inputs or {}), READ_ONLY,
                     "Compile a workflow without running it. Returns the plan (steps in run order) or "
                     "every problem found, each with nodeId, field, code and message."),
        *_run_tools(holder),
        checked_tool("get_execution", _Execution, lambda a: holder.get().get_execution(a.execution_id),
                     READ_ONLY,
                     "Get one execution's result: ok, which node it stopped at, each node's outcome."),
        checked_tool("list_executions", _Page, lambda a: holder.get().list_executions(a.limit, a.offset),
                     READ_ONLY, "List recent executions (newest first) from the run ledger."),
        checked_tool("list_workflows", _Nothing, workflows, READ_ONLY,
                     "List the saved workflow files with their ids and whether each compiles."),
        checked_tool("replay_execution", _Replay,
                     lambda a: holder.get().replay(a.execution_id, a.dry_run, a.allow_changed_audio),
                     REIMPORTS, "Re-apply the changes a recorded execution made (from the audit log) to "
                     "the open project, in one undo group. Every precondition is checked first; by "
                     "default only a dry run."),
    ]


def _run_tools(holder: _OpsHolder) -> list[Tool]:
    """``execute_workflow`` and ``dry_run_workflow``: one run on the service layer each, its progress
    relayed to the client while it runs."""

    async def run(request: RunRequest, ctx: Context) -> Result:
        ops = holder.get()
        relay = _ProgressRelay(ctx)
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(relay.pump)
            try:
                result = await anyio.to_thread.run_sync(lambda: ops.run(request, _Progress(relay)))
            finally:
                relay.finish()
        return result

    async def execute(args: _Run, ctx: Context) -> Result:
        request = RunRequest(document=args.workflow, inputs=args.inputs or {}, force=args.force, source="mcp")
        return await run(request, ctx)

    async def dry_run(args: _DryRun, ctx: Context) -> Result:
        request = RunRequest(document=args.workflow, inputs=args.inputs or {}, source="mcp",
                             dry_run_project=args.project, wwise_version=args.wwise_version)
        return await run(request, ctx)

    return [
        checked_async_tool("execute_workflow", _Run, execute, OVERWRITES,
                           "Run a workflow against the Wwise project, reporting progress per node. The "
                           "run is one undo group: if a node fails, every change of the run is undone. "
                           "Re-running the same workflow with the same inputs changes nothing (results "
                           "come from the idempotency memo)."),
        checked_async_tool("dry_run_workflow", _DryRun, dry_run, READ_ONLY,
                           "Try a workflow on an in-memory copy of a Wwise project (its own Wwise "
                           "version) without touching Wwise or the project's files. Returns the "
                           "execution result with `changes`: objects created, renamed, moved, deleted, "
                           "properties and references set, audio imported with its Originals path."),
    ]


#: (tool, bus command, hints, description); the tool's arguments are the command's own
BUS_TOOLS: tuple[tuple[str, str, Any, str], ...] = (
    ("query_wwise", "query_waql", READ_ONLY,
     'Query the Wwise project with WAQL (read-only), e.g. waql: $ "\\Actor-Mixer Hierarchy" select '
     'descendants where type = "Sound"; returnFields: accessors per object (default id, name, path, '
     "type), e.g. Volume. Returns the matching objects."),
    ("import_audio", "audio_import", REIMPORTS,
     "Import audio files (absolute paths under the allowed folders) into Wwise as Sounds under "
     "targetPath (one Sound per file; an existing Sound of the same name gets the new audio)."),
    ("create_sound", "create_sound", ADDITIVE,
     "Create a Sound object under parentPath. Returns its objectId, name and path."),
    ("set_output_bus", "set_output_bus", OVERWRITES,
     "Route an object's output to a bus (overrides the parent's routing)."),
    ("set_property", "set_property", OVERWRITES,
     "Set one property of a Wwise object (the old value is replaced)."),
    ("save_project", "project_save", ADDITIVE, "Save the Wwise project to disk."),
)


def _bus_tools(holder: _OpsHolder, commands: dict[str, CommandSpec]) -> list[Tool]:
    """A tool per entry of :data:`BUS_TOOLS` whose command a loaded plugin provides."""
    return [
        bus_tool(tool, commands[command], lambda name, payload: holder.get().command(name, payload),
                 hints, description)
        for tool, command, hints, description in BUS_TOOLS
        if command in commands
    ]


def _resource(result: Result) -> str:
    """A resource's JSON text; a failure is raised (the SDK turns it into an error response)."""
    if not result.ok:
        raise ValueError(f"{result.code}: {result.error}")
    return json.dumps(result.data, default=str)


def serve_stdio(settings: Settings) -> None:
    """Run the MCP server on stdin/stdout until the client closes it."""
    build_server(settings).run()


__all__ = ["BUS_TOOLS", "build_server", "serve_stdio", "tool_result"]
