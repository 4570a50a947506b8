"""A REAPER project as typed values: regions (paired by id), markers, tracks, items, render settings.

A region is two ``MARKER`` lines with the same id and the region bit (``flags & 1``) set: the first
carries the start and the name, the second the end. REAPER writes marker lines sorted by position,
so regions that overlap interleave (start A, start B, end A, end B); pairing by id, not by position,
keeps them apart. Markers and regions number their ids separately (marker 1 and region 1 coexist).

REAPER 4 to 7 write the same first five fields (``MARKER id position name flags``); later versions
append a colour, a flag, ``R``/``B`` (colour byte order), a GUID and lane fields, which are kept
raw where their meaning is not documented.
"""

from __future__ import annotations

import time
from pathlib import Path, PureWindowsPath

from pydantic import BaseModel, Field

from wwiseflowd_reaper.render_settings import RenderSettings, read_settings
from wwiseflowd_reaper.rppfile import Block, Line, ProjectReadError, read_tree

REGION_FLAG = 1
#: unverified against a real REAPER (see docs/reaper.md): the bit the region/marker manager's selection sets
SELECTED_FLAG = 2
DEFAULT_SAMPLE_RATE = 44100


class Region(BaseModel):
    """A named time range; ``start``/``end`` in seconds."""

    id: int
    name: str
    start: float
    end: float
    flags: int = 0
    selected: bool = False
    color: int = Field(0, description="Custom colour as saved (0: default colour).")
    line: int = Field(0, description="Line of the region's start in the project file.")

    @property
    def length(self) -> float:
        """``end - start`` in seconds."""
        return self.end - self.start


class Marker(BaseModel):
    """A named point in time (seconds)."""

    id: int
    name: str
    position: float
    flags: int = 0
    color: int = 0
    line: int = 0


class Item(BaseModel):
    """A media item on a track: where it sits and the files its takes play."""

    name: str = ""
    position: float = 0.0
    length: float = 0.0
    sources: list[str] = Field(default_factory=list, description="FILE paths of its takes' sources.")


class Track(BaseModel):
    """A track (1-based ``number`` as REAPER shows it) and its items."""

    number: int
    name: str = ""
    guid: str = ""
    items: list[Item] = Field(default_factory=list)


class ReaperProject(BaseModel):
    """Everything wwiseflowd reads from one ``.RPP`` file."""

    path: str
    version: str = Field("", description="The REAPER version that saved it, e.g. '6.11/x64'.")
    sampleRate: int = DEFAULT_SAMPLE_RATE
    regions: list[Region] = Field(default_factory=list)
    markers: list[Marker] = Field(default_factory=list)
    tracks: list[Track] = Field(default_factory=list)
    render: RenderSettings = Field(default_factory=RenderSettings)
    parseMs: float = 0.0

    @property
    def name(self) -> str:
        """The project name as ``$project`` expands it: the file name without extension."""
        return Path(self.path).stem

    @property
    def folder(self) -> Path:
        """The folder relative paths (RENDER_FILE, media) are resolved against."""
        return Path(self.path).parent

    def media_files(self) -> list[Path]:
        """Every media file the items play, resolved against the project folder."""
        out: list[Path] = []
        for track in self.tracks:
            for item in track.items:
                out.extend(resolve(self.folder, source) for source in item.sources)
        return out


def resolve(folder: Path, path: str) -> Path:
    """``path`` as REAPER saved it (Windows or POSIX, relative or absolute) against ``folder``."""
    if "\\" in path and "/" not in path:
        parts = PureWindowsPath(path)
        if parts.anchor:
            return Path(path)
        return folder.joinpath(*parts.parts)
    candidate = Path(path)
    return candidate if candidate.is_absolute() else folder / candidate


def _number(line: Line, index: int, path: Path, what: str) -> float:
    value = line.arg(index)
    try:
        return float(value)
    except ValueError:
        raise ProjectReadError(path, line.lineno, f"{what} {value!r} is not a number") from None


def _int_arg(line: Line, index: int, default: int = 0) -> int:
    try:
        return int(float(line.arg(index, str(default))))
    except ValueError:
        return default


def read_markers(root: Block, path: Path) -> tuple[list[Region], list[Marker]]:
    """Regions (paired by id, in timeline order) and markers of the project block."""
    markers: list[Marker] = []
    open_regions: dict[int, Line] = {}
    regions: list[Region] = []
    for line in root.lines("MARKER"):
        if len(line.tokens) < 3:
            raise ProjectReadError(path, line.lineno, "a MARKER line needs at least an id and a position")
        ident = int(_number(line, 0, path, "marker id"))
        position = _number(line, 1, path, "marker position")
        flags = _int_arg(line, 3)
        if not flags & REGION_FLAG:
            markers.append(Marker(id=ident, name=line.arg(2), position=position, flags=flags,
                                  color=_int_arg(line, 4), line=line.lineno))
            continue
        start = open_regions.pop(ident, None)
        if start is None:
            open_regions[ident] = line
            continue
        begin = _number(start, 1, path, "region start")
        if position < begin:
            raise ProjectReadError(path, line.lineno, f"region {ident} ends ({position}) before it starts "
                                   f"({begin}, line {start.lineno})")
        start_flags = _int_arg(start, 3)
        regions.append(Region(id=ident, name=start.arg(2), start=begin, end=position, flags=start_flags,
                              selected=bool(start_flags & SELECTED_FLAG), color=_int_arg(start, 4),
                              line=start.lineno))
    if open_regions:
        ident, line = next(iter(open_regions.items()))
        raise ProjectReadError(path, line.lineno, f"region {ident} ({line.arg(2)!r}) has a start line but "
                               "no end line with the same id; the project is damaged: re-save it in REAPER")
    regions.sort(key=lambda r: (r.start, r.id))
    return regions, markers


def read_tracks(root: Block) -> list[Track]:
    """Tracks (1-based numbers) with their items and item sources."""
    tracks = []
    for number, block in enumerate(root.blocks("TRACK"), start=1):
        items = []
        for item in block.blocks("ITEM"):
            sources = [
                line.arg(0)
                for take_source in _sources(item)
                for line in take_source.lines("FILE")
            ]
            items.append(Item(
                name=(item.line("NAME") or Line([], 0)).arg(0),
                position=_safe_float((item.line("POSITION") or Line([], 0)).arg(0)),
                length=_safe_float((item.line("LENGTH") or Line([], 0)).arg(0)),
                sources=sources,
            ))
        tracks.append(Track(number=number, name=(block.line("NAME") or Line([], 0)).arg(0),
                            guid=block.attrs[0] if block.attrs else "", items=items))
    return tracks


def _sources(block: Block) -> list[Block]:
    """SOURCE blocks of an item, including sections/reversed sources nested in a SOURCE."""
    found = []
    for source in block.blocks("SOURCE"):
        found.append(source)
        found.extend(_sources(source))
    return found


def _safe_float(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0


def project_from_tree(root: Block, path: Path) -> ReaperProject:
    """The typed project of a parsed ``<REAPER_PROJECT`` block."""
    rate_line = root.line("SAMPLERATE")
    rate = _int_arg(rate_line, 0, DEFAULT_SAMPLE_RATE) if rate_line else DEFAULT_SAMPLE_RATE
    regions, markers = read_markers(root, path)
    return ReaperProject(
        path=str(path),
        version=root.attrs[1] if len(root.attrs) > 1 else "",
        sampleRate=rate or DEFAULT_SAMPLE_RATE,
        regions=regions,
        markers=markers,
        tracks=read_tracks(root),
        render=read_settings(root, rate or DEFAULT_SAMPLE_RATE),
    )


def read_project(path: Path | str) -> ReaperProject:
    """Read ``path``; :class:`ProjectReadError` (file, line, what to do) when it cannot be read."""
    started = time.perf_counter()
    file = Path(path)
    project = project_from_tree(read_tree(file), file)
    project.parseMs = round((time.perf_counter() - started) * 1000, 3)
    return project
