"""The Result DTO: the only thing the command bus and node types return.

``{"ok": bool, "data": object|null, "error": str|null, "code": str|null}``; ``ok=True``
implies ``error`` and ``code`` are null. ``error`` is a sentence a sound designer can act on.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


class ErrorCode(StrEnum):
    """Every error code wwiseflowd can return. One enum, used everywhere."""

    INVALID_INPUT = "INVALID_INPUT"
    FILE_NOT_FOUND = "FILE_NOT_FOUND"
    AUDIO_CHANGED = "AUDIO_CHANGED"
    INVALID_AUDIO = "INVALID_AUDIO"
    UNKNOWN_NODE_TYPE = "UNKNOWN_NODE_TYPE"
    CYCLE_DETECTED = "CYCLE_DETECTED"
    INVALID_REFERENCE = "INVALID_REFERENCE"
    AMBIGUOUS_WIRING = "AMBIGUOUS_WIRING"
    OBJECT_NOT_FOUND = "OBJECT_NOT_FOUND"
    NAME_CONFLICT = "NAME_CONFLICT"
    WAAPI_ERROR = "WAAPI_ERROR"
    BACKEND_UNAVAILABLE = "BACKEND_UNAVAILABLE"
    BACKEND_ERROR = "BACKEND_ERROR"
    WAAPI_UNAVAILABLE = "WAAPI_UNAVAILABLE"
    WAAPI_TIMEOUT = "WAAPI_TIMEOUT"
    WWISE_LOCKED = "WWISE_LOCKED"
    CREATE_FAILED = "CREATE_FAILED"
    IMPORT_FAILED = "IMPORT_FAILED"
    ROLLED_BACK = "ROLLED_BACK"
    TIMEOUT = "TIMEOUT"
    CANCELLED = "CANCELLED"
    INTERRUPTED = "INTERRUPTED"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    UNAUTHORIZED = "UNAUTHORIZED"
    FORBIDDEN = "FORBIDDEN"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    REAPER_UNAVAILABLE = "REAPER_UNAVAILABLE"
    RENDER_FAILED = "RENDER_FAILED"
    PLUGIN_ERROR = "PLUGIN_ERROR"
    CONFIG_ERROR = "CONFIG_ERROR"
    STATE_FILE_CORRUPT = "STATE_FILE_CORRUPT"
    INTERNAL = "INTERNAL"


#: Codes worth retrying: the condition is expected to clear on its own.
TRANSIENT_CODES: frozenset[ErrorCode] = frozenset(
    {ErrorCode.WAAPI_UNAVAILABLE, ErrorCode.WWISE_LOCKED, ErrorCode.WAAPI_TIMEOUT,
     ErrorCode.BACKEND_UNAVAILABLE}
)


class Result(BaseModel):
    """Outcome of one command or node run. Never raise across the bus: return one of these."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    data: Any = None
    error: str | None = None
    code: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Result:
        if self.ok and (self.error is not None or self.code is not None):
            raise ValueError("an ok Result carries no error and no code")
        if not self.ok and (not self.error or not self.code):
            raise ValueError("a failed Result needs both an error sentence and a code")
        return self

    @classmethod
    def success(cls, data: Any = None) -> Result:
        """An ok Result carrying ``data``."""
        return cls(ok=True, data=data)

    @classmethod
    def failure(cls, code: ErrorCode | str, error: str, data: Any = None) -> Result:
        """A failed Result with a code from :class:`ErrorCode` and an actionable sentence."""
        return cls(ok=False, code=str(code), error=error, data=data)

    @property
    def transient(self) -> bool:
        """True when the failure is of a kind that may clear if retried."""
        return not self.ok and self.code in {c.value for c in TRANSIENT_CODES}
