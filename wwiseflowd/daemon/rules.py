"""One ``[[watch]]`` rule at run time: which files it takes, what it passes to its workflow, and
what happens to each file afterwards (``processed/``, deleted, left; ``failed/`` + ``.error.json``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from loguru import logger

from wwiseflowd.config import WatchConfig
from wwiseflowd.files import write_text_atomic
from wwiseflowd.store.journal import DropRecord
from wwiseflowd.watch.fileio import open_regular
from wwiseflowd.watch.filters import DropFilter

#: bytes read at a time while hashing (large renders must not be read into memory at once)
_HASH_BLOCK = 1024 * 1024


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a regular file's content (:class:`NotRegularFile` for a pipe or device)."""
    digest = hashlib.sha256()
    with open_regular(path) as fh:
        while block := fh.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class DropRule:
    """A watch rule as configured: which files it takes and where they go afterwards.

    Immutable once the daemon is built; what changes while the daemon runs (files settling, files
    in flight, the next rescan) lives in :class:`~wwiseflowd.daemon.rule_state.RuleState`, owned
    by the pump thread.
    """

    config: WatchConfig
    id: str
    filter: DropFilter
    processed_root: Path
    failed_root: Path

    @classmethod
    def from_config(cls, config: WatchConfig) -> DropRule:
        """Build the run-time rule; ``processed_dir``/``failed_dir`` are relative to the folder."""
        folder = config.folder.absolute()
        processed = folder / config.processed_dir
        failed = folder / config.failed_dir
        return cls(
            config=config,
            id=config.name or str(folder),
            filter=DropFilter(
                folder, config.patterns, recursive=config.recursive, excluded=[processed, failed]
            ),
            processed_root=processed,
            failed_root=failed,
        )

    @property
    def folder(self) -> Path:
        """The drop folder (absolute)."""
        return self.filter.root

    def relative(self, path: Path) -> str:
        """``path`` relative to the drop folder, POSIX style (the journal key)."""
        rel = self.filter.relative_str(str(path))
        return rel if rel is not None else path.name

    # -- the workflow's inputs -------------------------------------------------------------------

    def workflow_inputs(self, files: list[DropRecord], *, declared: dict[str, Any] | None) -> dict[str, Any]:
        """``$input:files`` and the rule's options, limited to what the workflow declares. No
        ``chunkSize``: the import's calls are sized by time (``[wwise] import_call_budget_s``)."""
        c = self.config
        entries = [
            {
                "path": f.path,
                "relativeDir": _rel_dir(f.rel_path) if c.mirror_subfolders else "",
                "sha256": f.sha256,
            }
            for f in files
        ]
        inputs: dict[str, Any] = {
            "files": entries,
            "targetPath": c.target,
            "onNameConflict": c.on_name_conflict,
            "originalsSubfolder": c.originals_subfolder,
            "language": c.language,
            "variationPattern": c.variation_pattern,
            "mirrorSubfolders": c.mirror_subfolders,
            "outputBus": c.output_bus,
            "properties": dict(c.properties),
            "createEvents": c.create_events,
            "eventTarget": c.event_target,
            "provenanceNotes": c.provenance_notes,
            "save": c.save_after_batch,
        }
        # None means "not set": leave it to the workflow's declared default
        inputs = {k: v for k, v in inputs.items() if v is not None}
        if declared is not None:
            inputs = {k: v for k, v in inputs.items() if k in declared}
        return inputs

    # -- after the run ---------------------------------------------------------------------------

    def after_success(self, record: DropRecord, reports: ErrorReports | None = None) -> str | None:
        """Move, delete or leave an imported file; returns a note on where it went. ``reports``:
        the ``.error.json`` files known to exist (a batch lists each folder once instead of trying
        to delete two reports per file)."""
        source = Path(record.path)
        try:
            st = source.stat()
        except OSError:
            return None  # gone (or unreadable): nothing to move
        if _changed(st, record):
            return REPLACED_NOTE
        action = self.config.on_success
        self._forget_failure(record, reports)
        try:
            if action == "delete":
                source.unlink()
                self._prune_empty_dirs(source.parent)
                return "deleted after import"
            if action == "move":
                dest = _free_destination(self.processed_root / record.rel_path, record.sha256)
                _move(source, dest)
                if _rewritten_while_moved(source, dest, record):
                    _move(dest, source)  # back into the drop folder: handled as a new drop
                    return REPLACED_NOTE
                self._prune_empty_dirs(source.parent)
                return f"moved to {dest}"
        except OSError as exc:
            logger.warning("Could not {} {} after import: {}", action, source, exc)
            return f"could not {action} it: {exc.strerror or exc}"
        return None

    def _forget_failure(self, record: DropRecord, reports: ErrorReports | None = None) -> None:
        """An earlier failure of this file was fixed: its ``.error.json`` would now say something false."""
        for stale in (Path(record.path), self.failed_root / record.rel_path):
            report = stale.with_name(stale.name + ".error.json")
            if reports is None or report in reports:
                try:
                    report.unlink(missing_ok=True)
                except OSError as exc:  # the import stands; a stale report must not keep the file here
                    logger.warning("Could not remove the old failure report {}: {}", report, exc)

    def _prune_empty_dirs(self, folder: Path) -> None:
        """Remove sub-folders of the drop folder that moving files out of left empty (never the
        drop folder itself; a folder something was just written into is not empty and stays)."""
        root = self.folder
        while folder != root and folder.is_relative_to(root):
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    def after_failure(
        self, record: DropRecord, *, code: str, reason: str, execution_id: str | None
    ) -> str | None:
        """Move a failed file to ``failed/`` (or leave it) with ``<name>.error.json`` saying why."""
        source = Path(record.path)
        report = {
            "file": Path(record.rel_path).name,
            "relPath": record.rel_path,
            "code": code,
            "reason": reason.replace(record.path, record.rel_path),  # the file is about to move away
            "time": _now_iso(),
            "executionId": execution_id,
            "rule": self.id,
            "sha256": record.sha256,
        }
        if source.exists() and replaced_since(source, record):
            return REPLACED_NOTE
        try:
            if self.config.on_failure == "move" and source.exists():
                dest = _free_destination(self.failed_root / record.rel_path, None)
                _move(source, dest)
                self._prune_empty_dirs(source.parent)
            else:
                dest = source
            write_text_atomic(dest.with_name(dest.name + ".error.json"), json.dumps(report, indent=2))
        except OSError as exc:
            logger.warning("Could not record the failure of {}: {}", source, exc)
            return f"could not move it to {self.failed_root}: {exc.strerror or exc}"
        return f"failed: {dest}"


#: what the journal notes when a handled file was overwritten before it could be moved away
REPLACED_NOTE = "left in place: a newer file was written over it meanwhile (handled as a new drop)"


def replaced_since(source: Path, record: DropRecord) -> bool:
    """True when a file exists at ``source`` but is no longer the one the journal handled (size or
    mtime changed): a designer re-rendered it while its batch ran, so it must not be moved or deleted."""
    if record.size is None or record.mtime_ns is None:
        return False
    try:
        st = source.stat()
    except OSError:
        return False
    return _changed(st, record)


def _rewritten_while_moved(source: Path, dest: Path, record: DropRecord) -> bool:
    """True when a render wrote over the file in the instant it was moved (the stat before the move
    matched; a hard link shares the writes): the moved file is not the one imported, and nothing
    new stands at ``source`` to take its place."""
    try:
        return _changed(dest.stat(), record) and not source.exists()
    except OSError:
        return False


def _changed(st: os.stat_result, record: DropRecord) -> bool:
    if record.size is None or record.mtime_ns is None:
        return False
    return (st.st_size, st.st_mtime_ns) != (record.size, record.mtime_ns)


class ErrorReports:
    """The ``.error.json`` files of some folders, each folder listed once when first asked about.

    Only the daemon's worker writes reports, so a listing taken while it settles a batch stays true
    for that batch (a report it writes meanwhile is for a failed file, never asked about again).
    """

    def __init__(self) -> None:
        self._names: dict[Path, set[str]] = {}

    def __contains__(self, report: object) -> bool:
        if not isinstance(report, Path):
            return False
        folder = report.parent
        names = self._names.get(folder)
        if names is None:
            try:
                with os.scandir(folder) as entries:
                    names = {e.name for e in entries if e.name.endswith(".error.json")}
            except OSError:
                names = set()  # no such folder (no failed/ yet): no report in it
            self._names[folder] = names
        return report.name in names


def _rel_dir(rel_path: str) -> str:
    parent = PurePosixPath(rel_path).parent.as_posix()
    return "" if parent == "." else parent


def _free_destination(dest: Path, sha256: str | None) -> Path:
    """``dest``, or ``name (2).wav`` ... when another file is already there (same content: reuse it)."""
    if not dest.exists():
        return dest
    if sha256 is not None:
        try:
            if sha256_file(dest) == sha256:
                return dest
        except OSError:
            pass
    for n in range(2, 10_000):
        candidate = dest.with_name(f"{dest.stem} ({n}){dest.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(f"too many files named like {dest}")


def _move(source: Path, dest: Path) -> None:
    """Move ``source`` to ``dest`` as link + unlink where the filesystem allows it.

    A rename inside a watched tree is an inotify IN_MOVED_FROM, and watchdog holds every event
    behind an unpaired one for 0.5 s (a new ``processed/`` is not watched yet when the first file
    lands in it), which would delay the next drop's events; a link and an unlink are not moves.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists() and os.path.samefile(source, dest):
        source.unlink()  # a move interrupted between its link and its unlink: finish it
        return
    try:
        os.link(source, dest)
    except OSError:
        pass  # another filesystem, FAT, or dest exists: a plain move below
    else:
        try:
            source.unlink()
        except OSError:
            dest.unlink(missing_ok=True)  # e.g. still open on Windows: leave the file where it was
            raise
        return
    try:
        os.replace(source, dest)
    except OSError:
        shutil.move(str(source), str(dest))  # another filesystem (e.g. processed/ on a share)
