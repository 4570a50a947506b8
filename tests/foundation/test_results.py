"""The Result DTO keeps its invariants (docs/plugins.md, "Result and error codes")."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from wwiseflowd import ErrorCode, Result


def test_result_serialises_to_the_four_documented_keys() -> None:
    assert Result.success({"objectId": "{1}"}).model_dump(mode="json") == {
        "ok": True, "data": {"objectId": "{1}"}, "error": None, "code": None}
    failed = Result.failure(ErrorCode.FILE_NOT_FOUND, "a.wav: file not found; check the path")
    assert failed.model_dump(mode="json") == {
        "ok": False, "data": None, "error": "a.wav: file not found; check the path", "code": "FILE_NOT_FOUND"}


def test_an_ok_result_cannot_carry_an_error_and_a_failure_needs_code_and_sentence() -> None:
    with pytest.raises(ValidationError, match="an ok Result carries no error and no code"):
        Result(ok=True, code="INTERNAL")
    with pytest.raises(ValidationError, match="needs both an error sentence and a code"):
        Result(ok=False, code="INTERNAL")
    with pytest.raises(ValidationError, match="needs both an error sentence and a code"):
        Result(ok=False, error="something broke")


def test_only_busy_or_unreachable_backend_failures_are_transient() -> None:
    transient = {c for c in ErrorCode if Result.failure(c, "x").transient}
    assert transient == {ErrorCode.WAAPI_UNAVAILABLE, ErrorCode.WAAPI_TIMEOUT, ErrorCode.WWISE_LOCKED,
                         ErrorCode.BACKEND_UNAVAILABLE}
    assert Result.success().transient is False


def test_error_codes_are_screaming_snake_and_include_the_designed_set() -> None:
    designed = {"INVALID_INPUT", "FILE_NOT_FOUND", "INVALID_AUDIO", "UNKNOWN_NODE_TYPE", "CYCLE_DETECTED",
                "INVALID_REFERENCE", "OBJECT_NOT_FOUND", "NAME_CONFLICT", "WAAPI_ERROR", "WAAPI_UNAVAILABLE",
                "WAAPI_TIMEOUT", "WWISE_LOCKED", "CREATE_FAILED", "IMPORT_FAILED", "ROLLED_BACK", "FORBIDDEN",
                "INTERNAL"}
    assert designed <= {c.value for c in ErrorCode}
    assert all(c.value == c.name and c.value.isupper() for c in ErrorCode)
