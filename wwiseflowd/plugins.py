"""The plugin manager: loads built-ins, entry points and the plugins directory, isolates failures.

The rest of the code never calls ``pm.hook.*``; it uses the typed methods of :class:`Plugins`.
Load order: built-ins (``DEFAULT_PLUGINS``) > entry points in group ``wwiseflowd`` > ``*.py`` in
the plugins directory. A plugin that fails to import, or whose hook raises, is recorded in
:attr:`Plugins.errors` (shown by ``wwiseflowd plugins``) and the others still load.

Environment controls: ``WWISEFLOWD_LOAD_PLUGINS=a,b`` loads only those non-built-in plugins
(empty: none); ``WWISEFLOWD_DISABLE_PLUGINS=a,b`` blocks plugins; ``WWISEFLOWD_STRICT_PLUGINS=1``
turns load errors into exceptions (for plugin developers).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import pluggy
from loguru import logger
from pydantic import BaseModel

from wwiseflowd import hookspecs
from wwiseflowd.registry import (
    BackendFactory,
    CommandHandler,
    CommandSpec,
    DuplicateRegistrationError,
    NodeSpec,
    Registry,
)

ENTRY_POINT_GROUP = hookspecs.PROJECT_NAME
ENV_LOAD = "WWISEFLOWD_LOAD_PLUGINS"
ENV_DISABLE = "WWISEFLOWD_DISABLE_PLUGINS"
ENV_STRICT = "WWISEFLOWD_STRICT_PLUGINS"

#: Built-in behaviour, written as ordinary plugins.
DEFAULT_PLUGINS: tuple[str, ...] = ()

Source = Literal["builtin", "entry point", "directory", "registered"]


@dataclass
class PluginInfo:
    """One plugin as ``wwiseflowd plugins`` reports it."""

    name: str
    source: Source
    version: str | None = None
    hooks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    loaded: bool = True

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "name": self.name,
            "source": self.source,
            "version": self.version,
            "hooks": sorted(self.hooks),
            "loaded": self.loaded,
            "errors": list(self.errors),
        }


def _env_list(name: str) -> list[str] | None:
    raw = os.environ.get(name)
    if raw is None:
        return None
    return [item.strip() for item in raw.split(",") if item.strip()]


def _short_error(exc: BaseException) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" ({Path(frame.filename).name}:{frame.lineno})" if frame else ""
    return f"{type(exc).__name__}: {exc}{where}"


class Plugins:
    """Owns one ``pluggy.PluginManager`` and offers typed wrappers around every hook."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs.WwiseflowdSpecs)
        self.infos: dict[str, PluginInfo] = {}
        self._registry: Registry | None = None

    # -- loading ---------------------------------------------------------------------------

    def load(
        self,
        *,
        plugins_dir: Path | None = None,
        allow: Iterable[str] | None = None,
        block: Iterable[str] = (),
        entry_points: bool = True,
        builtins: bool = True,
    ) -> Plugins:
        """Load built-ins, entry-point plugins and the plugins directory.

        ``allow`` (config) and ``WWISEFLOWD_LOAD_PLUGINS`` restrict non-built-in plugins;
        ``block`` and ``WWISEFLOWD_DISABLE_PLUGINS`` block any plugin, built-ins included.
        """
        env_allow = _env_list(ENV_LOAD)
        allowed = set(env_allow) if env_allow is not None else (set(allow) if allow is not None else None)
        blocked = set(block) | set(_env_list(ENV_DISABLE) or [])
        for name in blocked:
            self.pm.set_blocked(name)

        if builtins:
            for module_name in DEFAULT_PLUGINS:
                short = module_name.rsplit(".", 1)[-1]
                if short in blocked:
                    continue
                self._guarded(short, "builtin", lambda m=module_name: importlib.import_module(m))
        if entry_points:
            self._load_entry_points(allowed, blocked)
        if plugins_dir is not None and plugins_dir.is_dir():
            for path in sorted(plugins_dir.glob("*.py")):
                name = path.stem
                if name in blocked or (allowed is not None and name not in allowed):
                    continue
                self._guarded(name, "directory", lambda p=path: _module_from_path(p))
        self._registry = None
        return self

    def _load_entry_points(self, allowed: set[str] | None, blocked: set[str]) -> None:
        for dist in importlib.metadata.distributions():
            for ep in dist.entry_points:
                if ep.group != ENTRY_POINT_GROUP:
                    continue
                if ep.name in blocked or (allowed is not None and ep.name not in allowed):
                    continue
                if self.pm.has_plugin(ep.name) or ep.name in self.infos:
                    continue
                version = dist.metadata.get("version") if dist.metadata else None
                self._guarded(ep.name, "entry point", ep.load, version=version)

    def _guarded(
        self,
        name: str,
        source: Source,
        importer: Callable[[], Any],
        version: str | None = None,
    ) -> None:
        info = PluginInfo(name=name, source=source, version=version)
        self.infos[name] = info
        try:
            plugin = importer()
            self.pm.register(plugin, name=name)
        except Exception as exc:
            if os.environ.get(ENV_STRICT) == "1":
                raise
            info.loaded = False
            info.errors.append(f"failed to load: {_short_error(exc)}")
            logger.warning("Plugin {} ({}) failed to load: {}", name, source, _short_error(exc))
            return
        info.hooks = [impl.name for impl in self.pm.get_hookcallers(plugin) or []]

    def register(self, plugin: object, name: str) -> None:
        """Register an in-process plugin object (tests, embedding applications)."""
        self.pm.register(plugin, name=name)
        self.infos[name] = PluginInfo(
            name=name,
            source="registered",
            hooks=[hc.name for hc in self.pm.get_hookcallers(plugin) or []],
        )
        self._registry = None

    def unregister(self, name: str) -> None:
        """Remove a plugin registered with :meth:`register`."""
        self.pm.unregister(name=name)
        self.infos.pop(name, None)
        self._registry = None

    # -- typed hook wrappers -------------------------------------------------------------------

    def _call_each(self, hook_name: str, **kwargs: Any) -> None:
        """Call ``hook_name`` on each plugin separately so we know who registered what."""
        caller = getattr(self.pm.hook, hook_name)
        for impl in caller.get_hookimpls():
            plugin_name = self.pm.get_name(impl.plugin) or repr(impl.plugin)
            args = {arg: kwargs[arg] for arg in impl.argnames if arg in kwargs}
            bound = {
                key: (value(plugin_name) if key == "register" and callable(value) else value)
                for key, value in args.items()
            }
            try:
                impl.function(**bound)
            except DuplicateRegistrationError as exc:
                self._record_error(plugin_name, str(exc))
            except Exception as exc:
                if os.environ.get(ENV_STRICT) == "1":
                    raise
                self._record_error(plugin_name, f"hook {hook_name} raised {_short_error(exc)}")

    def _record_error(self, plugin_name: str, message: str) -> None:
        info = self.infos.setdefault(plugin_name, PluginInfo(name=plugin_name, source="registered"))
        info.errors.append(message)
        logger.warning("Plugin {}: {}", plugin_name, message)

    def registry(self) -> Registry:
        """Build (once) the registry of node types, commands and backends from all plugins."""
        if self._registry is not None:
            return self._registry
        registry = Registry()

        def node_register(plugin: str) -> Callable[[NodeSpec], None]:
            return lambda spec: registry.add_node_type(spec, plugin)

        def command_register(plugin: str) -> Callable[..., None]:
            def register(
                name: str,
                handler: CommandHandler,
                input_model: type[BaseModel],
                description: str = "",
                read_only: bool = False,
            ) -> None:
                registry.add_command(
                    CommandSpec(name, handler, input_model, description, read_only), plugin
                )

            return register

        def backend_register(plugin: str) -> Callable[[str, BackendFactory], None]:
            return lambda name, factory: registry.add_backend(name, factory, plugin)

        self._call_each("register_node_types", register=node_register)
        self._call_each("register_commands", register=command_register)
        self._call_each("register_backends", register=backend_register)
        self._registry = registry
        return registry

    def on_run_finished(self, execution: dict[str, Any]) -> None:
        """Tell every plugin a run finished; a raising plugin is logged and skipped."""
        self._call_each("on_run_finished", execution=execution)

    # -- introspection ---------------------------------------------------------------------------

    @property
    def errors(self) -> list[str]:
        """Every load or hook error, prefixed with the plugin name."""
        return [f"{info.name}: {err}" for info in self.infos.values() for err in info.errors]

    def describe(self) -> list[dict[str, Any]]:
        """All plugins (loaded or not) as dicts, built-ins first then by name."""
        self.registry()  # hook errors surface only once hooks ran
        order = {"builtin": 0, "entry point": 1, "directory": 2, "registered": 3}
        return [
            info.as_dict()
            for info in sorted(self.infos.values(), key=lambda i: (order[i.source], i.name))
        ]


def _module_from_path(path: Path) -> ModuleType:
    """Import a plugins-directory file as its own module (datasette's module_from_path)."""
    module_name = f"wwiseflowd_plugins_dir.{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def load_plugins(settings: Any = None, *, entry_points: bool = True) -> Plugins:
    """A loaded :class:`Plugins` for ``settings`` (a :class:`~wwiseflowd.config.Settings`)."""
    plugins = Plugins()
    if settings is None:
        return plugins.load(entry_points=entry_points)
    return plugins.load(
        plugins_dir=settings.paths.plugins_dir,
        allow=settings.plugins.allow,
        block=settings.plugins.block,
        entry_points=entry_points,
    )
