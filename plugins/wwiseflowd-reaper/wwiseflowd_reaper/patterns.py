"""Render patterns: predict the file each region render produces.

The supported subset of REAPER's wildcards (render dialog, "Wildcards" menu):

========================  ===============================================================
``$region``               the region's name
``$regionnumber``         the region's id (the number REAPER shows as R1, R2 ...)
``$project``              the project file name without extension
``$track``                the track rendered; a master-mix render is named ``Master``
``$tracknumber``          the track's number; ``0`` for the master mix
``$timelineorder``        1-based position of the region on the timeline
``$filenumber``           1-based number of the file in this render
========================  ===============================================================

Wildcard names are matched without regard to case (``$REGION`` is ``$region``). ``/`` (or ``\\``)
makes sub-folders. Any other ``$word`` is refused with the list above, so a render is never
predicted wrong silently. An empty pattern means ``$project`` as REAPER does for a single file;
for region renders we use ``$region`` then, which is what a game-audio project wants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

SUPPORTED: tuple[str, ...] = (
    "regionnumber", "region", "project", "tracknumber", "track", "timelineorder", "filenumber",
)
_WILDCARD = re.compile(r"\$([A-Za-z]+)")
# characters REAPER (and Windows) will not put in a file name
_UNSAFE = re.compile(r'[:*?"<>|\x00-\x1f]')
DEFAULT_REGION_PATTERN = "$region"


class PatternError(ValueError):
    """A pattern uses a wildcard we cannot predict, or predicts an unusable name."""


@dataclass(frozen=True)
class PatternValues:
    """What the wildcards of one rendered file expand to."""

    region: str
    regionnumber: int
    project: str
    timelineorder: int
    filenumber: int
    track: str = "Master"
    tracknumber: int = 0


def check_pattern(pattern: str) -> None:
    """Raise :class:`PatternError` naming the first wildcard we do not support."""
    for match in _WILDCARD.finditer(pattern):
        if _known(match.group(1)) is None:
            raise PatternError(
                f"render pattern {pattern!r} uses ${match.group(1)}, which wwiseflowd cannot predict; "
                f"use only {', '.join('$' + w for w in SUPPORTED)} (and / for folders)"
            )


def _known(word: str) -> str | None:
    """The supported wildcard ``word`` starts with (longest first), if it is exactly one."""
    lower = word.lower()
    return lower if lower in SUPPORTED else None


def expand(pattern: str, values: PatternValues) -> str:
    """The relative path (``/``-separated, ``.wav`` appended) ``pattern`` gives for ``values``."""
    check_pattern(pattern)

    def value(match: re.Match[str]) -> str:
        return str(getattr(values, match.group(1).lower()))

    text = _WILDCARD.sub(value, pattern.replace("\\", "/"))
    parts = [_UNSAFE.sub("_", part).strip().rstrip(".") for part in text.split("/")]
    parts = [p for p in parts if p and p not in (".", "..")]
    if not parts:
        raise PatternError(f"render pattern {pattern!r} gives an empty file name for region "
                           f"{values.region!r}; name the region or put $regionnumber in the pattern")
    return str(PurePosixPath(*parts)) + ".wav"
