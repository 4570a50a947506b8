"""A copy of a project with its render settings set: what ``reaper -renderproject`` is given.

Only the RENDER_* lines, the ``<RENDER_CFG`` block and (for a chosen list of regions) the region
``MARKER`` lines change; every other byte is kept, so REAPER loads the same session. The copy is
written next to the original (hidden name), because media paths in a project are relative to it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from pathlib import Path

from wwiseflowd_reaper.project import REGION_FLAG, ReaperProject
from wwiseflowd_reaper.render_settings import encode_wav_cfg
from wwiseflowd_reaper.rppfile import Block, read_tree

_PROJECT_WILDCARD = re.compile(r"\$project(?![A-Za-z])", re.IGNORECASE)


def _quote(text: str) -> str:
    if '"' not in text:
        return f'"{text}"'
    return f"'{text}'" if "'" not in text else f"`{text}`"


def render_lines(project: ReaperProject, folder: Path, bit_depth: int) -> dict[str, str]:
    """The RENDER_* lines of the copy: all regions, master mix, WAV, into ``folder``."""
    settings = project.render
    # the copy has another file name: $project must still name the user's project
    pattern = _PROJECT_WILDCARD.sub(lambda _m: project.name, settings.pattern or "$region")
    return {
        "RENDER_FILE": f"RENDER_FILE {_quote(str(folder))}",
        "RENDER_PATTERN": f"RENDER_PATTERN {_quote(pattern)}",
        "RENDER_FMT": f"RENDER_FMT 0 {settings.channels} {settings.sampleRate}",
        "RENDER_RANGE": "RENDER_RANGE 3 0 0 0 1000",  # all regions, no tail
        "RENDER_STEMS": "RENDER_STEMS 0",  # master mix
        "RENDER_CFG": encode_wav_cfg(bit_depth),
    }


def rewrite(project: ReaperProject, folder: Path, bit_depth: int, keep_regions: Iterable[int] | None) -> str:
    """The text of the copy. ``keep_regions``: region ids to keep (None: all)."""
    path = Path(project.path)
    root = read_tree(path)
    lines = path.read_bytes().decode("utf-8-sig").splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    wanted = render_lines(project, folder, bit_depth)
    replace, drop = _edits(root, wanted, None if keep_regions is None else set(keep_regions), newline)
    out: list[str] = []
    for number, text in enumerate(lines, start=1):
        if number in drop:
            continue
        if number in replace:
            indent = text[: len(text) - len(text.lstrip())]
            out.append(indent + replace[number] + newline)
        else:
            out.append(text)
        if number == root.lineno:
            out.extend(f"  {line}{newline}" for key, line in wanted.items()
                       if key != "RENDER_CFG" and root.line(key) is None)
            if root.block("RENDER_CFG") is None:
                out.append(f"  <RENDER_CFG{newline}    {wanted['RENDER_CFG']}{newline}  >{newline}")
    return "".join(out)


def _edits(
    root: Block, wanted: dict[str, str], keep: set[int] | None, newline: str
) -> tuple[dict[int, str], set[int]]:
    replace: dict[int, str] = {}
    drop: set[int] = set()
    for key, line_text in wanted.items():
        if key == "RENDER_CFG":
            continue
        for index, line in enumerate(root.lines(key)):
            if index == 0:
                replace[line.lineno] = line_text
            else:
                drop.add(line.lineno)
    cfg = root.block("RENDER_CFG")
    if cfg is not None:
        body = [line.lineno for line in cfg.lines()]
        drop.update(body[1:])
        if body:
            replace[body[0]] = wanted["RENDER_CFG"]
        else:  # an empty block: the config goes right after its opening line
            replace[cfg.lineno] = f"<RENDER_CFG{newline}    {wanted['RENDER_CFG']}"
    if keep is not None:
        for line in root.lines("MARKER"):
            try:
                ident, flags = int(float(line.arg(0))), int(float(line.arg(3, "0")))
            except ValueError:
                continue
            if flags & REGION_FLAG and ident not in keep:
                drop.add(line.lineno)
    return replace, drop


def write_copy(
    project: ReaperProject, folder: Path, bit_depth: int, keep_regions: Iterable[int] | None
) -> Path:
    """Write the copy next to the project (hidden name) and return its path."""
    text = rewrite(project, folder, bit_depth, keep_regions)
    copy = Path(project.path).with_name(f".wwiseflowd-render-{uuid.uuid4().hex[:8]}.rpp")
    copy.write_bytes(text.encode("utf-8"))
    return copy
