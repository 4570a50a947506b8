"""``wwiseflowd audit`` (query), ``audit verify`` and ``audit export``: the audit trail from the CLI."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from wwiseflowd.cli import CliState, echo_json, fail

SOURCES = ("daemon", "cli", "rest", "mcp", "editor", "replay")


def _time(text: str | None, option: str) -> datetime | None:
    from wwiseflowd.audit import parse_since

    if not text:
        return None
    try:
        return parse_since(text)
    except ValueError as exc:
        fail(f"{option}: {exc}", code=2)


def _trail(state: CliState) -> Any:
    from wwiseflowd.audit import AuditTrail

    return AuditTrail.for_settings(state.settings)


@click.group("audit", invoke_without_command=True)
@click.option("--execution", "execution_id", help="Only the commands of this execution.")
@click.option("--since", help="Only entries since then: 10m, 2h, 3d or an ISO time.")
@click.option("--until", help="Only entries before then (same forms as --since).")
@click.option("--command", "command", help="Only this bus command, e.g. audio_import.")
@click.option("--object", "object_ref", help="Only commands naming this object id, or this path or below.")
@click.option("--code", help="Only results with this error code (OK: only successes).")
@click.option("--source", type=click.Choice(SOURCES), help="Only commands from this front door.")
@click.option("--limit", type=int, default=1000, show_default=True, help="At most this many entries.")
@click.option("--json", "as_json", is_flag=True, help="A JSON array of entries (full payloads and results).")
@click.option("--local", is_flag=True, help="Read this config's audit trail even when a daemon is running.")
@click.pass_context
def audit_group(
    ctx: click.Context, execution_id: str | None, since: str | None, until: str | None, command: str | None,
    object_ref: str | None, code: str | None, source: str | None, limit: int, as_json: bool, local: bool,
) -> None:
    """Show the audit log: every bus command run, with its full payload and result."""
    if ctx.invoked_subcommand is not None:
        return
    from wwiseflowd.audit import AuditFilter
    from wwiseflowd.cli.workflows import cli_operations

    state: CliState = ctx.obj
    query = AuditFilter(
        since=_time(since, "--since"), until=_time(until, "--until"), execution_id=execution_id,
        command=command, object=object_ref, code=code, source=source, limit=max(1, limit),
    )
    # through the running daemon when there is one (one service layer), else read here
    with cli_operations(state, state.settings, local=local, simulate=False) as ops:
        found = ops.audit(query)
    if not found.ok:
        fail(f"{found.code}: {found.error}")
    entries = found.data["items"]
    if as_json:
        echo_json(entries)
        return
    for entry in entries:
        click.echo(entry_line(entry))


#: payloads and results longer than this are cut in the text view (``--json`` has them whole)
SHOWN_CHARS = 240


def entry_line(entry: dict[str, Any]) -> str:
    """One entry as text: time, command, source, execution/node, duration, outcome; then the payload
    and the result's data on indented lines (cut at :data:`SHOWN_CHARS`)."""
    result = entry.get("result") or {}
    status = "ok" if result.get("ok") else f"{result.get('code')}: {result.get('error')}"
    where = f" {entry['executionId']}/{entry.get('node')}" if entry.get("executionId") else ""
    lines = [f"{entry.get('time')} {entry.get('command')} [{entry.get('source')}]{where} "
             f"{float(entry.get('durationMs') or 0):.1f} ms  {status}"]
    for label, value in (("payload", entry.get("payload")), ("result", result.get("data"))):
        if value not in (None, {}, []):
            text = json.dumps(value, ensure_ascii=False, default=str)
            lines.append(f"    {label}: {text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + ' ...'}")
    return "\n".join(lines)


@audit_group.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def verify_cmd(state: CliState, as_json: bool) -> None:
    """Check the hash chain and the blobs; exit 1 naming the file and line that does not verify.

    Reads the files in this process (never through the daemon): a check must not trust the writer.
    """
    trail = _trail(state)
    try:
        report = trail.verify()
    finally:
        trail.close()
    if as_json:
        echo_json(report.as_dict())
    elif report.ok:
        click.echo(f"OK: {report.lines} lines in {report.files} files and {report.blobs} blob "
                   f"references verify.")
    else:
        for problem in report.problems:
            click.echo(f"{trail.directory / problem.file} line {problem.line}: {problem.reason}", err=True)
        click.echo(f"FAILED: {len(report.problems)} problem(s) in {report.lines} lines.", err=True)
    sys.exit(0 if report.ok else 1)


@audit_group.command("export")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--since", help="From this time: 10m, 2h, 3d or an ISO time.")
@click.option("--until", help="Until this time (same forms).")
@click.pass_obj
def export_cmd(state: CliState, out: Path, since: str | None, until: str | None) -> None:
    """Write the entries of a time range, verbatim, and their blobs to OUT as one JSONL file."""
    trail = _trail(state)
    try:
        report = trail.export(out, _time(since, "--since"), _time(until, "--until"))
    finally:
        trail.close()
    echo_json(report.as_dict())


commands = [audit_group]
