"""An execution as a Result: the one place a run's outcome becomes a code and a sentence."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wwiseflowd.results import ErrorCode, Result
from wwiseflowd.runner import ExecutionResult


def execution_outcome(execution: ExecutionResult | Mapping[str, Any]) -> Result:
    """Ok with the execution (as JSON data), or its ``code`` and ``error`` carrying the execution.

    A still-running execution is a TIMEOUT failure ("ask again later"): whoever asked has stopped
    waiting for it, not the run.
    """
    if not isinstance(execution, ExecutionResult):
        execution = ExecutionResult.model_validate(dict(execution))
    data = execution.model_dump(mode="json")
    if execution.ok:
        return Result.success(data)
    if execution.status == "running":
        return Result.failure(
            ErrorCode.TIMEOUT,
            f"Execution {execution.executionId} is still running; ask for it again later.",
            data,
        )
    # ExecutionResult guarantees both for a finished failure
    return Result.failure(execution.code or ErrorCode.INTERNAL, execution.error or "the run failed", data)
