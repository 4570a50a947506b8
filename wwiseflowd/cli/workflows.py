"""``wwiseflowd exec`` and ``wwiseflowd validate``: workflows from the command line."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from wwiseflowd.cli import CliState, echo_json, fail
from wwiseflowd.compiler import compile_workflow
from wwiseflowd.config import Settings
from wwiseflowd.documents import PATH_FORMAT, InputSpec, declared_inputs, find_workflow, read_workflow_file
from wwiseflowd.operations import EventSink, LocalOperations, Operations, RunRequest
from wwiseflowd.results import ErrorCode, Result
from wwiseflowd.runner import new_execution_id

if TYPE_CHECKING:  # imported where used: every command loads with the CLI, the daemon's run too
    from wwiseflowd.sim.dryrun import ChangeReport, DryRunOutcome


def parse_inputs(pairs: tuple[str, ...], document: Any, base: Path) -> dict[str, Any] | Result:
    """``k=v`` pairs as workflow inputs.

    A declared ``string`` input keeps ``v`` as text; others take ``v`` as JSON when it parses
    (``n=3``, ``files='["a.wav"]'``) and as text otherwise. Inputs declared with
    ``"format": "path"`` are made absolute: given values against the current directory, defaults
    against the workflow file's directory (``base``).
    """
    declared = declared_inputs(document)
    inputs: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            return Result.failure(ErrorCode.INVALID_INPUT, f"--input {pair!r} must look like name=value.")
        spec = declared.get(name, InputSpec())
        value: Any = raw
        if spec.type != "string":
            try:
                value = json.loads(raw)
            except ValueError:
                value = raw
        if spec.format == PATH_FORMAT and isinstance(value, str):
            value = str(Path(value).expanduser().resolve())
        inputs[name] = value
    for name, spec in declared.items():
        if name not in inputs and spec.format == PATH_FORMAT and isinstance(spec.default, str):
            inputs[name] = str((base / Path(spec.default).expanduser()).resolve())
    return inputs


@contextlib.contextmanager
def simulated(settings: Settings, enabled: bool, project_dir: Path | None = None) -> Iterator[Settings]:
    """With ``enabled``: a WAAPI emulator in-process (project in ``project_dir``, default under the
    state dir) and settings pointing at it; otherwise ``settings`` unchanged."""
    if not enabled:
        yield settings
        return
    from wwiseflowd.sim.inprocess import start_in_process

    simulated_settings = settings.model_copy(deep=True)
    with start_in_process(simulated_settings, keep_port=True, project_dir=project_dir) as sim:
        click.echo(f"Simulating Wwise with the built-in emulator at {sim.url} (project: {sim.project_dir})",
                   err=True)
        yield simulated_settings


def _progress_line(event: dict[str, Any]) -> str | None:
    if event.get("type") == "node.finished":
        mark = "ok" if event["ok"] else "FAILED"
        cached = " (cached)" if event.get("cached") else ""
        code = f" {event['code']}" if event.get("code") else ""
        return f"  {mark} {event['nodeId']} ({event['nodeType']}){cached}{code} {event['durationMs']:.1f} ms"
    return None


def error_place(err: dict[str, Any]) -> str:
    """Where a compile error is: ``node.field``, the node alone, the field alone, or ``-``."""
    parts = [str(part) for part in (err.get("nodeId"), err.get("field")) if part]
    return ".".join(parts) or "-"


def _summary(result: dict[str, Any]) -> list[str]:
    lines = [f"{'OK' if result['ok'] else 'FAILED'}  {result['workflowId']}  {result['executionId']}  "
             f"{result['durationMs']:.0f} ms"]
    if not result["ok"]:
        lines.append(f"  {result.get('code')}: {result.get('error')}")
        for err in result.get("errors") or []:
            lines.append(f"    [{err['code']}] {error_place(err)}: {err['message']}")
        if result.get("rolledBack"):
            lines.append("  The run was rolled back: the project is as it was before.")
    return lines


def resolve_flow(state: CliState, flow: Path) -> Path:
    """FLOW as given when it is a file, else the workflow with that id (workflows dir, built-ins)."""
    from wwiseflowd.watch.workflows import BUILTIN_ID, builtin_workflow_path

    if flow.is_file():
        return flow
    shipped = {BUILTIN_ID: builtin_workflow_path(), **state.plugins.registry().workflows}
    return find_workflow(str(flow), state.settings.paths.workflows_dir, shipped) or flow


@click.command("exec")
@click.argument("flow", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--url", help="WAAPI URL of Wwise Authoring (default: [wwise] url); implies --local.")
@click.option("--simulate", is_flag=True, help="Run against the built-in WAAPI emulator, in-process.")
@click.option("--input", "input_pairs", multiple=True, metavar="NAME=VALUE",
              help="A workflow input ($input:NAME); repeatable. JSON values are parsed.")
@click.option("--force", is_flag=True, help="Ignore the idempotency memo: run every node again.")
@click.option("--no-rollback", is_flag=True, help="On failure keep the changes made so far.")
@click.option("--json", "as_json", is_flag=True, help="Print the full execution result as JSON.")
@click.option("--local", is_flag=True,
              help="Run in this process even when a daemon is running (default: the daemon runs it).")
@click.option("--project", "dry_project", type=click.Path(path_type=Path, exists=True),
              help="Dry run: run against an in-memory copy of this Wwise project (.wproj or its folder) "
                   "and print what the run would change; the project's files are never written.")
@click.option("--dry-run", is_flag=True, help="Same as --simulate with --project (needs --project).")
@click.option("--wwise-version", help="With --project: emulate this Wwise version instead of the .wproj's.")
@click.option("--report", "report_file", type=click.Path(path_type=Path, dir_okay=False),
              help="With --project: also write the change report as JSON to this file.")
@click.option("--junit", "junit_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write a JUnit XML report (one test case: this workflow) to this file.")
@click.pass_obj
def exec_cmd(
    state: CliState, flow: Path, url: str | None, simulate: bool, input_pairs: tuple[str, ...],
    force: bool, no_rollback: bool, as_json: bool, local: bool, dry_project: Path | None, dry_run: bool,
    wwise_version: str | None, report_file: Path | None, junit_file: Path | None,
) -> None:
    """Compile and run the workflow FLOW once; exit 0 when it succeeded, 1 when not.

    FLOW is a workflow file, or the id of a workflow in the workflows directory or shipped
    built-in (``auto-import``, ``reaper-to-wwise`` from wwiseflowd-reaper, ...).

    With a daemon running (``wwiseflowd run``), the daemon runs it: one engine, one WAAPI
    connection, one run ledger. ``--local``, ``--simulate``, ``--project`` and ``--url`` run it in
    this process. ``--project`` (a dry run) also prints what the run would change in that project."""
    from wwiseflowd import logs

    settings = state.settings.model_copy(deep=True)
    if not state.level_from_flags and state.log_level == "INFO":
        logs.configure("WARNING")  # the progress lines below say the same, more briefly
    flow = resolve_flow(state, flow)
    read = read_workflow_file(flow)
    inputs = parse_inputs(input_pairs, read.data, flow.parent) if read.ok else read
    if isinstance(inputs, Result):
        _fail_result(inputs, as_json)
        return
    if url:
        settings.wwise.url = url
    if dry_run and dry_project is None:
        fail("--dry-run needs --project path/to/Game.wproj (the Wwise project to try the workflow on).",
             code=2)
    request = RunRequest(document=read.data, inputs=inputs, force=force,
                         rollback=False if no_rollback else None, execution_id=new_execution_id())
    show = _progress_printer(not as_json or sys.stderr.isatty())
    changes: ChangeReport | None = None
    if dry_project is not None:
        outcome, changes = _dry_run(state, settings, request, dry_project, wwise_version, show)
    else:
        local = local or simulate or bool(url)
        outcome = _run(state, settings, request, show, local=local, simulate=simulate)
    execution = outcome.data if isinstance(outcome.data, dict) and "executionId" in outcome.data else None
    if junit_file is not None:
        _exec_junit(junit_file, flow.name, execution or outcome.model_dump(), changes)
    if execution is None:  # it never started: the document or a path was refused
        _fail_result(outcome, as_json)
        return
    if report_file is not None and changes is not None:
        report_file.write_text(changes.model_dump_json(indent=2), encoding="utf-8")
    if as_json:
        echo_json({**execution, "changes": changes.model_dump()} if changes is not None else execution)
    else:
        for line in _summary(execution):
            click.echo(line)
        if changes is not None:
            from wwiseflowd.sim.dryrun import render_text

            click.echo(render_text(changes))
    sys.exit(0 if outcome.ok else 1)


def _exec_junit(path: Path, name: str, execution: dict[str, Any], changes: ChangeReport | None) -> None:
    """The exec's JUnit report: one test case, the dry run's change report as its output."""
    from wwiseflowd import junit
    from wwiseflowd.sim.dryrun import render_text

    junit.write(path, "wwiseflowd exec", [junit.case_from_result(
        name, "dry-run" if changes is not None else "exec", execution,
        seconds=execution.get("durationMs", 0) / 1000,
        output=render_text(changes) if changes is not None else "")])


def _run(state: CliState, settings: Settings, request: RunRequest, show: EventSink | None, *,
         local: bool, simulate: bool) -> Result:
    """The run through the service layer; Ctrl+C cancels it and waits for its outcome."""
    with cli_operations(state, settings, local=local, simulate=simulate) as ops:
        try:
            return ops.run(request, show)
        except KeyboardInterrupt:
            click.echo("Cancelling (Ctrl+C again to abandon)...", err=True)
            ops.cancel(str(request.execution_id))
            return ops.wait(str(request.execution_id))


def _dry_run(state: CliState, settings: Settings, request: RunRequest, project: Path, version: str | None,
             show: EventSink | None) -> DryRunOutcome:
    """The run on a read-only copy of ``project``, or exit 2 with the loader's sentence."""
    from wwiseflowd.sim.dryrun import run_dry
    from wwiseflowd.sim.persistence import ProjectFileError

    click.echo(f"Dry run on {project} (in memory; the project's files are not written).", err=True)
    try:
        return run_dry(settings, state.plugins, request, project, version, show)
    except (ProjectFileError, ValueError) as exc:
        fail(str(exc), code=2)
        raise  # fail() exits; this keeps the type checker informed


@contextlib.contextmanager
def cli_operations(
    state: CliState, settings: Settings, *, local: bool, simulate: bool, project_dir: Path | None = None,
) -> Iterator[Operations]:
    """The running daemon's client unless ``local``; else an engine in this process (``simulate``:
    against an emulator, its project in ``project_dir`` or under the state dir)."""
    from wwiseflowd.operations.client import connect_daemon

    # without a config file, the machine's daemon (e.g. make demo's) counts as "the running daemon"
    client = None if local else connect_daemon(settings, machine=state.loaded.source is None)
    if client is not None:
        click.echo(f"Running on the wwiseflowd {client.where} (--local runs it here).", err=True)
        with contextlib.closing(client):
            yield client
        return
    from wwiseflowd.engine import Engine

    with simulated(settings, simulate, project_dir) as run_settings, \
            Engine(run_settings, state.plugins) as engine:
        yield LocalOperations(engine)


def _progress_printer(show: bool) -> EventSink | None:
    def show_line(event: dict[str, Any]) -> None:
        line = _progress_line(event)
        if line:
            click.echo(line, err=True)

    return show_line if show else None


def _fail_result(result: Result, as_json: bool) -> None:
    if as_json:
        echo_json(result.model_dump())
        sys.exit(1)
    lines = [f"{result.code}: {result.error}"]
    errors = result.data.get("errors") if isinstance(result.data, dict) else None
    for err in errors or []:
        lines.append(f"    [{err['code']}] {error_place(err)}: {err['message']}")
    fail("\n".join(lines))


@click.command("validate")
@click.argument("flows", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--junit", "junit_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write a JUnit XML report (one test case per workflow file) to this file.")
@click.pass_obj
def validate_cmd(state: CliState, flows: tuple[Path, ...], junit_file: Path | None) -> None:
    """Compile each FLOW (a file or a workflow id) without running it; print the plan (exit 0) or
    every error (exit 1) as JSON (one object for one FLOW, a list for several)."""
    results = []
    for flow in flows:
        read = read_workflow_file(resolve_flow(state, flow))
        result = compile_workflow(read.data, state.plugins.registry()) if read.ok else read
        results.append(result.model_dump())
    if junit_file is not None:
        from wwiseflowd import junit

        cases = [junit.case_from_result(f.name, "validate", r) for f, r in zip(flows, results, strict=True)]
        junit.write(junit_file, "wwiseflowd validate", cases)
    echo_json(results[0] if len(results) == 1 else results)
    sys.exit(0 if all(r["ok"] for r in results) else 1)


commands = [exec_cmd, validate_cmd]
