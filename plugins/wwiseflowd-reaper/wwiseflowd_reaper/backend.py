"""The ``reaper`` backend: reads projects, renders regions offline or through the web remote.

One instance per engine (created lazily by the factory the plugin registers). It has the optional
backend abilities core code loops over (:mod:`wwiseflowd.backends`: ``identity``, ``connect``,
``health``, ``stats``, ``close``), so it shows in ``/health``, ``wwiseflowd status`` and
``/metrics`` without core code naming it. It has no undo groups: a render changes files, not a
project.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wwiseflowd.results import ErrorCode, Result
from wwiseflowd_reaper.errors import ReaperFailure
from wwiseflowd_reaper.offline import plan, render_offline, verify
from wwiseflowd_reaper.plan import RenderTarget, output_folder, regions_in_bounds
from wwiseflowd_reaper.project import ReaperProject, read_project
from wwiseflowd_reaper.rppfile import ProjectReadError
from wwiseflowd_reaper.settings import ReaperConfig, find_executable, reaper_config, unavailable_message
from wwiseflowd_reaper.webremote import PortProbe, WebRemote, probe

NAME = "reaper"
RESOURCE = "reaper"
POLL_S = 0.05
#: ``health`` looks for the executable again at most this often (a render always looks)
EXE_RECHECK_S = 10.0


class ReaperBackend:
    """REAPER as wwiseflowd sees it: projects on disk, an executable, maybe a running web remote."""

    def __init__(self, config: ReaperConfig, state_dir: Path, wwise_url: str | None = None) -> None:
        self.config = config
        self.state_dir = state_dir
        #: ``[wwise] url``: checked once for REAPER's web remote answering there (port 8080 clash)
        self.wwise_url = wwise_url
        self._clash: str | None = None
        self._clash_checked = False
        self._lock = threading.Lock()
        #: per operation: {"count", "errors", "total_ms"} (wwiseflowd.backends.ReportsCallStats)
        self._calls: dict[str, dict[str, float]] = {}
        #: the last web remote probe (connect); health never touches the network
        self._web: PortProbe | None = None
        #: (when, what) ``health`` last found: with REST clients polling /health, looking through
        #: the usual locations and PATH on every request was a twelfth of a busy daemon's CPU
        self._exe_seen: tuple[float, Path | None] | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> ReaperBackend:
        """From ``[reaper]`` and the state dir of ``settings``."""
        wwise = getattr(settings, "wwise", None)
        return cls(reaper_config(settings), Path(settings.paths.state_dir), getattr(wwise, "url", None))

    # -- optional backend abilities (wwiseflowd.backends) -----------------------------------------

    def identity(self) -> str:
        """Part of every memo key of REAPER steps: the same renders are the same work."""
        return NAME

    def connect(self) -> Result:
        """With ``[reaper] web_url``: probe the web remote (says who answers when it is not REAPER).

        Once per backend, also ask ``[wwise] url``'s port: when REAPER's web remote answers there,
        Wwise's connection fails for that reason, and health says so (``portClash``).
        """
        self._check_wwise_port()
        if not self.config.web_url:
            return Result.success({"mode": "offline"})
        found = probe(self.config.web_url, timeout=2.0)
        with self._lock:
            self._web = found
        if found.owner == "reaper":
            return Result.success({"mode": "web", "detail": found.detail})
        return Result.failure(ErrorCode.REAPER_UNAVAILABLE, found.detail)

    def _check_wwise_port(self) -> None:
        with self._lock:
            if self._clash_checked or not self.wwise_url:
                return
            self._clash_checked = True
        url = self.wwise_url.replace("wss://", "https://").replace("ws://", "http://")
        found = probe(url, timeout=1.0, try_waapi=False)  # only "is it REAPER?": leave Wwise alone
        if found.owner == "reaper":
            with self._lock:
                self._clash = (f"[wwise] url {self.wwise_url} is answered by {found.detail}, not by "
                               "Wwise's WAAPI: both default to port 8080; give REAPER's web remote another "
                               "port (Preferences > Control/OSC/web) and set [reaper] web_url to it")

    def health(self) -> dict[str, Any]:
        """``{mode, executable, webUrl, ...}`` from what is known; never touches the network.

        ``connected`` is reported only with a web remote configured (an offline REAPER has no
        connection, and a Wwise-only set-up must not look degraded because REAPER is absent).
        """
        exe = self._executable_for_health()
        report: dict[str, Any] = {"mode": "offline", "executable": str(exe) if exe else None,
                                  "webUrl": self.config.web_url}
        if exe is None:
            report["error"] = unavailable_message(self.config)
        with self._lock:
            if self._clash:
                report["portClash"] = self._clash
        if self.config.web_url:
            with self._lock:
                found = self._web
            report["url"] = self.config.web_url
            report["connected"] = found is not None and found.owner == "reaper"
            if found is not None:
                report["webRemote"] = {"owner": found.owner, "detail": found.detail}
                if found.owner != "reaper":
                    report["lastError"] = found.detail
            if report["connected"]:
                report["mode"] = "web"
        return report

    def stats(self) -> dict[str, dict[str, float]]:
        """Calls by operation (read, render, render_online, web): ``{"count", "errors", "total_ms"}``."""
        with self._lock:
            return {op: dict(entry) for op, entry in sorted(self._calls.items())}

    def close(self) -> None:
        """Nothing to release: no connection is kept open."""

    @contextmanager
    def _timed(self, operation: str) -> Iterator[None]:
        started = time.perf_counter()
        failed = True
        try:
            yield
            failed = False
        finally:
            with self._lock:
                entry = self._calls.setdefault(operation, {"count": 0, "errors": 0, "total_ms": 0.0})
                entry["count"] += 1
                entry["errors"] += failed
                entry["total_ms"] = round(entry["total_ms"] + (time.perf_counter() - started) * 1000, 3)

    # -- work -------------------------------------------------------------------------------------

    def read(self, path: str | Path) -> ReaperProject:
        """The typed project; INVALID_INPUT/FILE_NOT_FOUND naming file and line when unreadable."""
        with self._timed("read"):
            try:
                return read_project(path)
            except ProjectReadError as exc:
                missing = "does not exist" in exc.problem
                raise ReaperFailure(ErrorCode.FILE_NOT_FOUND if missing else ErrorCode.INVALID_INPUT,
                                    str(exc)) from None

    def web(self) -> WebRemote:
        """The web remote client; REAPER_UNAVAILABLE when ``[reaper] web_url`` is not set."""
        if not self.config.web_url:
            raise ReaperFailure(ErrorCode.REAPER_UNAVAILABLE, "no REAPER web remote is configured: set "
                                "[reaper] web_url (e.g. http://127.0.0.1:8081) to the port of REAPER's "
                                "Preferences > Control/OSC/web > Web browser interface")
        return WebRemote(self.config.web_url, self.config.web_user, self.config.web_password,
                         self.config.web_timeout_s)

    def default_output(self, project: ReaperProject) -> Path:
        """``[reaper] output_dir`` or ``<state>/reaper-renders``, one folder per project."""
        base = self.config.output_dir or self.state_dir / "reaper-renders"
        return base / project.name

    def _executable_for_health(self) -> Path | None:
        now = time.monotonic()
        with self._lock:
            seen = self._exe_seen
        if seen is not None and now - seen[0] < EXE_RECHECK_S:
            return seen[1]
        exe = find_executable(self.config)
        with self._lock:
            self._exe_seen = (now, exe)
        return exe

    def render(self, project: ReaperProject, names: list[str] | None, folder: Path) -> list[RenderTarget]:
        """Render offline through the executable; counts and re-raises failures."""
        exe = find_executable(self.config)
        with self._lock:
            self._exe_seen = (time.monotonic(), exe)  # what health says follows what a render found
        if exe is None:
            raise ReaperFailure(ErrorCode.REAPER_UNAVAILABLE, unavailable_message(self.config))
        with self._timed("render"):
            targets, _took = render_offline(project, names, folder, exe, self.config.render_timeout_s)
        return targets

    def render_online(self, project: ReaperProject, timeout_s: float | None = None) -> list[RenderTarget]:
        """Trigger action 42230 in the running REAPER and wait for the predicted files to be complete.

        The regions come from REAPER (live); pattern, folder and bounds from the saved project file,
        which is what REAPER renders with once the project is saved.
        """
        remote = self.web()
        with self._timed("web"):
            live = project.model_copy(update={"regions": remote.regions()})
        regions = regions_in_bounds(live)
        if not regions:
            raise ReaperFailure(ErrorCode.INVALID_INPUT, f"{Path(project.path).name} renders "
                                f"{project.render.bounds!r}, not regions: set the render bounds to regions "
                                "in REAPER's render dialog and save, or render offline")
        targets = plan(live, regions, output_folder(live))
        with self._timed("render_online"):
            started = time.time()
            remote.render()
            self._wait(targets, started, timeout_s or self.config.render_timeout_s)
            verify(targets, live.render.effectiveSampleRate, live.render.channels)
        return targets

    def _wait(self, targets: list[RenderTarget], since: float, timeout_s: float) -> None:
        """Until every file was written after ``since`` and its size held still for one poll."""
        deadline = time.monotonic() + timeout_s
        sizes: dict[Path, int] = {}
        while time.monotonic() < deadline:
            settled = 0
            for target in targets:
                try:
                    st = target.path.stat()
                except OSError:
                    continue
                if st.st_mtime >= since - 1 and sizes.get(target.path) == st.st_size:
                    settled += 1
                sizes[target.path] = st.st_size
            if settled == len(targets):
                return
            time.sleep(POLL_S)
        missing = [t.region.name for t in targets if t.path not in sizes]
        not_written = f"; not written: {', '.join(missing[:10])}" if missing else ""
        raise ReaperFailure(ErrorCode.RENDER_FAILED,
                            f"REAPER did not finish the render within {timeout_s:.0f} s{not_written}")

