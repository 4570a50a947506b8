"""``ak.wwise.core.audio.import`` and ``importTabDelimited``: objectPath notation, Originals, the log.

Per-item problems (a missing or non-WAV file, a path Wwise cannot build) are log entries with
severity ``Error``, never a WAMP error, as in Wwise 2023.1+; the item's half-made changes are
rolled back and the other items still import.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path, PureWindowsPath
from typing import TYPE_CHECKING, Any, Final

from wwiseflowd.sim import rules
from wwiseflowd.sim.classes import IMPORT_TOKENS
from wwiseflowd.sim.errors import WaapiError, invalid_arguments
from wwiseflowd.sim.import_files import Audio, ItemError, copy_to_originals, name_from_file, read_audio
from wwiseflowd.sim.model import WwiseObject
from wwiseflowd.sim.schemas import check_item

if TYPE_CHECKING:
    from wwiseflowd.sim.calls.types import Args, Handler, Reply, Returns
    from wwiseflowd.sim.functions import Session, Waapi

_ITEM_ARGS: Final[dict[str, Any]] = {
    "objectPath": "string", "audioFile": "string", "audioFileBase64": "string", "importLanguage": "string",
    "importLocation": "string", "originalsSubFolder": "string", "objectType": "string", "notes": "string",
    "audioSourceNotes": "string", "switchAssignation": "string", "event": "string", "dialogueEvent": "string",
}
_SET_IMPORT_FILE_ARGS: Final[dict[str, Any]] = {
    "audioFile": "string", "audioFileBase64": "string", "originalsSubFolder": "string",
    "language": "string", "objectType": "string",
}
_TOKEN: Final = re.compile(r"^<([^>]*)>(.*)$")
_ACTIONS: Final = {"play": 1, "stop": 2, "stopall": 3, "pause": 7, "resume": 9, "break": 34, "seek": 36}
#: Tab-delimited column headers (Wwise's Audio File Importer) -> import item keys
_TSV_COLUMNS: Final = {
    "audio file": "audioFile", "object path": "objectPath", "object type": "objectType", "notes": "notes",
    "audio source notes": "audioSourceNotes", "event": "event", "dialogue event": "dialogueEvent",
    "switch assignation": "switchAssignation", "originals sub folder": "originalsSubFolder",
}


class Importer:
    """One audio.import call against the Waapi's project."""

    def __init__(self, waapi: Waapi) -> None:
        self.waapi = waapi
        self.project = waapi.project
        self.objects: list[WwiseObject] = []
        self.files: list[str] = []
        self.log: list[dict[str, Any]] = []
        self.created_sound = False

    # -- entry points --------------------------------------------------------------------------------

    def run(self, args: dict[str, Any], returns: list[str] | None) -> dict[str, Any]:
        """audio.import: every item, then ``{objects, files, log}``."""
        operation = args.get("importOperation", "useExisting")
        default = args.get("default", {})
        check_item("default", default, _ITEM_ARGS, frozenset())
        for index, item in enumerate(args["imports"]):
            check_item(f"imports[{index}]", item, _ITEM_ARGS, frozenset({"objectPath"}))
            self.import_item(index, {**default, **item}, operation)
        return self.finish(returns, operation)

    def run_tab_delimited(self, args: dict[str, Any], returns: list[str] | None) -> dict[str, Any]:
        """audio.importTabDelimited: the TSV's rows become import items."""
        path = Path(args["importFile"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise WaapiError("ak.wwise.file_error", f"Cannot read the tab-delimited file {path}: {exc}.",
                             {"importFile": str(path)}) from None
        rows = list(csv.reader(text.splitlines(), delimiter="\t"))
        if not rows:
            raise invalid_arguments(f"The tab-delimited file {path} is empty.", importFile=str(path))
        header = [h.strip() for h in rows[0]]
        for number, row in enumerate(rows[1:]):
            if not any(cell.strip() for cell in row):
                continue
            item: dict[str, Any] = {"importLanguage": args["importLanguage"]}
            if "importLocation" in args:
                item["importLocation"] = args["importLocation"]
            for column, cell in zip(header, row, strict=False):
                key = _TSV_COLUMNS.get(column.lower())
                if column.startswith("@") and cell.strip():
                    item[column] = cell.strip()
                elif key is not None and cell.strip():
                    item[key] = cell.strip()
            if "audioFile" in item and not Path(item["audioFile"]).is_absolute():
                item["audioFile"] = str(path.parent / item["audioFile"])
            if "objectPath" not in item:
                self.log.append({"severity": "Error", "index": number,
                                 "message": f"Row {number + 2} of {path.name} has no Object Path."})
                continue
            self.import_item(number, item, args["importOperation"])
        result = self.finish(returns, args["importOperation"])
        return {"objects": result["objects"]}

    def import_onto(self, obj: WwiseObject, spec: Any, returns: list[str] | None) -> dict[str, Any]:
        """object.set ``import``: files become the sources of ``obj`` (a Sound) or new Sounds under it."""
        spec = check_item("import", spec, {"files": "array", "autoAddToSourceControl": "boolean"},
                          frozenset({"files"}), at_keys=False)
        for index, entry in enumerate(spec["files"]):
            check_item(f"import.files[{index}]", entry, _SET_IMPORT_FILE_ARGS, frozenset())
            item: dict[str, Any] = {k: v for k, v in entry.items() if k in ("audioFile", "audioFileBase64",
                                                                             "originalsSubFolder")}
            item["importLanguage"] = entry.get("language", "SFX")
            if obj.type == "Sound" and obj.parent is not None:
                item["importLocation"] = obj.parent.id
                item["objectPath"] = obj.name
            else:
                audio_name = entry.get("audioFile") or entry.get("audioFileBase64", "").split("|", 1)[0]
                token = entry.get("objectType", "Sound SFX")
                item["importLocation"] = obj.id
                item["objectPath"] = f"<{token}>{name_from_file(PureWindowsPath(audio_name).stem or 'Sound')}"
            self.import_item(index, item, "useExisting")
        return {"logs": self.log, "objects": self.waapi.rows(self.objects, returns)}

    def finish(self, returns: list[str] | None, operation: str) -> dict[str, Any]:
        """Build the result, publish audio.imported and apply the pre-2023.1 error behaviour."""
        for entry in self.log:
            if entry["severity"] in ("Error", "Fatal Error"):
                self.waapi.log("general", entry["severity"], entry["message"])
        if self.project.version.key < (2023, 1) and any(e["severity"] == "Error" for e in self.log):
            raise WaapiError("ak.wwise.unexpected_error",
                             "content has errors, see details for more information",
                             {"log": self.log})
        rows = self.waapi.rows(self.objects, returns)
        observer = self.project.observer
        if self.objects and observer is not None and observer.wants("ak.wwise.core.audio.imported"):
            kind = {"createNew": "CreateNewObject", "replaceExisting": "ReplaceObject"}.get(
                operation, "CreateNewObject" if self.created_sound else "ReplaceFile")
            observer.publish("ak.wwise.core.audio.imported",
                             {"operation": kind, "objects": list(self.objects), "files": list(self.files)})
        return {"objects": rows, "files": self.files, "log": self.log}

    # -- one item ----------------------------------------------------------------------------------

    def import_item(self, index: int, item: dict[str, Any], operation: str) -> None:
        """Import one item; on failure roll its changes back and log an Error."""
        journal = self.project.journal
        mark = len(journal) if journal is not None else 0
        objects_mark, files_mark = len(self.objects), len(self.files)
        try:
            self._import(index, item, operation)
        except (ItemError, WaapiError) as exc:
            if journal is not None:
                changes = journal[mark:]
                del journal[mark:]
                self.project.revert(changes)
            del self.objects[objects_mark:]
            del self.files[files_mark:]
            message = exc.message if isinstance(exc, WaapiError) else str(exc)
            self.log.append({"severity": "Error", "message": message, "index": index})

    def _import(self, index: int, item: dict[str, Any], operation: str) -> None:
        p = self.project
        audio = read_audio(item)
        language = item.get("importLanguage", "SFX")
        if language != "SFX" and language not in {lang["name"] for lang in p.languages}:
            raise ItemError(f"importLanguage {language!r} is not a language of the project.")
        path: str = item["objectPath"]
        segments = [s for s in path.split("\\") if s]
        if not segments:
            raise ItemError("objectPath is empty.")
        node, sound, explicit_source = self._walk(self._start(item, path), segments, item, audio, operation)
        if sound is None and explicit_source is None and audio is not None:
            raise ItemError(f"objectPath {path!r} must end with a Sound to receive {audio.name}.")
        target = sound or node
        if "notes" in item:
            p.set_notes(target, item["notes"])
        self.waapi.apply_at_keys(target, item)
        if sound is not None and audio is not None:
            source = self._source(sound, audio.stem, audio, item, language)
            self.objects.insert(self.objects.index(sound), source)
        elif explicit_source is not None:
            self.objects.append(explicit_source)
        if sound is not None and "event" in item:
            self._event(item["event"], sound)
        for unsupported in ("switchAssignation", "dialogueEvent"):
            if unsupported in item:
                self.log.append({"severity": "Warning", "index": index,
                                 "message": f"{unsupported} is not emulated; the value was ignored."})

    def _start(self, item: dict[str, Any], path: str) -> WwiseObject:
        """Where the objectPath starts: the Project for an absolute path, else importLocation."""
        if path.startswith("\\"):
            return self.project.root
        location = item.get("importLocation")
        if location is None:
            raise ItemError(f"objectPath {path!r} is relative; give an absolute path or importLocation.")
        found = self.project.find(location)
        if found is None:
            raise ItemError(f"importLocation {location} is unknown.")
        return found

    def _walk(self, node: WwiseObject, segments: list[str], item: dict[str, Any], audio: Audio | None,
              operation: str) -> tuple[WwiseObject, WwiseObject | None, WwiseObject | None]:
        """Follow the objectPath, creating what is missing; returns (last node, leaf Sound, explicit
        ``<AudioFileSource>``)."""
        p = self.project
        path: str = item["objectPath"]
        language = item.get("importLanguage", "SFX")
        leaf_type_token = item.get("objectType")
        sound: WwiseObject | None = None
        explicit_source: WwiseObject | None = None
        for k, segment in enumerate(segments):
            token, name = _split_token(segment)
            last = k == len(segments) - 1
            if token is None and last and leaf_type_token:
                token = leaf_type_token.strip().strip("<>").lower()
            if token is not None and token not in IMPORT_TOKENS:
                raise ItemError(f"<{token}> in objectPath {path!r} is not an import type; "
                                "use e.g. <Sound SFX>, "
                                "<Random Container>, <Actor-Mixer>, <Virtual Folder>.")
            existing = node.child_named(name)
            if node is p.root:
                if existing is None:
                    raise ItemError(f"objectPath {path!r}: there is no category '\\{name}'.")
                node = existing
                continue
            if node.parent is p.root and token != "work unit" and existing is None:
                raise ItemError(f"objectPath {path!r}: Work Unit '{name}' does not exist in '{node.path}'; "
                                "create it first or use <Work Unit>.")
            type_name, extra = self._segment_type(token, last, audio, existing, language)
            if type_name == "AudioFileSource":
                if node.type != "Sound" or not last:
                    raise ItemError(f"objectPath {path!r}: <AudioFileSource> must be the last segment, "
                                    "under a "
                                    "Sound.")
                explicit_source = self._source(node, name, audio, item, language)
                continue
            if last and type_name == "Sound":
                node = sound = self._leaf_sound(node, name, existing, operation, extra)
            elif existing is not None:
                node = existing
            else:
                rules.check_child(p, node, type_name)
                node = self._create(node, type_name, rules.check_name(p, name, type_name), extra)
        return node, sound, explicit_source

    def _segment_type(self, token: str | None, last: bool, audio: Audio | None, existing: WwiseObject | None,
                      language: str) -> tuple[str, dict[str, Any]]:
        """The type (and preset properties) one objectPath segment stands for."""
        if token is not None:
            type_name, extra = IMPORT_TOKENS[token]
            if type_name == "ActorMixer" and self.project.version.is_2025:
                type_name = "PropertyContainer"
        elif last and (audio is not None or existing is None or existing.type == "Sound"):
            type_name, extra = "Sound", {}
        else:
            type_name, extra = (existing.type if existing is not None else "Folder"), {}
        if type_name == "Sound" and language != "SFX":
            extra = {**extra, "IsVoice": True}
        return type_name, extra

    def _create(self, parent: WwiseObject, type_name: str, name: str, extra: dict[str, Any]) -> WwiseObject:
        obj = self.project.create(parent, type_name, name)
        for prop, value in extra.items():
            self.project.set_property(obj, prop, value)
        self.objects.append(obj)
        return obj

    def _leaf_sound(self, parent: WwiseObject, name: str, existing: WwiseObject | None, operation: str,
                    extra: dict[str, Any]) -> WwiseObject:
        p = self.project
        rules.check_child(p, parent, "Sound")
        if existing is not None and existing.type != "Sound":
            raise ItemError(f"'{existing.path}' is a {existing.type}; cannot import a Sound with that name.")
        if existing is None:
            self.created_sound = True
            return self._create(parent, "Sound", rules.check_name(p, name, "Sound"), extra)
        if operation == "useExisting":
            self.objects.append(existing)
            return existing
        if operation == "replaceExisting":
            index = parent.children.index(existing)
            p.delete(existing)
            sound = p.create(parent, "Sound", name, index=index)
            for prop, value in extra.items():
                p.set_property(sound, prop, value)
            self.objects.append(sound)
            self.created_sound = True
            return sound
        self.created_sound = True  # createNew: a new Sound with a free name
        return self._create(parent, "Sound", rules.unique_name(p, parent, name, "Sound"), extra)

    def _source(self, sound: WwiseObject, name: str, audio: Audio | None, item: dict[str, Any],
                language: str) -> WwiseObject:
        p = self.project
        if audio is None:
            raise ItemError(f"<AudioFileSource>{name} needs an audioFile or audioFileBase64.")
        source = sound.child_named(name)
        if source is None or source.type != "AudioFileSource":
            free = rules.unique_name(p, sound, rules.check_name(p, name, "Sound"), "AudioFileSource")
            source = p.create(sound, "AudioFileSource", free)
        subfolder = item.get("originalsSubFolder", "")
        relative, written = copy_to_originals(self.project, audio, subfolder, language)
        self.files.append(written)
        old = source.audio_file

        def set_file(value: str | None, obj: WwiseObject = source) -> None:
            obj.audio_file = value

        set_file(relative)
        p.record_external(lambda: set_file(old), lambda: set_file(relative))
        if "audioSourceNotes" in item:
            p.set_notes(source, item["audioSourceNotes"])
        return source

    def _event(self, spec: str, target: WwiseObject) -> None:
        """``\\Events\\Default Work Unit\\Play_X@Play``: an Event with one Action on ``target``."""
        p = self.project
        path, _, action = spec.rpartition("@")
        if not path:
            path, action = spec, "Play"
        action_type = _ACTIONS.get(action.replace(" ", "").lower())
        if action_type is None:
            raise ItemError(f"event {spec!r}: action {action!r} is unknown; "
                            "use Play, Stop, Pause, Resume, ...")
        segments = [s for s in path.split("\\") if s]
        if not path.startswith("\\") or len(segments) < 3:
            raise ItemError(f"event {spec!r} must be an absolute path like "
                            "\\Events\\Default Work Unit\\Play_X@Play.")
        node = p.root
        for k, segment in enumerate(segments):
            token, name = _split_token(segment)
            existing = node.child_named(name)
            last = k == len(segments) - 1
            if existing is not None:
                node = existing
            elif node is p.root or (node.parent is p.root and token != "work unit"):
                raise ItemError(f"event {spec!r}: '{node.path}\\{name}' does not exist.")
            else:
                type_name = "Event" if last else ("WorkUnit" if token == "work unit" else "Folder")
                rules.check_child(p, node, type_name)
                node = p.create(node, type_name, rules.check_name(p, name, type_name))
        if node.type != "Event":
            raise ItemError(f"event {spec!r} names a {node.type}, not an Event.")
        act = p.create(node, "Action", "")
        p.set_property(act, "ActionType", action_type)
        p.set_reference(act, "Target", target)



def _split_token(segment: str) -> tuple[str | None, str]:
    """``<Random Container>Name`` -> ("random container", "Name"); no token -> (None, segment)."""
    match = _TOKEN.match(segment)
    return (match.group(1).strip().lower(), match.group(2)) if match else (None, segment)

def audio_import(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.audio.import."""
    return Importer(waapi).run(args, returns)


def audio_import_tab_delimited(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.audio.importTabDelimited."""
    return Importer(waapi).run_tab_delimited(args, returns)


#: the WAAPI functions this module answers
HANDLERS: Final[dict[str, Handler]] = {
    "ak.wwise.core.audio.import": audio_import,
    "ak.wwise.core.audio.importTabDelimited": audio_import_tab_delimited,
}
