"""``wwiseflowd status``: what the daemon is doing, from the running daemon when there is one.

The running daemon is found through ``runtime.json`` in the state dir (pid + REST address); its
``/health`` gives the live Wwise connection, watchers and queue depths. Batches and failures come
from the drop journal, which can be read while the daemon writes it (SQLite WAL). Without a running
daemon everything comes from the journal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wwiseflowd.config import Settings, WatchConfig
from wwiseflowd.daemon.instance import is_locked, pid_alive, read_runtime
from wwiseflowd.daemon.rules import DropRule
from wwiseflowd.store.journal import ACTIVE_STATES, JOURNAL_FILENAME, Journal


def _live_health(runtime: dict[str, Any], settings: Settings, timeout: float) -> dict[str, Any] | None:
    url = runtime.get("apiUrl")
    if not url:
        return None
    import httpx

    headers = {"Authorization": f"Bearer {settings.server.token}"} if settings.server.token else {}
    try:
        response = httpx.get(f"{url}/health", headers=headers, timeout=timeout)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    body = response.json()
    return body if isinstance(body, dict) else None


def collect_status(settings: Settings, *, timeout: float = 3.0) -> dict[str, Any]:
    """The status dict: ``{running, pid, apiUrl, backends, rules, watchers, batches, failures, source}``."""
    state_dir = settings.paths.state_dir
    runtime = read_runtime(state_dir) or {}
    pid = int(runtime.get("pid") or 0)
    running = bool(runtime) and pid_alive(pid) and is_locked(state_dir)
    out: dict[str, Any] = {
        "running": running,
        "pid": pid if running else None,
        "startedAt": runtime.get("startedAt") if running else None,
        "apiUrl": runtime.get("apiUrl") if running else None,
        "stateDir": str(state_dir),
        "simulate": bool(runtime.get("simulate")) if running else False,
        "source": "journal",
        "backends": None,
        "watchers": {},
    }
    health = _live_health(runtime, settings, timeout) if running else None
    counts, out["batches"], out["failures"] = _from_journal(state_dir)
    if health is not None:
        out["source"] = "daemon"
        out["backends"] = health.get("backends")
        out["watchers"] = health.get("watchers") or {}
        out["workflowsInError"] = health.get("workflowsInError") or []
        out["problems"] = health.get("problems") or []
        out["rules"] = [dict(r) for r in health.get("queues") or []]
    else:
        out["rules"] = [_configured_rule(config, counts) for config in settings.watch]
    return out


def _from_journal(
    state_dir: Path,
) -> tuple[dict[str, dict[str, int]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(counts by rule, recent batches, recent failures) from the journal, empty without one."""
    if not (state_dir / JOURNAL_FILENAME).exists():
        return {}, [], []
    journal = Journal.in_state_dir(state_dir)
    try:
        return (
            journal.counts_by_rule(),
            [b.as_dict() for b in journal.recent_batches(10)],
            [f.as_dict() for f in journal.recent_failures(10)],
        )
    finally:
        journal.close()


def _configured_rule(config: WatchConfig, counts: dict[str, dict[str, int]]) -> dict[str, Any]:
    rule = DropRule.from_config(config)
    c = counts.get(rule.id, {})
    return {
        "rule": rule.id,
        "folder": str(rule.folder),
        "target": config.target,
        "workflow": config.workflow,
        "queueDepth": sum(c.get(s.value, 0) for s in ACTIVE_STATES),
        "states": c,
    }


def _backend_line(name: str, state: dict[str, Any]) -> str:
    if "connected" not in state:
        return f"{name}:  ready"
    where = f" {state['url']}" if state.get("url") else ""
    if state.get("connected"):
        version = state.get("version") or ""
        project = state.get("project") or state.get("projectName") or ""
        return f"{name}:  connected to{where} {version} {project}".rstrip()
    reason = state.get("error") or state.get("lastError") or "not reachable"
    return f"{name}:  NOT connected{' to' + where if where else ''} ({reason}); batches wait in the queue"


def format_status(status: dict[str, Any]) -> str:
    """Human-readable lines for the terminal."""
    lines = [_daemon_line(status), *_backend_lines(status), "rules:"]
    if not status["rules"]:
        lines.append("  (none: add a [[watch]] section to the config)")
    for rule in status["rules"]:
        lines += _rule_lines(rule, status.get("watchers") or {})
    if status["batches"]:
        lines.append("recent batches:")
        lines += [_batch_line(b) for b in status["batches"]]
    if status["failures"]:
        lines.append("recent failures:")
        lines += [f"  {f['relPath']} [{f['code']}] {f['error']}" for f in status["failures"]]
    lines += [f"problem: {problem}" for problem in status.get("problems") or []]
    lines += [
        f"workflow file in error: {w.get('file')} ({w.get('id')})"
        for w in status.get("workflowsInError") or []
    ]
    return "\n".join(lines)


def _daemon_line(status: dict[str, Any]) -> str:
    if not status["running"]:
        return f"daemon: not running (state dir {status['stateDir']}); showing the journal"
    api = f", REST {status['apiUrl']}" if status.get("apiUrl") else ", REST off"
    sim = ", simulating Wwise" if status.get("simulate") else ""
    return f"daemon: running (pid {status['pid']}, since {status.get('startedAt')}{api}{sim})"


def _backend_lines(status: dict[str, Any]) -> list[str]:
    backends = status.get("backends")
    if isinstance(backends, dict):
        return [_backend_line(name, state) for name, state in backends.items() if isinstance(state, dict)]
    return ["backends: unknown (REST is off or did not answer)"] if status["running"] else []


def _rule_lines(rule: dict[str, Any], watchers: dict[str, Any]) -> list[str]:
    states = rule.get("states") or {}
    watcher = watchers.get(str(rule.get("folder"))) or rule.get("watcher")
    alive = ""
    if isinstance(watcher, dict):
        alive = f", watcher {watcher.get('mode')} {'alive' if watcher.get('alive') else 'DOWN'}"
    done, failed = states.get("done", 0), states.get("failed", 0)
    lines = [
        f"  {rule.get('rule')}: {rule.get('folder')} -> {rule.get('target')}  "
        f"queue {rule.get('queueDepth', 0)} (done {done}, failed {failed}){alive}"
    ]
    for waiting in rule.get("waiting") or []:
        lines.append(f"    waiting {waiting['waitingS']:.0f} s: {waiting['file']} ({waiting['reason']})")
    return lines


def _batch_line(b: dict[str, Any]) -> str:
    error = f"  [{b['code']}] {b['error']}" if b.get("state") == "waiting" and b.get("error") else ""
    return (
        f"  #{b['id']} {b['rule']} {b['state']}: {b['files']} file(s), {b['imported']} imported, "
        f"{b['failed']} failed, {b['skipped']} already there  "
        f"{b.get('finishedAt') or b.get('createdAt')}{error}"
    )
