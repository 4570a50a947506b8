"""The Wwise backend: the only code in wwiseflowd that talks WAAPI, as typed operations.

Callers (the bus commands) use :class:`WaapiAdapter`'s operations (``create_object``,
``import_audio``, ...), which return a :class:`~wwiseflowd.results.Result` and never raise. The
adapter is built in layers, each using only the ones below it:

* :mod:`.link` (:class:`~.link.WaapiLink`): the locked connection: reconnect and back-off, version,
  undo groups, error mapping (:mod:`.errors`) and call statistics;
* :mod:`.reads` (:class:`~.reads.ObjectReads`): references, objects, WAQL, descendants;
* :mod:`.writes` (:class:`~.writes.ObjectWrites`): create, delete, set, route, events, save;
* this module: importing audio, checked before and verified after.

Every WAAPI URI lives in :mod:`.uris`; the data crossing the boundary in :mod:`.models`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path, PureWindowsPath
from typing import TYPE_CHECKING, Any

from wwiseflowd.default_plugins.wwise.models import (
    ImportItem,
    ImportMode,
    ImportOutcome,
    ObjectInfo,
    name_problem,
    wwise_name,
)
from wwiseflowd.default_plugins.wwise.sizing import ImportSizer
from wwiseflowd.default_plugins.wwise.uris import AUDIO_IMPORT, OBJECT_FIELDS
from wwiseflowd.default_plugins.wwise.wav import WavError, inspect_wav
from wwiseflowd.default_plugins.wwise.writes import ObjectWrites
from wwiseflowd.results import ErrorCode, Result

if TYPE_CHECKING:
    from wwiseflowd.config import Settings

_IMPORT_ERROR_SEVERITIES = {"error", "fatal error"}
#: a failed ``audio.import`` that says nothing about single files: the import is over
_CALL_LEVEL = (ErrorCode.WAAPI_UNAVAILABLE, ErrorCode.WAAPI_TIMEOUT, ErrorCode.WWISE_LOCKED)


class WaapiAdapter(ObjectWrites):
    """The Wwise backend: one locked WAAPI connection and the operations built on it.

    Thread-safe; every public method returns a Result (or plain data for introspection) and never
    raises. Also implements the runner's transaction protocol (``identity``, ``begin_group``,
    ``end_group``, ``cancel_group``).
    """

    @classmethod
    def from_settings(cls, settings: Settings) -> WaapiAdapter:
        """An adapter configured from ``[wwise]``."""
        wwise = settings.wwise
        return cls(
            wwise.url,
            connect_timeout=wwise.connect_timeout,
            call_timeout=wwise.call_timeout,
            reconnect_max_delay=wwise.reconnect_max_delay,
            import_chunk_size=wwise.import_chunk_size,
            import_call_budget_s=wwise.import_call_budget_s,
            compensation_wait_s=max(2 * wwise.connect_timeout, 2.0),
        )

    def identity(self) -> str:
        """``wwise:<project id or path>@<url>``: part of every idempotency key."""
        if not self._info.project_id and not self._info.project_path:
            self.connect()
        project = self._info.project_id or self._info.project_path or "unconnected"
        return f"wwise:{project}@{self.url}"

    def import_audio(
        self,
        items: Sequence[ImportItem],
        *,
        mode: ImportMode = "useExisting",
        verify_root: str | None = None,
        chunk_size: int | None = None,
    ) -> Result:
        """Import WAV files as Sounds, checked before and verified after; data: per-file outcomes.

        Pre-flight (no WAAPI call): each file must be a complete RIFF/WAVE; failures are reported
        per file and the rest is imported. The files go in several ``audio.import`` calls, sized by
        time (:mod:`.sizing`: the first has ``import_chunk_size`` files, the next ones as many as
        fit in ``import_call_budget_s``), or all of ``chunk_size`` files when it is given. Wwise's
        import does not raise for a rejected file, so its ``log`` is read and the Sounds under
        ``verify_root`` are read back: a file without a Sound holding an audio source named after
        it failed with IMPORT_FAILED. A re-imported Sound keeps one audio source: sources left
        beside the new one are deleted.

        ``data = {"outcomes": [ImportOutcome...], "sounds": [ObjectInfo + file...], "containers":
        [ObjectInfo...]}`` (containers: Random Containers under the verified root). The Result fails
        only for connection-level errors (nothing per file is known then).
        """
        outcomes, ready, audio_bytes = _preflight(items)
        rejected: dict[int, str] = {}
        unattributed: dict[int, str] = {}  # errors Wwise logged without naming the file
        sizer = self.import_sizer(chunk_size)
        generation: int | None = None  # the session the first chunk was imported in
        start = 0
        while start < len(ready):
            count = sizer.next_count(audio_bytes[start : start + sizer.size])
            chunk = ready[start : start + count]
            began = time.perf_counter()
            failed = self._import_chunk(items, chunk, mode, rejected, unattributed)
            if failed is not None:
                return failed
            sizer.took(len(chunk), time.perf_counter() - began, sum(audio_bytes[start : start + count]))
            start += len(chunk)
            generation = self._generation if generation is None else generation
        verified = self._verify_import(items, ready, rejected, unattributed, verify_root)
        if not verified.ok:
            return verified
        if generation is not None and generation != self._generation:
            return Result.failure(  # read back from another session: not a verdict on these files
                ErrorCode.WAAPI_UNAVAILABLE,
                "The connection to Wwise dropped during the import (Wwise may have restarted), so the "
                "read-back cannot tell which files arrived; try again: files already in the project are "
                "recognised by their provenance notes.",
            )
        outcomes.update(verified.data["outcomes"])
        return Result.success(
            {
                "outcomes": [outcomes[i].model_dump() for i in range(len(items))],
                "sounds": verified.data["sounds"],
                "containers": verified.data["containers"],
            }
        )

    def import_sizer(self, chunk_size: int | None = None) -> ImportSizer:
        """The sizes of one import's calls: pinned to ``chunk_size`` when given, else by time."""
        if chunk_size:
            return ImportSizer(chunk_size)
        return ImportSizer(self.import_chunk_size, self.import_call_budget_s)

    def _import_chunk(
        self,
        items: Sequence[ImportItem],
        chunk: list[int],
        mode: ImportMode,
        rejected: dict[int, str],
        unattributed: dict[int, str],
    ) -> Result | None:
        """One ``audio.import`` of the items at ``chunk``; files Wwise refused go into ``rejected``
        (or ``unattributed``); a call-level failure is returned (the import is over), else None."""
        while chunk:
            result = self._call(
                AUDIO_IMPORT,
                {"importOperation": mode, "imports": [_import_entry(items[i]) for i in chunk]},
                {"return": list(OBJECT_FIELDS)},
            )
            if result.ok:
                by_index, general = _log_errors(result.data.get("log") or [], chunk)
                rejected.update(by_index)
                unattributed.update(dict.fromkeys(chunk, "; ".join(general)) if general else {})
                return None
            if result.code in _CALL_LEVEL:
                return result
            # before 2023.1 one rejected file fails the whole call, its log in the error's details:
            # note the rejected files and import the rest again (at most once per rejected file)
            log = ((result.data or {}).get("details") or {}).get("log") or []
            by_index, _general = _log_errors(log, chunk)
            if not by_index:
                rejected.update(dict.fromkeys(chunk, result.error or "the import call failed"))
                return None
            rejected.update(by_index)
            chunk = [i for i in chunk if i not in by_index]
        return None

    def _verify_import(
        self,
        items: Sequence[ImportItem],
        ready: list[int],
        rejected: dict[int, str],
        unattributed: dict[int, str],
        verify_root: str | None,
    ) -> Result:
        """Read the Sounds back; decide per file; delete sources a re-import left beside the new one."""
        outcomes: dict[int, ImportOutcome] = {}
        if not ready:
            return Result.success({"outcomes": outcomes, "sounds": [], "containers": []})
        root = verify_root or _common_root([items[i].sound_path for i in ready])
        listed = self._read_back(items, ready, root)
        if not listed.ok:
            return listed
        wanted = {items[i].sound_path.lower() for i in ready}
        # the folders may hold more than this batch: keep only its Sounds and their sources
        rows = [ObjectInfo.model_validate(row) for row in listed.data if _read_back_row(row, wanted)]
        sounds = {r.path.lower(): r for r in rows if r.type == "Sound"}
        sources: dict[str, list[ObjectInfo]] = {}
        for row in rows:
            if row.type == "AudioFileSource":
                sources.setdefault(row.path.rsplit("\\", 1)[0].lower(), []).append(row)
        stale: list[ObjectInfo] = []
        imported: list[dict[str, Any]] = []
        for index in ready:
            item = items[index]
            stem = wwise_name(_stem(item.file)).lower()
            sound = sounds.get(item.sound_path.lower())
            own = [s for s in sources.get(item.sound_path.lower(), []) if s.name.lower() == stem]
            if index in rejected or sound is None or not own:
                reason = (
                    rejected.get(index)
                    or unattributed.get(index)
                    or "Wwise reported no error but created no audio source for it"
                )
                outcomes[index] = ImportOutcome.failed(
                    item.file, ErrorCode.IMPORT_FAILED, f"Wwise did not import {item.file}: {reason}."
                )
                continue
            stale.extend(s for s in sources.get(item.sound_path.lower(), []) if s.name.lower() != stem)
            outcomes[index] = ImportOutcome(file=item.file, ok=True, objectId=sound.id, objectPath=sound.path)
            imported.append({**sound.model_dump(), "file": item.file})
        for source in stale:  # a re-import must replace audio, never leave a second source beside it
            removed = self.delete_object(source.id)
            if not removed.ok:
                return Result.failure(
                    removed.code or ErrorCode.WAAPI_ERROR,
                    f"Re-import left the old source {source.path} and removing it failed: {removed.error}",
                )
        containers = [r.model_dump() for r in rows if r.type == "RandomSequenceContainer"]
        return Result.success({"outcomes": outcomes, "sounds": imported, "containers": containers})

    def _read_back(self, items: Sequence[ImportItem], ready: list[int], root: str) -> Result:
        """The Sounds, audio sources and Random Containers the read-back decides on: the descendants
        of the folders the files went into, in one call (not the target's whole subtree: a drop of 5
        files into a target holding 20,000 Sounds reads their folders, not 40,000 objects); those of
        ``root`` when one of the folders is missing (nothing of it was imported). A file imported
        onto an existing Sound (``root`` is that Sound) reads that Sound and its sources only, not
        the folder of its siblings."""
        types = ["Sound", "AudioFileSource", "RandomSequenceContainer"]
        onto_sound = any(items[i].sound_path.lower() == root.lower() for i in ready)
        if not onto_sound:
            folders = _outermost(["\\".join([items[i].parent_path, *items[i].folders]) for i in ready])
            listed = self.descendants_of(folders, types)
            if listed.ok or listed.code != ErrorCode.OBJECT_NOT_FOUND:
                return listed
        listed = self.descendants(root, types)
        if not listed.ok or not onto_sound:
            return listed
        found = self.get_object(root)  # the Sound itself is not among its descendants
        return Result.success([*listed.data, found.data]) if found.ok else listed


def _preflight(items: Sequence[ImportItem]) -> tuple[dict[int, ImportOutcome], list[int], list[int]]:
    """Check every file (a complete RIFF/WAVE) and target name without a WAAPI call; the outcomes
    of the files refused (by index), the indexes of those ready to import and the bytes of audio
    each of those holds (what sizes the import calls)."""
    outcomes: dict[int, ImportOutcome] = {}
    ready: list[int] = []
    audio_bytes: list[int] = []
    for index, item in enumerate(items):
        try:
            info = inspect_wav(item.file)
        except WavError as exc:
            outcomes[index] = ImportOutcome.failed(item.file, exc.code, exc.message)
            continue
        bad = name_problem(item.sound_name) or next(
            (name_problem(f) for f in [*item.folders, item.container or "x"] if name_problem(f)), None
        )
        if bad:
            outcomes[index] = ImportOutcome.failed(
                item.file, ErrorCode.INVALID_INPUT, f"Cannot import {item.file}: a target name {bad}."
            )
            continue
        ready.append(index)
        audio_bytes.append(info.data_bytes)
    return outcomes, ready, audio_bytes


def _import_entry(item: ImportItem) -> dict[str, Any]:
    """One ``audio.import`` entry: WAAPI's spelling of where the Sound goes."""
    voice = item.language.upper() != "SFX"
    segments = [item.parent_path.rstrip("\\"), *item.folders]
    if item.container:
        segments.append(f"<Random Container>{item.container}")
    segments.append(f"<Sound {'Voice' if voice else 'SFX'}>{item.sound_name}")
    entry: dict[str, Any] = {
        "audioFile": item.file,
        "objectPath": "\\".join(segments),
        "importLanguage": item.language if voice else "SFX",
    }
    if item.originals_subfolder:
        entry["originalsSubFolder"] = item.originals_subfolder
    if item.notes:
        entry["notes"] = item.notes
    return entry


@lru_cache(maxsize=16_384)
def _stem(file: str) -> str:
    path = PureWindowsPath(file) if "\\" in file else Path(file)
    return path.stem


def _read_back_row(row: Mapping[str, Any], wanted: set[str]) -> bool:
    """A read-back row that can decide a file of the batch: its Sound, that Sound's sources, and
    Random Containers (returned to the caller)."""
    path = str(row.get("path", "")).lower()
    if row.get("type") == "Sound":
        return path in wanted
    if row.get("type") == "AudioFileSource":
        return path.rsplit("\\", 1)[0] in wanted
    return True


def _outermost(paths: Sequence[str]) -> list[str]:
    """The distinct ``paths`` (case-insensitive), leaving out any that lies under another."""
    distinct = {p.lower(): p for p in paths}
    kept: list[str] = []
    for key, path in distinct.items():
        parts = key.split("\\")
        if not any("\\".join(parts[:n]) in distinct for n in range(2, len(parts))):
            kept.append(path)
    return kept


def _common_root(paths: Sequence[str]) -> str:
    split = [p.split("\\") for p in paths]
    common: list[str] = []
    for parts in zip(*split, strict=False):
        if all(part.lower() == parts[0].lower() for part in parts):
            common.append(parts[0])
        else:
            break
    if len(common) >= len(split[0]):  # one path: verify under its parent
        common = common[:-1]
    return "\\".join(common) or "\\"


def _log_errors(log: Sequence[Mapping[str, Any]], chunk: list[int]) -> tuple[dict[int, str], list[str]]:
    """An import log's errors: by item index (``index`` is relative to the chunk), and unattributed."""
    errors: dict[int, str] = {}
    general: list[str] = []
    for entry in log:
        if str(entry.get("severity", "")).lower() not in _IMPORT_ERROR_SEVERITIES:
            continue
        message = str(entry.get("message", "")).strip().rstrip(".") or "rejected by Wwise"
        position = entry.get("index")
        if isinstance(position, int) and 0 <= position < len(chunk):
            errors[chunk[position]] = message
        else:
            general.append(message)
    return errors, general
