"""The service layer: every front door (CLI, REST, MCP, the editor, the daemon) runs through here.

``validate, start, run (start + follow + wait), follow, wait, cancel, get/list executions,
list/get workflows, command, catalog`` each answer a :class:`~wwiseflowd.results.Result`; a front
door only turns that Result into its own form. See docs/architecture.md ("The service layer").

- :class:`Operations` (protocol.py): the API; :class:`RunRequest`: one run as asked for.
- :class:`LocalOperations` (local.py): over an engine in this process.
- :class:`DaemonClient` (client.py): over the running daemon's REST API;
  :func:`open_operations` picks the daemon when one answers, else a local engine.
- :func:`execution_outcome` (outcome.py): an execution as a Result (the one place).
- :class:`PathGuard` (guard.py): which file paths a request from outside may name.
- :func:`scan_workflow_files` (library.py): workflow files and their compile status.
"""

from typing import TYPE_CHECKING, Any

from wwiseflowd.operations.guard import PathGuard
from wwiseflowd.operations.library import scan_workflow_files
from wwiseflowd.operations.local import LocalOperations
from wwiseflowd.operations.outcome import execution_outcome
from wwiseflowd.operations.protocol import EventSink, Operations, RunRequest

if TYPE_CHECKING:
    from wwiseflowd.operations.client import DaemonClient, connect_daemon, find_daemon, open_operations

#: names from client.py, imported on first use: it brings httpx (and with it rich and pygments),
#: which the daemon itself never needs
_CLIENT_NAMES = frozenset({"DaemonClient", "connect_daemon", "find_daemon", "open_operations"})


def __getattr__(name: str) -> Any:
    if name in _CLIENT_NAMES:
        from wwiseflowd.operations import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DaemonClient",
    "EventSink",
    "LocalOperations",
    "Operations",
    "PathGuard",
    "RunRequest",
    "connect_daemon",
    "execution_outcome",
    "find_daemon",
    "open_operations",
    "scan_workflow_files",
]
