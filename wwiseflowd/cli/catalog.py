"""``wwiseflowd plugins`` and ``wwiseflowd nodes``: what the loaded plugins provide."""

from __future__ import annotations

from typing import Any

import click

from wwiseflowd.cli import CliState, echo_json


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def plugins_cmd(ctx: click.Context, as_json: bool) -> None:
    """List plugins: name, version, source, status, hooks implemented and load errors."""
    state: CliState = ctx.obj
    root = ctx.find_root().command
    if isinstance(root, click.Group):  # the CLI hook's errors too (a clash with a built-in command)
        state.plugins.add_cli_commands(click.Group(root.name, commands=dict(root.commands)))
    plugins = state.plugins.describe()
    if as_json:
        echo_json(plugins)
        return
    if not plugins:
        click.echo("no plugins (none installed, or all filtered by [plugins] / WWISEFLOWD_LOAD_PLUGINS)")
    for info in plugins:
        version = f" {info['version']}" if info["version"] else ""
        status = "" if info["status"] == "loaded" else f"  [{info['status'].upper()}]"
        origin = f", {info['origin']}" if info["origin"] else ""
        click.echo(f"{info['name']}{version}  ({info['source']}{origin}){status}")
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
            click.echo(f"    {mark} {name}: {schema_kind(schema)}")
        if entry["outputs"]:
            click.echo(f"    -> {', '.join(entry['outputs'])}")


def schema_kind(schema: dict[str, Any]) -> str:
    """A JSON schema as a short type name: ``string``, ``array[integer] | null``, ``Model``."""
    if "anyOf" in schema:
        return " | ".join(schema_kind(option) for option in schema["anyOf"])
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "enum" in schema:
        return " | ".join(repr(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array" and "items" in schema:
        return f"array[{schema_kind(schema['items'])}]"
    return str(kind)


commands = [plugins_cmd, nodes_cmd]
