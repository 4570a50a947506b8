"""The audit log: every bus command with its full payload and result, hash-chained, with blobs and an index.

- :mod:`.log` writes the day files (``state_dir/audit/audit-YYYY-MM-DD.jsonl``);
- :mod:`.blobs` keeps large payloads and results by content hash;
- :mod:`.chain` and :mod:`.reader` seal, read and verify the lines;
- :mod:`.index` is the query index in the state store;
- :mod:`.trail` bundles them for the engine and the front doors (docs/audit.md).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from wwiseflowd.audit.index import AuditFilter
from wwiseflowd.audit.log import AuditLog, normalize_source
from wwiseflowd.audit.trail import AuditTrail

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """``10m``, ``2h``, ``3d``, ``30s`` (ago) or an ISO-8601 time; raises ValueError when neither."""
    now = now or datetime.now(UTC)
    match = _DURATION.match(text)
    if match:
        return now - timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a duration like 10m, 2h, 3d nor an ISO time like 2026-01-31T12:00:00Z"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


__all__ = ["AuditFilter", "AuditLog", "AuditTrail", "normalize_source", "parse_since"]
