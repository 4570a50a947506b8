"""``wwiseflowd plugins`` and ``wwiseflowd nodes``: what the loaded plugins provide."""

from __future__ import annotations

import json

import click

from wwiseflowd.cli import CliState, echo_json


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def plugins_cmd(state: CliState, as_json: bool) -> None:
    """List plugins: name, version, source, hooks implemented and load errors."""
    plugins = state.plugins.describe()
    if as_json:
        echo_json(plugins)
        return
    for info in plugins:
        version = f" {info['version']}" if info["version"] else ""
        status = "" if info["loaded"] else "  [NOT LOADED]"
        click.echo(f"{info['name']}{version}  ({info['source']}){status}")
        if info["hooks"]:
            click.echo(f"    hooks: {', '.join(info['hooks'])}")
        for err in info["errors"]:
            click.echo(f"    error: {err}")


@click.command("nodes")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output with JSON schemas.")
@click.pass_obj
def nodes_cmd(state: CliState, as_json: bool) -> None:
    """List node types with their inputs (JSON schema), outputs and plugin."""
    catalog = state.plugins.registry().catalog()
    if as_json:
        echo_json(catalog)
        return
    for entry in catalog:
        click.echo(f"{entry['type']}  {entry['title']}  (plugin: {entry['plugin']})")
        click.echo(f"    {entry['description']}")
        props = entry["inputs"].get("properties", {})
        required = set(entry["inputs"].get("required", []))
        for name, schema in props.items():
            mark = "*" if name in required else " "
            kind = schema.get("type") or json.dumps(schema.get("anyOf", schema.get("$ref", "")))
            click.echo(f"    {mark} {name}: {kind}")
        if entry["outputs"]:
            click.echo(f"    -> {', '.join(entry['outputs'])}")


commands = [plugins_cmd, nodes_cmd]
