"""Wwise and project information: getInfo, getProjectInfo, ping, the catalogue and schemas, the UI."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Final

from wwiseflowd.sim.calls.types import Args, Handler, Reply, Returns
from wwiseflowd.sim.objects import fnv1_32

if TYPE_CHECKING:
    from wwiseflowd.sim.functions import Session, Waapi


def get_info(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.getInfo."""
    v = waapi.project.version
    install = os.path.dirname(sys.executable)
    return {
        "sessionId": waapi.session_guid,
        "apiVersion": 1,
        "displayName": "Wwise",
        "branch": f"wwise_v{v.year}.{v.major}",
        "copyright": "wwiseflowd WAAPI emulator (not Audiokinetic Wwise)",
        "version": {"displayName": v.display_name, "year": v.year, "major": v.major, "minor": v.minor,
                    "build": v.build, "nickname": "wwiseflowd-sim", "schema": 119},
        "configuration": "release",
        "platform": {"win32": "x64", "darwin": "macosx"}.get(sys.platform, "linux"),
        "isCommandLine": False,
        "processId": os.getpid(),
        "processPath": sys.executable,
        "directories": {"install": install, "authoring": install, "bin": install, "help": install,
                        "user": str(waapi.project.directory)},
    }


def get_project_info(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.getProjectInfo (2022.1+; defaultWorkUnits only from 2025.1)."""
    p = waapi.project
    ref = next((lang for lang in p.languages if lang["name"] != "SFX"), p.languages[0])
    conversion = p.find("Conversion:Default Conversion Settings")
    root = str(p.directory)
    result: dict[str, Any] = {
        "name": p.name,
        "displayTitle": f"{p.name} - Wwise (emulated)",
        "path": str(p.directory / f"{p.name}.wproj"),
        "id": p.root.id,
        "isDirty": bool(p.dirty_workunits),
        "currentLanguageId": ref["id"],
        "referenceLanguageId": ref["id"],
        "currentPlatformId": p.platforms[0]["id"],
        "languages": [{"id": lang["id"], "name": lang["name"], "shortId": fnv1_32(lang["name"])}
                      for lang in p.languages],
        "platforms": [{"id": pl["id"], "name": pl["name"], "baseName": pl["baseName"],
                       "baseDisplayName": pl["baseName"],
                       "soundBankPath": str(p.directory / "GeneratedSoundBanks" / pl["name"]),
                       "copiedMediaPath": str(p.directory / ".cache" / pl["name"])}
                      for pl in p.platforms],
        "directories": {"root": root, "cache": str(p.directory / ".cache"),
                        "originals": str(p.originals_dir()),
                        "soundBankOutputRoot": str(p.directory / "GeneratedSoundBanks"),
                        "commands": str(p.directory / "Commands"),
                        "properties": str(p.directory / "Properties")},
    }
    if conversion is not None:
        result["defaultConversion"] = {"id": conversion.id, "name": conversion.name}
    if p.version.is_2025:
        units = {}
        for category_root in p.root.children:
            dwu = category_root.child_named("Default Work Unit")
            if dwu is not None:
                units[category_root.name] = {"id": dwu.id, "name": dwu.name, "path": dwu.path,
                                             "filePath": str(p.workunit_file(dwu))}
        result["defaultWorkUnits"] = units
        result["defaultImportWorkUnit"] = units.get(p.version.actor_mixer_root)
    return result


def get_schema(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.waapi.getSchema: the emulator's own (top-level) argument schema."""
    spec = waapi.spec(args["uri"])
    props: dict[str, Any] = {}
    for name, kind in spec.args.items():
        props[name] = {"enum": list(kind)} if isinstance(kind, tuple) else {"type": kind}
    args_schema = {"type": "object", "properties": props, "required": sorted(spec.required),
                   "additionalProperties": False}
    return {"argsSchema": args_schema, "optionsSchema": {"type": "object"},
            "resultSchema": {"type": "object"}}


def ping(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.ping."""
    return {"isAvailable": True}


def get_functions(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.waapi.getFunctions."""
    return {"functions": waapi.function_uris()}


def get_topics(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.waapi.getTopics."""
    return {"topics": waapi.topic_uris()}


def selected_objects(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.ui.getSelectedObjects: the emulator has no UI, so nothing is ever selected."""
    return {"objects": []}


#: the WAAPI functions this module answers
HANDLERS: Final[dict[str, Handler]] = {
    "ak.wwise.core.getInfo": get_info,
    "ak.wwise.core.getProjectInfo": get_project_info,
    "ak.wwise.core.ping": ping,
    "ak.wwise.waapi.getFunctions": get_functions,
    "ak.wwise.waapi.getTopics": get_topics,
    "ak.wwise.waapi.getSchema": get_schema,
    "ak.wwise.ui.getSelectedObjects": selected_objects,
}
