"""The demo (``make demo``): the daemon on built-in defaults, Wwise simulated, a drop folder here.

    python demo/run_demo.py

Starts ``wwiseflowd run --simulate`` with ./demo/drop watched and its state (journal, the
emulator's saved project, logs) under ./demo/state, then says where to drop files. In another
terminal, ``python demo/make_wavs.py`` writes a few WAVs into the drop folder; watch them being
imported in the log, moved to demo/drop/processed/, and saved into the emulator's project.
Stop with Ctrl+C.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DROP = HERE / "drop"
REAPER_DROP = HERE / "reaper"
#: the REAPER stand-in of plugins/wwiseflowd-reaper (not REAPER), when that plugin is installed
REAPER_SIM = Path(sys.executable).parent / "wwiseflowd-reaper-sim"
STATE = HERE / "state"
EXAMPLES = HERE.parent / "config" / "workflows"
#: the README's REST example body: four-node.json with its input made absolute
REQUEST = STATE / "four-node.request.json"
TARGET = "\\\\Actor-Mixer Hierarchy\\\\Default Work Unit\\\\Demo"


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def write_config() -> Path:
    """The demo's config file, under demo/state (paths absolute, so it works from any cwd)."""
    STATE.mkdir(parents=True, exist_ok=True)
    DROP.mkdir(parents=True, exist_ok=True)
    port = 8765 if _port_free(8765) else 0
    config = STATE / "demo.toml"
    config.write_text(
        "\n".join(
            [
                "# written by demo/run_demo.py",
                "[paths]",
                f"state_dir = {json.dumps(str(STATE))}",
                f"logs_dir = {json.dumps(str(STATE / 'logs'))}",
                f"workflows_dir = {json.dumps(str(STATE / 'workflows'))}",
                f"plugins_dir = {json.dumps(str(STATE / 'plugins'))}",
                "[server]",
                f"port = {port}",
                "# requests may read the drop folder and the example WAVs the README's REST example sends",
                f"allowed_roots = [{json.dumps(str(DROP))}, {json.dumps(str(EXAMPLES / 'assets'))}]",
                "[[watch]]",
                f"folder = {json.dumps(str(DROP))}",
                'name = "demo"',
                f'target = "{TARGET}"',
                "settle_ms = 1000",
                "create_events = true",
                *reaper_lines(),
                "",
            ]
        ),
        encoding="utf-8",
    )
    write_request()
    return config


def write_request() -> Path:
    """``demo/state/four-node.request.json``: the body for ``POST /workflows/execute``.

    Paths sent to the daemon must be absolute (a relative one is refused with INVALID_INPUT), so the
    example WAV is named by its absolute path here, for this clone.
    """
    document = json.loads((EXAMPLES / "four-node.json").read_text(encoding="utf-8"))
    body = {"workflow": document, "inputs": {"file": str(EXAMPLES / "assets" / "Footstep_01.wav")}}
    REQUEST.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    return REQUEST


def reaper_lines() -> list[str]:
    """With wwiseflowd-reaper installed: renders by its stand-in, and a drop rule on demo/reaper/*.rpp."""
    if not REAPER_SIM.exists():
        return []
    REAPER_DROP.mkdir(parents=True, exist_ok=True)
    return [
        "[reaper]",
        f"executable = {json.dumps(str(REAPER_SIM))}",
        "[[watch]]",
        f"folder = {json.dumps(str(REAPER_DROP))}",
        'name = "reaper"',
        'patterns = ["*.rpp", "*.RPP"]',
        'workflow = "reaper-drop"',
        f'target = "{TARGET}\\\\REAPER"',
        'on_success = "leave"',
        'on_failure = "leave"',
        "settle_ms = 1000",
    ]


def _banner_when_ready(proc: subprocess.Popen[bytes]) -> None:
    runtime = STATE / "runtime.json"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            info = json.loads(runtime.read_text(encoding="utf-8"))
            if info.get("pid") == proc.pid:
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    else:
        return
    python = Path(sys.executable)
    lines = [
        "",
        "=" * 72,
        " wwiseflowd demo is running (Wwise is simulated by the built-in emulator)",
        f"   drop WAV files into:  {DROP}",
        f"   sample WAVs:          {python} {HERE / 'make_wavs.py'}",
        *([f"   a REAPER project:     {python} {HERE / 'make_reaper_project.py'}  (rendered by the "
           f"stand-in, NOT REAPER, from {REAPER_DROP})"] if REAPER_SIM.exists() else []),
        f"   emulator project:     {info.get('simProject')}  (saved after each batch)",
        f"   REST API:             {info.get('apiUrl') or 'off'}",
        *([f"   web editor:           {info['apiUrl']}/  (docs/editor.md)"] if info.get("apiUrl") else []),
        f"   status:               {python} -m wwiseflowd --config {STATE / 'demo.toml'} status",
        f"   REST example:         curl -s {info.get('apiUrl') or 'localhost:8765'}/workflows/execute "
        f"-H 'Content-Type: application/json' -d @{REQUEST}",
        "   stop:                 Ctrl+C",
        "=" * 72,
        "",
    ]
    print("\n".join(lines), file=sys.stderr, flush=True)


def main() -> int:
    config = write_config()
    cmd = [sys.executable, "-m", "wwiseflowd", "--config", str(config), "run", "--simulate"]
    proc = subprocess.Popen(cmd)
    # a service manager or `kill` may signal only this wrapper: pass it on to the daemon
    signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    threading.Thread(target=_banner_when_ready, args=(proc,), daemon=True).start()
    try:
        return proc.wait()
    except KeyboardInterrupt:
        # the terminal sent SIGINT to the daemon too; give it time to finish its batch
        try:
            return proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.terminate()
            return proc.wait()


if __name__ == "__main__":
    sys.exit(main())
