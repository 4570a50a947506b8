"""Planning a batch import: which Sound each file becomes, where, and in which Random Container.

Pure functions, no WAAPI: the batch command plans with :func:`plan_batch`, the adapter imports
the resulting :class:`~.adapter.ImportItem` list.

Rules (also in docs/wwise-nodes.md):

* A file's Sound is named after its file name without extension; characters Wwise refuses in names
  become ``_``.
* With ``mirror_subfolders``, each segment of the file's ``relativeDir`` becomes a Virtual Folder
  under the target (created when missing, reused when present).
* Variations: files in the same folder whose names match ``variation_pattern`` (named groups
  ``base`` and ``index``) and share a ``base`` become Sounds inside one Random Container named
  ``base``. A lone match stays a plain Sound, unless a Random Container called ``base`` already
  exists at that spot (then it joins it), so variations dropped one at a time still end up together.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from functools import lru_cache
from pathlib import Path, PurePosixPath, PureWindowsPath

from pydantic import BaseModel, ConfigDict, Field

from wwiseflowd.default_plugins.wwise.models import ImportItem, wwise_name

DEFAULT_VARIATION_PATTERN = r"^(?P<base>.+?)[_ -](?P<index>\d{1,3})$"


class BatchFile(BaseModel):
    """One file of a batch: an absolute path, the folder it came from (relative to the drop), its hash."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    path: str = Field(description="Absolute path of the WAV file.")
    relativeDir: str = Field(
        "", description="Sub-folder of the drop folder the file came from ('' for the top)."
    )
    sha256: str | None = Field(None, description="Content hash, written into the Sound's notes.")

    @property
    def stem(self) -> str:
        """The file name without its extension."""
        return _stem_of(self.path)

    @property
    def folders(self) -> list[str]:
        """``relativeDir`` split into segments (either separator)."""
        return [seg for seg in re.split(r"[\\/]+", self.relativeDir) if seg and seg != "."]


def compile_pattern(pattern: str | None) -> re.Pattern[str] | None:
    """Compile a variation pattern; raise ValueError naming what is missing."""
    if pattern is None or pattern == "":
        return None
    compiled = re.compile(pattern)
    missing = {"base", "index"} - set(compiled.groupindex)
    if missing:
        raise ValueError(
            f"variationPattern needs the named group(s) {', '.join(sorted(missing))}, "
            r"e.g. ^(?P<base>.+?)[_ -](?P<index>\d{1,3})$"
        )
    return compiled


def originals_subfolder(template: str, file: BatchFile, base: str) -> str | None:
    """Expand the originals-subfolder template (``{relative_dir}``, ``{base}``) to a relative path.

    A template that is absolute or has a ``..`` segment is refused (ValueError): the WAV copies must
    stay inside the project's Originals folder.
    """
    if template.startswith(("/", "\\")) or PureWindowsPath(template).drive:
        raise ValueError(
            f"originalsSubfolder {template!r} is an absolute path; give a sub-folder of Originals, "
            "e.g. 'weapons/{base}'"
        )
    if ".." in re.split(r"[\\/]+", template):
        raise ValueError(
            f"originalsSubfolder {template!r} climbs out of Originals with '..'; give a sub-folder "
            "inside it, e.g. '{relative_dir}'"
        )
    try:
        text = template.format(relative_dir="/".join(file.folders), base=base)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(
            f"originalsSubfolder {template!r} uses an unknown placeholder ({exc}); "
            "use {relative_dir} and {base}"
        ) from None
    parts = [seg for seg in re.split(r"[\\/]+", text) if seg and seg not in (".", "..")]
    return "/".join(parts) or None


def plan_batch(
    files: Sequence[BatchFile],
    target_path: str,
    *,
    variation_pattern: str | None = DEFAULT_VARIATION_PATTERN,
    mirror_subfolders: bool = True,
    originals_template: str = "{relative_dir}",
    language: str = "SFX",
    existing_containers: Collection[str] = (),
    notes: Callable[[BatchFile], str | None] = lambda _file: None,
) -> list[ImportItem]:
    """One :class:`ImportItem` per file, in input order. ``existing_containers``: lower-case paths."""
    pattern = compile_pattern(variation_pattern)
    target = target_path.rstrip("\\")
    folders_of = [[wwise_name(seg) for seg in f.folders] if mirror_subfolders else [] for f in files]
    bases: list[str | None] = []
    for file in files:
        match = pattern.match(file.stem) if pattern else None
        bases.append(wwise_name(match.group("base")) if match else None)
    group_sizes: dict[tuple[str, ...], int] = {}
    for folders, base in zip(folders_of, bases, strict=True):
        if base is not None:
            key = (*folders, base.lower())
            group_sizes[key] = group_sizes.get(key, 0) + 1
    existing = {path.lower() for path in existing_containers}
    items = []
    for file, folders, base in zip(files, folders_of, bases, strict=True):
        container = None
        if base is not None:
            grouped = group_sizes[(*folders, base.lower())] > 1
            container_path = "\\".join([target, *folders, base]).lower()
            if grouped or container_path in existing:
                container = base
        items.append(
            ImportItem(
                file=file.path,
                parent_path=target,
                folders=folders,
                container=container,
                sound_name=wwise_name(file.stem),
                language=language,
                originals_subfolder=originals_subfolder(
                    originals_template, file, base or wwise_name(file.stem)
                ),
                notes=notes(file),
            )
        )
    return items


def provenance_note(file: BatchFile, execution_id: str | None) -> str:
    """The note written into an imported Sound: where its audio came from."""
    parts = [f"Imported by wwiseflowd from {file.path}"]
    if file.sha256:
        parts.append(f"sha256 {file.sha256}")
    if execution_id:
        parts.append(f"execution {execution_id}")
    return "; ".join(parts)


@lru_cache(maxsize=16_384)
def _stem_of(path: str) -> str:
    """``_pure(path).stem``, asked several times per file while a batch is planned (a pure path
    costs microseconds to make: 20 ms of a 1,000-file batch)."""
    return _pure(path).stem


def _pure(path: str) -> PurePosixPath | PureWindowsPath:
    # a Windows path handed to a daemon on another OS still yields the right file name
    return PureWindowsPath(path) if "\\" in path and "/" not in path else PurePosixPath(Path(path).as_posix())
