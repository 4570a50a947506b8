"""What the gRPC door asks of the daemon, in one place: the seam to the service layer.

Every servicer method goes through :class:`Calls`; nothing else in this plugin names the engine,
the path guard or the compiler, so following the service layer means changing this module only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from wwiseflowd.api.security import PathGuard, checked_compile
from wwiseflowd.config import Settings
from wwiseflowd.engine import Engine, ExecutionResult
from wwiseflowd.events import Subscription
from wwiseflowd.results import ErrorCode, Result
from wwiseflowd.runner import new_execution_id


class Calls:
    """Validate, start, wait, follow and run commands, with the same checks as REST."""

    def __init__(self, service: Engine, settings: Settings) -> None:
        self.engine = service
        self.guard = PathGuard.from_settings(settings)

    def validate(self, document: Mapping[str, Any]) -> Result:
        """The plan (``data``), or every compile error (``data.errors``); paths are checked first."""
        return checked_compile(self.engine, self.guard, document, None)

    def start(
        self,
        document: Mapping[str, Any],
        inputs: Mapping[str, Any],
        *,
        force: bool = False,
        rollback: bool | None = None,
        execution_id: str | None = None,
    ) -> Result:
        """Check, compile and submit a run: ok with ``{"executionId"}``, or why it did not start."""
        compiled = checked_compile(self.engine, self.guard, document, inputs)
        if not compiled.ok:
            return compiled
        if execution_id and self.engine.get_execution(execution_id) is not None:
            return Result.failure(ErrorCode.CONFLICT,
                                  f"Execution id {execution_id!r} is taken; choose another or omit it.")
        try:
            started = self.engine.submit(compiled.data, inputs, force=force, rollback=rollback,
                                         execution_id=execution_id or None, source="grpc")
        except ValueError:
            return Result.failure(ErrorCode.CONFLICT, f"Execution id {execution_id!r} is already running.")
        except RuntimeError:
            return Result.failure(ErrorCode.WAAPI_UNAVAILABLE, "The daemon is shutting down; retry later.")
        return Result.success({"executionId": started})

    def wait(self, execution_id: str, timeout: float | None = None) -> ExecutionResult | None:
        """The finished execution (None when still running after ``timeout``)."""
        return self.engine.wait(execution_id, timeout)

    def subscribe(self, execution_id: str | None) -> Subscription:
        """Progress events, only ``execution_id``'s when given. Close it when done."""
        accept = None if not execution_id else (lambda event: event.get("executionId") == execution_id)
        return self.engine.events.subscribe(accept=accept)

    def command(self, name: str, payload: Mapping[str, Any]) -> Result:
        """Run one bus command after checking its file paths."""
        if name not in self.engine.registry.commands:
            return Result.failure(ErrorCode.NOT_FOUND,
                                  f"No bus command {name!r}; `wwiseflowd commands` lists the commands "
                                  f"the plugins provide.")
        checked = self.guard.check_command(name, payload, self.engine.registry)
        return checked if not checked.ok else self.engine.command(name, payload)

    @staticmethod
    def new_execution_id() -> str:
        """A fresh execution id (to subscribe before a run starts)."""
        return new_execution_id()


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
