"""The stand-in's web remote (NOT REAPER): REAPER's documented ``/_/`` commands for one loaded project.

Served: ``TRANSPORT``, ``REGION``, ``MARKER``, ``NTRACK``, ``GET/REPEAT`` and the numeric action
42230 ("File: Render project, using the most recent render settings, auto-close render dialog"),
which renders the loaded project as ``-renderproject`` does, on a thread, after ``render_delay_s``
(while rendering, ``TRANSPORT`` reports playstate 0 like a stopped transport). Commands are
separated by ``;`` and answered in order, one tab-separated line each, as the web remote's main.js
documents. Other numeric actions are accepted and ignored. Optional HTTP Basic auth.
"""

from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from wwiseflowd_reaper.project import read_project
from wwiseflowd_reaper.sim.render import render_project

RENDER_ACTION = 42230
BANNER = "wwiseflowd-reaper-sim web remote (a stand-in for tests; this is NOT REAPER)"


def _color(value: int) -> str:
    return str(value)


class SimWebState:
    """The loaded project and what the remote did (renders requested, actions run)."""

    def __init__(self, project_path: Path, render_delay_s: float = 0.05) -> None:
        self.project_path = project_path
        self.render_delay_s = render_delay_s
        self.actions: list[str] = []
        self.renders = 0
        self.lock = threading.Lock()

    def reply(self, command: str) -> list[str]:
        """The reply lines of one command."""
        project = read_project(self.project_path)  # REAPER shows the live project; we re-read the file
        upper = command.upper()
        if upper == "TRANSPORT":
            return ["TRANSPORT\t0\t0.000000\t0\t0:00.000\t1.1.00"]
        if upper == "REGION":
            rows = [f"REGION\t{_escape(r.name)}\t{r.id}\t{r.start:.6f}\t{r.end:.6f}\t{_color(r.color)}"
                    for r in project.regions]
            return ["REGION_LIST", *rows, "REGION_LIST_END"]
        if upper == "MARKER":
            rows = [f"MARKER\t{_escape(m.name)}\t{m.id}\t{m.position:.6f}\t{_color(m.color)}"
                    for m in project.markers]
            return ["MARKER_LIST", *rows, "MARKER_LIST_END"]
        if upper == "NTRACK":
            return [f"NTRACK\t{len(project.tracks)}"]
        if upper == "GET/REPEAT":
            return ["GET/REPEAT\t0"]
        if command.isdigit():
            with self.lock:
                self.actions.append(command)
            if int(command) == RENDER_ACTION:
                threading.Timer(self.render_delay_s, self._render).start()
            return []
        return []

    def _render(self) -> None:
        render_project(read_project(self.project_path))
        with self.lock:
            self.renders += 1


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def make_handler(state: SimWebState, auth: tuple[str, str] | None) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to ``state`` (and Basic auth credentials when given)."""
    expected = None if auth is None else "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        server_version = "wwiseflowd-reaper-sim"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            return

        def _send(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            if expected is not None and self.headers.get("Authorization") != expected:
                self._send(401, "authorization required\n", {"WWW-Authenticate": 'Basic realm="reaper"'})
                return
            if not self.path.startswith("/_/"):
                self._send(200, BANNER + "\n")
                return
            lines: list[str] = []
            try:
                for command in unquote(self.path[3:]).split(";"):
                    if command:
                        lines.extend(state.reply(command))
            except Exception as exc:  # a damaged project: answer like a server error, keep serving
                self._send(500, f"{exc}\n")
                return
            self._send(200, "".join(line + "\n" for line in lines))

    return Handler


class SimWebServer:
    """A running stand-in web remote on ``host:port`` (port 0: any free port)."""

    def __init__(self, project_path: Path, host: str = "127.0.0.1", port: int = 0,
                 auth: tuple[str, str] | None = None, render_delay_s: float = 0.05) -> None:
        self.state = SimWebState(project_path, render_delay_s)
        self.httpd = ThreadingHTTPServer((host, port), make_handler(self.state, auth))
        self.httpd.daemon_threads = True
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://host:port``."""
        host, port = self.httpd.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        return f"http://{name}:{port}"

    def start(self) -> SimWebServer:
        """Serve on a daemon thread."""
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="reaper-sim-web", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> SimWebServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
