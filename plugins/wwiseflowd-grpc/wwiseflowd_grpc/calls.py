"""What the gRPC door asks of the daemon, in one place: the seam to the service layer.

Every servicer method goes through :class:`Calls`, a thin typed view of the
:class:`~wwiseflowd.operations.LocalOperations` the daemon hands its front doors (paths checked
like REST's, bus commands audited with source ``grpc``). The daemon-wide event stream is the only
thing read from the engine directly, as REST's ``/events`` does.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from queue import Queue
from typing import Any

from wwiseflowd.events import Subscription
from wwiseflowd.operations import LocalOperations, RunRequest
from wwiseflowd.results import ErrorCode, Result

SOURCE = "grpc"


class Calls:
    """Validate, run, follow and run commands through the service layer."""

    def __init__(self, service: LocalOperations) -> None:
        self.ops = service

    def validate(self, document: dict[str, Any]) -> Result:
        """The plan (``data``), or every compile error (``data.errors``); paths are checked first."""
        return self.ops.validate(document)

    def run(self, request: RunRequest) -> Result:
        """Start and wait: the outcome (``data`` is the execution), or why it did not start."""
        started = self.ops.start(request)
        if not started.ok:
            return started
        return self.ops.wait(str(started.data["executionId"]))

    def run_streamed(self, request: RunRequest) -> Queue[dict[str, Any] | Result]:
        """Run on a worker thread; the queue gets each event, then the outcome (a Result)."""
        queue: Queue[dict[str, Any] | Result] = Queue()

        def work() -> None:
            queue.put(self.ops.run(request, on_event=queue.put))

        threading.Thread(target=work, name=f"grpc-run-{request.execution_id}", daemon=True).start()
        return queue

    def subscribe(self, execution_id: str | None) -> Subscription:
        """The daemon's progress events, only ``execution_id``'s when given. Close it when done."""
        accept = None if not execution_id else (lambda event: event.get("executionId") == execution_id)
        return self.ops.engine.events.subscribe(accept=accept)

    def command(self, name: str, payload: dict[str, Any]) -> Result:
        """Run one bus command after checking its file paths."""
        if name not in self.ops.engine.registry.commands:
            return Result.failure(ErrorCode.NOT_FOUND,
                                  f"No bus command {name!r}; `wwiseflowd commands` lists the commands "
                                  f"the plugins provide.")
        return self.ops.command(name, payload)


def decode_inputs(document: Mapping[str, Any], inputs: Mapping[str, str], inputs_json: str) -> Result:
    """Workflow inputs from ``map<string, string>`` plus ``inputs_json``: ok with the dict.

    A map value is JSON unless the workflow declares that input as a string (then it is taken as
    written); a value that is not JSON stays a string for the runner to judge.
    """
    declared = document.get("inputs") if isinstance(document.get("inputs"), dict) else {}
    decoded: dict[str, Any] = {}
    for name, text in inputs.items():
        spec = declared.get(name) if isinstance(declared, dict) else None
        if isinstance(spec, dict) and spec.get("type") == "string":
            decoded[name] = text
            continue
        try:
            decoded[name] = json.loads(text)
        except ValueError:
            decoded[name] = text
    if inputs_json:
        whole = parse_json(inputs_json, "inputs_json")
        if not whole.ok:
            return whole
        if not isinstance(whole.data, dict):
            return Result.failure(ErrorCode.INVALID_INPUT,
                                  "inputs_json must be a JSON object of input name -> value.")
        decoded.update(whole.data)
    return Result.success(decoded)


def parse_json(text: str, field: str) -> Result:
    """``text`` parsed (ok with the value), or INVALID_INPUT naming the field and the position."""
    if not text.strip():
        return Result.failure(ErrorCode.INVALID_INPUT, f"{field} is empty; send the JSON document.")
    try:
        return Result.success(json.loads(text))
    except ValueError as exc:
        return Result.failure(ErrorCode.INVALID_INPUT, f"{field} is not valid JSON ({exc}).")
