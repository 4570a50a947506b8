"""Wwise projects of the versions no public project was found for, derived from the real ones.

tests/data/wwise-projects holds two real projects: godot-demo (saved by 2019.2.1) and PyWwise
(2023.1.5). No public project saved by 2021.1, 2022.1, 2024.1 or 2025.1 with a licence that lets
us copy it was found (a real 2021.1.1 one, GameCult/Aetheria-Economy, carries no licence). So each
of those is *derived* from a real project: every Work Unit, object, property, reference, ID and
file is the real project's, and only what the target version is documented to change is rewritten:

- the version stamps: the ``.wproj``'s ``WwiseVersion``/``WwiseBuild`` and every document's
  ``SchemaVersion``. Known: 2021.1.14 is build 8108, schema 103 (a live getInfo and real 2021.1
  projects), 2022.1.19 is build 8584 (a live getInfo). Not known: the schema numbers of 2022.1,
  2024.1 and 2025.1 and the builds of 2024.1 and 2025.1; those documents keep the source's schema
  number and the ``.wproj`` carries no ``WwiseBuild`` (the emulator then reports its own).
- the category folders: ``Metadata`` appears with 2022.1, so 2021.1 is derived from the 2019.2
  project (which has none) and 2022.1/2024.1/2025.1 from the 2023.1 one (which has it).
- 2025.1 (migration notes): ``Actor-Mixer Hierarchy`` becomes ``Containers``, into which the
  ``Interactive Music Hierarchy`` is merged (its Default Work Unit is renamed ``Interactive Music``
  so the two do not clash: how Wwise names it is not known), ``Master-Mixer Hierarchy`` becomes
  ``Busses``, ``Audio Devices`` ``Devices``; ``ActorMixer`` objects become ``PropertyContainer``
  and a bus named ``Master Audio Bus`` the ``Main Audio Bus``. The Work Unit section elements
  (``AudioObjects``, ``InteractiveMusic``, ...) are kept as they are; that 2025.1 keeps them is
  not verified.

Tests derive them once per session into a temporary folder (:func:`derive_all`); nothing derived
is committed. ``python -m tests.sim.derived_projects OUT`` writes them to OUT for a look.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import NamedTuple

DATA = Path(__file__).resolve().parents[1] / "data/wwise-projects"
#: the real projects, by the version that saved them
REAL = {"2019.2": DATA / "godot-demo-2019.2", "2023.1": DATA / "pywwise-2023.1/resources/wwise"}


class Target(NamedTuple):
    """How to derive one version: from which real project, with which stamps."""

    source: str
    display: str
    build: int | None
    schema: int | None


TARGETS = {
    "2021.1": Target("2019.2", "v2021.1.14", 8108, 103),
    "2022.1": Target("2023.1", "v2022.1.19", 8584, None),
    "2024.1": Target("2023.1", "v2024.1.8", None, None),
    "2025.1": Target("2023.1", "v2025.1.7", None, None),
}

#: 2025.1's category folder renames (the Interactive Music Hierarchy merges into Containers)
_RENAMED_2025 = {"Actor-Mixer Hierarchy": "Containers", "Interactive Music Hierarchy": "Containers",
                 "Master-Mixer Hierarchy": "Busses", "Audio Devices": "Devices"}


def project_dir(version: str, derived: dict[str, Path]) -> Path:
    """The folder of ``version``'s project: a real one, or the derived one in ``derived``."""
    return REAL.get(version) or derived[version]


def derive_all(out: Path) -> dict[str, Path]:
    """Derive every version of :data:`TARGETS` into ``out/<version>``; version -> folder."""
    return {version: derive(version, out / version) for version in TARGETS}


def derive(version: str, out: Path) -> Path:
    """Write ``version``'s project, derived from its real source project, into ``out``."""
    target = TARGETS[version]
    source = REAL[target.source]
    if out.exists():
        shutil.rmtree(out)
    for path in sorted(source.rglob("*")):
        if path.suffix not in (".wproj", ".wwu"):
            continue
        relative = path.relative_to(source)
        text = path.read_text(encoding="utf-8")
        if version == "2025.1":
            relative, text = _as_2025(relative, text)
        dest = out / relative
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(_stamped(text, target), encoding="utf-8")
    return out


def _stamped(text: str, target: Target) -> str:
    """The document with the target version's stamps (only where the source has them)."""
    head, sep, rest = text.partition(">\n") if text.startswith("<?xml") else ("", "", text)
    root_end = rest.index(">")
    root = rest[:root_end]
    if target.schema is not None:
        root = re.sub(r'SchemaVersion="\d+"', f'SchemaVersion="{target.schema}"', root)
    if "WwiseVersion=" in root:
        root = re.sub(r'WwiseVersion="[^"]*"', f'WwiseVersion="{target.display}"', root)
        build = f' WwiseBuild="{target.build}"' if target.build is not None else ""
        root = re.sub(r' WwiseBuild="\d*"', build, root)
    return head + sep + root + rest[root_end:]


def _as_2025(relative: Path, text: str) -> tuple[Path, str]:
    """A 2023.1 file as 2025.1 lays it out (folder renames, PropertyContainer, Main Audio Bus)."""
    parts = relative.parts
    if len(parts) > 1 and parts[0] in _RENAMED_2025:
        if parts[0] == "Interactive Music Hierarchy" and parts[1] == "Default Work Unit.wwu":
            parts = (parts[0], "Interactive Music.wwu", *parts[2:])
            text = text.replace('<WorkUnit Name="Default Work Unit"', '<WorkUnit Name="Interactive Music"', 1)
        relative = Path(_RENAMED_2025[parts[0]], *parts[1:])
    text = re.sub(r"<(/?)ActorMixer\b", r"<\1PropertyContainer", text)
    text = text.replace('Name="Master Audio Bus"', 'Name="Main Audio Bus"')
    return relative, text


if __name__ == "__main__":
    for name, folder in derive_all(Path(sys.argv[1] if len(sys.argv) > 1 else "derived")).items():
        print(name, folder)
