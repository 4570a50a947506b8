"""Write the small *generated* Wwise projects in ``generated/<version>/`` (not real Wwise output).

No public project saved by Wwise 2021.1, 2022.1, 2024.1 or 2025.1 was available, so these are
written by hand in the shape of the two real projects beside them: same ``WwiseDocument`` layout,
category sections, ``ChildrenList`` nesting, ``ReferenceList``/``ObjectRef`` and a nested Work Unit
(``PersistMode="Reference"``). The version-specific parts are the ``WwiseVersion`` attribute and,
for 2025.1, the renamed folders (``Containers``, ``Busses``, ``Devices``), ``PropertyContainer``
and ``Main Audio Bus``. ``SchemaVersion`` values are placeholders. Rerun after changing this file:
``python tests/data/wwise-projects/generate.py``.
"""

from __future__ import annotations

import uuid
from pathlib import Path

VERSIONS = {"2021.1": "v2021.1.14", "2022.1": "v2022.1.18", "2024.1": "v2024.1.8", "2025.1": "v2025.1.4"}
HERE = Path(__file__).parent / "generated"


def _id(seed: str) -> str:
    """A stable GUID per (version, name), so regenerating changes nothing."""
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, seed)).upper() + "}"


def _unit(section: str, name: str, wu_id: str, children: str) -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<WwiseDocument Type="WorkUnit" ID="{wu_id}" '
            f'SchemaVersion="1">\n\t<{section}>\n\t\t<WorkUnit Name="{name}" ID="{wu_id}" '
            f'PersistMode="Standalone">\n\t\t\t<ChildrenList>\n{children}\t\t\t</ChildrenList>\n'
            f"\t\t</WorkUnit>\n\t</{section}>\n</WwiseDocument>\n")


def write(version: str, full: str) -> Path:
    """Write ``generated/<version>/`` and return the folder."""
    is_2025 = version == "2025.1"
    g = lambda name: _id(f"{version}/{name}")  # noqa: E731 - a one-line id maker
    root = HERE / version
    containers = "Containers" if is_2025 else "Actor-Mixer Hierarchy"
    busses = "Busses" if is_2025 else "Master-Mixer Hierarchy"
    mixer_type = "PropertyContainer" if is_2025 else "ActorMixer"
    master = "Main Audio Bus" if is_2025 else "Master Audio Bus"
    bus_ref = (f'<Reference Name="OutputBus"><ObjectRef Name="{master}" ID="{g("master")}" '
               f'WorkUnitID="{g("busses-dwu")}"/></Reference>')
    files = {
        f"Generated-{version}.wproj": (
            f'<?xml version="1.0" encoding="utf-8"?>\n<WwiseDocument Type="Project" SchemaVersion="1" '
            f'WwiseVersion="{full}" WwiseBuild="0">\n\t<ProjectInfo>\n'
            f'\t\t<Project Name="Generated-{version}" '
            f'ID="{g("project")}">\n\t\t\t<Platforms><Platform Name="Windows" ReferencePlatform="Windows" '
            f'ID="{g("windows")}"/></Platforms>\n\t\t\t<LanguageList><Language Name="English(US)" '
            f'ID="{g("en")}"/><Language Name="SFX" ID="{g("sfx")}"/></LanguageList>\n'
            "\t\t</Project>\n\t</ProjectInfo>\n</WwiseDocument>\n"),
        f"{containers}/Default Work Unit.wwu": _unit("AudioObjects", "Default Work Unit", g("am-dwu"), (
            f'\t\t\t\t<{mixer_type} Name="Weapons" ID="{g("weapons")}" ShortID="11">\n'
            f'\t\t\t\t\t<PropertyList><Property Name="Volume" Type="Real64" Value="-3"/></PropertyList>\n'
            f"\t\t\t\t\t<ReferenceList>{bus_ref}</ReferenceList>\n\t\t\t\t\t<ChildrenList>\n"
            f'\t\t\t\t\t\t<Sound Name="Gunshot" ID="{g("gunshot")}" ShortID="12">\n'
            f"\t\t\t\t\t\t\t<ReferenceList>{bus_ref}</ReferenceList>\n\t\t\t\t\t\t\t<ChildrenList>\n"
            f'\t\t\t\t\t\t\t\t<AudioFileSource Name="Gunshot" ID="{g("gunshot-src")}">\n'
            "\t\t\t\t\t\t\t\t\t<Language>SFX</Language>\n\t\t\t\t\t\t\t\t\t<AudioFile>Gunshot.wav</AudioFile>\n"
            "\t\t\t\t\t\t\t\t</AudioFileSource>\n\t\t\t\t\t\t\t</ChildrenList>\n\t\t\t\t\t\t</Sound>\n"
            f"\t\t\t\t\t</ChildrenList>\n\t\t\t\t</{mixer_type}>\n"
            f'\t\t\t\t<WorkUnit Name="Ambience" ID="{g("amb-wu")}" PersistMode="Reference"/>\n')),
        f"{containers}/Default Work Unit/Ambience.wwu": _unit("AudioObjects", "Ambience", g("amb-wu"), (
            f'\t\t\t\t<Folder Name="Outdoor" ID="{g("outdoor")}" ShortID="13">\n\t\t\t\t\t<ChildrenList>\n'
            f'\t\t\t\t\t\t<RandomSequenceContainer Name="Wind" ID="{g("wind")}" ShortID="14">\n'
            f"\t\t\t\t\t\t\t<ReferenceList>{bus_ref}</ReferenceList>\n"
            "\t\t\t\t\t\t</RandomSequenceContainer>\n\t\t\t\t\t</ChildrenList>\n\t\t\t\t</Folder>\n")),
        f"{busses}/Default Work Unit.wwu": _unit("Busses", "Default Work Unit", g("busses-dwu"), (
            f'\t\t\t\t<Bus Name="{master}" ID="{g("master")}"/>\n')),
        "Events/Default Work Unit.wwu": _unit("Events", "Default Work Unit", g("events-dwu"), (
            f'\t\t\t\t<Event Name="Play_Gunshot" ID="{g("play")}">\n\t\t\t\t\t<ChildrenList>\n'
            f'\t\t\t\t\t\t<Action Name="" ID="{g("action")}" ShortID="15">\n'
            '\t\t\t\t\t\t\t<ReferenceList><Reference Name="Target">'
            f'<ObjectRef Name="Gunshot" ID="{g("gunshot")}" WorkUnitID="{g("am-dwu")}"/></Reference>'
            "</ReferenceList>\n\t\t\t\t\t\t</Action>\n\t\t\t\t\t</ChildrenList>\n\t\t\t\t</Event>\n")),
        "Queries/Default Work Unit.wwu": _unit("Queries", "Default Work Unit", g("queries-dwu"), (
            f'\t\t\t\t<Query Name="All Sounds" ID="{g("query")}" ShortID="16"/>\n')),
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


if __name__ == "__main__":
    for name, full_version in VERSIONS.items():
        print(write(name, full_version))
