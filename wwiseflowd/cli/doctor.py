"""``wwiseflowd doctor [--repair]``: check the state dir's databases; move damaged ones aside."""

from __future__ import annotations

import click

from wwiseflowd.cli import CliState, echo_json, fail


@click.command("doctor")
@click.option("--repair", is_flag=True, help="Move damaged databases aside (renamed *.corrupt-<time>).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.pass_obj
def doctor_cmd(state: CliState, repair: bool, as_json: bool) -> None:
    """Check every database in the state dir opens and passes SQLite's quick check. With --repair,
    damaged ones are moved aside; the drop journal is rebuilt by the next rescan and reconciliation.
    Exit code 1 when something is damaged and was not repaired."""
    from wwiseflowd.daemon.instance import is_locked
    from wwiseflowd.store.doctor import check_state_dir, repair_state_dir

    state_dir = state.settings.paths.state_dir
    if repair and is_locked(state_dir):
        fail(f"The daemon is running on {state_dir}; stop it before 'wwiseflowd doctor --repair'.", code=3)
    findings = check_state_dir(state_dir) if state_dir.exists() else []
    moved = repair_state_dir(state_dir) if repair and any(not f.ok for f in findings) else []
    if as_json:
        echo_json({"stateDir": str(state_dir), "findings": [f.as_dict() for f in findings],
                   "movedAside": {str(f.path): str(to) for f, to in moved}})
    else:
        click.echo(f"state dir: {state_dir}")
        for finding in findings:
            click.echo(f"  {'ok     ' if finding.ok else 'DAMAGED'} {finding.path.name}"
                       + ("" if finding.ok else f": {finding.detail}"))
        for finding, target in moved:
            click.echo(f"  moved {finding.path.name} aside to {target.name}; it is rebuilt on the next start")
        if any(not f.ok for f in findings) and not repair:
            click.echo("Run 'wwiseflowd doctor --repair' to move the damaged file(s) aside.")
    if any(not f.ok for f in findings) and not repair:
        raise SystemExit(1)


commands = [doctor_cmd]
