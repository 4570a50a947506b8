"""``wwiseflowd prune [--dry-run]``: apply ``[retention]`` once (the daemon also does it hourly)."""

from __future__ import annotations

import click

from wwiseflowd.cli import CliState, echo_json


@click.command("prune")
@click.option("--dry-run", is_flag=True, help="Only report what would be removed.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def prune_cmd(state: CliState, dry_run: bool, as_json: bool) -> None:
    """Forget audit files and blobs, memo entries, finished executions and drop-journal rows older
    than ``[retention]`` allows. Nothing an open execution or crash recovery needs is removed."""
    from wwiseflowd.retention import prune_settings

    report = prune_settings(state.settings, dry_run=dry_run)
    if as_json:
        echo_json(report.model_dump())
        return
    for line in report.lines():
        click.echo(line)


commands = [prune_cmd]
