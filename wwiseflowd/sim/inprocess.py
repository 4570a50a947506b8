"""The emulator inside another wwiseflowd process (``exec --simulate``, ``run --simulate``).

One way to do it: the project lives under the state dir (``sim-project``), so ``exec --simulate``
and ``run --simulate`` share it, and ``settings.wwise.url`` is pointed at the emulator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from pathlib import Path

    from wwiseflowd.config import Settings
    from wwiseflowd.sim.server import Emulator

SIM_PROJECT_DIRNAME = "sim-project"


def start_in_process(
    settings: Settings, *, latency_ms: float = 0.0, keep_port: bool = False, project_dir: Path | None = None,
) -> Emulator:
    """A started emulator with its project under the state dir (or in ``project_dir``);
    ``settings.wwise.url`` now names it.

    ``keep_port``: try the configured port first, so the backend identity (part of every idemKey)
    stays the same between runs and a second run is served from the memo; any free port otherwise.
    """
    from wwiseflowd.sim.server import Emulator

    project_dir = project_dir or settings.paths.state_dir / SIM_PROJECT_DIRNAME
    sim: Emulator | None = None
    if keep_port:
        port = urlsplit(settings.wwise.url).port
        try:
            sim = Emulator(port=8080 if port is None else port, project_dir=project_dir,
                           latency_ms=latency_ms).start()
        except OSError:
            sim = None
    if sim is None:
        sim = Emulator(port=0, project_dir=project_dir, latency_ms=latency_ms).start()
    settings.wwise.url = sim.url
    return sim
