"""The emulated WAAPI functions, one module per area; :data:`HANDLERS` maps each URI to its function.

Every handler is ``handler(waapi, session, args, returns) -> reply``; the dispatcher
(:class:`wwiseflowd.sim.functions.Waapi`) checks arguments and options against the schema and runs
the handler inside a journal before it gets here.
"""

from __future__ import annotations

from typing import Final

from wwiseflowd.sim import audio_import
from wwiseflowd.sim.calls import edits, history, info, objects, query
from wwiseflowd.sim.calls.types import Args, Handler, Reply, Returns

HANDLERS: Final[dict[str, Handler]] = {
    **info.HANDLERS, **objects.HANDLERS, **query.HANDLERS, **edits.HANDLERS, **history.HANDLERS,
    **audio_import.HANDLERS,
}

__all__ = ["HANDLERS", "Args", "Handler", "Reply", "Returns"]
