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
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import anyio.from_thread
import anyio.to_thread
import httpx
from loguru import logger
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from wwiseflowd import __version__
from wwiseflowd.api.security import PathGuard, checked_compile
from wwiseflowd.api.workflow_files import scan_workflow_files
from wwiseflowd.daemon.instance import pid_alive, read_runtime
from wwiseflowd.results import ErrorCode, Result
from wwiseflowd.runner import new_execution_id

if TYPE_CHECKING:
    from wwiseflowd.config import Settings
    from wwiseflowd.engine import Engine

#: seconds a forwarded REST call may take; runs stream their progress and have no read timeout
HTTP_TIMEOUT_S = 30.0
#: a forwarded bus command answers when it is done, and a large import can take minutes
COMMAND_TIMEOUT_S = 900.0

Progress = Callable[[int, int, str], None]

INSTRUCTIONS = """wwiseflowd automates an Audiokinetic Wwise project. Inspect first: list_node_types,
query_wwise (WAQL), list_workflows. Build a workflow document (nodes + edges, React Flow JSON),
check it with validate_workflow, then execute_workflow: a run is one undo group and is rolled back
as a whole if a node fails, and re-running the same workflow is a no-op (idempotency memo).
File paths must lie under the folders the user allowed ([server] allowed_roots)."""


def execution_outcome(execution: dict[str, Any]) -> Result:
    """An execution result as a Result: ok, or the run's code and error, carrying the execution."""
    if execution.get("ok"):
        return Result.success(execution)
    stop_at = execution.get("stopAt")
    steps = execution.get("results") or []
    failures = [s for s in steps if not s.get("ok") and not s.get("skipped")]
    first: dict[str, Any] = failures[0] if failures else {}
    failed = next((s for s in failures if s.get("node") == stop_at), first)
    code = execution.get("code") or failed.get("code") or ErrorCode.INTERNAL.value
    reason = execution.get("error") or failed.get("error") or "the run did not finish"
    where = f" at node {stop_at!r}" if stop_at else ""
    undone = " Its changes were undone." if execution.get("rolledBack") else ""
    return Result.failure(
        code, f"Workflow {execution.get('workflowId')!r} stopped{where}: {reason}{undone}", execution
    )


class Door(Protocol):
    """What the tools need; served by the local engine or forwarded to a running daemon."""

    where: str

    def catalog(self) -> list[dict[str, Any]]: ...
    def workflows(self) -> list[dict[str, Any]]: ...
    def workflow(self, workflow_id: str) -> Result: ...
    def validate(self, document: dict[str, Any], inputs: dict[str, Any]) -> Result: ...
    def execute(
        self, document: dict[str, Any], inputs: dict[str, Any], force: bool, progress: Progress
    ) -> Result: ...
    def get_execution(self, execution_id: str) -> Result: ...
    def list_executions(self, limit: int, offset: int) -> Result: ...
    def command(self, name: str, payload: dict[str, Any]) -> Result: ...
    def replay(self, execution_id: str, dry_run: bool, allow_changed_audio: bool) -> Result: ...
    def close(self) -> None: ...


class LocalDoor:
    """Tools served by this process's own engine (no daemon running)."""

    where = "local engine"

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.guard = PathGuard.from_settings(settings)

    def catalog(self) -> list[dict[str, Any]]:
        """The node catalog."""
        return self.engine.catalog()

    def workflows(self) -> list[dict[str, Any]]:
        """The workflow files of ``[paths] workflows_dir`` with their compile status."""
        return scan_workflow_files(self.engine, self.settings.paths.workflows_dir)

    def workflow(self, workflow_id: str) -> Result:
        """One workflow file (with its document) by id."""
        for entry in self.workflows():
            if entry["id"] == workflow_id:
                return Result.success(entry)
        return Result.failure(
            ErrorCode.NOT_FOUND,
            f"No workflow file has id {workflow_id!r} in {self.settings.paths.workflows_dir}; "
            f"list_workflows shows the ids.",
        )

    def validate(self, document: dict[str, Any], inputs: dict[str, Any]) -> Result:
        """Path check, then compile."""
        return checked_compile(self.engine, self.guard, document, inputs)

    def execute(
        self, document: dict[str, Any], inputs: dict[str, Any], force: bool, progress: Progress
    ) -> Result:
        """Compile, run in the background and report each finished node; the outcome as a Result."""
        compiled = self.validate(document, inputs)
        if not compiled.ok:
            return compiled
        total = len(compiled.data.get("steps", [])) if isinstance(compiled.data, dict) else 0
        execution_id = new_execution_id()
        subscription = self.engine.events.subscribe(accept=lambda e: e.get("executionId") == execution_id)
        try:
            execution_id = self.engine.submit(
                compiled.data, inputs, force=force, execution_id=execution_id, source="mcp"
            )
            done = 0
            while True:
                event = subscription.get(0.5)
                if event is None:
                    if self.engine.wait(execution_id, timeout=0.01) is not None:
                        break
                    continue
                if event.get("type") == "node.finished":
                    done += 1
                    progress(done, total, _node_message(event))
                elif event.get("type") == "run.finished":
                    break
        finally:
            subscription.close()
        execution = self.engine.wait(execution_id)
        if execution is None:
            return Result.failure(ErrorCode.INTERNAL, f"Execution {execution_id} has no result.")
        return execution_outcome(execution.model_dump(mode="json"))

    def get_execution(self, execution_id: str) -> Result:
        """One execution from the run ledger."""
        execution = self.engine.get_execution(execution_id)
        if execution is None:
            return Result.failure(
                ErrorCode.NOT_FOUND, f"No execution {execution_id!r}; list_executions shows recent ones."
            )
        return Result.success(execution.model_dump(mode="json"))

    def list_executions(self, limit: int, offset: int) -> Result:
        """Recent executions, newest first."""
        return Result.success({"items": self.engine.list_executions(limit=limit, offset=offset)})

    def command(self, name: str, payload: dict[str, Any]) -> Result:
        """One bus command, after the path check."""
        checked = self.guard.check_command(name, payload, self.engine.registry)
        return checked if not checked.ok else self.engine.command(name, payload, source="mcp")

    def replay(self, execution_id: str, dry_run: bool, allow_changed_audio: bool) -> Result:
        """Replay a recorded execution on this engine's project (see wwiseflowd.replay)."""
        from wwiseflowd.replay import replay_execution

        return replay_execution(self.engine, execution_id, dry_run=dry_run,
                                allow_changed_audio=allow_changed_audio, source="mcp")

    def close(self) -> None:
        """Close the engine."""
        self.engine.close()


def _node_message(event: dict[str, Any]) -> str:
    state = "cached" if event.get("cached") else ("ok" if event.get("ok") else event.get("code") or "failed")
    return f"node {event.get('nodeId')} ({event.get('nodeType')}): {state}"


class RemoteDoor:
    """Tools forwarded to a running daemon's REST API."""

    def __init__(self, api_url: str, token: str | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.where = f"daemon at {self.api_url}"
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=self.api_url, headers=headers, timeout=HTTP_TIMEOUT_S)

    def _call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            return 0, Result.failure(
                ErrorCode.WAAPI_UNAVAILABLE,
                f"The wwiseflowd daemon at {self.api_url} did not answer ({type(exc).__name__}); "
                f"is it still running? Restart it, or stop it to let this MCP server use its own engine.",
            ).model_dump()
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, Result.failure(
                ErrorCode.INTERNAL,
                f"The daemon answered {path} with HTTP {response.status_code} and no JSON.",
            ).model_dump()

    def _result(self, method: str, path: str, **kwargs: Any) -> Result:
        """A call whose body is a Result (success or error)."""
        status, body = self._call(method, path, **kwargs)
        return _as_result(status, body)

    def _data(self, method: str, path: str, **kwargs: Any) -> Result:
        """A call whose success body is plain data and whose error body is a Result."""
        status, body = self._call(method, path, **kwargs)
        return Result.success(body) if 200 <= status < 300 else _as_result(status, body)

    def catalog(self) -> list[dict[str, Any]]:
        """GET /nodes."""
        result = self._data("GET", "/nodes")
        return list(result.data) if result.ok else []

    def workflows(self) -> list[dict[str, Any]]:
        """GET /workflows."""
        result = self._data("GET", "/workflows")
        return list(result.data) if result.ok else []

    def workflow(self, workflow_id: str) -> Result:
        """GET /workflows/{id}."""
        return self._data("GET", f"/workflows/{_quote(workflow_id)}")

    def validate(self, document: dict[str, Any], inputs: dict[str, Any]) -> Result:
        """POST /workflows/validate."""
        return self._result("POST", "/workflows/validate", json={"workflow": document, "inputs": inputs})

    def execute(
        self, document: dict[str, Any], inputs: dict[str, Any], force: bool, progress: Progress
    ) -> Result:
        """Follow /events for a fresh execution id, then POST /workflows/execute?async=true with it."""
        execution_id = new_execution_id()
        body = {"workflow": document, "inputs": inputs, "force": force, "executionId": execution_id}
        total = len(document.get("nodes") or [])
        try:
            with self.http.stream(
                "GET", "/events", params={"executionId": execution_id}, timeout=httpx.Timeout(10, read=None)
            ) as stream:
                if stream.status_code != 200:
                    stream.read()
                    return _as_result(stream.status_code, _json_or_none(stream.text))
                lines = stream.iter_lines()
                next(lines, None)  # the stream's first line: the server has subscribed
                accepted = self._data("POST", "/workflows/execute", params={"async": "true"}, json=body)
                if not accepted.ok:
                    return accepted
                done = 0
                for kind, data in iter_sse(lines):
                    if kind == "node.finished":
                        done += 1
                        progress(done, total, _node_message(data))
                    elif kind == "run.finished":
                        break
        except httpx.HTTPError as exc:
            return Result.failure(
                ErrorCode.WAAPI_UNAVAILABLE,
                f"Lost the daemon at {self.api_url} while following execution {execution_id} "
                f"({type(exc).__name__}); get_execution shows how it ended.",
            )
        fetched = self.get_execution(execution_id)
        if not fetched.ok:
            return fetched
        if fetched.data.get("status") == "running":  # the stream ended early: the daemon is stopping
            return Result.failure(
                ErrorCode.TIMEOUT,
                f"Execution {execution_id} is still running on the daemon, which stopped reporting progress; "
                f"ask get_execution for its outcome later.",
                fetched.data,
            )
        return execution_outcome(fetched.data)

    def get_execution(self, execution_id: str) -> Result:
        """GET /executions/{id}."""
        return self._data("GET", f"/executions/{_quote(execution_id)}")

    def list_executions(self, limit: int, offset: int) -> Result:
        """GET /executions."""
        return self._data("GET", "/executions", params={"limit": limit, "offset": offset})

    def command(self, name: str, payload: dict[str, Any]) -> Result:
        """POST /wwise/{command}."""
        timeout = httpx.Timeout(HTTP_TIMEOUT_S, read=COMMAND_TIMEOUT_S)
        return self._result("POST", f"/wwise/{_quote(name)}", json=payload, timeout=timeout)

    def replay(self, execution_id: str, dry_run: bool, allow_changed_audio: bool) -> Result:
        """POST /executions/{id}/replay."""
        timeout = httpx.Timeout(HTTP_TIMEOUT_S, read=COMMAND_TIMEOUT_S)
        body = {"dryRun": dry_run, "allowChangedAudio": allow_changed_audio}
        return self._result("POST", f"/executions/{_quote(execution_id)}/replay", json=body, timeout=timeout)

    def close(self) -> None:
        """Close the HTTP client."""
        self.http.close()


def _quote(segment: str) -> str:
    return httpx.URL(f"/{segment}").raw_path.decode().lstrip("/")


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _as_result(status: int, body: Any) -> Result:
    if isinstance(body, dict) and isinstance(body.get("ok"), bool):
        try:
            return Result.model_validate({k: body.get(k) for k in ("ok", "data", "error", "code")})
        except ValueError:
            pass
    return Result.failure(ErrorCode.INTERNAL, f"The daemon answered HTTP {status} with an unexpected body.")


def iter_sse(lines: Iterator[str]) -> Iterator[tuple[str, Any]]:
    """``(event type, JSON data)`` for each server-sent event in ``lines``; comments are skipped."""
    kind, data = "message", list[str]()
    for line in lines:
        if not line:
            if data:
                yield kind, _json_or_none("\n".join(data))
            kind, data = "message", list[str]()
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())


# -- finding a daemon ----------------------------------------------------------------------------


def find_daemon(settings: Settings) -> dict[str, Any] | None:
    """The running daemon's ``runtime.json`` (written by ``wwiseflowd run``) when it has a REST URL
    and its process is alive; None otherwise."""
    runtime = read_runtime(settings.paths.state_dir)
    if runtime is None or not runtime.get("apiUrl"):
        return None
    pid = runtime.get("pid")
    if isinstance(pid, int) and not pid_alive(pid):
        logger.info("Ignoring a stale runtime.json (process {} is gone)", pid)
        return None
    return runtime


def open_door(settings: Settings, engine_factory: Callable[[Settings], Engine] | None = None) -> Door:
    """Forward to the running daemon when its REST API answers; otherwise start a local engine.

    Call from a thread without a running asyncio loop (the engine's WAAPI client needs that).
    """
    runtime = find_daemon(settings)
    if runtime is not None:
        # the daemon reads the same config, so its token is ours too (runtime.json never holds it)
        remote = RemoteDoor(str(runtime["apiUrl"]), settings.server.token)
        status, _ = remote._call("GET", "/health")
        if status == 200:
            logger.info("Forwarding MCP tools to the daemon at {}", remote.api_url)
            return remote
        remote.close()
        logger.warning(
            "The daemon at {} does not answer (HTTP {}); using a local engine", remote.api_url, status
        )
    if engine_factory is None:
        from wwiseflowd.engine import Engine

        engine_factory = Engine
    engine = engine_factory(settings)
    engine.start()
    return LocalDoor(engine, settings)


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
class _DoorHolder:
    door: Door | None = None

    def get(self) -> Door:
        if self.door is None:
            raise RuntimeError("the MCP server is not started")
        return self.door


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


def build_server(settings: Settings, door_factory: Callable[[Settings], Door] = open_door) -> MCPServer[Any]:
    """The MCP server with every tool and resource; the door opens in its lifespan."""
    holder = _DoorHolder()

    @asynccontextmanager
    async def lifespan(server: MCPServer[Any]) -> AsyncIterator[None]:
        # the engine's WAAPI client must be built off the event loop
        holder.door = await anyio.to_thread.run_sync(door_factory, settings)
        try:
            yield
        finally:
            door, holder.door = holder.door, None
            if door is not None:
                await anyio.to_thread.run_sync(door.close)

    mcp: MCPServer[Any] = MCPServer(
        "wwiseflowd", version=__version__, instructions=INSTRUCTIONS, lifespan=lifespan, log_level="WARNING"
    )

    @mcp.tool(annotations=READ_ONLY)
    def list_node_types() -> CallToolResult:
        """List the node types a workflow can use, with the JSON schema of each node's data and its
        outputs (what $from:<nodeId>:$output:<field> may reference)."""
        return tool_result(Result.success({"nodeTypes": holder.get().catalog()}))

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

        def progress(done: int, total: int, message: str) -> None:
            anyio.from_thread.run(ctx.report_progress, done, total or None, message)

        door = holder.get()
        outcome = await anyio.to_thread.run_sync(
            lambda: door.execute(workflow, inputs or {}, force, progress)
        )
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
        entries = [{k: v for k, v in w.items() if k != "document"} for w in holder.get().workflows()]
        return tool_result(Result.success({"workflows": entries}))

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
        catalog = await anyio.to_thread.run_sync(lambda: holder.get().catalog())
        return json.dumps(catalog)

    @mcp.resource("wwiseflowd://workflows", name="workflow-files", mime_type="application/json")
    async def workflow_files() -> str:
        """The saved workflow files and their compile status."""
        entries = await anyio.to_thread.run_sync(lambda: holder.get().workflows())
        return json.dumps([{k: v for k, v in w.items() if k != "document"} for w in entries], default=str)

    @mcp.resource("wwiseflowd://workflows/{workflow_id}", name="workflow-file", mime_type="application/json")
    async def workflow_file(workflow_id: str) -> str:
        """One workflow file: its document, status and errors."""
        result = await anyio.to_thread.run_sync(lambda: holder.get().workflow(workflow_id))
        if not result.ok:
            raise ValueError(f"{result.code}: {result.error}")
        return json.dumps(result.data, default=str)

    return mcp


def serve_stdio(settings: Settings) -> None:
    """Run the MCP server on stdin/stdout until the client closes it."""
    build_server(settings).run()


__all__ = [
    "LocalDoor",
    "RemoteDoor",
    "build_server",
    "find_daemon",
    "open_door",
    "serve_stdio",
    "tool_result",
]
