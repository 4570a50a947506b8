"""What a destructive write removes, kept before the write, so compensation can put it back.

A deletion (a re-import removing the Sound's old audio source, ``object.delete``), a create with
``onNameConflict: replace`` and an import with ``replaceExisting`` destroy objects. Before such a
write the adapter reads the object and everything below it (type, name, notes) and copies the
original WAV of each audio source aside. When the run is undone by compensation, the object is
created again under its parent with that structure and its audio is imported again from the copy.

WAAPI cannot create an object with a given GUID: what is put back has a new id and shortId, and
properties other than its notes, and references other objects held to it, are not restored. So
a run that destroyed something is never reported as rolled back; the report says what was put
back and what was not.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wwiseflowd.default_plugins.wwise.uris import AUDIO_IMPORT, OBJECT_GET, OBJECT_SET
from wwiseflowd.results import Result

#: ``call(uri, args, options) -> Result``, as in :mod:`.compensation`
_FIELDS = ["id", "name", "type", "path", "notes"]
#: where an audio source's WAV is: ``originalFilePath`` from Wwise 2022.1, ``originalWavFilePath`` before
_ORIGINAL = ("originalFilePath", "originalWavFilePath")
SOURCE = "AudioFileSource"


@dataclass
class Kept:
    """One destroyed object as it was: its rows (itself first), and the copies of its audio."""

    old_id: str
    path: str
    rows: list[dict[str, Any]]
    audio: list[tuple[str, Path]] = field(default_factory=list)  # (Sound path, kept WAV copy)
    missing_audio: list[str] = field(default_factory=list)

    @property
    def parent(self) -> str:
        """The path of the object it was created under."""
        return self.path.rsplit("\\", 1)[0]


def keep(designator: str, call: Any, folder: Path) -> Kept | str:
    """Read ``designator`` and its descendants and copy their audio under ``folder``; a sentence
    saying why when it cannot be read."""
    found = _rows(f'$ "{designator}"', call)
    below = _rows(f'$ "{designator}" select descendants', call)
    if not found or below is None:
        return f"{designator} could not be read before it was destroyed"
    kept = Kept(str(found[0].get("id")), str(found[0].get("path")), [found[0], *below])
    for row in kept.rows:
        if row.get("type") != SOURCE:
            continue
        original = next((row[k] for k in _ORIGINAL if row.get(k)), None)
        sound = str(row.get("path")).rsplit("\\", 1)[0]
        copy = folder / f"{len(kept.audio)}" / f"{row.get('name')}.wav"
        try:
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(str(original), copy)
        except (OSError, TypeError):
            kept.missing_audio.append(f"{row.get('path')} (its WAV {original} could not be copied)")
            continue
        kept.audio.append((sound, copy))
    return kept


def new_keep_folder() -> Path:
    """A private folder for the audio copies of one undo group."""
    return Path(tempfile.mkdtemp(prefix="wwiseflowd-kept-"))


def put_back(kept: Kept, call: Any) -> tuple[bool, list[str]]:
    """Create ``kept`` again and import its audio from the copies; (put back, problems)."""
    now = _rows(f'$ "{kept.path}"', call)
    if now and str(now[0].get("id")) == kept.old_id:
        return False, []  # the write never reached Wwise: nothing to put back
    problems: list[str] = []
    tree = _tree(kept.rows)
    if tree is not None and not now:
        made = call(OBJECT_SET, {"objects": [{"object": kept.parent, "children": [tree]}],
                                 "onNameConflict": "fail"}, None)
        if not made.ok:
            return False, [f"{kept.path} could not be created again ({made.error})"]
    for sound, copy in kept.audio:
        imported = call(AUDIO_IMPORT, {"importOperation": "useExisting",
                                       "imports": [{"audioFile": str(copy), "objectPath": sound}]}, None)
        if not imported.ok:
            problems.append(f"the audio {copy.name} of {sound} was not imported again ({imported.error})")
    problems += [f"the audio of {m} was not put back" for m in kept.missing_audio]
    problems += _compare(kept, call)
    return True, problems


def _rows(waql: str, call: Any) -> list[dict[str, Any]] | None:
    for original in _ORIGINAL:  # the name Wwise knows, by version
        result: Result = call(OBJECT_GET, {"waql": waql}, {"return": [*_FIELDS, original]})
        if result.ok or result.code != "INVALID_INPUT":
            break
    if not result.ok:
        return None
    return [r for r in (result.data or {}).get("return") or [] if isinstance(r, dict)]


def _tree(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """``object.set`` children for the kept rows (audio sources come back by import instead)."""
    nodes: dict[str, dict[str, Any]] = {}
    root: dict[str, Any] | None = None
    for row in sorted(rows, key=lambda r: str(r.get("path")).count("\\")):
        if row.get("type") == SOURCE:
            continue
        node: dict[str, Any] = {"type": row.get("type"), "name": row.get("name")}
        if row.get("notes"):
            node["notes"] = row["notes"]
        path = str(row.get("path"))
        parent = nodes.get(path.rsplit("\\", 1)[0])
        if parent is not None:
            parent.setdefault("children", []).append(node)
        elif root is None:
            root = node
        nodes[path] = node
    return root


def _compare(kept: Kept, call: Any) -> list[str]:
    """What is there now against what was kept, by path, type and name."""
    top = _rows(f'$ "{kept.path}"', call) or []
    below = _rows(f'$ "{kept.path}" select descendants', call) or []
    now = {(str(r.get("path")), r.get("type")) for r in [*top, *below]}
    was = {(str(r.get("path")), r.get("type")) for r in kept.rows}
    missing = sorted(p for p, _ in was - now)
    if missing:
        return [f"{kept.path} was put back without {', '.join(missing[:3])}"
                + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")]
    return [f"{kept.path} was put back from what was read before the run (type, name, notes, "
            f"{len(kept.rows) - 1} object(s) below it, {len(kept.audio)} audio file(s)) but with a new id "
            f"(it was {kept.old_id}): its other properties, and references other objects held to it, "
            f"were not restored"]
