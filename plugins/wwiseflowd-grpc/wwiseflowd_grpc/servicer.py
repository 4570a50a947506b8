"""``wwiseflow.v1.WwiseFlow``: each method turns a request into a :class:`Calls` call and a Result
into a reply or a status. Nothing here runs, follows or explains a run itself."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from queue import Empty
from typing import Any

import grpc

from wwiseflowd.operations import RunRequest
from wwiseflowd.results import ErrorCode, Result
from wwiseflowd.runner import ExecutionResult, new_execution_id
from wwiseflowd_grpc import wwiseflow_pb2 as pb
from wwiseflowd_grpc import wwiseflow_pb2_grpc as pb_grpc
from wwiseflowd_grpc.calls import SOURCE, Calls, decode_inputs, parse_json
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
        outcome = self.calls.run(_run_request(request, context))
        return execute_reply(_execution_or_abort(outcome, context))

    def StreamEvents(
        self, request: pb.StreamEventsRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.Event]:
        """Events of the run this call starts (``run``) or of the daemon; see the .proto."""
        wanted = set(request.types)
        if request.HasField("run"):
            yield from self._stream_run(_run_request(request.run, context), wanted, context)
            return
        subscription = self.calls.subscribe(request.execution_id or None)
        try:
            sequence = 0
            while context.is_active() and not self.stopping.is_set():
                event = subscription.get(timeout=POLL_S)
                if event is None:
                    continue
                if not wanted or event.get("type") in wanted:
                    sequence += 1
                    yield _event(event, sequence)
                if request.execution_id and event.get("type") == "run.finished":
                    return
        finally:
            subscription.close()

    def _stream_run(
        self, run: RunRequest, wanted: set[str], context: grpc.ServicerContext
    ) -> Iterator[pb.Event]:
        """The service layer runs and follows; this only relays its events and its outcome."""
        queue = self.calls.run_streamed(run)
        sequence = 0
        while context.is_active() and not self.stopping.is_set():
            try:
                item = queue.get(timeout=POLL_S)
            except Empty:
                continue
            if isinstance(item, Result):
                execution = _execution_or_abort(item, context)
                yield pb.Event(type=RESULT_EVENT, execution_id=execution.executionId, sequence=sequence + 1,
                               result_json=execution.model_dump_json())
                return
            if not wanted or item.get("type") in wanted:
                sequence += 1
                yield _event(item, sequence)

    def RunCommand(self, request: pb.CommandRequest, context: grpc.ServicerContext) -> pb.CommandReply:
        """One bus command; a failed Result becomes its status (OBJECT_NOT_FOUND -> NOT_FOUND ...)."""
        payload = _ok_or_abort(parse_json(request.payload_json or "{}", "payload_json"), context).data
        if not isinstance(payload, dict):
            abort(context, Result.failure(ErrorCode.INVALID_INPUT, "payload_json must be a JSON object."))
        result = _ok_or_abort(self.calls.command(request.name, payload), context)
        return pb.CommandReply(ok=True, data_json=json.dumps(result.data),
                               result_json=result.model_dump_json())


def _run_request(request: pb.ExecuteRequest, context: grpc.ServicerContext) -> RunRequest:
    document = _document(request.workflow_json, context)
    inputs = _ok_or_abort(decode_inputs(document, dict(request.inputs), request.inputs_json), context)
    return RunRequest(document=document, inputs=inputs.data, force=request.force,
                      rollback=request.rollback if request.HasField("rollback") else None,
                      execution_id=request.execution_id or new_execution_id(), source=SOURCE)


def _execution_or_abort(outcome: Result, context: grpc.ServicerContext) -> ExecutionResult:
    """The execution a run's outcome carries (ok or not); a run that never started aborts."""
    data = outcome.data
    if isinstance(data, dict) and "executionId" in data and "status" in data:
        return ExecutionResult.model_validate(data)
    abort(context, outcome)


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
