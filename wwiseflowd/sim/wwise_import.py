"""Load a real Wwise project (``.wproj`` + ``.wwu`` XML) into the emulator, for dry runs.

Only what WAAPI exposes through the emulator is read: the object tree of every Work Unit (the
``ChildrenList`` nesting, with nested Work Units spliced in where their parent references them),
names, ids, short ids, the properties the class table knows, references, and each
AudioFileSource's file. The Wwise files are never written; saving writes ``<Name>.wsim.json``
next to the ``.wproj``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from wwiseflowd.gc_pause import gc_paused
from wwiseflowd.sim.classes import ClassInfo, WwiseVersion, parse_version
from wwiseflowd.sim.classgen import CONVERTERS
from wwiseflowd.sim.model import Project, WwiseObject, new_guid

_NOT_OBJECTS: Final = frozenset({"PropertyList", "ReferenceList", "ChildrenList", "ObjectLists",
                                 "ActiveSourceList", "GroupingInfo", "MediaIDList", "StateInfo"})


class WwiseProjectError(Exception):
    """A ``.wproj``/``.wwu`` the loader cannot read; the message names the file."""


def _parse(path: Path) -> ET.Element:
    try:
        return ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise WwiseProjectError(f"Cannot read Wwise file {path}: {exc}") from exc


def project_version(wproj: Path) -> WwiseVersion:
    """The Wwise version that saved ``wproj`` (its ``WwiseVersion`` attribute); refused when not modelled."""
    document = _parse(wproj)
    text = document.get("WwiseVersion")
    if not text:
        raise WwiseProjectError(f"{wproj} does not say which Wwise version saved it (no WwiseVersion "
                                "attribute); pass --wwise-version to choose one.")
    build = document.get("WwiseBuild", "")
    try:
        return parse_version(text, int(build) if build.isdigit() else None)
    except ValueError as exc:
        raise WwiseProjectError(f"{wproj} was saved by Wwise {text.lstrip('v')}. {exc}") from None


def load_wwise_project(wproj: Path, version: WwiseVersion | None = None) -> Project:
    """Build a :class:`Project` from a Wwise project folder's ``.wproj`` and Work Unit files.

    The emulated version is the one that saved the project unless ``version`` is given.
    """
    wproj = Path(wproj)
    if version is None:
        version = project_version(wproj)
    # building ~10^5 linked objects triggers full GC passes that find nothing to free
    with gc_paused():
        return _load(wproj, version)


def _load(wproj: Path, version: WwiseVersion) -> Project:
    """The loading itself: project info, then every category folder's Work Units, then references."""
    info = _parse(wproj).find("./ProjectInfo/Project")
    if info is None:
        raise WwiseProjectError(f"{wproj} has no ProjectInfo/Project element; is it a Wwise project file?")
    project_id = (info.get("ID") or new_guid()).upper()
    project = Project(info.get("Name") or wproj.stem, wproj.parent, version, project_id)
    languages = [{"id": el.get("ID", new_guid()), "name": el.get("Name", "")} for el in info.iter("Language")]
    if languages:
        project.languages = languages
    platforms = [{"id": el.get("ID", new_guid()), "name": el.get("Name", ""),
                  "baseName": el.get("ReferencePlatform") or el.get("Name") or ""}
                 for el in info.iter("Platform")]
    if platforms:
        project.platforms = platforms
    loader = _Loader(project)
    roots = version.roots
    category_dirs = sorted((d for d in wproj.parent.iterdir() if d.is_dir() and any(d.rglob("*.wwu"))),
                           key=lambda d: (d.name not in roots, roots.index(d.name) if d.name in roots else 0,
                                          d.name))
    for directory in category_dirs:
        loader.load_category(directory)
    loader.resolve_references()
    project.extra_names.discard("pluginname")
    project.dirty_workunits.clear()
    return project


class _Loader:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.units: dict[str, ET.Element] = {}
        self.references: list[tuple[WwiseObject, str, str]] = []

    def load_category(self, directory: Path) -> None:
        root = self.project.add(self.project.root, "Folder", directory.name)
        units: dict[str, ET.Element] = {}
        referenced: set[str] = set()
        for path in sorted(directory.rglob("*.wwu")):
            document = _parse(path)
            unit = next(document.iter("WorkUnit"), None)
            if unit is None or unit.get("ID") is None:
                continue
            units[unit.get("ID", "").upper()] = unit
            referenced.update(el.get("ID", "").upper() for el in unit.iter("WorkUnit")
                              if el.get("PersistMode") == "Reference")
        self.units.update(units)
        # Default Work Unit first, as in the Project Explorer
        tops = sorted((u for i, u in units.items() if i not in referenced),
                      key=lambda u: (u.get("Name") != "Default Work Unit", u.get("Name", "")))
        for unit in tops:
            self._object(root, unit)

    def _object(self, parent: WwiseObject, element: ET.Element) -> None:
        if element.tag == "WorkUnit" and element.get("PersistMode") == "Reference":
            element = self.units.get(element.get("ID", "").upper(), element)
        object_id = (element.get("ID") or new_guid()).upper()
        if self.project.get(object_id) is not None:
            return  # a Work Unit listed twice
        short = element.get("ShortID")
        obj = self.project.add(parent, element.tag, element.get("Name", ""), object_id=object_id,
                               short_id=int(short) if short and short.isdigit() else None)
        children: ET.Element | None = None
        info = self.project.classes.get(obj.type)
        for part in element:  # one pass over the element (ElementPath lookups cost a second per 50k)
            tag = part.tag
            if tag == "PropertyList":
                self._properties(obj, part, info)
            elif tag == "ReferenceList" and info is not None:
                self._references(obj, part, info.references)
            elif tag == "ChildrenList":
                children = part
        if element.get("PluginName"):  # Effects, source plug-ins, Audio Devices
            obj.extra = {**(obj.extra or {}), "pluginname": element.get("PluginName")}
        if obj.type == "AudioFileSource":
            audio = element.findtext("AudioFile")
            language = element.findtext("Language") or "SFX"
            if audio:
                base = "SFX" if language == "SFX" else f"Voices/{language}"
                obj.audio_file = f"{base}/{audio.replace(chr(92), '/')}"
        if children is not None:
            for child in children:
                if child.tag not in _NOT_OBJECTS:
                    self._object(obj, child)

    def _properties(self, obj: WwiseObject, properties: ET.Element, info: ClassInfo | None) -> None:
        """Property values: modelled ones into the object, the rest (as read) into ``extra``."""
        modelled_names = info.properties if info is not None else {}
        for prop in properties:
            name, wtype = prop.get("Name", ""), prop.get("Type", "string")
            value = prop.get("Value")
            if value is None:
                values = prop.find("ValueList")
                first = values.find("Value") if values is not None else None
                value = first.text if first is not None else None
            converter = CONVERTERS.get(wtype)
            modelled = converter is not None and name in modelled_names
            try:
                converted = converter(value or "") if converter is not None else value
            except ValueError:  # an expression or platform-specific value: kept as text, not modelled
                converted, modelled = value, False
            if modelled:
                obj.properties[name] = converted
            else:
                if obj.extra is None:
                    obj.extra = {}
                obj.extra[name.lower()] = converted
                self.project.extra_names.add(name.lower())

    def _references(self, obj: WwiseObject, references: ET.Element, slots: Mapping[str, Any]) -> None:
        """References of the class's modelled slots, resolved once every object is loaded."""
        for ref in references:
            name = ref.get("Name", "")
            if name in slots:
                target = ref.find("ObjectRef")
                if target is not None:
                    self.references.append((obj, name, target.get("ID", "").upper()))

    def resolve_references(self) -> None:
        for obj, name, target_id in self.references:
            target = self.project.get(target_id)
            if target is not None:
                obj.references[name] = target
