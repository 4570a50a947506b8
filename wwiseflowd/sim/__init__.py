"""The WAAPI emulator (``wwiseflowd sim``): a WAMP server over a stateful Wwise project model.

``from wwiseflowd.sim import Emulator``; see docs/emulator.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wwiseflowd.sim.server import Emulator, Faults

__all__ = ["Emulator", "Faults"]


def __getattr__(name: str) -> Any:
    # the server pulls in websockets; the model (used by the WAQL engine alone) must not need it
    if name in __all__:
        from wwiseflowd.sim import server

        return getattr(server, name)
    raise AttributeError(name)
