"""The plugin manager: loads built-ins, entry points and the plugins directory, isolates failures.

The rest of the code never calls ``pm.hook.*``; it uses the typed methods of :class:`Plugins`
(tox's pattern). Load order: built-ins (``DEFAULT_PLUGINS``) > entry points in group
``wwiseflowd`` > ``*.py`` files in the plugins directory. Earlier plugins win name clashes.

Hooks are called through ``pm.hook``, so pluggy's call order and options hold as pluggy documents
them: ``tryfirst``/``trylast``, and wrappers (``wrapper=True``, old-style ``hookwrapper=True``)
around the other implementations. Isolation is done around that: each plugin is registered
through :class:`_Isolated`, which hands pluggy its hook functions wrapped so that one that raises
is recorded against its plugin and returns nothing, and the call goes on to the next plugin.
What a registration hook registered is applied per plugin, in load order, and only when that
plugin's hook did not raise, so a half-registered plugin never runs. Wrappers are not isolated
(pluggy drives them as generators): a wrapper that raises fails the whole call, which is recorded
against the wrappers' plugins and registers nothing of that call.

A plugin that fails to import, or whose hook raises, is recorded (``wwiseflowd plugins`` shows it
with the error) and the others still load.

``WWISEFLOWD_TRACE_PLUGINS=1`` writes one JSON line per hook call to stderr (pluggy's hook-call
monitoring: hook, implementations in call order, argument names, duration, error).

Which plugins load:

- ``[plugins] block`` and ``WWISEFLOWD_DISABLE_PLUGINS=a,b`` block plugins, built-ins included;
  a blocked plugin is not even imported, and its hooks never run.
- ``[plugins] allow`` and ``WWISEFLOWD_LOAD_PLUGINS=a,b`` (the env var wins over the config) load
  only the named non-built-in plugins; ``WWISEFLOWD_LOAD_PLUGINS=`` (empty) loads none.
- Names are plugin names as ``wwiseflowd plugins`` shows them; an entry-point plugin also answers
  to its distribution name (``audiocheck`` or ``wwiseflowd-audiocheck``).
- ``WWISEFLOWD_STRICT_PLUGINS=1`` turns every load or hook error into a :class:`PluginError`
  (for plugin developers and CI).
"""

from __future__ import annotations

import contextvars
import difflib
import functools
import importlib
import importlib.metadata
import importlib.util
import json
import os
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import click
import pluggy
from loguru import logger
from pydantic import BaseModel

from wwiseflowd import __version__, hookspecs
from wwiseflowd.config import Settings, section_problems
from wwiseflowd.registration import registration_steps
from wwiseflowd.registry import DuplicateRegistrationError, Registry

ENTRY_POINT_GROUP = hookspecs.PROJECT_NAME
ENV_LOAD = "WWISEFLOWD_LOAD_PLUGINS"
ENV_DISABLE = "WWISEFLOWD_DISABLE_PLUGINS"
ENV_STRICT = "WWISEFLOWD_STRICT_PLUGINS"
ENV_TRACE = "WWISEFLOWD_TRACE_PLUGINS"

#: Built-in behaviour, written as ordinary plugins.
DEFAULT_PLUGINS: tuple[str, ...] = ("wwiseflowd.default_plugins.wwise", "wwiseflowd.default_plugins.fleet")

Source = Literal["builtin", "entry point", "directory", "registered"]
Status = Literal["loaded", "failed", "blocked", "not allowed"]

_SOURCE_ORDER: dict[str, int] = {"builtin": 0, "entry point": 1, "directory": 2, "registered": 3}



class PluginError(Exception):
    """A plugin failed to load or its hook raised, under ``WWISEFLOWD_STRICT_PLUGINS=1``."""


@dataclass
class PluginInfo:
    """One plugin as ``wwiseflowd plugins`` reports it."""

    name: str
    source: Source
    version: str | None = None
    hooks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    loaded: bool = True
    #: loaded, failed (import error), blocked, or not allowed (outside the allow list)
    status: Status = "loaded"
    #: the distribution of an entry-point plugin, the file of a plugins-dir plugin
    origin: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "name": self.name,
            "source": self.source,
            "version": self.version,
            "status": self.status,
            "loaded": self.loaded,
            "origin": self.origin,
            "hooks": sorted(self.hooks),
            "errors": list(self.errors),
        }


def _env_list(name: str) -> list[str] | None:
    raw = os.environ.get(name)
    if raw is None:
        return None
    return [item.strip() for item in raw.split(",") if item.strip()]


def _canonical(name: str) -> str:
    """PEP 503 normalisation, so ``WWiseFlowd_AudioCheck`` matches ``wwiseflowd-audiocheck``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _short_error(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    where = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _strict() -> bool:
    return _flag(ENV_STRICT)


#: plugins whose implementation raised during the hook call running now (see Plugins._call_hook)
_failed_in_call: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar(
    "wwiseflowd_failed", default=None
)
#: the plugin whose hook implementation runs now (set by :class:`_Isolated`'s wrappers)
_current_plugin: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "wwiseflowd_plugin", default=None
)


class _Isolated:
    """A plugin as pluggy sees it: its hook implementations, each wrapped in isolation.

    ``on_error(plugin name, hook name, exception)`` is called instead of letting an
    implementation's exception end the hook call; the implementation then returns None (which
    pluggy leaves out of the results). Wrappers are handed over as they are. The wrapped
    functions are instance attributes because pluggy finds hooks statically (never through
    ``__getattr__``); other attributes are read from the plugin.
    """

    def __init__(
        self,
        plugin: object,
        name: str,
        pm: pluggy.PluginManager,
        on_error: Callable[[str, str, BaseException], None],
    ) -> None:
        self._plugin = plugin
        self._hooks: list[str] = []
        for attr in dir(plugin):
            opts = pm.parse_hookimpl_opts(plugin, attr)
            if opts is None:
                continue
            value = getattr(plugin, attr)
            wrapper = opts.get("wrapper") or opts.get("hookwrapper")
            hook_name = opts.get("specname") or attr
            setattr(self, attr, value if wrapper else _isolate(value, name, hook_name, on_error))
            self._hooks.append(attr)

    def __dir__(self) -> list[str]:
        return list(self._hooks)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._plugin, attr)


def _isolate(
    function: Callable[..., Any], plugin_name: str, hook_name: str,
    on_error: Callable[[str, str, BaseException], None],
) -> Callable[..., Any]:
    """``function`` that reports an exception to ``on_error`` and returns None instead."""

    @functools.wraps(function)  # keeps the hookimpl marker and, via __wrapped__, the argument names
    def isolated(*args: Any, **kwargs: Any) -> Any:
        token = _current_plugin.set(plugin_name)
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            on_error(plugin_name, hook_name, exc)
            return None
        finally:
            _current_plugin.reset(token)
            logger.trace("hook {} of plugin {}: {:.2f} ms", hook_name, plugin_name,
                         (time.perf_counter() - started) * 1000)

    return isolated


def _trace_calls(pm: pluggy.PluginManager) -> None:
    """``WWISEFLOWD_TRACE_PLUGINS=1``: one JSON line per hook call on stderr (datasette's model)."""
    started: dict[int, float] = {}

    def before(hook_name: str, impls: Any, kwargs: Any) -> None:
        started[id(kwargs)] = time.perf_counter()

    def after(outcome: Any, hook_name: str, impls: Any, kwargs: Any) -> None:
        duration = (time.perf_counter() - started.pop(id(kwargs), time.perf_counter())) * 1000
        record = {
            "hook": hook_name,
            # pluggy calls the list from its end: report the real call order
            "plugins": [impl.plugin_name for impl in reversed(impls)],
            "args": sorted(kwargs),
            "durationMs": round(duration, 3),
            "error": None if outcome.exception is None else repr(outcome.exception),
        }
        sys.stderr.write(json.dumps(record) + "\n")

    pm.add_hookcall_monitoring(before, after)


class Plugins:
    """Owns one ``pluggy.PluginManager`` and offers typed wrappers around every hook."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs.WwiseflowdSpecs)
        if _flag(ENV_TRACE):
            _trace_calls(self.pm)
        #: every plugin seen, loaded or not, in load order
        self.infos: dict[str, PluginInfo] = {}
        self._registry: Registry | None = None
        self._allowed: set[str] | None = None
        self._blocked: set[str] = set()

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

        ``allow`` (config) and ``WWISEFLOWD_LOAD_PLUGINS`` (wins when set) restrict non-built-in
        plugins; ``block`` and ``WWISEFLOWD_DISABLE_PLUGINS`` block any plugin, built-ins included.
        """
        env_allow = _env_list(ENV_LOAD)
        chosen = env_allow if env_allow is not None else (list(allow) if allow is not None else None)
        self._allowed = None if chosen is None else {_canonical(n) for n in chosen}
        self._blocked = {_canonical(n) for n in [*block, *(_env_list(ENV_DISABLE) or [])]}
        for name in self._blocked:
            self.pm.set_blocked(name)  # also refuses a later register() under that name

        if builtins:
            for module_name in DEFAULT_PLUGINS:
                short = module_name.rsplit(".", 1)[-1]
                self._load_one(short, "builtin", functools.partial(importlib.import_module, module_name),
                               version=__version__, origin=module_name)
        if entry_points:
            self._load_entry_points()
        if plugins_dir is not None and plugins_dir.is_dir():
            for path in sorted(plugins_dir.glob("*.py")):
                if path.name.startswith(("_", ".")):
                    continue
                self._load_one(path.stem, "directory", functools.partial(_module_from_path, path),
                               origin=str(path))
        self._registry = None
        return self

    def _load_entry_points(self) -> None:
        seen: dict[str, str] = {}
        for dist in importlib.metadata.distributions():
            dist_name = dist.metadata["Name"] if dist.metadata else "?"
            for ep in dist.entry_points:
                if ep.group != ENTRY_POINT_GROUP:
                    continue
                if seen.get(ep.name) == _canonical(dist_name):
                    continue  # the same distribution found twice on sys.path
                seen[ep.name] = _canonical(dist_name)
                self._load_one(ep.name, "entry point", ep.load, version=dist.version,
                               origin=dist_name, aliases=(dist_name,))

    def _selection(self, name: str, source: Source, aliases: Iterable[str]) -> Status | None:
        names = {_canonical(name), *(_canonical(a) for a in aliases)}
        if names & self._blocked:
            return "blocked"
        if source != "builtin" and self._allowed is not None and not names & self._allowed:
            return "not allowed"
        return None

    def _load_one(
        self,
        name: str,
        source: Source,
        importer: Callable[[], Any],
        *,
        version: str | None = None,
        origin: str | None = None,
        aliases: Iterable[str] = (),
    ) -> None:
        info = PluginInfo(name=name, source=source, version=version, origin=origin)
        skipped = self._selection(name, source, aliases)
        previous = self.infos.get(name)
        if previous is not None and (previous.source, previous.origin) == (source, origin):
            return  # load() called again: the same plugin, already handled
        if previous is not None and previous.loaded:
            info.loaded, info.status = False, "failed"
            self._fail(info, f"a plugin named {name!r} is already loaded ({previous.source}, "
                             f"{previous.origin}); rename or remove this one")
            self.infos[f"{name} ({source}: {origin})"] = info
            return
        if previous is not None:  # keep the earlier failed/blocked one visible too
            self.infos[f"{name} ({previous.source}: {previous.origin})"] = self.infos.pop(name)
        self.infos[name] = info
        if skipped is not None:
            info.loaded, info.status = False, skipped
            return
        try:
            plugin = importer()
            self.pm.register(_Isolated(plugin, name, self.pm, self._hook_failed), name=name)
        except Exception as exc:
            info.loaded, info.status = False, "failed"
            self._fail(info, f"failed to load: {_short_error(exc)}", exc)
            return
        if info.version is None:
            declared = getattr(plugin, "__version__", None)
            info.version = None if declared is None else str(declared)
        self._note_hooks(info, self.pm.get_plugin(name))

    def _note_hooks(self, info: PluginInfo, plugin: object) -> None:
        callers = self.pm.get_hookcallers(plugin) or []
        info.hooks = [caller.name for caller in callers]
        for caller in callers:
            if not caller.has_spec():
                self._fail(info, f"implements {caller.name!r}, which is not a wwiseflowd hook "
                                 f"(a typo?); it is never called. See docs/plugins.md")

    def _fail(self, info: PluginInfo, message: str, exc: BaseException | None = None) -> None:
        if message not in info.errors:
            info.errors.append(message)
        logger.warning("Plugin {} ({}): {}", info.name, info.source, message)
        if _strict():
            raise PluginError(f"plugin {info.name!r}: {message}") from exc

    def register(self, plugin: object, name: str) -> None:
        """Register an in-process plugin object (tests, embedding applications).

        A blocked name is refused silently, as pluggy does: the plugin shows as blocked.
        """
        info = PluginInfo(name=name, source="registered", origin=type(plugin).__name__)
        self.infos[name] = info
        self._registry = None
        if self.pm.is_blocked(name) or self._selection(name, "builtin", ()) == "blocked":
            info.loaded, info.status = False, "blocked"
            return
        isolated = _Isolated(plugin, name, self.pm, self._hook_failed)
        self.pm.register(isolated, name=name)
        self._note_hooks(info, isolated)

    def unregister(self, name: str) -> None:
        """Remove a plugin registered with :meth:`register`."""
        if self.pm.has_plugin(name):
            self.pm.unregister(name=name)
        self.infos.pop(name, None)
        self._registry = None

    # -- typed hook wrappers -------------------------------------------------------------------

    def _hook_failed(self, plugin_name: str, hook_name: str, exc: BaseException) -> None:
        """An implementation raised (called by :class:`_Isolated`): record it; the call goes on."""
        failed = _failed_in_call.get()
        if failed is not None:
            failed.add(plugin_name)
        info = self.infos.setdefault(plugin_name, PluginInfo(name=plugin_name, source="registered"))
        self._fail(info, f"hook {hook_name} raised {_short_error(exc)}", exc)

    def _call_hook(self, hook_name: str, **kwargs: Any) -> tuple[list[Any], set[str]]:
        """``pm.hook.<hook_name>(**kwargs)``: the results, and the plugins whose implementation raised.

        An exception that escapes (a wrapper raised, or strict mode) is recorded against the hook's
        wrappers and counts as every plugin failing.
        """
        caller = getattr(self.pm.hook, hook_name)
        failed: set[str] = set()
        token = _failed_in_call.set(failed)
        try:
            return list(caller(**kwargs) or []), failed
        except PluginError:
            raise
        except Exception as exc:
            impls = caller.get_hookimpls()
            wrappers = [i.plugin_name for i in impls if i.wrapper or i.hookwrapper] or ["?"]
            for name in wrappers:
                info = self.infos.setdefault(name, PluginInfo(name=name, source="registered"))
                self._fail(info, f"hook {hook_name} (a wrapper) raised {_short_error(exc)}", exc)
            return [], {i.plugin_name for i in impls}
        finally:
            _failed_in_call.reset(token)

    def _collect(
        self,
        hook_name: str,
        make_register: Callable[[Callable[[Any], None]], Any],
        apply: Callable[[Any, str], None],
        *,
        argument: str = "register",
    ) -> None:
        """Call a registration hook; apply each plugin's records, in load order, if it did not raise."""
        staged: dict[str, list[Any]] = {}

        def stage(record: Any) -> None:
            staged.setdefault(_current_plugin.get() or "?", []).append(record)

        _, failed = self._call_hook(hook_name, **{argument: make_register(stage)})
        order = {name: index for index, name in enumerate(self.infos)}
        for plugin_name in sorted(staged, key=lambda name: order.get(name, len(order))):
            if plugin_name in failed:
                continue  # a hook that raised registers nothing
            for record in staged[plugin_name]:
                try:
                    apply(record, plugin_name)
                except (DuplicateRegistrationError, ValueError) as exc:
                    info = self.infos.setdefault(plugin_name, PluginInfo(plugin_name, "registered"))
                    self._fail(info, str(exc), exc)

    def registry(self) -> Registry:
        """Build (once) the registry of node types, commands, backends ... from all plugins."""
        if self._registry is not None:
            return self._registry
        registry = Registry()
        for hook_name, make_register, apply in registration_steps(registry):
            self._collect(hook_name, make_register, apply)
        self._registry = registry
        return registry

    def record_error(self, plugin_name: str, message: str, exc: BaseException | None = None) -> None:
        """Record a plugin's failure outside a hook call (a front door that did not start).

        Shown by ``wwiseflowd plugins``; raises :class:`PluginError` under strict mode.
        """
        info = self.infos.setdefault(plugin_name, PluginInfo(name=plugin_name, source="registered"))
        self._fail(info, message, exc)

    def check_config(self, settings: Settings) -> list[str]:
        """Validate each plugin section of ``settings`` as strictly as the core's (unknown keys are
        errors with a "did you mean") and hand the valid ones to ``settings.section(name)``.

        A problem becomes an error of the declaring plugin (``wwiseflowd plugins``, ``/health``)
        and the other plugins still work; a table no loaded plugin declares is logged.
        ``wwiseflowd config check`` fails on any of them. Returns every problem as a sentence.
        """
        registry = self.registry()
        problems: list[str] = []
        tables: dict[str, Any] = dict(settings.plugin_tables)
        for name in sorted(set(tables) - set(registry.config_sections)):
            known = sorted(registry.config_sections)
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean [{close[0]}]? " if close else ""
            problems.append(f"config section [{name}] is not declared by any loaded plugin ({hint}"
                            f"plugin sections: {', '.join(known) or 'none'})")
            logger.warning("Config: {}", problems[-1])
        valid: dict[str, BaseModel] = {}
        for name, model in registry.config_sections.items():
            section, found = section_problems(name, model, tables.get(name) or {})
            if section is not None:
                valid[name] = section
            plugin = registry.plugin_of("config section", name) or "?"
            for message in found:
                problems.append(f"config {message}")
                self._fail(self.infos.setdefault(plugin, PluginInfo(plugin, "registered")), problems[-1])
        settings.use_sections(valid)
        return problems

    def add_cli_commands(self, cli: click.Group) -> None:
        """Let every plugin add subcommands to ``cli``; a name already taken is refused."""
        taken = set(cli.commands)
        added: dict[str, str] = {}

        def cli_register(stage: Callable[[Any], None]) -> click.Group:
            return _StagingGroup(stage, cli.name)

        def add_command(command: click.Command, plugin: str) -> None:
            name = command.name or ""
            if name in taken:
                owner = f"plugin {added[name]!r}" if name in added else "wwiseflowd"
                raise ValueError(f"CLI command {name!r} is already provided by {owner}; rename it")
            cli.add_command(command, name)
            taken.add(name)
            added[name] = plugin

        self._collect("register_cli_commands", cli_register, add_command, argument="cli")

    def on_run_finished(self, execution: dict[str, Any]) -> None:
        """Tell every plugin a run finished; a raising plugin is logged and skipped."""
        self._call_hook("on_run_finished", execution=execution)

    # -- introspection ---------------------------------------------------------------------------

    @property
    def errors(self) -> list[str]:
        """Every load or hook error, prefixed with the plugin name."""
        return [f"{info.name}: {err}" for info in self.infos.values() for err in info.errors]

    def describe(self) -> list[dict[str, Any]]:
        """All plugins (loaded or not) as dicts, built-ins first, then by source and name."""
        self.registry()  # hook errors surface only once hooks ran
        infos = sorted(self.infos.values(), key=lambda i: (_SOURCE_ORDER[i.source], i.name))
        return [info.as_dict() for info in infos]


class _StagingGroup(click.Group):
    """What ``register_cli_commands`` gets as ``cli``: commands added to it are staged, then added
    to the real root per plugin (only if that plugin's hook did not raise)."""

    def __init__(self, stage: Callable[[Any], None], name: str | None) -> None:
        super().__init__(name)
        self._stage = stage

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        """Stage ``cmd`` (under ``name`` when given)."""
        if name is not None and name != cmd.name:
            cmd.name = name
        self._stage(cmd)


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


def load_plugins(settings: Settings | None = None, *, entry_points: bool = True) -> Plugins:
    """A loaded :class:`Plugins` for ``settings``, whose plugin sections are then validated
    (:meth:`Plugins.check_config`)."""
    plugins = Plugins()
    if settings is None:
        return plugins.load(entry_points=entry_points)
    plugins.load(
        plugins_dir=settings.paths.plugins_dir,
        allow=settings.plugins.allow,
        block=settings.plugins.block,
        entry_points=entry_points,
    )
    plugins.check_config(settings)
    return plugins
