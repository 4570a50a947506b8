"""The project's history: undo groups, undo/redo, saving, and Wwise's log channels."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from wwiseflowd.sim import persistence
from wwiseflowd.sim.calls.types import Args, Handler, Reply, Returns
from wwiseflowd.sim.errors import WaapiError, invalid_arguments
from wwiseflowd.sim.objects import Change

if TYPE_CHECKING:
    from wwiseflowd.sim.functions import Session, Waapi


def project_save(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.project.save: atomic JSON write; publishes project.saved."""
    p = waapi.project
    modified = sorted(str(p.workunit_file(wu)) for wu_id in p.dirty_workunits
                      if (wu := p.get(wu_id)) is not None)
    try:
        persistence.save(p)
    except OSError as exc:
        raise WaapiError("ak.wwise.file_error", f"Could not save the project to {p.directory}: {exc}.",
                         {"path": str(p.directory)}) from None
    observer = p.observer
    if observer is not None and observer.wants("ak.wwise.core.project.saved"):
        observer.publish("ak.wwise.core.project.saved", {"modifiedPaths": modified})
    return {}

# -- undo --------------------------------------------------------------------------------------


def undo_begin_group(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.undo.beginGroup (nestable, per session)."""
    session.groups.append([])
    return {}


def _pop_group(waapi: Waapi, session: Session, action: str) -> list[Change]:
    if not session.groups:
        raise invalid_arguments(f"undo.{action}: there is no open undo group; "
                                "call undo.beginGroup first.")
    return session.groups.pop()


def undo_end_group(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.undo.endGroup: the group becomes one undo step named displayName."""
    changes = _pop_group(waapi, session, "endGroup")
    if changes:
        waapi._commit(session, args["displayName"], changes)
    return {}


def undo_cancel_group(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.undo.cancelGroup: ``undo: true`` reverts every change of the group."""
    changes = _pop_group(waapi, session, "cancelGroup")
    if args.get("undo", False):
        waapi.project.revert(changes)
    elif changes:
        waapi._commit(session, "ak.wwise.core.undo.cancelGroup", changes)
    return {}


def undo_undo(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.undo.undo: take back the newest undo step (no-op when there is none)."""
    if waapi.undo_stack:
        step = waapi.undo_stack.pop()
        waapi.project.revert(step.changes)
        waapi.redo_stack.append(step)
    return {}


def undo_redo(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.undo.redo."""
    if waapi.redo_stack:
        step = waapi.redo_stack.pop()
        waapi.project.replay(step.changes)
        waapi.undo_stack.append(step)
    return {}

# -- log ---------------------------------------------------------------------------------------


def log_get(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.log.get."""
    return {"items": list(waapi.logs.get(args["channel"], []))}


def log_add_item(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.log.addItem."""
    waapi.log(args.get("channel", "general"), args.get("severity", "Message"), args["message"])
    return {}


def log_clear(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.log.clear."""
    waapi.logs.pop(args["channel"], None)
    return {}


#: the WAAPI functions this module answers
HANDLERS: Final[dict[str, Handler]] = {
    "ak.wwise.core.project.save": project_save,
    "ak.wwise.core.undo.beginGroup": undo_begin_group,
    "ak.wwise.core.undo.endGroup": undo_end_group,
    "ak.wwise.core.undo.cancelGroup": undo_cancel_group,
    "ak.wwise.core.undo.undo": undo_undo,
    "ak.wwise.core.undo.redo": undo_redo,
    "ak.wwise.core.log.get": log_get,
    "ak.wwise.core.log.addItem": log_add_item,
    "ak.wwise.core.log.clear": log_clear,
}
