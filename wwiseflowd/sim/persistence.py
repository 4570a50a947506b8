"""Saving and loading an emulated project: one JSON document, written atomically.

Format (``<project dir>/<name>.wsim.json``, documented in docs/emulator.md)::

    {"format": "wwiseflowd-sim-project", "formatVersion": 1, "name": "...", "id": "{GUID}",
     "wwiseVersion": "2024.1", "languages": [...], "platforms": [...],
     "root": {"type": "Project", "name": ..., "id": ..., "children": [
         {"type", "name", "id", "shortId", "notes"?, "properties"?, "references"? {name: id|null},
          "audioFile"? (relative to Originals), "extra"? {lower-case name: value read from the
          Wwise XML but not modelled}, "children"? [...]}]}}

The write goes to a temporary file in the same directory, is flushed to disk, then renamed over
the old file, so a killed emulator leaves either the old or the new project, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Final

from wwiseflowd.sim.classes import DEFAULT_VERSION, WwiseVersion, parse_version
from wwiseflowd.sim.model import Project, WwiseObject

FORMAT: Final = "wwiseflowd-sim-project"
FORMAT_VERSION: Final = 1
SUFFIX: Final = ".wsim.json"


class ProjectFileError(Exception):
    """A saved project that cannot be read; the message names the file and the problem."""


def project_file(directory: Path) -> Path | None:
    """The saved project in ``directory``, if there is one."""
    if not directory.is_dir():
        return None
    found = sorted(directory.glob("*" + SUFFIX))
    return found[0] if found else None


def open_or_create(location: Path, version: WwiseVersion | None = None) -> Project:
    """Load the project saved in ``location`` (or its Wwise ``.wproj``); else start one named after it.

    ``location`` is a directory or a ``.wproj`` file. A real Wwise project is emulated as the
    version that saved it unless ``version`` is given; a new project is ``version`` or 2024.1.
    """
    location = Path(location)
    if location.suffix.lower() == ".wproj":
        wproj = [location]
        directory = location.parent
    else:
        directory = location
        existing = project_file(directory)
        if existing is not None:
            return load(existing)
        wproj = sorted(directory.glob("*.wproj")) if directory.is_dir() else []
    if wproj:  # a real Wwise project: read its XML (never written back)
        from wwiseflowd.sim.wwise_import import WwiseProjectError, load_wwise_project

        try:
            return load_wwise_project(wproj[0], version)
        except WwiseProjectError as exc:
            raise ProjectFileError(str(exc)) from exc
    # the directory itself appears on the first save or import, not merely by starting
    return Project.new(directory.resolve().name or "WwiseProject", directory, version or DEFAULT_VERSION)


def _node(obj: WwiseObject) -> dict[str, Any]:
    node: dict[str, Any] = {"type": obj.type, "name": obj.name, "id": obj.id, "shortId": obj.short_id}
    if obj.notes:
        node["notes"] = obj.notes
    if obj.properties:
        node["properties"] = dict(obj.properties)
    if obj.references:
        node["references"] = {k: (v.id if v is not None else None) for k, v in obj.references.items()}
    if obj.audio_file is not None:
        node["audioFile"] = obj.audio_file
    if obj.extra:
        node["extra"] = dict(obj.extra)
    if obj.children:
        node["children"] = [_node(child) for child in obj.children]
    return node


def to_dict(project: Project) -> dict[str, Any]:
    """The whole project as the JSON-able save document."""
    return {
        "format": FORMAT,
        "formatVersion": FORMAT_VERSION,
        "name": project.name,
        "id": project.root.id,
        "wwiseVersion": f"{project.version.year}.{project.version.major}",
        "languages": project.languages,
        "platforms": project.platforms,
        "root": _node(project.root),
    }


def save(project: Project) -> Path:
    """Write the project atomically to ``<dir>/<name>.wsim.json``; returns the path.

    A read-only project (a dry run on a studio's project) is not written: the path is returned and
    the Work Units count as saved, as if Wwise had saved them.
    """
    target = project.directory / f"{project.name}{SUFFIX}"
    if project.read_only:
        project.dirty_workunits.clear()
        return target
    project.directory.mkdir(parents=True, exist_ok=True)
    data = json.dumps(to_dict(project), separators=(",", ":"))
    fd, tmp = tempfile.mkstemp(prefix=f".{project.name}.", suffix=".tmp", dir=project.directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    project.dirty_workunits.clear()
    return target


def load(path: Path) -> Project:
    """Read a saved project; raises ProjectFileError naming the file and what is wrong."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ProjectFileError(f"Cannot read emulator project {path}: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ProjectFileError(f"{path} is not a wwiseflowd emulator project (no \"format\": \"{FORMAT}\").")
    if data.get("formatVersion") != FORMAT_VERSION:
        raise ProjectFileError(f"{path} has format version {data.get('formatVersion')}; "
                               f"this wwiseflowd reads version {FORMAT_VERSION}.")
    try:
        version = parse_version(str(data.get("wwiseVersion", "2024.1")))
        project = Project(data["name"], Path(path).parent, version, data["root"]["id"])
        project.languages = data.get("languages", project.languages)
        project.platforms = data.get("platforms", project.platforms)
        pending: list[tuple[WwiseObject, dict[str, str | None]]] = []
        stack: list[tuple[WwiseObject, dict[str, Any]]] = [(project.root, data["root"])]
        while stack:
            parent, node = stack.pop()
            for child in node.get("children", ()):
                obj = project.add(parent, child["type"], child["name"], object_id=child["id"],
                                  short_id=int(child.get("shortId", 0)) or None)
                obj.notes = child.get("notes", "")
                obj.properties.update(child.get("properties", {}))
                obj.audio_file = child.get("audioFile")
                obj.extra = child.get("extra")
                project.extra_names.update(obj.extra or ())
                if "references" in child:
                    pending.append((obj, child["references"]))
                stack.append((obj, child))
        for obj, refs in pending:
            for name, target_id in refs.items():
                obj.references[name] = project.get(target_id) if target_id else None
    except (KeyError, TypeError, ValueError) as exc:
        raise ProjectFileError(f"Emulator project {path} is damaged ({type(exc).__name__}: {exc}).") from exc
    return project
