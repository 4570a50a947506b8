"""The ``wwiseflowd`` command line. One module per group of subcommands; this one holds the root.

Subcommands get shared state (config, plugins) through :class:`CliState` (``click.pass_obj``).
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from wwiseflowd import __version__
from wwiseflowd.config import ConfigError, LoadedConfig, Settings, load_config
from wwiseflowd.plugins import Plugins, load_plugins

#: modules that each define ``commands: list[click.Command]``
COMMAND_MODULES: tuple[str, ...] = (
    "wwiseflowd.cli.catalog",
    "wwiseflowd.cli.config_cmd",
    "wwiseflowd.cli.workflows",
    "wwiseflowd.cli.mcp",
    "wwiseflowd.cli.sim",
    "wwiseflowd.cli.daemon",
    "wwiseflowd.cli.audit",
    "wwiseflowd.cli.replay",
    "wwiseflowd.cli.prune",
    "wwiseflowd.cli.doctor",
)


#: subcommands whose stdout is data (JSON, MCP): their console log starts at WARNING
QUIET_COMMANDS = frozenset({"nodes", "plugins", "config", "mcp"})
_LEVELS = ("TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL")


class CliState:
    """Lazily loaded configuration and plugins shared by subcommands."""

    def __init__(
        self,
        config_path: Path | None,
        log_level: str,
        *,
        level_from_flags: bool = False,
        quiet: bool = False,
    ) -> None:
        self.config_path = config_path
        self.log_level = log_level
        #: -v or --log-level was given: the config's [logging] level does not apply
        self.level_from_flags = level_from_flags
        self.quiet = quiet
        self._loaded: LoadedConfig | None = None
        self._plugins: Plugins | None = None

    @property
    def loaded(self) -> LoadedConfig:
        """The effective configuration; exits with a readable message when it is invalid."""
        if self._loaded is None:
            try:
                self._loaded = load_config(self.config_path)
            except ConfigError as exc:
                fail(f"Invalid configuration:\n{exc}", code=2)
            if not self.level_from_flags:
                self._apply_config_level(self._loaded.settings.logging.level)
        return self._loaded

    def _apply_config_level(self, level: str) -> None:
        from wwiseflowd import logs

        if self.quiet:
            level = max(level, "WARNING", key=_LEVELS.index)
        if level != self.log_level:
            self.log_level = level
            logs.configure(level)

    def adopt(self, loaded: LoadedConfig, plugins: Plugins) -> None:
        """Use a configuration and plugins loaded already (to find a plugin's command)."""
        self._loaded, self._plugins = loaded, plugins
        if not self.level_from_flags:
            self._apply_config_level(loaded.settings.logging.level)

    @property
    def settings(self) -> Settings:
        """Shortcut for ``loaded.settings``."""
        return self.loaded.settings

    @property
    def plugins(self) -> Plugins:
        """The loaded plugins for the effective configuration."""
        if self._plugins is None:
            try:
                self._plugins = load_plugins(self.settings)
            except ConfigError as exc:  # a plugin's section of the file is wrong
                fail(f"Invalid configuration:\n{exc}", code=2)
        return self._plugins


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` to stderr and exit with ``code``."""
    click.echo(message, err=True)
    sys.exit(code)


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout."""
    click.echo(json.dumps(data, indent=2, default=str))


def resolve_log_level(verbose: int, log_level: str | None, quiet: bool, configured: str = "INFO") -> str:
    """--log-level wins, then -v (debug) / -vv (trace), then the config; data commands start at WARNING."""
    if log_level:
        return log_level.upper()
    if verbose:
        return "DEBUG" if verbose == 1 else "TRACE"
    return max(configured, "WARNING", key=_LEVELS.index) if quiet else configured


#: ctx.meta key of the (config, plugins) loaded to find plugin commands, reused by CliState
_META_LOADED = "wwiseflowd.loaded"


class RootGroup(click.Group):
    """The root group: built-in commands, then those plugins add (``register_cli_commands``).

    Plugins are loaded (with the ``--config`` given) only when a name is not built in or the
    commands are listed, so built-in commands start as fast as before.
    """

    def _plugin_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        cached: dict[str, click.Command] | None = ctx.meta.get("wwiseflowd.plugin_commands")
        if cached is not None:
            return cached
        cached = {}
        ctx.meta["wwiseflowd.plugin_commands"] = cached
        try:
            loaded = load_config(ctx.params.get("config_path"))
            plugins = load_plugins(loaded.settings)
        except ConfigError:
            return cached  # the command that needs the config reports it
        ctx.meta[_META_LOADED] = (loaded, plugins)
        scratch = click.Group(self.name, commands=dict(self.commands))
        plugins.add_cli_commands(scratch)
        cached.update({name: cmd for name, cmd in scratch.commands.items() if name not in self.commands})
        return cached

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A built-in command, else one a plugin added."""
        return super().get_command(ctx, cmd_name) or self._plugin_commands(ctx).get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Built-in and plugin commands, sorted."""
        return sorted({*super().list_commands(ctx), *self._plugin_commands(ctx)})

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a damaged state file ends any command with its sentence, not a traceback."""
        from wwiseflowd.store.doctor import StateFileCorrupt

        try:
            return super().invoke(ctx)
        except StateFileCorrupt as exc:
            fail(str(exc), code=1)


@click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wwiseflowd")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    is_eager=True,  # read before --help, which lists the commands plugins add with this config
    help="Config file (default: WWISEFLOWD_CONFIG, then the user and site config dirs).",
)
@click.option("-v", "--verbose", count=True, help="More output (-v debug, -vv trace).")
@click.option(
    "--log-level",
    type=click.Choice(list(_LEVELS), case_sensitive=False),
    default=None,
    help="Console log level (overrides -v and the config's [logging] level).",
)
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, verbose: int, log_level: str | None) -> None:
    """wwiseflowd: Wwise automation (drop folders, workflows, REST, MCP, a WAAPI emulator)."""
    from wwiseflowd import logs

    quiet = ctx.invoked_subcommand in QUIET_COMMANDS
    level = resolve_log_level(verbose, log_level, quiet)
    logs.configure(level)
    ctx.obj = CliState(config_path, level, level_from_flags=bool(log_level or verbose), quiet=quiet)
    if _META_LOADED in ctx.meta:  # plugins already loaded to find a plugin's command
        ctx.obj.adopt(*ctx.meta[_META_LOADED])


for _module in COMMAND_MODULES:
    for _command in importlib.import_module(_module).commands:
        main.add_command(_command)
