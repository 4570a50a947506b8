"""Which regions changed since the last render, where a project file can tell.

A region's fingerprint is its name, bounds and the items that overlap it (position, length, the
text of the item block, and the size/mtime of the media files it plays). Everything else in the
project (FX, volumes, routing, tempo ...) is one global fingerprint: when it changes, every region
counts as changed, because any of it may change how every region sounds. A region whose file from
the last render is gone also counts as changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from wwiseflowd_reaper.project import ReaperProject, Region, resolve
from wwiseflowd_reaper.rppfile import Block, Line, read_tree

STATE_FILE = ".wwiseflowd-render-state.json"


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _text(node: Block | Line) -> str:
    if isinstance(node, Line):
        return " ".join(node.tokens)
    return " ".join([node.tag, *node.attrs, *(_text(c) for c in node.children)])


def _media(project: ReaperProject, item: Block) -> list[object]:
    out: list[object] = []
    stack = list(item.blocks("SOURCE"))
    while stack:
        source = stack.pop()
        stack.extend(source.blocks("SOURCE"))
        for line in source.lines("FILE"):
            try:
                st = os.stat(resolve(project.folder, line.arg(0)))
                out.append([line.arg(0), st.st_size, st.st_mtime_ns])
            except OSError:
                out.append([line.arg(0), None])
    return out


def fingerprints(project: ReaperProject) -> tuple[str, dict[str, str]]:
    """(global fingerprint, {region name: fingerprint})."""
    root = read_tree(Path(project.path))
    items: list[tuple[float, float, str]] = []
    rest: list[str] = []
    for child in root.children:
        if isinstance(child, Line) and child.key == "MARKER":
            continue
        if isinstance(child, Block) and child.tag == "TRACK":
            for sub in child.children:
                if isinstance(sub, Block) and sub.tag == "ITEM":
                    pos = float((sub.line("POSITION") or Line(["", "0"], 0)).arg(0, "0"))
                    length = float((sub.line("LENGTH") or Line(["", "0"], 0)).arg(0, "0"))
                    items.append((pos, length, _digest(_text(sub), _media(project, sub))))
                else:
                    rest.append(_text(sub))
            continue
        rest.append(_text(child))
    per_region = {r.name: _digest(r.name, r.start, r.end, _overlapping(r, items)) for r in project.regions}
    return _digest(rest), per_region


def _overlapping(region: Region, items: list[tuple[float, float, str]]) -> list[str]:
    return [digest for pos, length, digest in items if pos < region.end and pos + length > region.start]


def changed_regions(project: ReaperProject, folder: Path, files: dict[str, Path]) -> tuple[list[str], dict]:
    """(names of regions to render, the new state to save after a successful render)."""
    global_fp, per_region = fingerprints(project)
    state_path = folder / STATE_FILE
    try:
        old = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    new_state = {"global": global_fp, "regions": per_region}
    if old.get("global") != global_fp:
        return [r.name for r in project.regions], new_state
    previous = old.get("regions") or {}
    changed = [name for name, fp in per_region.items()
               if previous.get(name) != fp or not files.get(name, Path("/nonexistent")).is_file()]
    return changed, new_state


def save_state(folder: Path, state: dict) -> None:
    """Remember what was rendered (written after the render succeeded)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / STATE_FILE).write_text(json.dumps(state, indent=1), encoding="utf-8")
