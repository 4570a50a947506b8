"""The daemon: drop folders that import into Wwise, watched workflow files, ``wwiseflowd run``.

:class:`~wwiseflowd.daemon.core.Daemon` wires the watch stage (``wwiseflowd.watch``), the drop
journal (``wwiseflowd.store.journal``) and the engine; :func:`~wwiseflowd.daemon.run.run_daemon`
adds the single-instance lock, the emulator under ``--simulate``, REST, signals and systemd
readiness. See docs/daemon.md.
"""

from wwiseflowd.daemon.core import Daemon, DaemonTiming
from wwiseflowd.daemon.instance import AlreadyRunning, Instance, read_runtime
from wwiseflowd.daemon.run import RunOptions, run_daemon

__all__ = ["AlreadyRunning", "Daemon", "DaemonTiming", "Instance", "RunOptions", "read_runtime", "run_daemon"]
