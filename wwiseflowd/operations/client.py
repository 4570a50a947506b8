"""Operations forwarded to a running daemon's REST API, and finding that daemon.

:class:`DaemonClient` answers exactly like :class:`~wwiseflowd.operations.local.LocalOperations`
(the same Results, the same execution JSON), so a front door does not care which engine answers.
:func:`open_operations` picks one: the running daemon when its REST API answers, else an engine
in this process.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import httpx
from loguru import logger

from wwiseflowd.audit.index import AuditFilter
from wwiseflowd.daemon.instance import read_machine_pointer, read_runtime
from wwiseflowd.operations.outcome import execution_outcome
from wwiseflowd.operations.protocol import EventSink, Operations, RunRequest
from wwiseflowd.pids import pid_alive
from wwiseflowd.results import ErrorCode, Result
from wwiseflowd.runner import new_execution_id
from wwiseflowd.store import ExecutionStatus

if TYPE_CHECKING:
    from wwiseflowd.config import Settings
    from wwiseflowd.engine import Engine

#: seconds a forwarded REST call may take; runs stream their progress and have no read timeout
HTTP_TIMEOUT_S = 30.0
#: a forwarded bus command answers when it is done, and a large import can take minutes
COMMAND_TIMEOUT_S = 900.0
#: entries per GET /audit request (the route's maximum)
AUDIT_PAGE = 1000
#: seconds to keep asking for an execution that announced run.finished but still reads as running
#: (the daemon stores its final result a moment after publishing the event)
FINISHED_GRACE_S = 5.0


class DaemonClient:
    """:class:`~wwiseflowd.operations.protocol.Operations` over a running daemon's REST API."""

    def __init__(self, api_url: str, token: str | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.where = f"daemon at {self.api_url}"
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=self.api_url, headers=headers, timeout=HTTP_TIMEOUT_S)

    # -- HTTP --------------------------------------------------------------------------------------

    def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        """``(HTTP status, JSON body)``; status 0 with a Result body when the daemon did not answer."""
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            return 0, self._unreachable(exc).model_dump()
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, Result.failure(
                ErrorCode.INTERNAL,
                f"The daemon answered {path} with HTTP {response.status_code} and no JSON.",
            ).model_dump()

    def _unreachable(self, exc: Exception) -> Result:
        return Result.failure(
            ErrorCode.WAAPI_UNAVAILABLE,
            f"The wwiseflowd daemon at {self.api_url} did not answer ({type(exc).__name__}); is it still "
            f"running? Restart it, or stop it to let this command use its own engine (--local).",
        )

    def _result(self, method: str, path: str, **kwargs: Any) -> Result:
        """A call whose body is a Result (success or error)."""
        status, body = self.call(method, path, **kwargs)
        return as_result(status, body)

    def _data(self, method: str, path: str, **kwargs: Any) -> Result:
        """A call whose success body is plain data and whose error body is a Result."""
        status, body = self.call(method, path, **kwargs)
        return Result.success(body) if 200 <= status < 300 else as_result(status, body)

    # -- operations --------------------------------------------------------------------------------

    def catalog(self) -> Result:
        """GET /nodes."""
        return self._data("GET", "/nodes")

    def validate(self, document: dict[str, Any], inputs: dict[str, Any] | None = None) -> Result:
        """POST /workflows/validate."""
        body = {"workflow": document, "inputs": inputs or {}}
        return self._result("POST", "/workflows/validate", json=body)

    def list_workflows(self) -> Result:
        """GET /workflows."""
        return self._data("GET", "/workflows")

    def get_workflow(self, workflow_id: str) -> Result:
        """GET /workflows/{id}."""
        return self._data("GET", f"/workflows/{quote(workflow_id)}")

    def save_workflow(self, workflow_id: str, document: dict[str, Any], version: str | None) -> Result:
        """PUT /workflows/{id}."""
        body = {"document": document, "version": version}
        return self._data("PUT", f"/workflows/{quote(workflow_id)}", json=body)

    def rename_workflow(self, workflow_id: str, new_id: str) -> Result:
        """POST /workflows/{id}/rename."""
        return self._data("POST", f"/workflows/{quote(workflow_id)}/rename", json={"newId": new_id})

    def duplicate_workflow(self, workflow_id: str, new_id: str) -> Result:
        """POST /workflows/{id}/duplicate."""
        return self._data("POST", f"/workflows/{quote(workflow_id)}/duplicate", json={"newId": new_id})

    def delete_workflow(self, workflow_id: str) -> Result:
        """DELETE /workflows/{id}."""
        return self._result("DELETE", f"/workflows/{quote(workflow_id)}")

    def browse_files(self, path: str | None = None) -> Result:
        """GET /files."""
        return self._data("GET", "/files", params={"path": path} if path else {})

    def start(self, request: RunRequest) -> Result:
        """POST /workflows/execute?async=true."""
        accepted = self._data("POST", "/workflows/execute", params={"async": "true"}, json=_body(request))
        if not accepted.ok:
            return accepted
        return Result.success({"executionId": accepted.data.get("executionId")})

    def run(self, request: RunRequest, on_event: EventSink | None = None) -> Result:
        """One ``POST /workflows/execute?stream=true``: the run's events as they come, the last
        carrying its outcome. A run for a fleet's project is followed on /fleet/events (whichever
        daemon runs it)."""
        execution_id = request.execution_id or new_execution_id()
        request = request.model_copy(update={"execution_id": execution_id})
        if request.project is not None:

            def begin() -> Result | None:
                started = self.start(request)
                return None if started.ok else started

            return self._run_queued(request, on_event, begin)
        try:
            with self.http.stream(
                "POST", "/workflows/execute", params={"stream": "true"}, json=_body(request),
                timeout=httpx.Timeout(10, read=None),
            ) as answer:
                if answer.status_code != 200 or not answer.headers.get("content-type", "").startswith(
                    "text/event-stream"
                ):  # a refusal, or a daemon from before stream=true: it answered the execution
                    answer.read()
                    body = _json_or_none(answer.text)
                    if answer.status_code == 200 and isinstance(body, dict):
                        try:
                            return execution_outcome(body)
                        except ValueError:  # not an execution after all: say what came
                            pass
                    return as_result(answer.status_code, body)
                return self._report(execution_id, answer.iter_lines(), on_event)
        except httpx.HTTPError as exc:
            return self._lost(execution_id, exc)

    def _run_queued(self, request: RunRequest, on_event: EventSink | None,
                    begin: Callable[[], Result | None]) -> Result:
        """A run for a fleet's project: its events from ``GET /fleet/events`` and its outcome; one
        waiting POST when nobody follows the events, or when this daemon has no fleet (its refusal
        then says what to configure)."""
        assert request.execution_id is not None
        if on_event is not None and self._data("GET", "/fleet").ok:
            return self._stream(request.execution_id, on_event, begin, path="/fleet/events")
        finished = self._data("POST", "/workflows/execute", json=_body(request), timeout=None)
        return execution_outcome(finished.data) if finished.ok else finished

    def follow(self, execution_id: str, on_event: EventSink | None = None) -> Result:
        """Follow /events of a running execution until it finishes."""

        def check() -> Result | None:
            known = self.get_execution(execution_id)
            if not known.ok:
                return known
            return None if known.data.get("status") == "running" else execution_outcome(known.data)

        return self._stream(execution_id, on_event, check)

    def _stream(
        self, execution_id: str, on_event: EventSink | None, begin: Callable[[], Result | None],
        path: str = "/events",
    ) -> Result:
        """Subscribe to the execution's events on ``path``, call ``begin`` (a Result ends here), report
        events."""
        try:
            with self.http.stream(
                "GET", path, params={"executionId": execution_id}, timeout=httpx.Timeout(10, read=None)
            ) as stream:
                if stream.status_code != 200:
                    stream.read()
                    return as_result(stream.status_code, _json_or_none(stream.text))
                lines = stream.iter_lines()
                next(lines, None)  # the stream's first line: the server has subscribed
                early = begin()
                if early is not None:
                    return early
                return self._report(execution_id, lines, on_event)
        except httpx.HTTPError as exc:
            return self._lost(execution_id, exc)

    def _report(self, execution_id: str, lines: Iterator[str], on_event: EventSink | None) -> Result:
        """Hand the run's events to ``on_event``; its outcome from ``run.finished`` (or asked for)."""
        for kind, data in iter_sse(lines):
            if on_event is not None and isinstance(data, dict):
                on_event(data)
            if kind == "run.finished":
                final = data.get("execution") if isinstance(data, dict) else None
                if isinstance(final, dict) and final.get("status") not in (None, "running"):
                    return execution_outcome(final)  # the stream carried it: no GET needed
                break
        return self._finished(execution_id)

    def _lost(self, execution_id: str, exc: Exception) -> Result:
        return Result.failure(
            ErrorCode.WAAPI_UNAVAILABLE,
            f"Lost the daemon at {self.api_url} while following execution {execution_id} "
            f"({type(exc).__name__}); ask for the execution to see how it ended.",
        )

    def _finished(self, execution_id: str) -> Result:
        """The outcome of an execution whose run.finished arrived (TIMEOUT only after a grace period)."""
        deadline = time.monotonic() + FINISHED_GRACE_S
        while True:
            outcome = self.wait(execution_id)
            if outcome.code != ErrorCode.TIMEOUT or time.monotonic() >= deadline:
                return outcome
            time.sleep(0.05)

    def wait(self, execution_id: str, timeout: float | None = None) -> Result:
        """GET /executions/{id}: its outcome (TIMEOUT while it still runs)."""
        fetched = self.get_execution(execution_id)
        return execution_outcome(fetched.data) if fetched.ok else fetched

    def cancel(self, execution_id: str) -> Result:
        """POST /executions/{id}/cancel."""
        return self._result("POST", f"/executions/{quote(execution_id)}/cancel")

    def get_execution(self, execution_id: str) -> Result:
        """GET /executions/{id}."""
        return self._data("GET", f"/executions/{quote(execution_id)}")

    def list_executions(
        self, limit: int = 50, offset: int = 0, status: ExecutionStatus | None = None,
        *, source: str | None = None, workflow: str | None = None,
    ) -> Result:
        """GET /executions."""
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        for name, value in (("status", status), ("source", source), ("workflow", workflow)):
            if value:
                params[name] = value
        return self._data("GET", "/executions", params=params)

    def get_execution_document(self, execution_id: str) -> Result:
        """GET /executions/{id}/document."""
        return self._data("GET", f"/executions/{quote(execution_id)}/document")

    def command(self, name: str, payload: dict[str, Any]) -> Result:
        """POST /wwise/{command}."""
        timeout = httpx.Timeout(HTTP_TIMEOUT_S, read=COMMAND_TIMEOUT_S)
        return self._result("POST", f"/wwise/{quote(name)}", json=payload, timeout=timeout)

    def replay(self, execution_id: str, dry_run: bool = False, allow_changed_audio: bool = False) -> Result:
        """POST /executions/{id}/replay."""
        timeout = httpx.Timeout(HTTP_TIMEOUT_S, read=COMMAND_TIMEOUT_S)
        body = {"dryRun": dry_run, "allowChangedAudio": allow_changed_audio}
        return self._result("POST", f"/executions/{quote(execution_id)}/replay", json=body, timeout=timeout)

    def audit(self, query: AuditFilter) -> Result:
        """GET /audit, page by page up to ``query.limit`` entries."""
        params = audit_params(query)
        items: list[Any] = []
        offset = query.offset
        while len(items) < query.limit:
            params.update(offset=offset, limit=min(AUDIT_PAGE, query.limit - len(items)))
            page = self._data("GET", "/audit", params=params)
            if not page.ok:
                return page
            items += page.data["items"]
            if page.data.get("nextOffset") is None:
                break
            offset = page.data["nextOffset"]
        return Result.success({"items": items})

    def verify_audit(self) -> Result:
        """GET /audit/verify."""
        return self._data("GET", "/audit/verify")

    def close(self) -> None:
        """Close the HTTP client."""
        self.http.close()


def _body(request: RunRequest) -> dict[str, Any]:
    body: dict[str, Any] = {"workflow": request.document, "inputs": request.inputs, "force": request.force}
    if request.rollback is not None:
        body["rollback"] = request.rollback
    if request.execution_id is not None:
        body["executionId"] = request.execution_id
    if request.project is not None:
        body["project"] = request.project
    if request.dry_run_project is not None:
        body |= {"dryRun": True, "project": request.dry_run_project, "wwiseVersion": request.wwise_version}
    return body


def audit_params(query: AuditFilter) -> dict[str, Any]:
    """``GET /audit`` query parameters for ``query`` (limit and offset set by the caller)."""
    params: dict[str, Any] = {"execution": query.execution_id, "command": query.command,
                              "object": query.object, "code": query.code, "source": query.source,
                              "since": query.since.isoformat() if query.since else None,
                              "until": query.until.isoformat() if query.until else None}
    return {k: v for k, v in params.items() if v is not None}


def quote(segment: str) -> str:
    """``segment`` escaped for one URL path segment."""
    return httpx.URL(f"/{segment}").raw_path.decode().lstrip("/")


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def as_result(status: int, body: Any) -> Result:
    """A REST answer's body as a Result (every error body of the API is one)."""
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


def find_daemon(settings: Settings, *, machine: bool = False) -> dict[str, Any] | None:
    """The running daemon's ``runtime.json`` (written by ``wwiseflowd run``) when it has a REST URL
    and its process is alive; None otherwise. ``machine``: when none runs on this state dir, the
    machine's daemon (the user's runtime dir says where; for commands run without a config file)."""
    runtime = read_runtime(settings.paths.state_dir)
    if runtime is None and machine:
        runtime = read_machine_pointer()
    if runtime is None or not runtime.get("apiUrl"):
        return None
    pid = runtime.get("pid")
    if isinstance(pid, int) and not pid_alive(pid):
        logger.info("Ignoring a stale runtime.json (process {} is gone)", pid)
        return None
    return runtime


def connect_daemon(settings: Settings, *, machine: bool = False) -> DaemonClient | None:
    """A client of the running daemon when there is one and its REST API answers; None otherwise
    (``machine``: see :func:`find_daemon`)."""
    runtime = find_daemon(settings, machine=machine)
    if runtime is None:
        return None
    # the daemon reads the same config, so its token is ours too (runtime.json never holds it)
    client = DaemonClient(str(runtime["apiUrl"]), settings.server.token)
    status, _ = client.call("GET", "/health")
    if status == 200:
        return client
    client.close()
    logger.warning("The daemon at {} does not answer (HTTP {}); using a local engine", client.api_url, status)
    return None


def open_operations(
    settings: Settings,
    engine_factory: Callable[[Settings], Engine] | None = None,
    *,
    guarded: bool = True,
    local: bool = False,
    source: str = "cli",
) -> Operations:
    """The running daemon's client when it answers (unless ``local``); otherwise a started engine in
    this process (closed by ``close()``), guarded by ``[server] allowed_roots`` when ``guarded``;
    ``source`` names the front door in the audit log.

    Call from a thread without a running asyncio loop (the engine's WAAPI client needs that).
    """
    client = None if local else connect_daemon(settings)
    if client is not None:
        logger.info("Forwarding to the daemon at {}", client.api_url)
        return client
    from wwiseflowd.operations.guard import PathGuard
    from wwiseflowd.operations.local import LocalOperations

    if engine_factory is None:
        from wwiseflowd.engine import Engine

        engine_factory = Engine
    engine = engine_factory(settings)
    engine.start()
    guard = PathGuard.from_settings(settings) if guarded else None
    return LocalOperations(engine, guard, source=source, owns_engine=True)


__all__ = ["DaemonClient", "as_result", "connect_daemon", "find_daemon", "iter_sse", "open_operations"]
