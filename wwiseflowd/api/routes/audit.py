"""``/audit``: query the audit trail (with filters) and verify its hash chain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from wwiseflowd.api.deps import OpsDep
from wwiseflowd.api.errors import error_responses
from wwiseflowd.api.models import AuditPage, page
from wwiseflowd.audit import AuditFilter

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get(
    "",
    operation_id="queryAudit",
    response_model=AuditPage,
    summary="Audit entries (every bus command with its full payload and result), filtered",
    responses=error_responses(422),
)
def query_audit(
    ops: OpsDep,
    since: Annotated[datetime | None, Query(description="Only entries at or after this ISO time.")] = None,
    until: Annotated[datetime | None, Query(description="Only entries before this ISO time.")] = None,
    execution: Annotated[str | None, Query(max_length=200, description="Only this execution.")] = None,
    command: Annotated[str | None, Query(max_length=200, description="Only this bus command.")] = None,
    object: Annotated[
        str | None, Query(max_length=2000, description="An object id, or a path (and below).")
    ] = None,
    code: Annotated[str | None, Query(max_length=100, description="A result code; OK for successes.")] = None,
    source: Annotated[
        Literal["daemon", "cli", "rest", "mcp", "editor", "replay"] | None, Query(description="Front door.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> AuditPage:
    """Paged with ``limit`` and ``offset``; blobs are resolved, so nothing has to read the blob store."""
    query = AuditFilter(since=since, until=until, execution_id=execution, command=command, object=object,
                        code=code, source=source, limit=limit + 1, offset=offset)
    rows = ops.audit(query).data["items"]
    return AuditPage.model_validate(page(rows, limit, offset))


@router.get(
    "/verify",
    operation_id="verifyAudit",
    summary="Check the audit log's hash chain and blobs",
    responses=error_responses(),
)
def verify_audit(ops: OpsDep) -> dict[str, object]:
    """``{"ok", "files", "lines", "blobs", "problems": [{"file", "line", "reason"}]}``."""
    return dict(ops.verify_audit().data)
