"""The built-in Wwise plugin: the locked WAAPI adapter (backend ``wwise``), its bus commands and node types.

An ordinary plugin (listed in ``wwiseflowd.plugins.DEFAULT_PLUGINS``): ``adapter.py`` is the only
code that talks WAAPI (built on ``link.py``, ``reads.py`` and ``writes.py``), ``commands.py`` holds
the bus commands, ``nodes.py`` the node types.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from wwiseflowd.default_plugins.wwise.adapter import WaapiAdapter
from wwiseflowd.default_plugins.wwise.commands import BACKEND, COMMANDS
from wwiseflowd.default_plugins.wwise.nodes import RESOURCE, register_all
from wwiseflowd.hookspecs import hookimpl

if TYPE_CHECKING:
    from wwiseflowd.config import Settings
    from wwiseflowd.registry import BackendFactory, NodeSpec


class WwiseBackendFactory:
    """Creates the adapter from ``[wwise]``; ``resource`` tells the engine which node resource it serves."""

    resource = RESOURCE

    def __call__(self, settings: Settings) -> WaapiAdapter:
        return WaapiAdapter.from_settings(settings)


@hookimpl
def register_backends(register: Callable[[str, BackendFactory], None]) -> None:
    """Backend ``wwise``: one :class:`WaapiAdapter` per engine, serving resource ``waapi``."""
    register(BACKEND, WwiseBackendFactory())


@hookimpl
def register_bus_commands(register: Callable[..., None]) -> None:
    """The Wwise bus commands (create_sound, audio_import, set_output_bus, ...)."""
    for name, handler, model, description, read_only in COMMANDS:
        register(name, handler, model, description=description, read_only=read_only)


@hookimpl
def register_node_types(register: Callable[[NodeSpec], None]) -> None:
    """The Wwise node types (createSound, audioImport, setOutputBus, projectSave, ...)."""
    register_all(register)


__all__ = ["WaapiAdapter", "WwiseBackendFactory"]
