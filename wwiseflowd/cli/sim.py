"""``wwiseflowd sim``: the WAAPI emulator as its own foreground server."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click

from wwiseflowd.cli import fail


@click.command("sim")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Port (Wwise's default WAAPI port is 8080; 0 picks a free one).")
@click.option("--project", "project_dir", type=click.Path(path_type=Path),
              help="Project directory: loads the emulator project saved there, else the Wwise project "
                   "(.wproj) in it, else creates one named after it; or a .wproj file. "
                   "Default: ./WwiseProject.")
@click.option("--latency-ms", default=0.0, show_default=True, type=click.FloatRange(0),
              help="Delay added to every call (model a busy Wwise).")
@click.option("--call-log", type=click.Path(path_type=Path, dir_okay=False),
              help="Append one JSON line per call (time, session, uri, argBytes, durationMs, error).")
@click.option("--wwise-version",
              help="Emulated Wwise version: 2019.2, 2021.1, 2022.1, 2023.1, 2024.1 or 2025.1 "
                   "(2025.1 renames the hierarchies). Default: the version that saved the loaded "
                   ".wproj, else 2024.1.")
@click.option("--locked", is_flag=True, help="Fault: answer ak.wwise.locked to every call.")
@click.option("--drop-after", type=click.IntRange(0), help="Fault: drop the connection after N calls.")
@click.option("--fail-uri", multiple=True, metavar="URI[=ERROR_URI]",
              help="Fault: fail every call of URI (default error ak.wwise.unexpected_error). Repeatable.")
def sim_cmd(host: str, port: int, project_dir: Path | None, latency_ms: float, call_log: Path | None,
            wwise_version: str | None, locked: bool, drop_after: int | None,
            fail_uri: tuple[str, ...]) -> None:
    """Run the WAAPI emulator in the foreground until SIGINT/SIGTERM."""
    from wwiseflowd.sim import Emulator
    from wwiseflowd.sim.classes import parse_version
    from wwiseflowd.sim.persistence import ProjectFileError

    try:
        version = parse_version(wwise_version) if wwise_version else None
    except ValueError as exc:
        fail(str(exc), code=2)
        return
    if project_dir is None:
        project_dir = Path.cwd() / "WwiseProject"
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"Warning: listening on {host}; anyone who can reach it can edit the emulated project "
                   "(WAAPI has no authentication).", err=True)
    sim = Emulator(host, port, project_dir, latency_ms=latency_ms, call_log=call_log, version=version)
    sim.faults.locked = locked
    sim.faults.drop_after = drop_after
    for entry in fail_uri:
        procedure, _, error_uri = entry.partition("=")
        sim.faults.fail(procedure, error_uri or "ak.wwise.unexpected_error")
    try:
        sim.start()
    except ProjectFileError as exc:
        fail(str(exc), code=2)
    except OSError as exc:
        fail(f"Cannot listen on {host}:{port}: {exc.strerror or exc}. Is Wwise or another emulator "
             "already using that port? Pick another with --port.", code=1)
    stopped = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    click.echo(f"WAAPI emulator (Wwise {sim.version.display_name}) on {sim.url}; project {project_dir}",
               err=True)
    while not stopped.wait(0.5):
        if not sim.running:
            break
    sim.stop()
    click.echo("WAAPI emulator stopped.", err=True)


commands = [sim_cmd]
