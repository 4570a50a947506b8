"""The REAPER bus commands: ``reaper_render_regions`` and ``reaper_export_markers``.

Handlers never raise: every :class:`ReaperFailure` becomes a failed Result with its code.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from wwiseflowd.registry import CommandContext
from wwiseflowd.results import ErrorCode, Result
from wwiseflowd_reaper.backend import NAME, ReaperBackend
from wwiseflowd_reaper.changes import changed_regions, save_state
from wwiseflowd_reaper.errors import ReaperFailure
from wwiseflowd_reaper.offline import choose_regions, plan
from wwiseflowd_reaper.plan import RenderTarget
from wwiseflowd_reaper.project import ReaperProject

PROJECT_FIELD = Field(description="Absolute path of the REAPER project (.rpp).",
                      examples=["/projects/Footsteps/Footsteps.rpp"])
#: the same, optional (``projects`` may name them instead)
OPTIONAL_PROJECT = Field(None, description="Absolute path of the REAPER project (.rpp); or give projects.",
                         examples=["/projects/Footsteps/Footsteps.rpp"])


ProjectRef = str | dict[str, Any]


def project_paths(project: str | None, projects: list[ProjectRef] | None) -> list[str]:
    """The project paths of ``project`` and ``projects`` (paths, or drop entries ``{path, ...}``)."""
    out = [project] if project else []
    for entry in projects or []:
        path = entry if isinstance(entry, str) else entry.get("path")
        if not isinstance(path, str) or not path:
            raise ValueError(f"a project entry must be a path or {{path: ...}}, got {entry!r}")
        out.append(path)
    if not out:
        raise ValueError("give project (a .rpp path) or projects (a list of them)")
    return out


class RenderRegionsInput(BaseModel):
    """Render regions of one project (or several, from a drop folder) to WAV files."""

    model_config = ConfigDict(extra="forbid")

    project: str | None = OPTIONAL_PROJECT
    projects: list[ProjectRef] | None = Field(
        None, description="Several projects: paths, or drop-folder entries {path, relativeDir, sha256}.")
    regions: list[str] | None = Field(None, description="Region names to render; all regions when absent.")
    outputDir: str | None = Field(None, description="Folder for the WAV files (default: [reaper] output_dir "
                                  "or reaper-renders/<project> under the state dir).")

    @model_validator(mode="after")
    def _some_project(self) -> RenderRegionsInput:
        project_paths(self.project, self.projects)
        return self
    online: bool = Field(False, description="Render in the running REAPER through its web remote (action "
                         "42230, the project's own render settings) instead of offline.")
    onlyChanged: bool = Field(False, description="Render only the regions whose name, bounds or media "
                              "changed since the last render into this folder (offline only).")


class ReadProjectInput(BaseModel):
    """Read a project file."""

    model_config = ConfigDict(extra="forbid")

    project: str = PROJECT_FIELD


class ExportMarkersInput(BaseModel):
    """List (and optionally write) a project's regions and markers."""

    model_config = ConfigDict(extra="forbid")

    project: str | None = Field(None, description="Absolute path of the .rpp; omit with live=true.")
    live: bool = Field(False, description="Read regions and markers from the running REAPER (web remote).")
    outputFile: str | None = Field(None, description="Also write them to this .csv or .json file.")


def _allowed(path: Path, ctx: CommandContext, what: str) -> None:
    roots = [Path(r).resolve() for r in ctx.settings.server.allowed_roots]
    if roots and not any(path.resolve().is_relative_to(root) for root in roots):
        raise ReaperFailure(ErrorCode.FORBIDDEN, f"{what} {path} is outside the allowed roots "
                            f"({', '.join(map(str, roots))}; [server] allowed_roots)")


def _guarded(handler: Callable[[Any, CommandContext], Result]) -> Callable[[Any, CommandContext], Result]:
    def run(data: Any, ctx: CommandContext) -> Result:
        try:
            return handler(data, ctx)
        except ReaperFailure as exc:
            return exc.result()

    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


def _backend(ctx: CommandContext) -> ReaperBackend:
    backend: ReaperBackend = ctx.backend(NAME)
    return backend


def render_regions(data: RenderRegionsInput, ctx: CommandContext) -> Result:
    """Render the regions of each project; ``files: [{file, path, region, start, end, relativeDir}]``."""
    paths = project_paths(data.project, data.projects)
    if len(paths) == 1:
        return _render_one(data, paths[0], ctx)
    if data.online or data.outputDir:
        raise ReaperFailure(ErrorCode.INVALID_INPUT, "several projects render offline, each into its own "
                            "folder: leave online and outputDir unset")
    merged: dict[str, Any] = {"files": [], "skipped": [], "projects": [], "mode": "offline"}
    for path in paths:
        one = _render_one(data, path, ctx)
        if not one.ok:
            return one
        merged["files"] += one.data["files"]
        merged["skipped"] += one.data["skipped"]
        merged["projects"].append({k: v for k, v in one.data.items() if k not in ("files", "skipped")})
    return Result.success(merged)


def _render_one(data: RenderRegionsInput, project_file: str, ctx: CommandContext) -> Result:
    backend = _backend(ctx)
    project_path = Path(project_file)
    _allowed(project_path, ctx, "project")
    project = backend.read(project_path)
    if data.online:
        if data.regions:
            raise ReaperFailure(ErrorCode.INVALID_INPUT, "an online render uses the render settings "
                                "in REAPER; choose regions there (render bounds), or render offline to pick "
                                "them")
        targets = backend.render_online(project)
        folder = targets[0].path.parent if targets else Path(project.folder)
        skipped: list[str] = []
    else:
        folder = Path(data.outputDir) if data.outputDir else backend.default_output(project)
        _allowed(folder, ctx, "output folder")
        targets, skipped = _render_offline(backend, project, data, folder)
    return Result.success({
        "files": [t.as_output() for t in targets],
        "skipped": skipped,
        "project": str(project_path),
        "outputDir": str(folder),
        "mode": "web" if data.online else "offline",
        "sampleRate": project.render.effectiveSampleRate,
        "channels": project.render.channels,
    })


def _render_offline(
    backend: ReaperBackend, project: ReaperProject, data: RenderRegionsInput, folder: Path
) -> tuple[list[RenderTarget], list[str]]:
    """Render (all, the named, or only the changed regions); (targets, names skipped as unchanged)."""
    if not data.onlyChanged:
        return backend.render(project, data.regions, folder), []
    chosen = choose_regions(project, data.regions)
    files = {t.region.name: t.path for t in plan(project, chosen, folder)}
    changed, state = changed_regions(project, folder, files)
    names = [r.name for r in chosen if r.name in changed]
    skipped = [r.name for r in chosen if r.name not in changed]
    targets = backend.render(project, names, folder) if names else []
    save_state(folder, state)
    return targets, skipped


def read_project_command(data: ReadProjectInput, ctx: CommandContext) -> Result:
    """The whole typed project: regions, markers, render settings, tracks."""
    _allowed(Path(data.project), ctx, "project")
    project = _backend(ctx).read(data.project)
    out = project.model_dump(mode="json")
    out["regions"] = [{"id": r.id, "name": r.name, "start": r.start, "end": r.end, "selected": r.selected,
                       "color": r.color} for r in project.regions]
    out["markers"] = [{"id": m.id, "name": m.name, "position": m.position, "color": m.color}
                      for m in project.markers]
    return Result.success(out)


def export_markers(data: ExportMarkersInput, ctx: CommandContext) -> Result:
    """``{regions, markers, source}``, from the file or the running REAPER; optionally written out."""
    backend = _backend(ctx)
    if data.live:
        remote = backend.web()
        regions, markers, source = remote.regions(), remote.markers(), remote.url
    elif data.project:
        _allowed(Path(data.project), ctx, "project")
        project = backend.read(data.project)
        regions, markers, source = project.regions, project.markers, project.path
    else:
        raise ReaperFailure(ErrorCode.INVALID_INPUT, "give project (a .rpp path) or live=true")
    out = {
        "regions": [{"id": r.id, "name": r.name, "start": r.start, "end": r.end} for r in regions],
        "markers": [{"id": m.id, "name": m.name, "position": m.position} for m in markers],
        "source": source,
    }
    if data.outputFile:
        target = Path(data.outputFile)
        _allowed(target, ctx, "output file")
        write_export(target, out)
        out["file"] = str(target)
    return Result.success(out)


def write_export(path: Path, data: dict[str, Any]) -> None:
    """``.json``: the data as is; otherwise CSV laid out as REAPER's region/marker manager exports
    (``#,Name,Start,End,Length`` with ``R1``/``M1`` ids, seconds)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
        return
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["#", "Name", "Start", "End", "Length"])
        for r in data["regions"]:
            writer.writerow([f"R{r['id']}", r["name"], r["start"], r["end"], round(r["end"] - r["start"], 6)])
        for m in data["markers"]:
            writer.writerow([f"M{m['id']}", m["name"], m["position"], "", ""])


COMMANDS: tuple[tuple[str, Callable[[Any, CommandContext], Result], type[BaseModel], str, bool], ...] = (
    ("reaper_render_regions", _guarded(render_regions), RenderRegionsInput,
     "Render regions of a REAPER project to WAV files (offline with REAPER's executable, or in the "
     "running REAPER); each file is checked against the region's length.", False),
    ("reaper_read_project", _guarded(read_project_command), ReadProjectInput,
     "Read a REAPER project file: regions, markers, render settings (pattern, folder, bounds, format), "
     "tracks and items.", True),
    ("reaper_export_markers", _guarded(export_markers), ExportMarkersInput,
     "List a REAPER project's regions and markers (from the .rpp or the running REAPER), optionally "
     "written to a CSV or JSON file.", False),
)
