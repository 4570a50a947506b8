"""The shape every emulated WAAPI function shares: ``handler(waapi, session, args, returns) -> reply``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from wwiseflowd.sim.functions import Session, Waapi

Args: TypeAlias = dict[str, Any]
#: ``options.return`` as the caller gave it (None: the default id + name)
Returns: TypeAlias = list[str] | None
Reply: TypeAlias = dict[str, Any]
Handler: TypeAlias = Callable[["Waapi", "Session", Args, Returns], Reply]

__all__ = ["Args", "Handler", "Reply", "Returns"]
