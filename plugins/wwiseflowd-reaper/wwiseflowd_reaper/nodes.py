"""The REAPER node types: ``reaperProject``, ``reaperRender`` and ``reaperWwiseLayout``.

``reaperProject`` and ``reaperRender`` reach REAPER only through the bus (``ctx.command``) and use
resource ``reaper``, so renders never overlap. ``reaperRender`` is memoised: its ``verify`` says a
memo is stale when the project file or a rendered file changed on disk since.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from wwiseflowd.registry import NodeContext, NodeSpec
from wwiseflowd.results import Result
from wwiseflowd_reaper.backend import RESOURCE
from wwiseflowd_reaper.commands import OPTIONAL_PROJECT, PROJECT_FIELD, ProjectRef, project_paths
from wwiseflowd_reaper.wwise_template import WwiseLayoutInput, run_layout


class ReaperProjectInput(BaseModel):
    """Read a REAPER project."""

    model_config = ConfigDict(extra="forbid")

    project: str = PROJECT_FIELD


class ReaperRenderInput(BaseModel):
    """Render regions of a REAPER project (or of several, from a drop folder)."""

    model_config = ConfigDict(extra="forbid")

    project: str | None = OPTIONAL_PROJECT
    projects: list[ProjectRef] | None = Field(
        None, description="Several projects: paths, or drop-folder entries {path, relativeDir, sha256}.")
    regions: list[str] | None = Field(None, description="Region names; all regions when absent.")
    outputDir: str | None = Field(None, description="Folder for the WAV files (default: under the state "
                                  "dir).")
    online: bool = Field(False, description="Render in the running REAPER (web remote) instead of offline.")
    onlyChanged: bool = Field(False, description="Render only regions whose name, bounds or media changed "
                              "since the last render of this project into this folder.")

    @model_validator(mode="after")
    def _some_project(self) -> ReaperRenderInput:
        project_paths(self.project, self.projects)
        return self


def _stamp(paths: Iterable[str]) -> dict[str, list[int] | None]:
    out: dict[str, list[int] | None] = {}
    for path in paths:
        try:
            st = os.stat(path)
            out[path] = [st.st_size, st.st_mtime_ns]
        except OSError:
            out[path] = None
    return out


def run_project(data: ReaperProjectInput, ctx: NodeContext) -> Result:
    """``reaper_read_project``: regions, markers, render settings."""
    return ctx.command("reaper_read_project", data.model_dump(mode="json"))


def run_render(data: ReaperRenderInput, ctx: NodeContext) -> Result:
    """``reaper_render_regions``, with the project's and the files' size/mtime kept for ``verify``."""
    before = _stamp(project_paths(data.project, data.projects))
    result = ctx.command("reaper_render_regions", data.model_dump(mode="json"))
    if not result.ok or not isinstance(result.data, dict):
        return result
    files = [f["file"] for f in result.data.get("files", [])]
    return Result.success({**result.data, "projectFile": before, "renderedFiles": _stamp(files)})


def verify_render(cached: Any, ctx: NodeContext) -> bool:
    """A memoised render is stale when the project or a rendered file changed (or vanished)."""
    cached = cached or {}
    for key in ("projectFile", "renderedFiles"):
        recorded = cached.get(key) or {}
        if _stamp(recorded) != recorded:
            return False
    return True


NODE_TYPES: tuple[NodeSpec, ...] = (
    NodeSpec(
        type="reaperProject",
        title="REAPER project",
        description="Read a REAPER project (.rpp): its regions [{id, name, start, end}] (seconds), markers "
        "[{id, name, position}] and render settings (pattern, folder, bounds, format). Changes nothing.",
        inputs=ReaperProjectInput,
        outputs=("regions", "markers", "render", "tracks", "version"),
        run=run_project,
        read_only=True,
        resource=RESOURCE,
    ),
    NodeSpec(
        type="reaperRender",
        title="Render REAPER regions",
        description="Render all or the named regions of a REAPER project to WAV (one file per region, named "
        "by the render pattern) and check each file; outputs files [{file, region, start, end}], ready "
        "for audioImport. Fails with RENDER_FAILED naming the region when a file is missing or short.",
        inputs=ReaperRenderInput,
        outputs=("files", "outputDir", "skipped", "mode", "projects"),
        run=run_render,
        verify=verify_render,
        resource=RESOURCE,
    ),
    NodeSpec(
        type="reaperWwiseLayout",
        title="Lay out regions in Wwise",
        description="Turn rendered regions and a ReaWwise-style template (\\Actor-Mixer Hierarchy\\Default "
        "Work Unit\\<Random Container>$basename\\<Sound>$region) into audioImport's targetPath, folders "
        "and variation grouping. Pure computation.",
        inputs=WwiseLayoutInput,
        outputs=("files", "targetPath", "variationPattern", "mirrorSubfolders"),
        run=run_layout,
        read_only=True,
    ),
)


def register_all(register: Callable[[NodeSpec], None]) -> None:
    """Register every REAPER node type."""
    for spec in NODE_TYPES:
        register(spec)
