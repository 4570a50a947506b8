"""Reading the audit log back: entries with their blobs resolved, and ``wwiseflowd audit verify``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wwiseflowd.audit.blobs import BlobStore, blob_ref
from wwiseflowd.audit.chain import GENESIS, Problem, audit_files, claimed_hash, iter_raw, read_anchor


@dataclass(frozen=True, slots=True)
class RawLine:
    """One line of a day file: where it is and what it says."""

    file: str
    line: int
    offset: int
    raw: bytes


def iter_lines(directory: Path, files: list[Path] | None = None) -> Iterator[RawLine]:
    """Every line of every day file, oldest first, with its 1-based line number."""
    for path in files if files is not None else audit_files(directory):
        for number, (offset, raw) in enumerate(iter_raw(path), start=1):
            yield RawLine(path.name, number, offset, raw)


def parse(raw: bytes) -> dict[str, Any] | None:
    """The entry on a line, or None for a torn or unreadable line."""
    try:
        entry = json.loads(raw)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


def resolve(entry: dict[str, Any], blobs: BlobStore) -> dict[str, Any]:
    """A copy of ``entry`` with its blob references replaced by their content."""
    out = dict(entry)
    out["payload"] = _load(entry.get("payload"), blobs)
    result = entry.get("result")
    if isinstance(result, dict):
        out["result"] = {**result, "data": _load(result.get("data"), blobs)}
    return out


def _load(value: Any, blobs: BlobStore) -> Any:
    digest = blob_ref(value)
    if digest is None:
        return value
    try:
        return json.loads(blobs.get(digest))
    except FileNotFoundError:
        return {"missingBlob": digest}


def blob_refs(entry: dict[str, Any]) -> list[str]:
    """The blob hashes an entry references."""
    result = entry.get("result")
    values = [entry.get("payload"), result.get("data") if isinstance(result, dict) else None]
    return [d for d in (blob_ref(v) for v in values) if d is not None]


@dataclass
class VerifyReport:
    """The outcome of verifying the chain (and the blobs) of an audit directory."""

    files: int = 0
    lines: int = 0
    blobs: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every line and blob verified."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """JSON form for ``--json`` and REST."""
        return {
            "ok": self.ok, "files": self.files, "lines": self.lines, "blobs": self.blobs,
            "problems": [{"file": p.file, "line": p.line, "reason": p.reason} for p in self.problems],
        }


def verify(
    directory: Path, blobs: BlobStore, expected: dict[tuple[str, int], str] | None = None
) -> VerifyReport:
    """Check every line's own hash, its link to the line before, and the blobs it references.

    ``expected`` (file, line) -> hash, from the index, also catches lines removed from the end of
    the newest file, which the chain alone cannot see.
    """
    report = VerifyReport()
    anchor = read_anchor(directory)
    files = audit_files(directory)
    report.files = len(files)
    # retention removed older files: the first kept line links to the hash the anchor recorded
    prev = str(anchor["prev"]) if anchor and anchor.get("prev") else GENESIS
    seen: dict[tuple[str, int], str] = {}
    for line in iter_lines(directory, files):
        report.lines += 1
        problem, digest = _check_line(line, prev, blobs, report)
        if problem is not None:
            report.problems.append(Problem(line.file, line.line, problem))
        if digest is not None:
            prev = digest
            seen[(line.file, line.line)] = digest
    report.problems += _against_index(expected or {}, seen, files, report.problems)
    report.problems.sort(key=lambda p: (p.file, p.line))
    return report


def _against_index(
    expected: dict[tuple[str, int], str], seen: dict[tuple[str, int], str], files: list[Path],
    reported: list[Problem],
) -> list[Problem]:
    """Lines the index recorded whose hash is nowhere in the files now: removed, or rewritten and
    re-sealed. A line that only moved (a removal above it) is found by its hash and not reported."""
    done = {(p.file, p.line) for p in reported}
    present = set(seen.values())
    oldest = files[0].name if files else ""
    problems = []
    for (file, number), digest in sorted(expected.items()):
        if digest in present or (file, number) in done or file < oldest:  # older: retention removed them
            continue
        actual = seen.get((file, number))
        if actual is None:
            problems.append(Problem(file, number, "this line was removed (the index recorded it)"))
        elif actual != digest:
            problems.append(Problem(file, number, "this line was rewritten (its hash differs from "
                                                  "the one the index recorded)"))
    return problems


def _check_line(
    line: RawLine, prev: str, blobs: BlobStore, report: VerifyReport
) -> tuple[str | None, str | None]:
    """(problem or None, the hash the next line should link to)."""
    if not line.raw.endswith(b"\n"):
        return "this line is incomplete (a write was cut off, e.g. by a crash)", None
    digest, intact = claimed_hash(line.raw)
    entry = parse(line.raw)
    if not intact or entry is None:
        # a line rewritten by a JSON tool loses our exact spelling: its "hash" field still links on
        claimed = entry.get("hash") if entry is not None else None
        return ("this line was modified (its content no longer matches its hash)",
                digest or (claimed if isinstance(claimed, str) else None))
    if entry.get("prev") != prev:
        return ("the line before this one is missing or out of order (its link to the previous "
                "line does not match)"), digest
    for ref in blob_refs(entry):
        report.blobs += 1
        blob_problem = blobs.check(ref)
        if blob_problem is not None:
            return blob_problem, digest
    return None, digest
