"""Writing ``.RPP`` project files the way REAPER 4, 5, 6 and 7 lay them out (for tests, demo, benches).

The layouts model real files: REAPER 5.50's region lines (``MARKER 1 4 "" 1 0 1 R`` for both start
and end, as in the perlence/rpp test project), REAPER 6/7's start lines with colour, ``R``/``B``, a
GUID and (7) a lane field and short end lines (``MARKER 1 10 "" 1``), REAPER 4.32's three-field
``RENDER_RANGE``. Names are quoted only when they contain spaces, as REAPER does.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from wwiseflowd_reaper.render_settings import encode_wav_cfg

Syntax = Literal["4", "5", "6", "7"]
VERSIONS: dict[str, str] = {"4": "4.32", "5": "5.50c", "6": "6.11/x64", "7": "7.27/linux-x86_64"}


@dataclass
class RegionSpec:
    """A region to write: name, start and end in seconds, optional id/flags/colour."""

    name: str
    start: float
    end: float
    id: int | None = None
    flags: int = 1
    color: int = 0


@dataclass
class ProjectSpec:
    """What :func:`write_project` writes."""

    regions: Sequence[RegionSpec] = ()
    markers: Sequence[tuple[str, float]] = ()
    pattern: str = "$region"
    render_file: str = "Renders"
    sample_rate: int = 48000
    project_rate: int = 48000
    channels: int = 2
    bit_depth: int | None = 24
    bounds: int = 3
    syntax: Syntax = "7"
    crlf: bool = False
    media: Sequence[str] = ()
    padding_lines: int = 0
    extra: list[str] = field(default_factory=list)


def quote(text: str) -> str:
    """A token as REAPER writes it: bare when it can be, quoted otherwise."""
    if text and not any(c in text for c in " \t\"'`") and text[0] not in "<>|":
        return text
    if '"' not in text:
        return f'"{text}"'
    return f"'{text}'" if "'" not in text else f"`{text}`"


def _num(value: float) -> str:
    return f"{value:.14g}"


def marker_lines(spec: ProjectSpec) -> list[str]:
    """MARKER lines (regions and markers) in position order, as REAPER sorts them."""
    rows: list[tuple[float, int, str]] = []
    for index, region in enumerate(spec.regions, start=1):
        ident = region.id or index
        head = f"MARKER {ident} {_num(region.start)} {quote(region.name)} {region.flags}"
        tail = f"MARKER {ident} {_num(region.end)} \"\" {region.flags}"
        if spec.syntax == "5":
            head += f" {region.color} 1 R"
            tail += f" {region.color} 1 R"
        elif spec.syntax in ("6", "7"):
            order = "B" if spec.syntax == "6" else "R"
            head += f" {region.color} 1 {order} {{{str(uuid.uuid4()).upper()}}}"
            head += " 0" if spec.syntax == "7" else ""
        elif spec.syntax == "4":
            head += f" {region.color}"
        rows.append((region.start, 0, head))
        rows.append((region.end, 1, tail))
    for index, (name, position) in enumerate(spec.markers, start=1):
        rows.append((position, 0, f"MARKER {index} {_num(position)} {quote(name)} 0 0 1 R"))
    rows.sort(key=lambda row: (row[0], row[1]))
    return [row[2] for row in rows]


def project_text(spec: ProjectSpec) -> str:
    """The whole project file text."""
    version = VERSIONS[spec.syntax]
    rng = "RENDER_RANGE 3 0 0" if spec.syntax == "4" else f"RENDER_RANGE {spec.bounds} 0 0 0 1000"
    if spec.syntax == "4":
        rng = f"RENDER_RANGE {spec.bounds} 0.00000000000000 0.00000000000000"
    lines = [
        f'<REAPER_PROJECT 0.1 "{version}" 1700000000',
        "  RIPPLE 0",
        f"  RENDER_FILE {quote(spec.render_file) if spec.render_file else chr(34) * 2}",
        f"  RENDER_PATTERN {quote(spec.pattern) if spec.pattern else chr(34) * 2}",
        f"  RENDER_FMT 0 {spec.channels} {spec.sample_rate}",
        "  RENDER_1X 0",
        f"  {rng}",
        "  RENDER_RESAMPLE 3 0 1",
        "  RENDER_ADDTOPROJ 0",
        "  RENDER_STEMS 0",
        "  RENDER_DITHER 0",
        f"  SAMPLERATE {spec.project_rate} 0 0",
        "  <RENDER_CFG",
        *([f"    {encode_wav_cfg(spec.bit_depth)}"] if spec.bit_depth else []),
        "  >",
        "  TEMPO 120 4 4",
        *[f"  {line}" for line in spec.extra],
        *[f"  {line}" for line in marker_lines(spec)],
        "  <PROJBAY",
        "  >",
        *_track_lines(spec),
        ">",
    ]
    newline = "\r\n" if spec.crlf else "\n"
    return newline.join(lines) + newline


def _track_lines(spec: ProjectSpec) -> list[str]:
    lines = [f"  <TRACK {{{str(uuid.uuid4()).upper()}}}", "    NAME SFX"]
    for index, media in enumerate(spec.media):
        lines += ["    <ITEM", f"      POSITION {index * 2}", "      LENGTH 2",
                  f"      NAME {quote(Path(media).name)}", "      <SOURCE WAVE",
                  f"        FILE {quote(media)}", "      >", "    >"]
    if spec.padding_lines:  # a MIDI item with many events: how big projects get big
        lines += ["    <ITEM", "      POSITION 0", "      LENGTH 600", "      <SOURCE MIDI",
                  "        HASDATA 1 960 QN"]
        lines += ["        E 240 90 3c 60", "        E 240 80 3c 00"] * (spec.padding_lines // 2)
        lines += ["      >", "    >"]
    lines.append("  >")
    return lines


def write_project(path: Path, spec: ProjectSpec) -> Path:
    """Write ``spec`` to ``path`` (UTF-8) and return ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(project_text(spec).encode("utf-8"))
    return path


def game_audio_regions(names: Sequence[str], length: float = 0.5, gap: float = 0.25) -> list[RegionSpec]:
    """One region per name, laid out one after the other."""
    regions = []
    at = 0.0
    for name in names:
        regions.append(RegionSpec(name, at, at + length))
        at += length + gap
    return regions
