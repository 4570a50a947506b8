"""Is a process still alive? Tells a crashed owner (of a ledger row, a runtime file) from a live one."""

from __future__ import annotations

import os
import sys


def pid_alive(pid: int) -> bool:
    """True when a process with ``pid`` exists. On Windows always True: there ``os.kill`` would
    terminate the process, so callers rely on the state dir's lock instead."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True
