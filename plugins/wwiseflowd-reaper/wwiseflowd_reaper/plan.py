"""Which files a region render of a project produces: one per region in the bounds, named by the pattern."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from wwiseflowd_reaper.patterns import DEFAULT_REGION_PATTERN, PatternError, PatternValues, expand
from wwiseflowd_reaper.project import ReaperProject, Region, resolve

ALL_REGIONS = 3
SELECTED_REGIONS = 5


@dataclass(frozen=True)
class RenderTarget:
    """One file a render produces."""

    region: Region
    relative: str
    path: Path
    frames: int

    def as_output(self) -> dict[str, object]:
        """``{file, path, region, start, end, relativeDir}``: what ``reaperRender`` outputs per file.

        ``path`` and ``relativeDir`` make the entry a batch file ``audioImport`` accepts as it is.
        """
        return {
            "file": str(self.path),
            "path": str(self.path),
            "region": self.region.name,
            "start": self.region.start,
            "end": self.region.end,
            "relativeDir": str(PurePosixPath(self.relative).parent) if "/" in self.relative else "",
        }


def output_folder(project: ReaperProject) -> Path:
    """``RENDER_FILE`` resolved against the project folder (the project folder when empty)."""
    return resolve(project.folder, project.render.file) if project.render.file else project.folder


def regions_in_bounds(project: ReaperProject) -> list[Region]:
    """The regions a render with the project's bounds covers; [] when the bounds are not regions."""
    if project.render.boundsCode == ALL_REGIONS:
        return list(project.regions)
    if project.render.boundsCode == SELECTED_REGIONS:
        return [r for r in project.regions if r.selected]
    return []


def plan_render(project: ReaperProject, regions: list[Region] | None = None,
                folder: Path | None = None) -> list[RenderTarget]:
    """The files rendering ``regions`` (default: those in the bounds) produces, in timeline order."""
    chosen = regions_in_bounds(project) if regions is None else regions
    pattern = project.render.pattern or DEFAULT_REGION_PATTERN
    base = folder or output_folder(project)
    order = {region.id: index for index, region in enumerate(project.regions, start=1)}
    targets: list[RenderTarget] = []
    seen: dict[str, str] = {}
    for number, region in enumerate(sorted(chosen, key=lambda r: (r.start, r.id)), start=1):
        relative = expand(pattern, PatternValues(
            region=region.name, regionnumber=region.id, project=project.name,
            timelineorder=order.get(region.id, number), filenumber=number,
        ))
        key = relative.lower()  # Windows and macOS file systems ignore case
        if key in seen:
            raise PatternError(
                f"regions {seen[key]!r} and {region.name!r} would both render to {relative!r}; rename one "
                "of them or put $regionnumber in the render pattern"
            )
        seen[key] = region.name
        rate = project.render.effectiveSampleRate
        frames = round(region.end * rate) - round(region.start * rate)
        targets.append(RenderTarget(region, relative, base / relative, frames))
    return targets
