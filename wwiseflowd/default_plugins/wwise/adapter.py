"""The locked WAAPI adapter: the only code in wwiseflowd that talks WAAPI.

Every WAAPI URI, argument shape and error URI lives in this module. Callers (the bus commands)
use typed operations (:meth:`WaapiAdapter.create_object`, :meth:`WaapiAdapter.import_audio`, ...)
that return a :class:`~wwiseflowd.results.Result` and never raise.

Behaviour, in the order a call meets it:

* **Lock.** One call at a time per adapter (WAAPI undo groups and waapi-client's single request
  queue belong to the connection, so interleaving callers would only queue anyway).
* **Connection.** A :class:`~.connection.Session` owned by its own thread; the constructor and
  every call have deadlines (``[wwise] connect_timeout`` / ``call_timeout``).
* **Reconnect.** A dropped session is replaced on the next call; failed attempts back off
  exponentially (0.5 s, 1 s, 2 s, ... up to ``[wwise] reconnect_max_delay``) and calls inside the
  back-off window fail at once with WAAPI_UNAVAILABLE instead of piling up.
* **Version.** ``getInfo``/``getProjectInfo`` are read at connect; the 2025.1 renames are applied by
  :class:`~.naming.Naming` on the way out and undone on the way back.
* **Errors.** WAMP error URIs become :class:`~wwiseflowd.results.ErrorCode` values (:data:`ERROR_CODES`)
  with a sentence a sound designer can act on.
* **Statistics.** Count, errors and total milliseconds per URI (:meth:`WaapiAdapter.stats`).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import TYPE_CHECKING, Any, Literal

from loguru import logger
from pydantic import BaseModel, Field

from wwiseflowd.config import DEFAULT_WAAPI_URL
from wwiseflowd.default_plugins.wwise.connection import (
    CallFailed,
    CallTimeout,
    Session,
    Unavailable,
)
from wwiseflowd.default_plugins.wwise.naming import Naming
from wwiseflowd.default_plugins.wwise.wav import WavError, inspect_wav
from wwiseflowd.results import ErrorCode, Result

if TYPE_CHECKING:
    from wwiseflowd.config import Settings
    from wwiseflowd.default_plugins.wwise.compensation import ChangeLog

# -- WAAPI functions used by wwiseflowd ------------------------------------------------------------

GET_INFO = "ak.wwise.core.getInfo"
GET_PROJECT_INFO = "ak.wwise.core.getProjectInfo"
OBJECT_GET = "ak.wwise.core.object.get"
OBJECT_CREATE = "ak.wwise.core.object.create"
OBJECT_SET = "ak.wwise.core.object.set"
OBJECT_DELETE = "ak.wwise.core.object.delete"
SET_PROPERTY = "ak.wwise.core.object.setProperty"
SET_REFERENCE = "ak.wwise.core.object.setReference"
SET_NOTES = "ak.wwise.core.object.setNotes"
AUDIO_IMPORT = "ak.wwise.core.audio.import"
PROJECT_SAVE = "ak.wwise.core.project.save"
UNDO_BEGIN = "ak.wwise.core.undo.beginGroup"
UNDO_END = "ak.wwise.core.undo.endGroup"
UNDO_CANCEL = "ak.wwise.core.undo.cancelGroup"

#: calls that change nothing: safe to repeat on a fresh session after a drop
READ_ONLY_URIS = frozenset({GET_INFO, GET_PROJECT_INFO, OBJECT_GET, "ak.wwise.core.ping"})
_UNDO_URIS = frozenset({UNDO_BEGIN, UNDO_END, UNDO_CANCEL})

#: the accessors every object-returning operation asks for
OBJECT_FIELDS = ("id", "name", "path", "type")

#: WAMP error URI -> ErrorCode. ``invalid_arguments`` and ``query.invalid_query`` are refined by their
#: message (name clash -> NAME_CONFLICT, unknown object -> OBJECT_NOT_FOUND), see :func:`error_code`.
ERROR_CODES: dict[str, ErrorCode] = {
    "ak.wwise.locked": ErrorCode.WWISE_LOCKED,
    "ak.wwise.unavailable": ErrorCode.WAAPI_UNAVAILABLE,
    "ak.wwise.connection_failed": ErrorCode.WAAPI_UNAVAILABLE,
    "ak.wwise.invalid_object": ErrorCode.OBJECT_NOT_FOUND,
    "ak.wwise.query.unknown_object": ErrorCode.OBJECT_NOT_FOUND,
    "ak.wwise.invalid_arguments": ErrorCode.INVALID_INPUT,
    "ak.wwise.query.invalid_query": ErrorCode.INVALID_INPUT,
    "ak.wwise.invalid_options": ErrorCode.INVALID_INPUT,
    "ak.wwise.invalid_json": ErrorCode.INVALID_INPUT,
    "ak.wwise.invalid_property": ErrorCode.INVALID_INPUT,
    "ak.wwise.invalid_reference": ErrorCode.INVALID_INPUT,
    "ak.wwise.invalid_type": ErrorCode.INVALID_INPUT,
    "ak.wwise.unknown_class_id": ErrorCode.INVALID_INPUT,
    "ak.wwise.invalid_language": ErrorCode.INVALID_INPUT,
    "ak.wwise.unknown_language": ErrorCode.INVALID_INPUT,
    "ak.wwise.unknown_platform": ErrorCode.INVALID_INPUT,
    "ak.wwise.schema_validation_failed": ErrorCode.INVALID_INPUT,
    "ak.wwise.file_error": ErrorCode.WAAPI_ERROR,
    "ak.wwise.invalid_procedure_uri": ErrorCode.WAAPI_ERROR,
    "wamp.error.no_such_procedure": ErrorCode.WAAPI_ERROR,
    "ak.wwise.unexpected_error": ErrorCode.WAAPI_ERROR,
}

_GUID = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")
#: characters Wwise refuses in object names (Wwise Help; the emulator enforces the same set)
INVALID_NAME_CHARS = frozenset(':<>%*?"/|.\\')


def wwise_name(text: str) -> str:
    """``text`` made acceptable as a Wwise object name (refused characters become ``_``)."""
    cleaned = "".join("_" if ch in INVALID_NAME_CHARS else ch for ch in text).strip()
    return cleaned or "_"

_IMPORT_ERROR_SEVERITIES = {"error", "fatal error"}


def error_code(uri: str, kwargs: Mapping[str, Any]) -> ErrorCode:
    """The ErrorCode for a WAMP error ``uri`` with its ``kwargs`` (``message``, ``details``)."""
    message = str(kwargs.get("message") or "").lower()
    raw_details = kwargs.get("details")
    details: dict[str, Any] = raw_details if isinstance(raw_details, dict) else {}
    if uri.startswith("wamp.close.") or uri == "wamp.error.canceled":
        return ErrorCode.WAAPI_UNAVAILABLE  # the session ended under a pending call
    if uri in ("ak.wwise.invalid_arguments", "ak.wwise.query.invalid_query", "ak.wwise.invalid_reference"):
        if details.get("typeUri") == "ak.wwise.schema_validation_failed":
            return ErrorCode.INVALID_INPUT
        if "same name" in message or "already exists" in message or "name conflict" in message:
            return ErrorCode.NAME_CONFLICT
        if "not found" in message or ("is unknown" in message and "argument" not in message):
            return ErrorCode.OBJECT_NOT_FOUND
    return ERROR_CODES.get(uri, ErrorCode.WAAPI_ERROR)


# -- data crossing the adapter boundary ------------------------------------------------------------


class ObjectInfo(BaseModel):
    """One Wwise object as wwiseflowd reports it (classic root names, see :mod:`.naming`)."""

    id: str
    name: str
    path: str = ""
    type: str = ""


class ImportItem(BaseModel):
    """One file to import: where the Sound goes, described structurally (the adapter spells it).

    The Sound ends up at ``parent_path\\folders...\\[container\\]sound_name``; missing folders are
    created as Virtual Folders, ``container`` as a Random Container.
    """

    file: str
    parent_path: str
    folders: list[str] = Field(default_factory=list)
    container: str | None = None
    sound_name: str
    language: str = "SFX"
    originals_subfolder: str | None = None
    notes: str | None = None

    @property
    def sound_path(self) -> str:
        """The absolute path the Sound will have."""
        parts = [self.parent_path.rstrip("\\"), *self.folders]
        if self.container:
            parts.append(self.container)
        parts.append(self.sound_name)
        return "\\".join(parts)


class ImportOutcome(BaseModel):
    """What happened to one file of an import."""

    file: str
    ok: bool
    objectId: str | None = None
    objectPath: str | None = None
    code: str | None = None
    error: str | None = None

    @classmethod
    def failed(cls, file: str, code: str, error: str) -> ImportOutcome:
        """A file that was not imported, with its code and sentence."""
        return cls(file=file, ok=False, code=code, error=error)


ImportMode = Literal["useExisting", "createNew"]


class ConnectionInfo(BaseModel):
    """What the adapter learnt about the Wwise it is connected to."""

    url: str
    version: str = ""
    year: int = 0
    major: int = 0
    project_name: str = ""
    project_path: str = ""
    project_id: str = ""


@dataclass
class _Stat:
    count: int = 0
    errors: int = 0
    total_ms: float = 0.0


# -- the adapter -------------------------------------------------------------------------------------


class WaapiAdapter:
    """The Wwise backend: one locked WAAPI connection and the operations built on it.

    Thread-safe; every public method returns a Result (or plain data for introspection) and never
    raises. Also implements the runner's transaction protocol (``identity``, ``begin_group``,
    ``end_group``, ``cancel_group``).
    """

    def __init__(
        self,
        url: str = DEFAULT_WAAPI_URL,
        *,
        connect_timeout: float = 5.0,
        call_timeout: float = 60.0,
        reconnect_max_delay: float = 30.0,
        import_chunk_size: int = 100,
        compensation_wait_s: float = 10.0,
    ) -> None:
        self.url = url
        self.connect_timeout = connect_timeout
        self.call_timeout = call_timeout
        self.reconnect_max_delay = reconnect_max_delay
        self.import_chunk_size = import_chunk_size
        #: how long undoing a run by compensation waits for Wwise to come back after a lost connection
        self.compensation_wait_s = compensation_wait_s
        self._lock = threading.RLock()
        self._session: Session | None = None
        self._info = ConnectionInfo(url=url)
        self._naming = Naming(modern=False)
        self._stats: dict[str, _Stat] = {}
        self._stats_lock = threading.Lock()
        self._backoff = 0.0
        self._next_attempt = 0.0
        self._last_error: str | None = None
        self._group_depth = 0
        self._group_lost = False
        #: counts the sessions opened; a change between two calls means Wwise may have restarted
        self._generation = 0
        #: what the open undo group changed, for compensation when the group itself is lost
        self._changes: ChangeLog | None = None

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
            compensation_wait_s=max(2 * wwise.connect_timeout, 2.0),
        )

    # -- connection ----------------------------------------------------------------------------

    def connect(self) -> Result:
        """Connect now (instead of on the first call); data: :class:`ConnectionInfo` as a dict."""
        with self._locked() as acquired:
            if not acquired:
                return self._busy("connect")
            try:
                self._ensure_session()
            except Unavailable as exc:
                return self._unavailable(exc)
            return Result.success(self._info.model_dump())

    def close(self) -> None:
        """Leave the WAAPI session; a later call reconnects. Never waits long for a running call."""
        if not self._lock.acquire(timeout=2.0):
            session = self._session
            if session is not None:
                session.abandon()  # the running call ends with WAAPI_UNAVAILABLE, then frees the lock
            return
        try:
            session, self._session = self._session, None
            if session is not None:
                session.close(timeout=min(self.connect_timeout, 2.0))
        finally:
            self._lock.release()

    @property
    def connected(self) -> bool:
        """True while a WAAPI session is open."""
        session = self._session
        return session is not None and session.alive

    @property
    def info(self) -> ConnectionInfo:
        """Version and project of the last connection."""
        return self._info

    @property
    def naming(self) -> Naming:
        """The root/type spelling of the connected Wwise version."""
        return self._naming

    def health(self) -> dict[str, Any]:
        """Connection state for ``/health`` (never connects, never blocks on the network)."""
        return {
            "connected": self.connected,
            "url": self.url,
            "version": self._info.version or None,
            "project": self._info.project_path or None,
            "lastError": self._last_error,
        }

    def stats(self) -> dict[str, dict[str, Any]]:
        """Per WAAPI URI: ``{"count", "errors", "total_ms"}`` since the adapter was created."""
        with self._stats_lock:
            return {
                uri: {"count": s.count, "errors": s.errors, "total_ms": round(s.total_ms, 3)}
                for uri, s in sorted(self._stats.items())
            }

    def identity(self) -> str:
        """``wwise:<project id or path>@<url>``: part of every idempotency key."""
        if not self._info.project_id and not self._info.project_path:
            self.connect()
        project = self._info.project_id or self._info.project_path or "unconnected"
        return f"wwise:{project}@{self.url}"

    # -- the runner's transaction protocol --------------------------------------------------------

    def begin_group(self) -> Result:
        """Open a WAAPI undo group: everything until :meth:`end_group` undoes as one step."""
        with self._lock:
            if self._group_lost:  # runs take turns, so a new group means the broken run is over
                self._group_lost = False
                self._group_depth = 0
        result = self._call(UNDO_BEGIN, {})
        if result.ok:
            with self._lock:
                from wwiseflowd.default_plugins.wwise.compensation import ChangeLog  # imports our URIs

                self._group_depth += 1
                self._changes = ChangeLog()
        return result

    def end_group(self, name: str) -> Result:
        """Close the open undo group under ``name`` (shown in Wwise's Edit menu)."""
        with self._lock:
            self._changes = None
        return self._close_group(UNDO_END, {"displayName": name})

    def cancel_group(self, undo: bool = True) -> Result:
        """Cancel the open undo group; with ``undo`` its changes are reverted in Wwise.

        When the connection dropped while the group was open, Wwise kept the changes: the adapter
        reconnects and undoes them by compensation (see :mod:`.compensation`); the Result is a
        success only when the project reads back as before.
        """
        with self._lock:
            changes, self._changes = self._changes, None
            if undo and changes is not None and self._group_lost:
                return self._compensate(changes)
            result = self._close_group(UNDO_CANCEL, {"undo": undo})
            if undo and changes is not None and result.code == ErrorCode.WAAPI_UNAVAILABLE:
                return self._compensate(changes)
            return result

    def _compensate(self, changes: ChangeLog) -> Result:
        """Reconnect (waiting up to ``compensation_wait_s``) and undo ``changes`` by hand."""
        self._group_lost, self._group_depth = False, 0
        deadline = time.monotonic() + self.compensation_wait_s
        while True:
            self._next_attempt = 0.0  # no back-off: the project is in a half-changed state
            try:
                self._ensure_session()
                break
            except Unavailable as exc:
                if time.monotonic() >= deadline:
                    return Result.failure(
                        ErrorCode.WAAPI_UNAVAILABLE,
                        f"The connection to Wwise dropped during the run and Wwise kept its changes; "
                        f"it could not be reached again to undo them ({exc}). Check the project in "
                        f"Wwise before running again.",
                    )
                time.sleep(0.2)
        report = changes.compensate(self._call_locked)
        logger.warning(
            "Undid a run by compensation after a lost connection: {} object(s) deleted, {} value(s) "
            "restored, {} problem(s)", len(report.deleted), report.restored, len(report.problems)
        )
        if report.ok:
            return Result.success(
                {"compensated": True, "deleted": report.deleted, "restored": report.restored}
            )
        return Result.failure(
            ErrorCode.WAAPI_UNAVAILABLE,
            "The connection to Wwise dropped during the run and Wwise kept its changes; undoing them "
            "by hand left these as they are: " + "; ".join(report.problems) + ". Check them in Wwise.",
        )

    def _close_group(self, uri: str, args: dict[str, Any]) -> Result:
        with self._lock:
            if self._group_lost:
                self._group_lost = False
                self._group_depth = 0
                return Result.failure(
                    ErrorCode.WAAPI_UNAVAILABLE,
                    f"The connection to Wwise at {self.url} dropped while an undo group was open; "
                    "Wwise discarded that group, so changes made before the drop stay in the project. "
                    "Check the project in Wwise (Edit > Undo) before running again.",
                )
            result = self._call(uri, args)
            if self._group_depth:
                self._group_depth -= 1
            return result

    # -- reading -----------------------------------------------------------------------------------

    def designator(self, ref: str) -> str | None:
        """WAAPI's spelling of an object reference, or None when ``ref`` is not one.

        Accepts ``id:{GUID}``, ``{GUID}``, a bare GUID, an absolute ``\\`` path (either root
        spelling) or ``Type:Name`` for globally named types (``Bus:Master Audio Bus``).
        """
        ref = ref.strip()
        if ref.startswith("id:"):
            ref = ref[3:].strip()
        guid = _GUID.match(ref)
        if guid:
            return "{" + guid.group(1).upper() + "}"
        if ref.startswith("\\"):
            return ref.rstrip("\\") or "\\"
        type_name, sep, name = ref.partition(":")
        if sep and type_name.isalpha() and name:
            return ref
        return None

    def get_object(self, ref: str, *, what: str = "object") -> Result:
        """Look one object up; data: :class:`ObjectInfo` dict, or OBJECT_NOT_FOUND naming ``ref``."""
        designator = self.designator(ref)
        if designator is None:
            return Result.failure(
                ErrorCode.INVALID_INPUT,
                f"{what.capitalize()} {ref!r} is not an object reference: give an absolute path "
                "starting with '\\', a GUID ({...} or id:{...}) or Type:Name.",
            )
        result = self._call(OBJECT_GET, self._select(designator), {"return": list(OBJECT_FIELDS)})
        if not result.ok:
            if result.code == ErrorCode.OBJECT_NOT_FOUND:
                return self._not_found(ref, what)
            return result
        rows = result.data.get("return") or []
        if not rows:
            return self._not_found(ref, what)
        return Result.success(ObjectInfo.model_validate(rows[0]).model_dump())

    def query(self, waql: str, fields: Sequence[str] = OBJECT_FIELDS) -> Result:
        """Run a WAQL query; data: the list of rows with the requested ``fields``."""
        text = waql.strip()
        if not text:
            return Result.failure(
                ErrorCode.INVALID_INPUT,
                'The WAQL query is empty; write one, e.g. $ from type Sound where name : "footstep"',
            )
        if not self._has_waql():
            return Result.failure(
                ErrorCode.INVALID_INPUT,
                f"WAQL needs Wwise 2021.1 or later; the connected Wwise is {self._info.version}.",
            )
        result = self._call(OBJECT_GET, {"waql": text}, {"return": list(fields)})
        if not result.ok:
            if result.code == ErrorCode.INVALID_INPUT:
                # Wwise's own words, not _failure's sentence about the arguments (said once, not twice)
                reason = (result.data or {}).get("message") or result.error
                return Result.failure(result.code, f"Wwise rejected the WAQL query {text!r}: {reason}",
                                      data=result.data)
            return result
        return Result.success(result.data.get("return") or [])

    def descendants(self, root: str, types: Iterable[str]) -> Result:
        """Descendants of ``root`` of the given types as ObjectInfo dicts ([] when ``root`` is absent)."""
        designator = self.designator(root)
        if designator is None:
            return self.get_object(root)
        result = self._call(
            OBJECT_GET, self._select(designator, list(types)), {"return": list(OBJECT_FIELDS)}
        )
        if not result.ok:
            return Result.success([]) if result.code == ErrorCode.OBJECT_NOT_FOUND else result
        return Result.success(result.data.get("return") or [])

    def _version(self) -> tuple[int, int]:
        """(year, major) of the connected Wwise, connecting first if needed; (0, 0) if unreachable."""
        if not self._info.year:
            self.connect()  # a failure shows up again, with its sentence, on the call that follows
        return (self._info.year, self._info.major)

    def _has_waql(self) -> bool:
        """WAQL exists from Wwise 2021.1 on (assumed when the version cannot be read)."""
        year, _major = self._version()
        return year == 0 or year >= 2021

    def _select(self, designator: str, descendant_types: list[str] | None = None) -> dict[str, Any]:
        """object.get arguments for one object, or its descendants of some types: WAQL, or the
        legacy ``from``/``transform`` form before 2021.1."""
        if self._has_waql():
            if descendant_types is None:
                return {"waql": f'$ "{designator}"'}
            where = " or ".join(f'type = "{t}"' for t in descendant_types)
            return {"waql": f'$ "{designator}" select descendants' + (f" where {where}" if where else "")}
        kind = "id" if designator.startswith("{") else "path" if designator.startswith("\\") else "name"
        args: dict[str, Any] = {"from": {kind: [designator]}}
        if descendant_types is not None:
            args["transform"] = [{"select": ["descendants"]}]
            if descendant_types:
                args["transform"].append({"where": ["type:isIn", descendant_types]})
        return args

    # -- creating and changing ---------------------------------------------------------------------

    def create_object(
        self,
        parent: str,
        type_name: str,
        name: str,
        *,
        on_name_conflict: str = "fail",
        properties: Mapping[str, Any] | None = None,
        notes: str | None = None,
    ) -> Result:
        """Create one object under ``parent``; data: :class:`ObjectInfo` of the created object."""
        bad = _name_problem(name)
        if bad:
            return Result.failure(ErrorCode.INVALID_INPUT, f"Object name {name!r} {bad}.")
        found = self.get_object(parent, what="parent")
        if not found.ok:
            return found
        parent_info = ObjectInfo.model_validate(found.data)
        args: dict[str, Any] = {
            "parent": parent_info.id,
            "type": type_name,
            "name": name,
            "onNameConflict": on_name_conflict,
        }
        if notes:
            args["notes"] = notes
        args.update(_at_keys(properties or {}))
        result = self._call(OBJECT_CREATE, args)
        if not result.ok:
            if result.code == ErrorCode.NAME_CONFLICT:
                return Result.failure(
                    ErrorCode.NAME_CONFLICT,
                    f"{parent_info.path} already has a child named {name!r}; choose another name or "
                    "set onNameConflict to merge, rename or replace.",
                )
            return Result.failure(
                result.code or ErrorCode.CREATE_FAILED,
                f"Creating {type_name} {name!r} under {parent_info.path} failed: {result.error}",
            )
        created = ObjectInfo(
            id=result.data["id"],
            name=result.data.get("name", name),
            path=f"{parent_info.path.rstrip(chr(92))}\\{result.data.get('name', name)}",
            type=type_name,
        )
        return Result.success(created.model_dump())

    def delete_object(self, ref: str) -> Result:
        """Delete one object (undoable inside an undo group)."""
        designator = self.designator(ref)
        if designator is None:
            return self.get_object(ref)
        return self._call(OBJECT_DELETE, {"object": designator})

    def set_property(self, ref: str, prop: str, value: Any, platform: str | None = None) -> Result:
        """Set one property (``Volume``, ``IsStreamingEnabled``, ...) of one object."""
        designator = self.designator(ref)
        if designator is None:
            return self.get_object(ref)
        args: dict[str, Any] = {"object": designator, "property": prop.lstrip("@"), "value": value}
        if platform:
            args["platform"] = platform
        result = self._call(SET_PROPERTY, args)
        if not result.ok and result.code == ErrorCode.OBJECT_NOT_FOUND:
            return self._not_found(ref, "object")
        return (
            result if not result.ok else Result.success({"objectId": ref, "property": prop, "value": value})
        )

    def set_reference(
        self, ref: str, reference: str, value: str | None, platform: str | None = None
    ) -> Result:
        """Point reference ``reference`` (``OutputBus``, ``Attenuation``, ...) of one object at ``value``."""
        designator = self.designator(ref)
        if designator is None:
            return self.get_object(ref)
        target = None if value is None else self.designator(value)
        if value is not None and target is None:
            return self.get_object(value, what="reference target")
        args: dict[str, Any] = {"object": designator, "reference": reference.lstrip("@"), "value": target}
        if platform:
            args["platform"] = platform
        result = self._call(SET_REFERENCE, args)
        if not result.ok and result.code == ErrorCode.OBJECT_NOT_FOUND:
            return Result.failure(result.code, f"Setting {reference} of {ref} to {value}: {result.error}")
        return (
            result
            if not result.ok
            else Result.success({"objectId": ref, "reference": reference, "value": value})
        )

    def set_objects(self, entries: Sequence[Mapping[str, Any]], *, chunk_size: int | None = None) -> Result:
        """Apply many edits in one ``object.set`` (Wwise 2022.1+), chunked by the import chunk size.

        Each entry: ``{"object": ref, "properties": {...}, "references": {...}, "notes": str}``;
        property and reference names may carry the ``@`` or not.
        """
        objects: list[dict[str, Any]] = []
        for entry in entries:
            designator = self.designator(str(entry["object"]))
            if designator is None:
                return self.get_object(str(entry["object"]))
            item: dict[str, Any] = {"object": designator}
            item.update(_at_keys(entry.get("properties") or {}))
            for key, value in (entry.get("references") or {}).items():
                item["@" + key.lstrip("@")] = (
                    None if value is None else (self.designator(str(value)) or value)
                )
            if entry.get("notes") is not None:
                item["notes"] = entry["notes"]
            objects.append(item)
        if not self._has_object_set():
            return self._set_one_by_one(entries)
        size = chunk_size or self.import_chunk_size
        for start in range(0, len(objects), size):
            result = self._call(OBJECT_SET, {"objects": objects[start : start + size]})
            if not result.ok:
                return result
        return Result.success({"count": len(objects)})

    def _has_object_set(self) -> bool:
        """``object.set`` exists from Wwise 2022.1 on (assumed when the version cannot be read)."""
        version = self._version()
        return version[0] == 0 or version >= (2022, 1)

    def _set_one_by_one(self, entries: Sequence[Mapping[str, Any]]) -> Result:
        """Before 2022.1: one setProperty / setReference / setNotes call per value."""
        for entry in entries:
            target = self.designator(str(entry["object"]))
            calls: list[tuple[str, dict[str, Any]]] = [
                (SET_PROPERTY, {"object": target, "property": key.lstrip("@"), "value": value})
                for key, value in (entry.get("properties") or {}).items()
            ]
            calls += [
                (
                    SET_REFERENCE,
                    {
                        "object": target,
                        "reference": key.lstrip("@"),
                        "value": None if value is None else self.designator(str(value)) or value,
                    },
                )
                for key, value in (entry.get("references") or {}).items()
            ]
            if entry.get("notes") is not None:
                calls.append((SET_NOTES, {"object": target, "value": entry["notes"]}))
            for uri, args in calls:
                result = self._call(uri, args)
                if not result.ok:
                    return result
        return Result.success({"count": len(entries)})

    def resolve_bus(self, ref: str) -> Result:
        """Look up a bus; data: its :class:`ObjectInfo` dict. Anything but a Bus or Aux Bus fails."""
        found = self.get_object(ref, what="bus")
        if not found.ok:
            return found
        if found.data["type"] not in ("Bus", "AuxBus"):
            return Result.failure(
                ErrorCode.INVALID_INPUT,
                f"{found.data['path']} is a {found.data['type'] or 'non-bus object'}, not a Bus; pick a bus "
                "under \\Master-Mixer Hierarchy.",
            )
        return found

    def set_output_bus(self, refs: Sequence[str], bus: str) -> Result:
        """Route objects to ``bus`` (and tick Override parent so the routing takes effect)."""
        found = self.resolve_bus(bus)
        if not found.ok:
            return found
        bus_info = ObjectInfo.model_validate(found.data)
        entries = [
            {"object": ref, "references": {"OutputBus": bus_info.id}, "properties": {"OverrideOutput": True}}
            for ref in refs
        ]
        result = self.set_objects(entries)
        if not result.ok:
            if result.code == ErrorCode.OBJECT_NOT_FOUND:
                return Result.failure(result.code, f"Cannot route to {bus_info.path}: {result.error}")
            return result
        return Result.success({"bus": bus_info.model_dump(), "count": len(entries)})

    def create_events(
        self,
        targets: Sequence[ObjectInfo],
        parent: str,
        *,
        prefix: str = "Play_",
        on_name_conflict: str = "merge",
    ) -> Result:
        """One Play event per target under ``parent``, all in one call; data: list of ObjectInfo dicts."""
        if not targets:
            return Result.success([])
        found = self.get_object(parent, what="event parent")
        if not found.ok:
            return found
        parent_info = ObjectInfo.model_validate(found.data)
        children = [
            {
                "type": "Event",
                "name": f"{prefix}{target.name}",
                "children": [{"type": "Action", "name": "", "@ActionType": 1, "@Target": target.id}],
            }
            for target in targets
        ]
        if self._has_object_set():
            result = self._call(
                OBJECT_SET,
                {
                    "objects": [{"object": parent_info.id, "children": children}],
                    "onNameConflict": on_name_conflict,
                },
            )
            created = (result.data.get("objects") or [{}])[0].get("children") or [] if result.ok else []
        else:  # before 2022.1: one object.create per event
            created = []
            for child in children:
                result = self._call(
                    OBJECT_CREATE, {"parent": parent_info.id, "onNameConflict": on_name_conflict, **child}
                )
                if not result.ok:
                    break
                created.append(result.data)
        if not result.ok:
            return Result.failure(
                result.code or ErrorCode.CREATE_FAILED,
                f"Creating Play events under {parent_info.path} failed: {result.error}",
            )
        by_name = {row.get("name"): row for row in created}
        events = []
        for child in children:
            row = by_name.get(child["name"], {})
            events.append(
                ObjectInfo(
                    id=row.get("id", ""),
                    name=child["name"],
                    path=f"{parent_info.path}\\{child['name']}",
                    type="Event",
                ).model_dump()
            )
        if any(not e["id"] for e in events):
            listed = self.descendants(parent_info.path, ["Event"])
            ids = {row["path"]: row["id"] for row in listed.data or []} if listed.ok else {}
            for event in events:
                event["id"] = event["id"] or ids.get(event["path"], "")
        return Result.success(events)

    def save(self) -> Result:
        """Save the project (``project.save``)."""
        result = self._call(PROJECT_SAVE, {})
        if not result.ok:
            return Result.failure(
                result.code or ErrorCode.WAAPI_ERROR, f"Saving the Wwise project failed: {result.error}"
            )
        return Result.success({"saved": True, "project": self._info.project_path or None})

    # -- importing -----------------------------------------------------------------------------------

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
        per file and the rest is imported. Files go in chunks of ``import_chunk_size`` per
        ``audio.import`` call. Wwise's import does not raise for a rejected file, so its ``log``
        is read and the Sounds under ``verify_root`` are read back: a file without a Sound holding
        an audio source named after it failed with IMPORT_FAILED. A re-imported Sound keeps one
        audio source: sources left beside the new one are deleted.

        ``data = {"outcomes": [ImportOutcome...], "sounds": [ObjectInfo + file...], "containers":
        [ObjectInfo...]}`` (containers: Random Containers under the verified root). The Result fails
        only for connection-level errors (nothing per file is known then).
        """
        outcomes: dict[int, ImportOutcome] = {}
        ready: list[int] = []
        for index, item in enumerate(items):
            try:
                inspect_wav(item.file)
            except WavError as exc:
                outcomes[index] = ImportOutcome.failed(item.file, exc.code, exc.message)
                continue
            bad = _name_problem(item.sound_name) or next(
                (_name_problem(f) for f in [*item.folders, item.container or "x"] if _name_problem(f)), None
            )
            if bad:
                outcomes[index] = ImportOutcome.failed(
                    item.file, ErrorCode.INVALID_INPUT, f"Cannot import {item.file}: a target name {bad}."
                )
                continue
            ready.append(index)
        rejected: dict[int, str] = {}
        unattributed: dict[int, str] = {}  # errors Wwise logged without naming the file
        size = chunk_size or self.import_chunk_size
        generation: int | None = None  # the session the first chunk was imported in
        for start in range(0, len(ready), size):
            chunk = ready[start : start + size]
            while chunk:
                result = self._call(
                    AUDIO_IMPORT,
                    {"importOperation": mode, "imports": [self._import_entry(items[i]) for i in chunk]},
                    {"return": list(OBJECT_FIELDS)},
                )
                if result.ok:
                    generation = self._generation if generation is None else generation
                    by_index, general = _log_errors(result.data.get("log") or [], chunk)
                    rejected.update(by_index)
                    unattributed.update(dict.fromkeys(chunk, "; ".join(general)) if general else {})
                    break
                if result.code in (
                    ErrorCode.WAAPI_UNAVAILABLE,
                    ErrorCode.WAAPI_TIMEOUT,
                    ErrorCode.WWISE_LOCKED,
                ):
                    return result
                # before 2023.1 one rejected file fails the whole call, its log in the error's details:
                # note the rejected files and import the rest again (at most once per rejected file)
                log = ((result.data or {}).get("details") or {}).get("log") or []
                by_index, _general = _log_errors(log, chunk)
                if not by_index:
                    rejected.update(dict.fromkeys(chunk, result.error or "the import call failed"))
                    break
                rejected.update(by_index)
                chunk = [i for i in chunk if i not in by_index]
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

    def _import_entry(self, item: ImportItem) -> dict[str, Any]:
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
        listed = self.descendants(root, ["Sound", "AudioFileSource", "RandomSequenceContainer"])
        if not listed.ok:
            return listed
        rows = [ObjectInfo.model_validate(row) for row in listed.data]
        if any(items[i].sound_path.lower() == root.lower() for i in ready):  # single-file re-import
            root_found = self.get_object(root)
            if root_found.ok:
                rows.append(ObjectInfo.model_validate(root_found.data))
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

    # -- the one place calls happen ------------------------------------------------------------------

    def _call(self, uri: str, args: dict[str, Any], options: dict[str, Any] | None = None) -> Result:
        """Run one WAAPI call under the lock; map every failure to a Result."""
        with self._locked() as acquired:
            if not acquired:
                return self._busy(uri)
            started = time.perf_counter()
            result = self._call_locked(uri, args, options)
            self._record(uri, (time.perf_counter() - started) * 1000, result.ok)
            return result

    def _call_locked(self, uri: str, args: dict[str, Any], options: dict[str, Any] | None) -> Result:
        attempts = 2 if uri in READ_ONLY_URIS else 1
        for attempt in range(attempts):
            try:
                session = self._ensure_session()
                if self._group_lost and uri not in READ_ONLY_URIS and uri not in _UNDO_URIS:
                    return Result.failure(
                        ErrorCode.WAAPI_UNAVAILABLE,
                        f"The connection to Wwise dropped during this run, so its undo group is gone; "
                        f"{uri} was not sent to keep the run undoable. Run the workflow again.",
                    )
                if self._changes is not None and uri not in READ_ONLY_URIS and uri not in _UNDO_URIS:
                    self._changes.before(uri, args, self._call_locked)
                # translated here, once connected: the spelling depends on the version just read
                raw = session.call(uri, self._naming.args_out(args), options, self.call_timeout)
            except Unavailable as exc:
                self._drop_session()
                if attempt + 1 < attempts:
                    continue
                return self._unavailable(exc)
            except CallTimeout as exc:
                self._drop_session()
                self._last_error = str(exc)
                return Result.failure(
                    ErrorCode.WAAPI_TIMEOUT,
                    f"Wwise did not answer {uri} within {self.call_timeout:g} s (busy converting or "
                    "saving?); try again, or raise [wwise] call_timeout.",
                )
            except CallFailed as exc:
                return self._failure(uri, exc)
            return Result.success(self._naming.result_in(raw))
        raise AssertionError("unreachable")

    def _ensure_session(self) -> Session:
        session = self._session
        if session is not None and session.alive:
            return session
        if session is not None:
            logger.warning("The WAAPI session with {} was lost; reconnecting", self.url)
            self._drop_session()
        now = time.monotonic()
        if now < self._next_attempt:
            raise _BackingOff(self._last_error or "the last attempt failed", self._next_attempt - now)
        try:
            session = Session.open(self.url, self.connect_timeout)
            self._read_info(session)
        except Unavailable as exc:
            self._backoff = min(self.reconnect_max_delay, self._backoff * 2 if self._backoff else 0.5)
            self._next_attempt = time.monotonic() + self._backoff
            self._last_error = str(exc)
            raise
        self._backoff = 0.0
        self._next_attempt = 0.0
        self._last_error = None
        self._session = session
        self._generation += 1  # a new session: possibly a Wwise that restarted and lost unsaved work
        logger.info(
            "Connected to Wwise {} at {} (project {})",
            self._info.version,
            self.url,
            self._info.project_path or "?",
        )
        return session

    def _read_info(self, session: Session) -> None:
        def call(uri: str) -> dict[str, Any]:
            started, ok = time.perf_counter(), False
            try:
                raw = session.call(uri, {}, None, self.connect_timeout)
                ok = True
                return raw
            finally:
                self._record(uri, (time.perf_counter() - started) * 1000, ok)

        try:
            info = call(GET_INFO)
        except (CallFailed, CallTimeout) as exc:
            session.abandon()
            raise Unavailable(f"{self.url} answered the handshake but not getInfo ({exc})") from None
        version = info.get("version") or {}
        self._info = ConnectionInfo(
            url=self.url,
            version=str(version.get("displayName", "")),
            year=int(version.get("year") or 0),
            major=int(version.get("major") or 0),
        )
        self._naming = Naming.for_version(self._info.year)
        try:
            project = call(GET_PROJECT_INFO)
        except CallFailed:  # before 2022.1 there is no getProjectInfo; the project path is enough
            project = {}
        except CallTimeout as exc:
            session.abandon()
            raise Unavailable(f"{self.url} did not answer getProjectInfo ({exc})") from None
        self._info = self._info.model_copy(
            update={
                "project_name": str(project.get("name", "")),
                "project_path": str(project.get("path", "")),
                "project_id": str(project.get("id", "")),
            }
        )

    def _drop_session(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.abandon()
            if self._group_depth:
                self._group_lost = True

    def _locked(self) -> _Acquire:
        return _Acquire(self._lock, self.call_timeout + self.connect_timeout + 1.0)

    def _record(self, uri: str, ms: float, ok: bool) -> None:
        with self._stats_lock:
            stat = self._stats.setdefault(uri, _Stat())
            stat.count += 1
            stat.total_ms += ms
            stat.errors += not ok

    # -- failures ----------------------------------------------------------------------------------

    def _unavailable(self, exc: Unavailable) -> Result:
        # the reason is stored bare: a retry clause kept in it would be repeated by every later message
        reason = self._last_error = str(exc)
        when = f" (next attempt in {exc.retry_in:.1f} s)" if isinstance(exc, _BackingOff) else ""
        return Result.failure(
            ErrorCode.WAAPI_UNAVAILABLE,
            f"Wwise is not reachable at {self.url}: {reason}{when}. Start Wwise Authoring with WAAPI "
            "enabled (User Preferences > Enable Wwise Authoring API) or fix [wwise] url.",
        )

    def _busy(self, uri: str) -> Result:
        return Result.failure(
            ErrorCode.WAAPI_TIMEOUT,
            f"The WAAPI connection stayed busy too long to send {uri}; another long call is running. "
            "Try again when it finished.",
        )

    def _not_found(self, ref: str, what: str) -> Result:
        return Result.failure(
            ErrorCode.OBJECT_NOT_FOUND,
            f"The {what} {ref} does not exist in the Wwise project; check the path or id "
            "(it may have been renamed or deleted).",
        )

    def _failure(self, uri: str, exc: CallFailed) -> Result:
        code = error_code(exc.uri, exc.kwargs)
        message = str(exc.kwargs.get("message") or exc.uri).strip()
        if code == ErrorCode.WWISE_LOCKED:
            sentence = (
                f"Wwise is locked ({message}): a modal dialog is probably open in Wwise "
                "Authoring. Close it, then run again."
            )
        elif code == ErrorCode.WAAPI_UNAVAILABLE:
            sentence = f"Wwise could not serve {uri} ({message}); make sure a project is open and retry."
        elif code == ErrorCode.OBJECT_NOT_FOUND:
            sentence = f"Wwise cannot find an object used by {uri}: {message}"
        elif code in (ErrorCode.INVALID_INPUT, ErrorCode.NAME_CONFLICT):
            sentence = f"Wwise rejected the arguments of {uri}: {message}"
        else:
            sentence = f"Wwise reported {exc.uri} for {uri}: {message}"
        return Result.failure(
            code, sentence, data={"uri": exc.uri, "details": exc.kwargs.get("details"), "message": message}
        )


class _BackingOff(Unavailable):
    """Not even tried: the last connection attempt failed ``retry_in`` seconds before the next is due."""

    def __init__(self, reason: str, retry_in: float) -> None:
        super().__init__(reason)
        self.retry_in = retry_in


class _Acquire:
    """``with _Acquire(lock, timeout) as acquired:`` a lock with a deadline."""

    def __init__(self, lock: threading.RLock, timeout: float) -> None:
        self._lock = lock
        self._timeout = timeout
        self._held = False

    def __enter__(self) -> bool:
        self._held = self._lock.acquire(timeout=self._timeout)
        return self._held

    def __exit__(self, *_exc: object) -> None:
        if self._held:
            self._lock.release()


def _at_keys(values: Mapping[str, Any]) -> dict[str, Any]:
    return {"@" + key.lstrip("@"): value for key, value in values.items()}


def _name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a Wwise object name, or None."""
    if not name.strip():
        return "is empty"
    if name != name.strip():
        return "starts or ends with a space"
    bad = sorted(set(name) & INVALID_NAME_CHARS)
    if bad:
        return f"contains {' '.join(bad)}, which Wwise does not allow in names"
    return None


def _stem(file: str) -> str:
    path = PureWindowsPath(file) if "\\" in file else Path(file)
    return path.stem


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
