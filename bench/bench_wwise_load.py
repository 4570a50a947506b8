"""Loading a real-shaped Wwise project: ``python -m bench wwise_load``.

Writes a 50,000-object project in Wwise's own XML layout (a ``.wproj``; Work Units in the
Actor-Mixer Hierarchy, Master-Mixer Hierarchy and Events folders, some nested; Sounds with an
AudioFileSource, a Volume and an OutputBus reference; Events with a Play Action targeting a
Sound), then loads it the way ``wwiseflowd sim --project`` and dry runs do
(``load_wwise_project``): wall time (best and median of 3), tracemalloc peak, and the process's
resident memory after loading.
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

from wwiseflowd.sim.wwise_import import load_wwise_project

AM_UNITS = 16
CONTAINERS_PER_UNIT = 25
SOUNDS_PER_CONTAINER = 50
EVENT_UNITS = 4
RUNS = 3


def _gid() -> str:
    return "{" + str(uuid.uuid4()).upper() + "}"


def _document(section: str, name: str, unit_id: str, body: str) -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<WwiseDocument Type="WorkUnit" ID="{unit_id}" '
            f'SchemaVersion="123">\n<{section}>\n<WorkUnit Name="{name}" ID="{unit_id}" '
            f'PersistMode="Standalone">\n<ChildrenList>\n{body}</ChildrenList>\n</WorkUnit>\n</{section}>\n'
            "</WwiseDocument>\n")


def _sound(name: str, sound_id: str, bus_ref: str) -> str:
    return (f'<Sound Name="{name}" ID="{sound_id}" ShortID="{abs(hash(sound_id)) % 2**32}">\n'
            '<PropertyList><Property Name="Volume" Type="Real64" Value="-3"/></PropertyList>\n'
            f"<ReferenceList>{bus_ref}</ReferenceList>\n<ChildrenList>\n"
            f'<AudioFileSource Name="{name}" ID="{_gid()}"><Language>SFX</Language>'
            f"<AudioFile>{name}.wav</AudioFile></AudioFileSource>\n</ChildrenList>\n</Sound>\n")


def write_project(root: Path) -> tuple[Path, int]:
    """The project's files under ``root``; returns the .wproj and the number of objects written."""
    master, busses_unit = _gid(), _gid()
    bus_ref = (f'<Reference Name="OutputBus"><ObjectRef Name="Master Audio Bus" ID="{master}" '
               f'WorkUnitID="{busses_unit}"/></Reference>')
    (root / "Master-Mixer Hierarchy").mkdir(parents=True)
    (root / "Master-Mixer Hierarchy" / "Default Work Unit.wwu").write_text(_document(
        "Busses", "Default Work Unit", busses_unit, f'<Bus Name="Master Audio Bus" ID="{master}"/>\n'))
    count = 2
    sounds: list[tuple[str, str, str]] = []
    am = root / "Actor-Mixer Hierarchy"
    (am / "Default Work Unit").mkdir(parents=True)
    nested = []
    for u in range(AM_UNITS):
        unit_id, body = _gid(), []
        for c in range(CONTAINERS_PER_UNIT):
            children = []
            for s in range(SOUNDS_PER_CONTAINER):
                name, sound_id = f"SFX_{u:02d}_{c:02d}_{s:03d}", _gid()
                children.append(_sound(name, sound_id, bus_ref))
                sounds.append((name, sound_id, unit_id))
            body.append(f'<RandomSequenceContainer Name="Container_{u:02d}_{c:02d}" ID="{_gid()}">\n'
                        f"<ReferenceList>{bus_ref}</ReferenceList>\n<ChildrenList>\n{''.join(children)}"
                        "</ChildrenList>\n</RandomSequenceContainer>\n")
            count += 1 + 2 * SOUNDS_PER_CONTAINER
        (am / "Default Work Unit" / f"Unit_{u:02d}.wwu").write_text(
            _document("AudioObjects", f"Unit_{u:02d}", unit_id, "".join(body)))
        nested.append(f'<WorkUnit Name="Unit_{u:02d}" ID="{unit_id}" PersistMode="Reference"/>\n')
        count += 1
    (am / "Default Work Unit.wwu").write_text(_document("AudioObjects", "Default Work Unit", _gid(),
                                                        "".join(nested)))
    count += 1
    events = root / "Events"
    events.mkdir()
    per_unit = len(sounds) // EVENT_UNITS // 4  # one Event per fourth Sound
    for e in range(EVENT_UNITS):
        body = []
        for name, sound_id, unit_id in sounds[e * per_unit * 4:(e + 1) * per_unit * 4:4]:
            body.append(f'<Event Name="Play_{name}" ID="{_gid()}">\n<ChildrenList>\n'
                        f'<Action Name="" ID="{_gid()}" ShortID="1">\n<PropertyList><Property '
                        'Name="ActionType" Type="int16" Value="1"/></PropertyList>\n'
                        f'<ReferenceList><Reference Name="Target"><ObjectRef Name="{name}" ID="{sound_id}" '
                        f'WorkUnitID="{unit_id}"/></Reference></ReferenceList>\n</Action>\n</ChildrenList>\n'
                        "</Event>\n")
            count += 2
        (events / f"Events_{e}.wwu").write_text(_document("Events", f"Events_{e}", _gid(), "".join(body)))
        count += 1
    wproj = root / "Big.wproj"
    wproj.write_text('<?xml version="1.0" encoding="utf-8"?>\n<WwiseDocument Type="Project" '
                     'SchemaVersion="123" WwiseVersion="v2024.1.8" WwiseBuild="8669">\n<ProjectInfo>\n'
                     f'<Project Name="Big" ID="{_gid()}"/>\n</ProjectInfo>\n</WwiseDocument>\n')
    return wproj, count


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wproj, written = write_project(Path(tmp))
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*")) / 2**20
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            project = load_wwise_project(wproj)
            times.append(time.perf_counter() - started)
        objects = len(project)
        del project
        tracemalloc.start()
        project = load_wwise_project(wproj)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"project: {written} objects written in XML ({size:.1f} MiB, "
              f"{len(list(Path(tmp).rglob('*.wwu')))} Work Units); {objects} in the model "
              "(+ Project and category roots)")
        print(f"load_wwise_project: best {min(times):.2f} s, median {statistics.median(times):.2f} s "
              f"over {RUNS} runs")
        print(f"memory: tracemalloc peak {peak / 2**20:.0f} MiB while loading; process max RSS {rss:.0f} MiB")
        assert project.find("Event:Play_SFX_00_00_000") is not None


if __name__ == "__main__":
    main()
