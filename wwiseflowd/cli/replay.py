"""``wwiseflowd replay EXECUTION_ID``: re-apply a recorded execution's changes to a project."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from wwiseflowd.cli import CliState, echo_json, fail


@click.command("replay")
@click.argument("execution_id")
@click.option("--url", help="WAAPI URL of the Wwise Authoring to replay into (default: [wwise] url).")
@click.option("--simulate", is_flag=True, help="Replay into the built-in WAAPI emulator, in-process.")
@click.option("--project", "project_dir", type=click.Path(path_type=Path, file_okay=False),
              help="With --simulate: the emulated project's folder (created when missing).")
@click.option("--dry-run", is_flag=True,
              help="Check, and list the commands with remapped arguments; change nothing.")
@click.option("--allow-changed-audio", is_flag=True,
              help="Import source files even if they changed since the recorded run.")
@click.option("--json", "as_json", is_flag=True, help="Print the replay report as JSON.")
@click.pass_obj
def replay_cmd(
    state: CliState, execution_id: str, url: str | None, simulate: bool, project_dir: Path | None,
    dry_run: bool, allow_changed_audio: bool, as_json: bool,
) -> None:
    """Re-apply the changes of EXECUTION_ID (from the audit log), in order, in one undo group.

    Every precondition (objects, busses, source files and their hashes) is checked before anything
    changes; exit 0 when the replay (or the dry run) is fine, 1 with a code and the objects when not.
    """
    from wwiseflowd.cli.workflows import cli_operations

    if project_dir is not None and not simulate:
        fail("--project only goes with --simulate (the emulated project to replay into).", code=2)
    if url and simulate:
        fail("Give --url or --simulate, not both.", code=2)
    settings = state.settings.model_copy(deep=True)
    if url:
        settings.wwise.url = url
    # without --url/--simulate: on the running daemon's project when one runs, else here
    local = simulate or bool(url)
    with cli_operations(state, settings, local=local, simulate=simulate, project_dir=project_dir) as ops:
        result = ops.replay(execution_id, dry_run, allow_changed_audio)
    if as_json:
        echo_json(result.model_dump())
    else:
        for line in report_lines(result.ok, result.code, result.error, result.data):
            click.echo(line, err=not result.ok and line.startswith(("FAILED", "  [")))
    sys.exit(0 if result.ok else 1)


def report_lines(ok: bool, code: str | None, error: str | None, report: Any) -> list[str]:
    """The replay report as text: the commands (remapped), then the problems."""
    report = report if isinstance(report, dict) else {}
    lines = []
    if ok:
        what = "Would send" if report.get("dryRun") else "Replayed"
        lines.append(f"OK  {what} {len(report.get('steps', []))} command(s) of {report.get('executionId')}"
                     + (f" as {report['replayId']}" if report.get("replayId") else ""))
    else:
        lines.append(f"FAILED  {code}: {error}")
    for step in report.get("steps", []):
        mark = "" if step.get("ok") is None else (" ok" if step["ok"] else f" {step.get('code')}")
        lines.append(f"  {step['index']}. {step['command']}{mark} "
                     f"{json.dumps(step['payload'], ensure_ascii=False)}")
    for problem in report.get("problems", []):
        lines.append(f"  [{problem['code']}] {problem['message']}")
    return lines


commands = [replay_cmd]
