"""The emulated WAAPI dispatcher: ``Waapi.call(session, uri, args, options) -> result kwargs``.

One place for WAAPI semantics; the WAMP server (server.py) only moves messages. Every call runs
inside a journal: a call that fails is rolled back whole (as Wwise does since 2022.1), a call that
succeeds becomes one undo step, or part of the session's open undo group. The functions themselves
live in ``wwiseflowd/sim/calls/`` (one module per area) and ``audio_import.py``.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Final

from wwiseflowd.sim import accessors, catalogue
from wwiseflowd.sim.calls import HANDLERS, Args, Reply, Returns
from wwiseflowd.sim.errors import (
    INVALID_OPTIONS,
    INVALID_PROCEDURE,
    NOT_EMULATED,
    WaapiError,
    invalid_arguments,
    not_emulated_accessor,
    schema_error,
    unknown_object,
)
from wwiseflowd.sim.model import (
    MISSING,
    Change,
    NotEmulatedAccessorError,
    Project,
    UnknownAccessorError,
    WwiseObject,
)
from wwiseflowd.sim.schemas import FUNCTIONS, FunctionSpec, check_args, check_options

DEFAULT_RETURN: Final = ("id", "name")


@dataclass
class Session:
    """One WAMP session (one client connection)."""

    id: int
    #: open undo groups, innermost last; each collects the changes made while it is open
    groups: list[list[Change]] = field(default_factory=list)


@dataclass
class UndoStep:
    """One entry of the project's undo history."""

    name: str
    changes: list[Change]


class Waapi:
    """The WAAPI surface of one emulated Wwise instance over one :class:`Project`."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.session_guid = "{" + str(uuid.uuid4()).upper() + "}"
        self.undo_stack: list[UndoStep] = []
        self.redo_stack: list[UndoStep] = []
        self.logs: dict[str, list[dict[str, Any]]] = {}

    # -- dispatch ----------------------------------------------------------------------------------

    def function_uris(self) -> list[str]:
        """Every function of the emulated version's real catalogue (emulated or not)."""
        return sorted(catalogue.functions(self.project.version.short))

    def topic_uris(self) -> list[str]:
        """Every topic of the emulated version's real catalogue."""
        return sorted(catalogue.topics(self.project.version.short))

    def spec(self, uri: str) -> FunctionSpec:
        """The schema of ``uri``: outside the version's catalogue -> unknown; in it but not
        implemented -> not emulated (a different URI, so a client can tell the two apart)."""
        version = self.project.version
        if uri not in catalogue.functions(version.short):
            raise WaapiError(INVALID_PROCEDURE, "The procedure URI is unknown.", {"procedureUri": uri})
        spec = FUNCTIONS.get(uri)
        if spec is None:
            raise WaapiError(NOT_EMULATED, f"{uri} is a Wwise {version.short} function that the wwiseflowd "
                             "emulator does not emulate (see the conformance table in docs/emulator.md).",
                             {"procedureUri": uri, "emulated": False})
        return spec

    def call(self, session: Session, uri: str, args: Args, options: dict[str, Any]) -> Reply:
        """Run one WAAPI call; raises WaapiError (with ``details.procedureUri``) on failure."""
        try:
            spec = self.spec(uri)
            self._check_version_args(uri, args)
            check_args(spec, args)
            returns = check_options(spec, options)
            journal: list[Change] = []
            project = self.project
            project.journal = journal
            try:
                result = HANDLERS[uri](self, session, args, returns)
            except BaseException:
                project.revert(journal)
                raise
            finally:
                project.journal = None
            if journal:
                self._commit(session, uri, journal)
            return result
        except WaapiError as exc:
            exc.details.setdefault("procedureUri", uri)
            raise

    def _check_version_args(self, uri: str, args: Args) -> None:
        """Arguments that older Wwise versions do not know yet (schema errors there)."""
        version = self.project.version
        if uri == "ak.wwise.core.object.get" and "waql" in args and not version.has_waql:
            raise schema_error(f"Argument waql is unknown (WAQL arrived in Wwise 2021.1; this is "
                               f"{version.short}).", "waql")
        if uri == "ak.wwise.core.project.save" and args and version.key < (2023, 1):
            name = next(iter(args))
            raise schema_error(f"Argument {name} is unknown (project.save takes no argument before "
                               "Wwise 2023.1).", name)

    def _commit(self, session: Session, name: str, changes: list[Change]) -> None:
        if session.groups:
            session.groups[-1].extend(changes)
        else:
            self.undo_stack.append(UndoStep(name, changes))
            self.redo_stack.clear()

    def close_session(self, session: Session) -> None:
        """A client went away: its open undo groups are cancelled (changes kept, see waapi-notes)."""
        while session.groups:
            changes = session.groups.pop()
            if changes:
                self._commit(session, "ak.wwise.core.undo.cancelGroup", changes)

    # -- helpers -----------------------------------------------------------------------------------

    def obj(self, designator: Any, argument: str = "object") -> WwiseObject:
        """Resolve an object argument or raise Wwise's "Object X is unknown." error."""
        if not isinstance(designator, str):
            raise invalid_arguments(f"Argument {argument} must name an object (GUID, path or Type:Name).")
        found = self.project.find(designator)
        if found is None:
            raise unknown_object(designator)
        return found

    def check_returns(self, returns: list[str] | None) -> list[str]:
        """The accessors to return; unknown names fail the whole call (Wwise 2021.1+)."""
        if returns is None:
            return list(DEFAULT_RETURN)
        for accessor in returns:
            for part in accessor.split("."):
                try:
                    accessors.check_known(self.project, part)
                except NotEmulatedAccessorError:
                    raise not_emulated_accessor(accessor) from None
                except UnknownAccessorError:
                    raise WaapiError(INVALID_OPTIONS, f"Accessor '{accessor}' in options.return is unknown: "
                                     f"'{part}' is not a Wwise property, reference or object accessor.",
                                     {"accessor": accessor}) from None
        return returns

    def row(self, obj: WwiseObject, returns: list[str]) -> dict[str, Any]:
        """One result row: each accessor that applies to ``obj``."""
        get = self.project.get_value
        row: dict[str, Any] = {}
        for accessor in returns:
            value = get(obj, accessor)
            if value is not MISSING:
                row[accessor] = value
        return row

    def rows(self, objects: list[WwiseObject], returns: list[str] | None) -> list[dict[str, Any]]:
        """Result rows for many objects (id+name fast path)."""
        checked = self.check_returns(returns)
        if checked == ["id", "name"]:
            return [{"id": o.id, "name": o.name} for o in objects]
        return [self.row(o, checked) for o in objects]

    def log(self, channel: str, severity: str, message: str) -> dict[str, Any]:
        """Append to one of Wwise's log channels (log.get reads them back)."""
        item = {"severity": severity, "time": int(time.time()), "messageId": "WaapiLog", "message": message}
        self.logs.setdefault(channel, []).append(item)
        observer = self.project.observer
        if observer is not None and observer.wants("ak.wwise.core.log.itemAdded"):
            observer.publish("ak.wwise.core.log.itemAdded", {"channel": channel, "item": item})
        return item

    def apply_at_keys(self, obj: WwiseObject, spec: dict[str, Any]) -> None:
        """Apply ``@Property`` / ``@Reference`` keys of an argument object to ``obj``."""
        p = self.project
        info = p.classes.get(obj.type)
        for key, value in spec.items():
            if not key.startswith("@"):
                continue
            name = key[1:]
            canonical = info.lookup.get(name.lower()) if info is not None else None
            if info is not None and canonical is not None and canonical in info.references:
                target = None if value is None else self.obj(value, key)
                p.set_reference(obj, canonical, target)
            else:
                p.set_property(obj, name, value)


__all__ = ["DEFAULT_RETURN", "Args", "Reply", "Returns", "Session", "UndoStep", "Waapi"]
