"""One locked WAAPI connection: the only place the Wwise backend's calls happen.

Behaviour, in the order a call meets it:

* **Lock.** One call at a time per link (WAAPI undo groups and waapi-client's single request
  queue belong to the connection, so interleaving callers would only queue anyway).
* **Connection.** A :class:`~.connection.Session` owned by its own thread; the constructor and
  every call have deadlines (``[wwise] connect_timeout`` / ``call_timeout``).
* **Reconnect.** A dropped session is replaced on the next call; failed attempts back off
  exponentially (0.5 s, 1 s, 2 s, ... up to ``[wwise] reconnect_max_delay``) and calls inside the
  back-off window fail at once with WAAPI_UNAVAILABLE instead of piling up.
* **Version.** ``getInfo``/``getProjectInfo`` are read at connect; the 2025.1 renames are applied by
  :class:`~.naming.Naming` on the way out and undone on the way back.
* **Undo groups.** The runner's transaction protocol (``begin_group``, ``end_group``,
  ``cancel_group``); a group lost with its connection is undone by compensation (:mod:`.compensation`).
* **Errors.** WAMP error URIs become :class:`~wwiseflowd.results.ErrorCode` values (:mod:`.errors`)
  with a sentence a sound designer can act on.
* **Statistics.** Count, errors and total milliseconds per URI (:meth:`WaapiLink.stats`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from loguru import logger

from wwiseflowd.config import DEFAULT_WAAPI_URL
from wwiseflowd.default_plugins.wwise.compensation import ChangeLog
from wwiseflowd.default_plugins.wwise.connection import CallFailed, CallTimeout, Session, Unavailable
from wwiseflowd.default_plugins.wwise.errors import busy, call_failure
from wwiseflowd.default_plugins.wwise.models import ConnectionInfo
from wwiseflowd.default_plugins.wwise.naming import Naming
from wwiseflowd.default_plugins.wwise.recent import RecentLookups
from wwiseflowd.default_plugins.wwise.uris import (
    AUDIO_IMPORT,
    GET_INFO,
    GET_PROJECT_INFO,
    OBJECT_CREATE,
    OBJECT_GET,
    READ_ONLY_URIS,
    UNDO_BEGIN,
    UNDO_CANCEL,
    UNDO_END,
    UNDO_URIS,
)
from wwiseflowd.results import ErrorCode, Result


@dataclass
class _Stat:
    count: int = 0
    errors: int = 0
    total_ms: float = 0.0


class WaapiLink:
    """One locked WAAPI connection with reconnect, version, undo groups and call statistics.

    Thread-safe; every public method returns a Result (or plain data for introspection) and never
    raises. The typed operations are built on it (:mod:`.reads`, :mod:`.writes`, :mod:`.adapter`).
    """

    def __init__(
        self,
        url: str = DEFAULT_WAAPI_URL,
        *,
        connect_timeout: float = 5.0,
        call_timeout: float = 60.0,
        reconnect_max_delay: float = 30.0,
        import_chunk_size: int = 100,
        import_call_budget_s: float = 2.0,
        compensation_wait_s: float = 10.0,
    ) -> None:
        self.url = url
        self.connect_timeout = connect_timeout
        self.call_timeout = call_timeout
        self.reconnect_max_delay = reconnect_max_delay
        #: items per call that takes a list (``audio.import``, ``object.set``): ``[wwise] import_chunk_size``
        self.import_chunk_size = import_chunk_size
        #: seconds one ``audio.import`` call may take; the calls of an import are sized to fit
        #: (:mod:`.sizing`; 0: every call has ``import_chunk_size`` files)
        self.import_call_budget_s = import_call_budget_s
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
        #: one-object look-ups of the last second, forgotten before anything that may change the project
        self._recent = RecentLookups()

    # -- connection ----------------------------------------------------------------------------

    def connect(self) -> Result:
        """Connect now (instead of on the first call); data: :class:`ConnectionInfo` as a dict."""
        with self._locked() as acquired:
            if not acquired:
                return busy("connect")
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
            self._recent.forget()
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
                self._group_depth += 1
                self._changes = ChangeLog()
        return result

    def end_group(self, name: str) -> Result:
        """Close the open undo group under ``name`` (shown in Wwise's Edit menu)."""
        with self._lock:
            if self._changes is not None:
                self._changes.discard()
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
            try:
                if undo and changes is not None and self._group_lost:
                    return self._compensate(changes)
                result = self._close_group(UNDO_CANCEL, {"undo": undo})
                if undo and changes is not None and result.code == ErrorCode.WAAPI_UNAVAILABLE:
                    return self._compensate(changes)
                return result
            finally:
                if changes is not None:
                    changes.discard()

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
            "by hand could not make the project exactly as before: " + "; ".join(report.problems)
            + ". Check them in Wwise.",
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

    def _note_missing(self, designator: str) -> None:
        """A look-up found nothing there: until the next write, the open group's pre-write record
        need not look again (a batch into a new folder asks for it once, not twice)."""
        changes = self._changes
        if changes is not None:
            changes.missing.add(designator)

    # -- the one place calls happen ------------------------------------------------------------------

    def _call(self, uri: str, args: dict[str, Any], options: dict[str, Any] | None = None) -> Result:
        """Run one WAAPI call under the lock; map every failure to a Result."""
        with self._locked() as acquired:
            if not acquired:
                return busy(uri)
            if uri == OBJECT_GET and (known := self._recent.answer(args, options)) is not None:
                return known
            started = time.perf_counter()
            result = self._call_locked(uri, args, options)
            self._record(uri, (time.perf_counter() - started) * 1000, result.ok)
            return result

    def _read_locked(self, uri: str, args: dict[str, Any], options: dict[str, Any] | None) -> Result:
        """:meth:`_call_locked` for the pre-write record's reads, answered from recent look-ups."""
        if uri == OBJECT_GET and (known := self._recent.answer(args, options)) is not None:
            return known
        return self._call_locked(uri, args, options)

    def _call_locked(self, uri: str, args: dict[str, Any], options: dict[str, Any] | None) -> Result:
        result = self._send_locked(uri, args, options)
        if uri == OBJECT_GET:
            self._recent.keep(args, options, result)
        return result

    def _send_locked(self, uri: str, args: dict[str, Any], options: dict[str, Any] | None) -> Result:
        attempts = 2 if uri in READ_ONLY_URIS else 1
        for attempt in range(attempts):
            try:
                session = self._ensure_session()
                if self._group_lost and uri not in READ_ONLY_URIS and uri not in UNDO_URIS:
                    return self._group_lost_refusal(uri)
                if self._changes is not None and uri not in READ_ONLY_URIS and uri not in UNDO_URIS:
                    self._changes.before(uri, args, self._read_locked)
                    if self._group_lost:  # a read of the record lost the connection (and reconnected)
                        return self._group_lost_refusal(uri)
                if uri not in READ_ONLY_URIS and uri != UNDO_BEGIN:
                    self._recent.forget()  # before it is sent: what it changes is not known yet
                # translated here, once connected: the spelling depends on the version just read
                raw = session.call(uri, self._naming.args_out(args), options, self.call_timeout)
                if self._changes is not None and uri in (OBJECT_CREATE, AUDIO_IMPORT):
                    self._changes.created_by(raw)
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
                return call_failure(uri, exc)
            return Result.success(self._naming.result_in(raw))
        raise AssertionError("unreachable")

    @staticmethod
    def _group_lost_refusal(uri: str) -> Result:
        return Result.failure(
            ErrorCode.WAAPI_UNAVAILABLE,
            f"The connection to Wwise dropped during this run, so its undo group is gone; "
            f"{uri} was not sent to keep the run undoable. Run the workflow again.",
        )

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
            self._info = handshake(session, self.url, self.connect_timeout, self._record)
            self._naming = Naming.for_version(self._info.year)
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
        self._recent.forget()
        logger.info(
            "Connected to Wwise {} at {} (project {})",
            self._info.version,
            self.url,
            self._info.project_path or "?",
        )
        return session

    def _drop_session(self) -> None:
        self._recent.forget()  # the next session may be a Wwise that restarted without unsaved work
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


def handshake(
    session: Session, url: str, timeout: float, record: Callable[[str, float, bool], None]
) -> ConnectionInfo:
    """What Wwise answers at ``url`` (``getInfo``, then ``getProjectInfo`` when it has one); each call
    is counted through ``record(uri, ms, ok)``. Raises Unavailable (and abandons the session) when
    Wwise accepted the connection but does not answer."""

    def call(uri: str) -> dict[str, Any]:
        started, ok = time.perf_counter(), False
        try:
            raw = session.call(uri, {}, None, timeout)
            ok = True
            return raw
        finally:
            record(uri, (time.perf_counter() - started) * 1000, ok)

    try:
        info = call(GET_INFO)
    except (CallFailed, CallTimeout) as exc:
        session.abandon()
        raise Unavailable(f"{url} answered the handshake but not getInfo ({exc})") from None
    try:
        project = call(GET_PROJECT_INFO)
    except CallFailed:  # before 2022.1 there is no getProjectInfo; the project path is enough
        project = {}
    except CallTimeout as exc:
        session.abandon()
        raise Unavailable(f"{url} did not answer getProjectInfo ({exc})") from None
    version = info.get("version") or {}
    return ConnectionInfo(
        url=url,
        version=str(version.get("displayName", "")),
        year=int(version.get("year") or 0),
        major=int(version.get("major") or 0),
        project_name=str(project.get("name", "")),
        project_path=str(project.get("path", "")),
        project_id=str(project.get("id", "")),
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
