"""``wwiseflowd exec`` and ``wwiseflowd validate``: workflows from the command line."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from wwiseflowd.cli import CliState, echo_json, fail
from wwiseflowd.compiler import compile_workflow
from wwiseflowd.config import Settings
from wwiseflowd.results import ErrorCode, Result

#: a declared input with this format holds a file path (relative ones are made absolute)
PATH_FORMAT = "path"


def read_document(path: Path) -> dict[str, Any] | Result:
    """The workflow document in ``path`` (id defaults to the file name), or a failed Result."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Result.failure(ErrorCode.FILE_NOT_FOUND, f"Workflow file {path} does not exist.")
    except OSError as exc:
        return Result.failure(ErrorCode.FILE_NOT_FOUND, f"Cannot read workflow file {path}: {exc.strerror}.")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        return Result.failure(
            ErrorCode.INVALID_INPUT,
            f"Workflow file {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).",
        )
    if isinstance(document, dict):
        document.setdefault("id", path.stem)
    return document


def parse_inputs(pairs: tuple[str, ...], document: Any, base: Path) -> dict[str, Any] | Result:
    """``k=v`` pairs as workflow inputs.

    A declared ``string`` input keeps ``v`` as text; others take ``v`` as JSON when it parses
    (``n=3``, ``files='["a.wav"]'``) and as text otherwise. Inputs declared with
    ``"format": "path"`` are made absolute: given values against the current directory, defaults
    against the workflow file's directory (``base``).
    """
    declared = document.get("inputs") if isinstance(document, dict) else None
    declared = declared if isinstance(declared, dict) else {}
    inputs: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            return Result.failure(ErrorCode.INVALID_INPUT, f"--input {pair!r} must look like name=value.")
        found = declared.get(name)
        spec: dict[str, Any] = found if isinstance(found, dict) else {}
        value: Any = raw
        if spec.get("type") != "string":
            try:
                value = json.loads(raw)
            except ValueError:
                value = raw
        if spec.get("format") == PATH_FORMAT and isinstance(value, str):
            value = str(Path(value).expanduser().resolve())
        inputs[name] = value
    for name, spec in declared.items():
        if (
            name not in inputs and isinstance(spec, dict) and spec.get("format") == PATH_FORMAT
            and isinstance(spec.get("default"), str)
        ):
            inputs[name] = str((base / Path(spec["default"]).expanduser()).resolve())
    return inputs


@contextlib.contextmanager
def simulated(settings: Settings, enabled: bool, project_dir: Path | None = None) -> Iterator[Settings]:
    """With ``enabled``: a WAAPI emulator in-process (project in ``project_dir``, default under the
    state dir) and settings pointing at it; otherwise ``settings`` unchanged."""
    if not enabled:
        yield settings
        return
    from wwiseflowd.sim import Emulator

    project_dir = project_dir or Path(settings.paths.state_dir) / "sim-project"
    # the configured port when free: the backend identity (part of every idemKey) stays the same
    # between runs, so a second exec is served from the memo; any free port otherwise
    port = urlsplit(settings.wwise.url).port
    sim = Emulator(port=8080 if port is None else port, project_dir=project_dir)
    try:
        sim.start()
    except OSError:
        sim = Emulator(port=0, project_dir=project_dir)
        sim.start()
    with sim:
        simulated_settings = settings.model_copy(deep=True)
        simulated_settings.wwise.url = sim.url
        click.echo(f"Simulating Wwise with the built-in emulator at {sim.url} (project: {project_dir})",
                   err=True)
        yield simulated_settings


def _progress_line(event: dict[str, Any]) -> str | None:
    if event["type"] == "node.finished":
        mark = "ok" if event["ok"] else "FAILED"
        cached = " (cached)" if event.get("cached") else ""
        code = f" {event['code']}" if event.get("code") else ""
        return f"  {mark} {event['nodeId']} ({event['nodeType']}){cached}{code} {event['durationMs']:.1f} ms"
    return None


def _summary(result: dict[str, Any]) -> list[str]:
    lines = [f"{'OK' if result['ok'] else 'FAILED'}  {result['workflowId']}  {result['executionId']}  "
             f"{result['durationMs']:.0f} ms"]
    if not result["ok"]:
        lines.append(f"  {result.get('code')}: {result.get('error')}")
        for err in result.get("errors") or []:
            where = f"{err['nodeId']}.{err['field']}" if err.get("nodeId") else (err.get("field") or "-")
            lines.append(f"    [{err['code']}] {where}: {err['message']}")
        if result.get("rolledBack"):
            lines.append("  The run was rolled back: the project is as it was before.")
    return lines


@click.command("exec")
@click.argument("flow", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--url", help="WAAPI URL of Wwise Authoring (default: [wwise] url).")
@click.option("--simulate", is_flag=True, help="Run against the built-in WAAPI emulator, in-process.")
@click.option("--input", "input_pairs", multiple=True, metavar="NAME=VALUE",
              help="A workflow input ($input:NAME); repeatable. JSON values are parsed.")
@click.option("--force", is_flag=True, help="Ignore the idempotency memo: run every node again.")
@click.option("--no-rollback", is_flag=True, help="On failure keep the changes made so far.")
@click.option("--json", "as_json", is_flag=True, help="Print the full execution result as JSON.")
@click.pass_obj
def exec_cmd(
    state: CliState, flow: Path, url: str | None, simulate: bool, input_pairs: tuple[str, ...],
    force: bool, no_rollback: bool, as_json: bool,
) -> None:
    """Compile and run the workflow FLOW.json once; exit 0 when it succeeded, 1 when not."""
    from wwiseflowd import logs
    from wwiseflowd.engine import Engine

    settings = state.settings.model_copy(deep=True)
    if not state.level_from_flags and state.log_level == "INFO":
        logs.configure("WARNING")  # the progress lines below say the same, more briefly
    document = read_document(flow)
    inputs = document if isinstance(document, Result) else parse_inputs(input_pairs, document, flow.parent)
    if isinstance(inputs, Result):
        _fail_result(inputs, as_json)
        return
    if url:
        settings.wwise.url = url
    with simulated(settings, simulate) as run_settings, Engine(run_settings, state.plugins) as engine:
        show_progress = not as_json or sys.stderr.isatty()
        with engine.events.subscribe() as sub:
            execution_id = engine.submit(document, inputs, force=force,
                                         rollback=False if no_rollback else None, source="cli")
            try:
                _follow(engine, sub, execution_id, show_progress)
            except KeyboardInterrupt:
                click.echo("Cancelling (Ctrl+C again to abandon)...", err=True)
                engine.cancel(execution_id)
            result = engine.wait(execution_id)
    assert result is not None
    data = result.model_dump(mode="json")
    if as_json:
        echo_json(data)
    else:
        for line in _summary(data):
            click.echo(line)
    sys.exit(0 if result.ok else 1)


def _follow(engine: Any, sub: Any, execution_id: str, show: bool) -> None:
    """Print progress events of ``execution_id`` until it finished."""
    while True:
        event = sub.get(timeout=0.2)
        if event is None:
            if engine.wait(execution_id, timeout=0) is not None:
                return
            continue
        if event.get("executionId") != execution_id:
            continue
        if event["type"] == "run.finished":
            return
        line = _progress_line(event) if show else None
        if line and event["type"] == "node.finished":
            click.echo(line, err=True)


def _fail_result(result: Result, as_json: bool) -> None:
    if as_json:
        echo_json(result.model_dump())
        sys.exit(1)
    fail(f"{result.code}: {result.error}")


@click.command("validate")
@click.argument("flow", type=click.Path(path_type=Path, dir_okay=False))
@click.pass_obj
def validate_cmd(state: CliState, flow: Path) -> None:
    """Compile FLOW.json without running it; print the plan (exit 0) or every error (exit 1) as JSON."""
    document = read_document(flow)
    if isinstance(document, Result):
        result = document
    else:
        result = compile_workflow(document, state.plugins.registry())
    echo_json(result.model_dump())
    sys.exit(0 if result.ok else 1)


commands = [exec_cmd, validate_cmd]
