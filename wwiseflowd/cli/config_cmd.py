"""``wwiseflowd config show|check``."""

from __future__ import annotations

from pathlib import Path

import click

from wwiseflowd.cli import CliState, echo_json, fail
from wwiseflowd.config import ConfigError, flatten, load_config


@click.group("config")
def config_group() -> None:
    """Inspect and validate configuration."""


@config_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print the effective config as JSON.")
@click.pass_obj
def show(state: CliState, as_json: bool) -> None:
    """Print the effective configuration and where each value came from."""
    loaded = state.loaded
    if as_json:
        echo_json({"source": loaded.source, "settings": loaded.settings.model_dump(mode="json"),
                   "origins": loaded.origins})
        return
    click.echo(f"# config file: {loaded.source or '(none: built-in defaults)'}")
    flat = loaded.origins
    values = flatten(loaded.settings.model_dump(mode="json"))
    width = max((len(k) for k in values), default=0)
    for key in sorted(values):
        click.echo(f"{key:<{width}} = {values[key]!r:<40}  # {flat.get(key, 'default')}")


@config_group.command("check")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def check(file: Path) -> None:
    """Validate FILE; exit 0 when valid, 2 with each problem (file and dotted key) when not."""
    try:
        loaded = load_config(file)
    except ConfigError as exc:
        fail(str(exc), code=2)
        return
    click.echo(f"{file}: OK ({len(loaded.settings.watch)} watch rule(s))")


commands = [config_group]
