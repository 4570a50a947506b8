"""What the terminal says while the daemon works: files seen, settling, waiting, importing, done, failed.

Pure bookkeeping, no threads and no I/O: :class:`Presenter` is fed the daemon's status snapshots
(``Daemon.status()``: each rule's settling files with why they wait and for how long, the recent
batches) and its progress events (``batch.queued``, ``batch.finished``), and answers
:class:`Notice` objects; :func:`render_text` and :func:`render_json` turn a notice into a line.
:mod:`wwiseflowd.progress.feed` does the polling, subscribing and writing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

Kind = Literal["seen", "settling", "waiting", "importing", "done", "failed", "batch", "paused", "burst"]

#: more files than this settling in one rule at once is a burst: one progress line, not a line per file
BURST = 12
#: a file waiting because it is incomplete is reported again every this many seconds
WAIT_REPEAT_S = 10.0
#: a finished burst lists at most this many imported files by name (every failure is listed)
DONE_LISTED = 12


@dataclass(frozen=True)
class Notice:
    """One thing worth a line: ``kind``, the rule, the file (or None) and the sentence details."""

    kind: Kind
    rule: str
    file: str | None = None
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    time: str = field(default_factory=lambda: datetime.now().astimezone().isoformat(timespec="seconds"))


FilesOf = Callable[[int], list[dict[str, Any]]]


@dataclass
class _Seen:
    reason: str  # "settling" or "waiting"
    reported_wait: float = 0.0


class Presenter:
    """Turns snapshots and events into notices, each change said once."""

    def __init__(self, files_of: FilesOf, *, burst: int = BURST) -> None:
        self._files_of = files_of
        self._burst = burst
        self._seen: dict[tuple[str, str], _Seen] = {}
        self._paused: set[int] = set()
        self._bursting: dict[str, int] = {}  # rule -> most files seen settling at once

    # -- status snapshots ----------------------------------------------------------------------

    def on_status(self, status: dict[str, Any]) -> list[Notice]:
        """Notices for files that appeared, changed reason or kept waiting; batches that wait."""
        notices: list[Notice] = []
        for rule in status.get("rules") or []:
            folder = Path(str(rule.get("folder") or "."))
            waiting = [
                {**w, "reason": _short(str(w.get("reason") or ""), folder / str(w["file"]), str(w["file"]))}
                for w in rule.get("waiting") or []
            ]
            # the counts, when given, cover every settling file (``waiting`` may list only some)
            settling = int(rule.get("settling", len(waiting)))
            incomplete = int(rule.get("incomplete", sum(
                1 for w in waiting if str(w.get("reason") or "").startswith("incomplete"))))
            notices += self._rule_files(str(rule.get("rule")), waiting, settling, incomplete)
        for batch in status.get("batches") or []:
            notices += self._batch_state(batch)
        return notices

    def _rule_files(
        self, rule: str, waiting: list[dict[str, Any]], settling: int, incomplete: int
    ) -> list[Notice]:
        current = {(rule, str(w["file"])): w for w in waiting}
        for key in [k for k in self._seen if k[0] == rule and k not in current]:
            del self._seen[key]  # ready (queued next) or gone
        if settling > self._burst or rule in self._bursting:
            return self._burst_line(rule, settling, incomplete)
        notices = []
        for key, item in current.items():
            reason, waited = str(item.get("reason") or ""), float(item.get("waitingS") or 0)
            kind = "waiting" if reason.startswith("incomplete") else "settling"
            known = self._seen.get(key)
            if known is None:
                notices.append(Notice("seen", rule, key[1]))
            if known is None or known.reason != kind:
                self._seen[key] = known = _Seen(kind, waited)
                notices.append(self._file_notice(kind, rule, key[1], reason, waited))
            elif kind == "waiting" and waited - known.reported_wait >= WAIT_REPEAT_S:
                known.reported_wait = waited
                notices.append(self._file_notice(kind, rule, key[1], reason, waited))
        return notices

    @staticmethod
    def _file_notice(kind: str, rule: str, file: str, reason: str, waited: float) -> Notice:
        detail = reason.split(": ", 1)[1] if ": " in reason else reason
        if kind == "waiting":
            return Notice("waiting", rule, file, f"incomplete for {waited:.0f} s: {detail}",
                          {"waitingS": waited, "reason": detail})
        return Notice("settling", rule, file, detail or "still being written", {"reason": detail})

    def _burst_line(self, rule: str, settling: int, incomplete: int) -> list[Notice]:
        peak = max(self._bursting.get(rule, 0), settling)
        if not settling:
            self._bursting.pop(rule, None)
            return []
        self._bursting[rule] = peak
        detail = f"{settling} file(s) settling" + (f", {incomplete} incomplete" if incomplete else "")
        return [Notice("burst", rule, None, detail, {"settling": settling, "incomplete": incomplete})]

    def _batch_state(self, batch: dict[str, Any]) -> list[Notice]:
        batch_id = int(batch.get("id") or 0)
        if batch.get("state") == "waiting" and batch_id not in self._paused:
            self._paused.add(batch_id)
            reason = f"{batch.get('code')}: {batch.get('error')}" if batch.get("code") else "waiting"
            return [Notice("paused", str(batch.get("rule")), None,
                           f"batch {batch_id} waits and will be retried; {reason}",
                           {"batchId": batch_id, "code": batch.get("code")})]
        if batch.get("state") != "waiting":
            self._paused.discard(batch_id)
        return []

    # -- events ---------------------------------------------------------------------------------

    def on_event(self, event: dict[str, Any]) -> list[Notice]:
        """Notices for a daemon progress event (other events: none)."""
        kind, rule = event.get("type"), str(event.get("rule"))
        if kind == "batch.queued":
            self._bursting.pop(rule, None)
            files = int(event.get("files") or 0)
            return [Notice("importing", rule, None, f"{files} file(s) (batch {event.get('batchId')})",
                           {"batchId": event.get("batchId"), "files": files})]
        if kind == "batch.finished":
            return self._finished(rule, event)
        return []

    def _finished(self, rule: str, event: dict[str, Any]) -> list[Notice]:
        batch_id = int(event.get("batchId") or 0)
        self._paused.discard(batch_id)
        files = self._files_of(batch_id)
        notices = list(_file_outcomes(rule, files))
        listed_done = [n for n in notices if n.kind == "done"]
        if len(listed_done) > DONE_LISTED:
            hidden = len(listed_done) - DONE_LISTED
            keep = set(map(id, listed_done[:DONE_LISTED]))
            notices = [n for n in notices if n.kind != "done" or id(n) in keep]
            notices.append(Notice("done", rule, None, f"... and {hidden} more imported", {"more": hidden}))
        summary = (f"batch {batch_id}: {event.get('imported', 0)} imported, {event.get('failed', 0)} failed, "
                   f"{event.get('skipped', 0)} already there")
        if event.get("executionId"):
            summary += f" ({event['executionId']})"
        counts = {k: event.get(k) for k in ("batchId", "imported", "failed", "skipped", "executionId")}
        return [*notices, Notice("batch", rule, None, summary, counts)]


def _file_outcomes(rule: str, files: Iterable[dict[str, Any]]) -> Iterable[Notice]:
    for record in files:
        file = str(record.get("relPath"))
        if record.get("state") == "done":
            where = record.get("objectPath") or record.get("note") or "imported"
            yield Notice("done", rule, file, f"-> {where}", {"objectPath": record.get("objectPath")})
        elif record.get("state") == "failed":
            error = _short(str(record.get("error")), Path(str(record.get("path"))), file)
            yield Notice("failed", rule, file, f"{record.get('code')}: {error}",
                         {"code": record.get("code"), "error": record.get("error")})


def _short(sentence: str, path: Path, name: str) -> str:
    """The line already names the file: its absolute path inside the sentence becomes that name."""
    return sentence.replace(str(path), name)


# -- rendering ----------------------------------------------------------------------------------

_LABEL_WIDTH = 9


def render_text(notice: Notice) -> str:
    """``12:00:01  done      Foley/Step_01.wav -> \\Actor-Mixer Hierarchy\\...`` (one line)."""
    clock = notice.time[11:19]
    subject = f"{notice.file} " if notice.file else ""
    return f"{clock}  {notice.kind:<{_LABEL_WIDTH}} {subject}{notice.detail}".rstrip()


def render_json(notice: Notice) -> str:
    """One JSON object: ``{"time", "event": "file.done", "rule", "file", ...data}``."""
    prefix = "file" if notice.file is not None else "rule"
    body = {k: v for k, v in asdict(notice).items() if k not in ("kind", "data", "detail")}
    return json.dumps({"event": f"{prefix}.{notice.kind}", **body, "message": notice.detail, **notice.data})
