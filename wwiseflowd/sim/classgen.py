"""Regenerate ``class_defaults.json`` from a real ``.wproj``: ``python -m wwiseflowd.sim.classgen WPROJ``.

A ``.wproj`` stores every class's property defaults (``SharedValues/SharedPropertyList``); they are
the emulator's ground truth for property names, types and defaults.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

#: the classes the emulator models (plug-in and internal helper classes are left out)
MODELLED_CLASSES: tuple[str, ...] = (
    "Action", "ActorMixer", "Attenuation", "AudioFileSource", "AuxBus", "BlendContainer", "Bus",
    "Conversion", "Effect", "Event", "Folder", "GameParameter", "MusicPlaylistContainer", "MusicSegment",
    "MusicSwitchContainer", "MusicTrack", "RandomSequenceContainer", "Sound", "SoundBank", "State",
    "StateGroup", "Switch", "SwitchContainer", "SwitchGroup", "Trigger", "WorkUnit",
)

#: Wwise property type -> parser of its XML text
CONVERTERS: dict[str, Any] = {
    "bool": lambda text: text == "True",
    "Real64": float, "Real32": float,
    "int16": int, "int32": int, "int64": int, "Uint16": int, "Uint32": int, "Uint8": int, "Int8": int,
    "string": lambda text: text or "",
}


def extract(wproj: Path) -> dict[str, dict[str, list[Any]]]:
    """``{class: {property: [wwiseType, default]}}`` for :data:`MODELLED_CLASSES`."""
    table: dict[str, dict[str, list[Any]]] = {}
    for shared in ET.parse(wproj).iter("SharedPropertyList"):
        class_name = shared.get("ClassName", "")
        if class_name not in MODELLED_CLASSES:
            continue
        props: dict[str, list[Any]] = {}
        for prop in shared.iter("Property"):
            name, wtype = prop.get("Name", ""), prop.get("Type", "string")
            if ":" in name or wtype not in CONVERTERS:  # plug-in specific extras (e.g. "Soundly:...")
                continue
            values = [v.text for v in prop.iter("Value")]
            raw = values[0] if values else prop.get("Value")
            props[name] = [wtype, CONVERTERS[wtype](raw or ("0" if wtype not in ("string", "bool") else ""))]
        table[class_name] = dict(sorted(props.items()))
    return dict(sorted(table.items()))


def main(argv: list[str]) -> int:
    """Write the table next to this module."""
    source = Path(argv[0])
    out = Path(__file__).with_name("class_defaults.json")
    payload = {"source": source.name, "classes": extract(source)}
    out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
