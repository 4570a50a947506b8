"""``wwiseflowd config show|check``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from wwiseflowd.cli import CliState, echo_json, fail
from wwiseflowd.config import ConfigError, candidate_paths, flatten, load_config
from wwiseflowd.plugins import load_plugins

#: keys whose values are never printed
SECRET_KEYS = frozenset({"server.token"})


def _masked(flat: dict[str, Any]) -> dict[str, Any]:
    return {k: ("********" if k in SECRET_KEYS and v is not None else v) for k, v in flat.items()}


@click.group("config")
def config_group() -> None:
    """Inspect and validate configuration."""


@config_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print the effective config as JSON.")
@click.pass_obj
def show(state: CliState, as_json: bool) -> None:
    """Print the effective configuration and where each value came from (secrets masked)."""
    loaded = state.loaded
    state.plugins  # noqa: B018 - validates the plugins' sections of the file
    values = _masked(flatten(loaded.settings.model_dump(mode="json")))
    origins = dict(loaded.origins)
    for name, section in loaded.settings.plugin_sections().items():
        written = set(flatten(loaded.settings.plugin_tables().get(name, {}), name))
        for key, value in flatten(section.model_dump(mode="json"), name).items():
            values[key] = value
            origins[key] = str(loaded.source) if key in written else "default"
    if as_json:
        echo_json({
            "source": str(loaded.source) if loaded.source else None,
            "foundBy": loaded.found_by,
            "values": {k: {"value": v, "origin": origins.get(k, "default")}
                       for k, v in sorted(values.items())},
        })
        return
    if loaded.source is None:
        looked = ", ".join(str(p) for p in candidate_paths())
        click.echo(f"# config file: none (built-in defaults; looked in WWISEFLOWD_CONFIG, {looked})")
    else:
        click.echo(f"# config file: {loaded.source} (found by {loaded.found_by})")
    width = max((len(k) for k in values), default=0)
    for key in sorted(values):
        rendered = json.dumps(values[key], default=str)
        click.echo(f"{key:<{width}} = {rendered:<40}  # {origins.get(key, 'default')}")


@config_group.command("check")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def check(file: Path) -> None:
    """Validate FILE; exit 0 when valid, 2 with each problem (file:line: dotted.key: ...) when not."""
    try:
        loaded = load_config(file)
        load_plugins(loaded.settings)  # the plugins' sections are checked too
    except ConfigError as exc:
        fail(str(exc), code=2)
    click.echo(f"{file}: OK ({len(loaded.settings.watch)} watch rule(s))")


commands = [config_group]
