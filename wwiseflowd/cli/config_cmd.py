"""``wwiseflowd config show|check``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

from wwiseflowd.cli import CliState, echo_json, fail
from wwiseflowd.config import ConfigError, candidate_paths, flatten, load_config
from wwiseflowd.plugins import Plugins

#: keys whose values are never printed
SECRET_KEYS = frozenset({"server.token"})


#: a key whose last part contains one of these is a secret too (plugin sections: web_password ...)
SECRET_WORDS = ("password", "token", "secret")
_URL_PASSWORD = re.compile(r"(://[^:/@]*:)[^@/]+@")


def _masked(flat: dict[str, Any]) -> dict[str, Any]:
    def secret(key: str) -> bool:
        last = key.rsplit(".", 1)[-1].lower()
        return key in SECRET_KEYS or any(word in last for word in SECRET_WORDS)

    def hidden(value: Any) -> Any:  # a password written in a URL (redis://:pw@host) is a secret too
        return _URL_PASSWORD.sub(r"\1********@", value) if isinstance(value, str) else value

    return {k: ("********" if secret(k) and v is not None else hidden(v)) for k, v in flat.items()}


@click.group("config")
def config_group() -> None:
    """Inspect and validate configuration."""


@config_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print the effective config as JSON.")
@click.pass_obj
def show(state: CliState, as_json: bool) -> None:
    """Print the effective configuration and where each value came from (secrets masked)."""
    loaded = state.loaded
    settings = loaded.settings
    sections = state.plugins.registry().config_sections  # check_config ran when they loaded
    values = _masked(flatten(settings.model_dump(mode="json")))
    origins = dict(loaded.origins)
    for name in sections:
        written = set(flatten(settings.plugin_section(name), name))
        try:
            effective = settings.section(name).model_dump(mode="json")
        except KeyError:  # invalid: show it as written (wwiseflowd plugins says what is wrong)
            effective = settings.plugin_section(name)
        for key, value in flatten(effective, name).items():
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
    if not file.exists():  # named here as an argument, not by --config: say so plainly
        fail(f"{file}: file not found; check the path (config check FILE takes the file to check)", code=2)
    try:
        loaded = load_config(file)
    except ConfigError as exc:
        fail(str(exc), code=2)
    problems = Plugins().load(
        plugins_dir=loaded.settings.paths.plugins_dir, allow=loaded.settings.plugins.allow,
        block=loaded.settings.plugins.block,
    ).check_config(loaded.settings)  # the plugins' sections too
    if problems:
        fail("\n".join(f"{file}: {problem}" for problem in problems), code=2)
    click.echo(f"{file}: OK ({len(loaded.settings.watch)} watch rule(s))")


commands = [config_group]
