"""The ``wwiseflowd`` command line. One module per group of subcommands; this one holds the root.

Subcommands get shared state (config, plugins) through :class:`CliState` (``click.pass_obj``).
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

import click

from wwiseflowd import __version__
from wwiseflowd.config import ConfigError, LoadedConfig, Settings, load_config
from wwiseflowd.plugins import Plugins, load_plugins

#: modules that each define ``commands: list[click.Command]``
COMMAND_MODULES: tuple[str, ...] = (
    "wwiseflowd.cli.catalog",
    "wwiseflowd.cli.config_cmd",
)


class CliState:
    """Lazily loaded configuration and plugins shared by subcommands."""

    def __init__(self, config_path: Path | None, log_level: str) -> None:
        self.config_path = config_path
        self.log_level = log_level
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
        assert self._loaded is not None
        return self._loaded

    @property
    def settings(self) -> Settings:
        """Shortcut for ``loaded.settings``."""
        return self.loaded.settings

    @property
    def plugins(self) -> Plugins:
        """The loaded plugins for the effective configuration."""
        if self._plugins is None:
            self._plugins = load_plugins(self.settings)
        return self._plugins


def fail(message: str, code: int = 1) -> None:
    """Print ``message`` to stderr and exit with ``code``."""
    click.echo(message, err=True)
    sys.exit(code)


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout."""
    click.echo(json.dumps(data, indent=2, default=str))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wwiseflowd")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="WWISEFLOWD_CONFIG",
    help="Config file (default: WWISEFLOWD_CONFIG, then the user and site config dirs).",
)
@click.option("-v", "--verbose", count=True, help="More output (-v debug, -vv trace).")
@click.option(
    "--log-level",
    type=click.Choice(["TRACE", "DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default=None,
    help="Log level (overrides the config and -v).",
)
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, verbose: int, log_level: str | None) -> None:
    """wwiseflowd: Wwise automation (drop folders, workflows, REST, MCP, a WAAPI emulator)."""
    from wwiseflowd import logs

    level = (log_level or {0: "INFO", 1: "DEBUG"}.get(verbose, "TRACE")).upper()
    if log_level is None and verbose == 0:
        level = "WARNING" if ctx.invoked_subcommand in ("nodes", "plugins", "config", "mcp") else "INFO"
    logs.configure(level)
    ctx.obj = CliState(config_path, level)


for _module in COMMAND_MODULES:
    for _command in importlib.import_module(_module).commands:
        main.add_command(_command)
