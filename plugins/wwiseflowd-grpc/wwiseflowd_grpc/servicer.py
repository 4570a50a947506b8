"""``wwiseflow.v1.WwiseFlow``: each method turns a request into a :class:`Calls` call and a Result
into a reply or a status. Nothing here runs, follows or explains a run itself."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import grpc

from wwiseflowd.engine import ExecutionResult
from wwiseflowd.results import ErrorCode, Result
from wwiseflowd_grpc import wwiseflow_pb2 as pb
from wwiseflowd_grpc import wwiseflow_pb2_grpc as pb_grpc
from wwiseflowd_grpc.calls import Calls, decode_inputs, parse_json
from wwiseflowd_grpc.status import abort

#: seconds an event stream waits for the next event before it looks at the call and shutdown again
POLL_S = 0.1
#: the last message of a streamed run: the execution result
RESULT_EVENT = "execution.result"


class WwiseFlowServicer(pb_grpc.WwiseFlowServicer):
    """The four methods of the service; ``stopping`` ends open streams when the door stops."""

    def __init__(self, calls: Calls, stopping: threading.Event) -> None:
        self.calls = calls
        self.stopping = stopping

    def Validate(self, request: pb.ValidateRequest, context: grpc.ServicerContext) -> pb.ValidateReply:
        """Compile only: the plan's size, or INVALID_ARGUMENT with every compile error."""
        document = _document(request.workflow_json, context)
        result = _ok_or_abort(self.calls.validate(document), context)
        plan = result.data
        return pb.ValidateReply(ok=True, workflow_id=str(plan["workflowId"]), steps=len(plan["steps"]),
                                result_json=result.model_dump_json())

    def Execute(self, request: pb.ExecuteRequest, context: grpc.ServicerContext) -> pb.ExecuteReply:
        """Run to the end. A run that happened answers OK, its ``ok`` saying whether it succeeded
        (as REST answers 200); a run that could not start fails with a status."""
        execution_id = self._start(request, context, request.execution_id)
        execution = self.calls.wait(execution_id)
        if execution is None:  # the engine forgot it: only when it was closed under us
            abort(context, Result.failure(ErrorCode.WAAPI_UNAVAILABLE,
                                          "The daemon stopped during the run; retry later."))
        return execute_reply(execution)

    def StreamEvents(
        self, request: pb.StreamEventsRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.Event]:
        """Events of the run this call starts (``run``) or of the daemon; see the .proto."""
        follow: str | None = None
        if request.HasField("run"):  # chosen now, so the subscription exists before the run starts
            follow = request.run.execution_id or self.calls.new_execution_id()
        subscription = self.calls.subscribe(follow or request.execution_id or None)
        try:
            if follow is not None:
                self._start(request.run, context, follow)
            wanted = set(request.types)
            sequence = 0
            until_finished = follow or request.execution_id
            while context.is_active() and not self.stopping.is_set():
                event = subscription.get(timeout=POLL_S)
                if event is None:
                    continue
                if not wanted or event.get("type") in wanted:
                    sequence += 1
                    yield _event(event, sequence)
                if until_finished and event.get("type") == "run.finished":
                    break
            if follow is not None and (execution := self.calls.wait(follow, timeout=5.0)) is not None:
                yield pb.Event(type=RESULT_EVENT, execution_id=follow, sequence=sequence + 1,
                               result_json=execution.model_dump_json())
        finally:
            subscription.close()

    def RunCommand(self, request: pb.CommandRequest, context: grpc.ServicerContext) -> pb.CommandReply:
        """One bus command; a failed Result becomes its status (OBJECT_NOT_FOUND -> NOT_FOUND ...)."""
        payload = _ok_or_abort(parse_json(request.payload_json or "{}", "payload_json"), context).data
        if not isinstance(payload, dict):
            abort(context, Result.failure(ErrorCode.INVALID_INPUT, "payload_json must be a JSON object."))
        result = _ok_or_abort(self.calls.command(request.name, payload), context)
        return pb.CommandReply(ok=True, data_json=json.dumps(result.data),
                               result_json=result.model_dump_json())

    def _start(self, request: pb.ExecuteRequest, context: grpc.ServicerContext, execution_id: str) -> str:
        document = _document(request.workflow_json, context)
        inputs = _ok_or_abort(decode_inputs(document, dict(request.inputs), request.inputs_json), context)
        started = self.calls.start(
            document, inputs.data, force=request.force,
            rollback=request.rollback if request.HasField("rollback") else None,
            execution_id=execution_id or None,
        )
        return str(_ok_or_abort(started, context).data["executionId"])


def _ok_or_abort(result: Result, context: grpc.ServicerContext) -> Result:
    if not result.ok:
        abort(context, result)
    return result


def _document(text: str, context: grpc.ServicerContext) -> dict[str, Any]:
    document = _ok_or_abort(parse_json(text, "workflow_json"), context).data
    if not isinstance(document, dict):
        abort(context, Result.failure(ErrorCode.INVALID_INPUT,
                                      "workflow_json must be a JSON object (a workflow document)."))
    return document


def execute_reply(execution: ExecutionResult) -> pb.ExecuteReply:
    """An execution result as the typed reply, the whole of it in ``result_json``."""
    return pb.ExecuteReply(
        ok=execution.ok, execution_id=execution.executionId, workflow_id=execution.workflowId,
        status=execution.status, code=execution.code or "", error=execution.error or "",
        stop_at=execution.stopAt or "", rolled_back=execution.rolledBack,
        duration_ms=round(execution.durationMs), result_json=execution.model_dump_json(),
    )


def _event(event: Mapping[str, Any], sequence: int) -> pb.Event:
    return pb.Event(type=str(event.get("type", "")), execution_id=str(event.get("executionId") or ""),
                    node_id=str(event.get("nodeId") or ""), time=str(event.get("time") or ""),
                    sequence=sequence, result_json=json.dumps(event, default=str))
