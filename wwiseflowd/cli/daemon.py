"""``wwiseflowd run``, ``wwiseflowd status`` and ``wwiseflowd service print``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from wwiseflowd.cli import CliState, echo_json, fail


@click.command("run")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Config file (same as the global --config).",
)
@click.option("--simulate", is_flag=True, help="Run the built-in WAAPI emulator in-process instead of Wwise.")
@click.option(
    "--sim-latency-ms",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="With --simulate: delay each emulated WAAPI call (to feel a real Wwise).",
)
@click.option(
    "--progress",
    type=click.Choice(["auto", "text", "json", "off"]),
    default="auto",
    show_default=True,
    help="What the daemon is doing, on stdout: files seen, settling, waiting, imported, failed. "
    "auto = text on a terminal, JSON lines otherwise.",
)
@click.pass_obj
def run_cmd(
    state: CliState, config_path: Path | None, simulate: bool, sim_latency_ms: float, progress: str
) -> None:
    """The daemon, in the foreground: drop folders, workflow files, REST. Stop with Ctrl+C or SIGTERM."""
    from wwiseflowd import logs
    from wwiseflowd.daemon import AlreadyRunning, RunOptions, run_daemon
    from wwiseflowd.progress import resolve_mode

    if config_path is not None:
        state.config_path = config_path
    settings = state.settings
    # on a terminal the progress lines say what INFO logs would, so the console shows warnings and up
    # (unless -v/--log-level asked otherwise); the JSON log file keeps the configured level
    on_terminal = resolve_mode(progress, sys.stdout) == "text"  # type: ignore[arg-type]
    quiet = on_terminal and not state.level_from_flags and state.log_level in ("INFO", "SUCCESS")
    console_level = "WARNING" if quiet else None
    if settings.logging.json_file or console_level:
        logs.configure(
            state.log_level,
            json_file=settings.paths.logs_dir / "wwiseflowd.jsonl" if settings.logging.json_file else None,
            rotation=settings.logging.rotation,
            retention=settings.logging.retention,
            console_level=console_level,
        )
    try:
        code = run_daemon(
            settings,
            RunOptions(
                simulate=simulate,
                config_path=state.loaded.source,
                sim_latency_ms=sim_latency_ms,
                progress=progress,
            ),
        )
    except AlreadyRunning as exc:
        fail(str(exc), code=3)
    except (ValueError, OSError, RuntimeError) as exc:
        # bad rule set, port in use, unreadable folder...: say what, without a traceback
        fail(f"wwiseflowd could not start: {exc}", code=2)
    sys.exit(code)


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.option("--local", is_flag=True,
              help="Only this config's state dir (default: also the machine's running daemon).")
@click.option("--fleet", "fleet", is_flag=True, help="Every daemon sharing the Redis store (as GET /fleet).")
@click.pass_obj
def status_cmd(state: CliState, as_json: bool, local: bool, fleet: bool) -> None:
    """Queue depth per rule, recent batches, failures and each backend's connection.

    Without a config file, and no daemon on the default state dir, it reports the machine's
    running daemon (e.g. the one ``make demo`` started); ``--local`` only looks at this config."""
    from wwiseflowd.daemon.instance import read_machine_pointer
    from wwiseflowd.daemon.status import collect_status, format_status

    if fleet:
        _fleet_status(state, as_json)
        return
    settings = state.settings
    status = collect_status(settings)
    pointer = None if local or status["running"] or state.loaded.source else read_machine_pointer()
    if pointer is not None and pointer.get("stateDir"):
        elsewhere = settings.model_copy(deep=True)
        elsewhere.paths.state_dir = Path(str(pointer["stateDir"]))
        status = collect_status(elsewhere)
    if as_json:
        echo_json(status)
    else:
        click.echo(format_status(status))


def _fleet_status(state: CliState, as_json: bool) -> None:
    """``status --fleet``: read from Redis, so it works on any machine of the fleet."""
    if state.settings.store.backend != "redis":
        fail('status --fleet needs [store] backend = "redis" and its url (docs/fleet.md)')
    from wwiseflowd.fleet.door import fleet_view
    from wwiseflowd.store.redis_store import StoreUnavailable

    try:
        view = fleet_view(state.settings)
    except StoreUnavailable as exc:
        fail(str(exc))
    if as_json:
        echo_json(view)
        return
    for daemon in view["daemons"]:
        beat = "alive" if daemon["alive"] else "SILENT"
        click.echo(f"{daemon['id']}  pid {daemon['pid']}  {beat} (last beat {daemon['heartbeatAt']})  "
                   f"serves {', '.join(daemon['serves']) or '-'}  running {len(daemon['running'])}  "
                   f"queued {daemon['queueDepth']}")
    if not view["daemons"]:
        click.echo("No daemon has joined this fleet.")


@click.group("service")
def service_group() -> None:
    """Service definitions (systemd, launchd, Windows/WinSW) for this machine."""


@service_group.command("print")
@click.argument("kind", type=click.Choice(["systemd", "launchd", "windows"]))
@click.pass_obj
def service_print(state: CliState, kind: str) -> None:
    """Print the service file for KIND with this machine's python, config and directories."""
    from wwiseflowd.config import candidate_paths
    from wwiseflowd.system_service import ServicePaths, render_service

    config = state.loaded.source or candidate_paths()[0]
    if state.loaded.source is None:
        click.echo(f"# no config file yet: create {config} (see config/wwiseflowd.toml)", err=True)
    settings = state.settings
    paths = ServicePaths.for_this_machine(Path(config), settings.paths.state_dir, settings.paths.logs_dir)
    click.echo(render_service(kind, paths), nl=False)  # type: ignore[arg-type]


commands: list[click.Command] = [run_cmd, status_cmd, service_group]
