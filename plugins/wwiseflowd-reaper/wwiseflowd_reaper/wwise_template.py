"""ReaWwise-style path templates: where in Wwise the rendered regions go, as ``audioImport`` options.

Audiokinetic's ReaWwise (the REAPER extension that imports renders into Wwise) describes the
hierarchy with a template such as (one line)::

    \\Actor-Mixer Hierarchy\\Default Work Unit\\<Virtual Folder>Footsteps
        \\<Random Container>$basename\\<Sound>$region

The supported subset, mapped onto ``audioImport``'s batch options:

- a leading plain path (no ``<Type>``): ``targetPath``; a template that is only a plain path
  means ``...\\<Random Container>$basename\\<Sound>$region``;
- ``<Virtual Folder>Name`` segments (literal names): sub-folders (``relativeDir``);
- ``<Random Container>$basename`` (optional): variations ``Name_01``, ``Name_02`` ... grouped into a
  Random Container named ``Name`` (``variationPattern``); without it every region is a plain Sound;
- ``<Sound>$region`` last: one Sound per region, named after the region (the rendered file's name,
  so the render pattern must give the region name: ``$region``).

Anything else (another object type, wildcards in folder names, properties) is refused with the list
above rather than imported somewhere unexpected.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from wwiseflowd.registry import NodeContext
from wwiseflowd.results import ErrorCode, Result

DEFAULT_VARIATIONS = r"^(?P<base>.+?)[_ -](?P<index>\d{1,3})$"
_SEGMENT = re.compile(r"^<(?P<type>[^>]+)>(?P<name>.*)$")


class TemplateError(ValueError):
    """A template outside the supported subset."""


class ImportLayout(BaseModel):
    """What a template means for ``audioImport``."""

    targetPath: str
    folders: list[str] = Field(default_factory=list)
    variations: bool = True


def parse_template(template: str) -> ImportLayout:
    """The import layout of ``template`` (see the module docstring)."""
    text = template.strip().rstrip("\\")
    if not text.startswith("\\"):
        raise TemplateError(f"template {template!r} must start with a Wwise path such as "
                            "\\Actor-Mixer Hierarchy\\Default Work Unit")
    parts = [p for p in text.split("\\") if p]
    plain = [p for p in parts if not p.startswith("<")]
    typed = parts[len(plain):] if parts[: len(plain)] == plain else None
    if typed is None:
        raise TemplateError(f"template {template!r}: plain path segments must all come before <Type> ones")
    target = "\\" + "\\".join(plain)
    if not typed:
        return ImportLayout(targetPath=target)
    segments = [_segment(p, template) for p in typed]
    if segments[-1] != ("Sound", "$region"):
        raise TemplateError(f"template {template!r} must end with <Sound>$region (one Sound per region)")
    variations = len(segments) > 1 and segments[-2] == ("Random Container", "$basename")
    folders = segments[: len(segments) - (2 if variations else 1)]
    for kind, name in folders:
        if kind != "Virtual Folder" or "$" in name or not name:
            raise TemplateError(
                f"template {template!r}: <{kind}>{name} is not supported; between the path and "
                "<Sound>$region wwiseflowd supports <Virtual Folder>Name (literal names) and one "
                "<Random Container>$basename")
    return ImportLayout(targetPath=target, folders=[name for _k, name in folders], variations=variations)


def _segment(part: str, template: str) -> tuple[str, str]:
    match = _SEGMENT.match(part)
    if not match:
        raise TemplateError(f"template {template!r}: segment {part!r} is not <Type>Name")
    return match.group("type").strip(), match.group("name").strip()


class WwiseLayoutInput(BaseModel):
    """Lay out rendered regions for ``audioImport`` from a ReaWwise-style template."""

    model_config = ConfigDict(extra="forbid")

    files: list[dict[str, Any]] = Field(description="reaperRender's files ({file, path, region, ...}).")
    template: str = Field(
        "\\Actor-Mixer Hierarchy\\Default Work Unit",
        description="A Wwise path, or a ReaWwise-style template such as \\Actor-Mixer Hierarchy\\Default "
        "Work Unit\\<Random Container>$basename\\<Sound>$region.",
        examples=["\\Actor-Mixer Hierarchy\\Default Work Unit\\<Random Container>$basename\\<Sound>$region"],
    )


def run_layout(data: WwiseLayoutInput, ctx: NodeContext) -> Result:
    """``{files, targetPath, variationPattern, mirrorSubfolders}`` for audioImport."""
    try:
        layout = parse_template(data.template)
    except TemplateError as exc:
        return Result.failure(ErrorCode.INVALID_INPUT, str(exc))
    folder = "/".join(layout.folders)
    files = []
    for entry in data.files:
        path = str(entry.get("path") or entry.get("file") or "")
        stem = PurePosixPath(path.replace("\\", "/")).stem
        region = str(entry.get("region", stem))
        if stem != region:
            return Result.failure(ErrorCode.INVALID_INPUT, f"region {region!r} was rendered as {stem!r}; the "
                                  "template names Sounds $region, so set the render pattern to $region")
        files.append({**entry, "path": path, "relativeDir": folder})
    return Result.success({
        "files": files,
        "targetPath": layout.targetPath,
        "variationPattern": DEFAULT_VARIATIONS if layout.variations else None,
        "mirrorSubfolders": bool(folder),
    })
