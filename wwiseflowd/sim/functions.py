"""The emulated WAAPI functions: ``Waapi.call(session, uri, args, options) -> result kwargs``.

One place for WAAPI semantics; the WAMP server (server.py) only moves messages. Every call runs
inside a journal: a call that fails is rolled back whole (as Wwise does since 2022.1), a call that
succeeds becomes one undo step, or part of the session's open undo group.
"""

from __future__ import annotations

import os
import re
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from wwiseflowd.sim import accessors, catalogue, persistence, rules
from wwiseflowd.sim.errors import (
    INVALID_OPTIONS,
    INVALID_PROCEDURE,
    INVALID_QUERY,
    NOT_EMULATED,
    UNKNOWN_OBJECT,
    WaapiError,
    invalid_arguments,
    not_emulated_accessor,
    schema_error,
    unknown_object,
)
from wwiseflowd.sim.model import (
    MISSING,
    Change,
    NotEmulatedAccessorError,
    Project,
    UnknownAccessorError,
    WwiseObject,
    fnv1_32,
)
from wwiseflowd.sim.schemas import (
    FUNCTIONS,
    FunctionSpec,
    check_args,
    check_item,
    check_options,
)

DEFAULT_RETURN: Final = ("id", "name")

Args = dict[str, Any]
Returns = list[str] | None
Reply = dict[str, Any]

#: nested create child items (object.create ``children`` and object.set ``children``)
_CHILD_ARGS: Final[dict[str, Any]] = {
    "type": "string", "name": "string", "notes": "string", "id": "string", "children": "array",
    "platform": "string", "classId": "integer", "language": "string", "import": "object",
    "onNameConflict": ("rename", "replace", "fail", "merge"),
}
_SET_ITEM_ARGS: Final[dict[str, Any]] = {
    "object": "string", "platform": "string", "onNameConflict": ("rename", "replace", "fail", "merge"),
    "listMode": ("append", "replaceAll"), "name": "string", "notes": "string", "children": "array",
    "import": "object",
}


@dataclass
class Session:
    """One WAMP session (one client connection)."""

    id: int
    #: open undo groups, innermost last; each collects the changes made while it is open
    groups: list[list[Change]] = field(default_factory=list)


@dataclass
class UndoStep:
    """One entry of the project's undo history."""

    name: str
    changes: list[Change]


class Waapi:
    """The WAAPI surface of one emulated Wwise instance over one :class:`Project`."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.session_guid = "{" + str(uuid.uuid4()).upper() + "}"
        self.undo_stack: list[UndoStep] = []
        self.redo_stack: list[UndoStep] = []
        self.logs: dict[str, list[dict[str, Any]]] = {}
        self._handlers: dict[str, Callable[[Session, Args, Returns], Reply]] = {
            "ak.wwise.core.getInfo": self.get_info,
            "ak.wwise.core.getProjectInfo": self.get_project_info,
            "ak.wwise.core.ping": lambda s, a, r: {"isAvailable": True},
            "ak.wwise.core.object.create": self.object_create,
            "ak.wwise.core.object.set": self.object_set,
            "ak.wwise.core.object.get": self.object_get,
            "ak.wwise.core.object.setProperty": self.set_property,
            "ak.wwise.core.object.setReference": self.set_reference,
            "ak.wwise.core.object.setName": self.set_name,
            "ak.wwise.core.object.setNotes": self.set_notes,
            "ak.wwise.core.object.delete": self.delete,
            "ak.wwise.core.object.move": self.move,
            "ak.wwise.core.object.copy": self.copy,
            "ak.wwise.ui.getSelectedObjects": self.selected_objects,
            "ak.wwise.core.audio.import": self.audio_import,
            "ak.wwise.core.audio.importTabDelimited": self.audio_import_tab_delimited,
            "ak.wwise.core.project.save": self.project_save,
            "ak.wwise.core.undo.beginGroup": self.undo_begin_group,
            "ak.wwise.core.undo.endGroup": self.undo_end_group,
            "ak.wwise.core.undo.cancelGroup": self.undo_cancel_group,
            "ak.wwise.core.undo.undo": self.undo_undo,
            "ak.wwise.core.undo.redo": self.undo_redo,
            "ak.wwise.core.log.get": self.log_get,
            "ak.wwise.core.log.addItem": self.log_add_item,
            "ak.wwise.core.log.clear": self.log_clear,
            "ak.wwise.waapi.getFunctions": lambda s, a, r: {"functions": self.function_uris()},
            "ak.wwise.waapi.getTopics": lambda s, a, r: {"topics": self.topic_uris()},
            "ak.wwise.waapi.getSchema": self.get_schema,
        }

    # -- dispatch ----------------------------------------------------------------------------------

    def function_uris(self) -> list[str]:
        """Every function of the emulated version's real catalogue (emulated or not)."""
        return sorted(catalogue.functions(self.project.version.short))

    def topic_uris(self) -> list[str]:
        """Every topic of the emulated version's real catalogue."""
        return sorted(catalogue.topics(self.project.version.short))

    def spec(self, uri: str) -> FunctionSpec:
        """The schema of ``uri``: outside the version's catalogue -> unknown; in it but not
        implemented -> not emulated (a different URI, so a client can tell the two apart)."""
        version = self.project.version
        if uri not in catalogue.functions(version.short):
            raise WaapiError(INVALID_PROCEDURE, "The procedure URI is unknown.", {"procedureUri": uri})
        spec = FUNCTIONS.get(uri)
        if spec is None:
            raise WaapiError(NOT_EMULATED, f"{uri} is a Wwise {version.short} function that the wwiseflowd "
                             "emulator does not emulate (see the conformance table in docs/emulator.md).",
                             {"procedureUri": uri, "emulated": False})
        return spec

    def call(self, session: Session, uri: str, args: Args, options: dict[str, Any]) -> Reply:
        """Run one WAAPI call; raises WaapiError (with ``details.procedureUri``) on failure."""
        try:
            spec = self.spec(uri)
            self._check_version_args(uri, args)
            check_args(spec, args)
            returns = check_options(spec, options)
            journal: list[Change] = []
            project = self.project
            project.journal = journal
            try:
                result = self._handlers[uri](session, args, returns)
            except BaseException:
                project.revert(journal)
                raise
            finally:
                project.journal = None
            if journal:
                self._commit(session, uri, journal)
            return result
        except WaapiError as exc:
            exc.details.setdefault("procedureUri", uri)
            raise

    def _check_version_args(self, uri: str, args: Args) -> None:
        """Arguments that older Wwise versions do not know yet (schema errors there)."""
        version = self.project.version
        if uri == "ak.wwise.core.object.get" and "waql" in args and not version.has_waql:
            raise schema_error(f"Argument waql is unknown (WAQL arrived in Wwise 2021.1; this is "
                               f"{version.short}).", "waql")
        if uri == "ak.wwise.core.project.save" and args and version.key < (2023, 1):
            name = next(iter(args))
            raise schema_error(f"Argument {name} is unknown (project.save takes no argument before "
                               "Wwise 2023.1).", name)

    def _commit(self, session: Session, name: str, changes: list[Change]) -> None:
        if session.groups:
            session.groups[-1].extend(changes)
        else:
            self.undo_stack.append(UndoStep(name, changes))
            self.redo_stack.clear()

    def close_session(self, session: Session) -> None:
        """A client went away: its open undo groups are cancelled (changes kept, see waapi-notes)."""
        while session.groups:
            changes = session.groups.pop()
            if changes:
                self._commit(session, "ak.wwise.core.undo.cancelGroup", changes)

    # -- helpers -----------------------------------------------------------------------------------

    def obj(self, designator: Any, argument: str = "object") -> WwiseObject:
        """Resolve an object argument or raise Wwise's "Object X is unknown." error."""
        if not isinstance(designator, str):
            raise invalid_arguments(f"Argument {argument} must name an object (GUID, path or Type:Name).")
        found = self.project.find(designator)
        if found is None:
            raise unknown_object(designator)
        return found

    def check_returns(self, returns: list[str] | None) -> list[str]:
        """The accessors to return; unknown names fail the whole call (Wwise 2021.1+)."""
        if returns is None:
            return list(DEFAULT_RETURN)
        for accessor in returns:
            for part in accessor.split("."):
                try:
                    accessors.check_known(self.project, part)
                except NotEmulatedAccessorError:
                    raise not_emulated_accessor(accessor) from None
                except UnknownAccessorError:
                    raise WaapiError(INVALID_OPTIONS, f"Accessor '{accessor}' in options.return is unknown: "
                                     f"'{part}' is not a Wwise property, reference or object accessor.",
                                     {"accessor": accessor}) from None
        return returns

    def row(self, obj: WwiseObject, returns: list[str]) -> dict[str, Any]:
        """One result row: each accessor that applies to ``obj``."""
        get = self.project.get_value
        row: dict[str, Any] = {}
        for accessor in returns:
            value = get(obj, accessor)
            if value is not MISSING:
                row[accessor] = value
        return row

    def rows(self, objects: list[WwiseObject], returns: list[str] | None) -> list[dict[str, Any]]:
        """Result rows for many objects (id+name fast path)."""
        checked = self.check_returns(returns)
        if checked == ["id", "name"]:
            return [{"id": o.id, "name": o.name} for o in objects]
        return [self.row(o, checked) for o in objects]

    def log(self, channel: str, severity: str, message: str) -> dict[str, Any]:
        """Append to one of Wwise's log channels (log.get reads them back)."""
        item = {"severity": severity, "time": int(time.time()), "messageId": "WaapiLog", "message": message}
        self.logs.setdefault(channel, []).append(item)
        observer = self.project.observer
        if observer is not None and observer.wants("ak.wwise.core.log.itemAdded"):
            observer.publish("ak.wwise.core.log.itemAdded", {"channel": channel, "item": item})
        return item

    # -- info --------------------------------------------------------------------------------------

    def get_info(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.getInfo."""
        v = self.project.version
        install = os.path.dirname(sys.executable)
        return {
            "sessionId": self.session_guid,
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
                            "user": str(self.project.directory)},
        }

    def get_project_info(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.getProjectInfo (2022.1+; defaultWorkUnits only from 2025.1)."""
        p = self.project
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

    def get_schema(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.waapi.getSchema: the emulator's own (top-level) argument schema."""
        spec = self.spec(args["uri"])
        props: dict[str, Any] = {}
        for name, kind in spec.args.items():
            props[name] = {"enum": list(kind)} if isinstance(kind, tuple) else {"type": kind}
        args_schema = {"type": "object", "properties": props, "required": sorted(spec.required),
                       "additionalProperties": False}
        return {"argsSchema": args_schema, "optionsSchema": {"type": "object"},
                "resultSchema": {"type": "object"}}

    # -- object.create / object.set ----------------------------------------------------------------

    def object_create(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.object.create."""
        if "list" in args:
            raise invalid_arguments("Argument list (creating into an object list such as Effects) is not "
                                    "supported by the wwiseflowd emulator.", argumentName="list")
        parent = self.obj(args["parent"], "parent")
        conflict = args.get("onNameConflict", "fail")
        spec = {k: v for k, v in args.items() if k not in ("parent", "onNameConflict", "platform",
                                                          "autoAddToSourceControl")}
        return self.create_tree(parent, spec, conflict)

    def create_tree(self, parent: WwiseObject, spec: dict[str, Any], conflict: str) -> dict[str, Any]:
        """Create (or merge into) one object and its ``children``; returns ``{id, name, children?}``."""
        p = self.project
        type_name = rules.canonical_type(p, spec.get("type"))
        name = rules.check_name(p, spec.get("name"), type_name)
        if not p.classes[type_name].creatable:
            raise invalid_arguments(f"Objects of type {type_name} are plug-ins and cannot be created with "
                                    "object.create.", type=type_name)
        rules.check_child(p, parent, type_name)
        if type_name == "WorkUnit" and conflict == "replace":
            raise invalid_arguments("onNameConflict replace is not allowed for Work Units; "
                                    "use fail, merge or "
                                    "rename.")
        obj: WwiseObject | None = None
        sibling = parent.child_named(name) if name else None
        elsewhere = p.global_conflict(name, type_name) if name else None
        if elsewhere is sibling:
            elsewhere = None
        if sibling is not None or elsewhere is not None:
            if conflict == "rename":
                name = rules.unique_name(p, parent, name, type_name)
            elif elsewhere is not None:
                raise invalid_arguments(f"A {type_name} named '{name}' already exists at {elsewhere.path}; "
                                        f"{type_name} names must be unique in the project.",
                                        name=name, existing=elsewhere.id)
            elif conflict == "fail":
                raise invalid_arguments("'parent' already has child with same name.", name=name,
                                        parent=parent.id)
            elif conflict == "replace":
                assert sibling is not None
                p.delete(sibling)
            elif sibling is not None and sibling.type == type_name:  # merge
                obj = sibling
            else:
                assert sibling is not None
                raise invalid_arguments(f"Cannot merge into '{sibling.path}': it is a {sibling.type}, not a "
                                        f"{type_name}.", name=name)
        if obj is None:
            object_id = spec.get("id")
            if object_id is not None and (not _GUID.match(object_id) or p.get(object_id) is not None):
                raise invalid_arguments(f"Argument id {object_id!r} must be a new GUID in braces.")
            obj = p.create(parent, type_name, name, object_id=object_id)
            self._apply_type_defaults(obj, spec)
        if "notes" in spec:
            p.set_notes(obj, spec["notes"])
        self.apply_at_keys(obj, spec)
        result: dict[str, Any] = {"id": obj.id, "name": obj.name}
        if "import" in spec:  # object.set children may import audio into what they create
            from wwiseflowd.sim.audio_import import Importer

            result["import"] = Importer(self).import_onto(obj, spec["import"], None)
        children = spec.get("children")
        if children is not None:
            if not isinstance(children, list):
                raise invalid_arguments("Argument children must be an array.")
            created = []
            for child in children:
                check_item("children item", child, _CHILD_ARGS, frozenset({"type", "name"}))
                child_conflict = child.get("onNameConflict", conflict)
                created.append(self.create_tree(obj, child, child_conflict))
            result["children"] = created
        return result

    def _apply_type_defaults(self, obj: WwiseObject, spec: dict[str, Any]) -> None:
        if obj.type == "Sound" and spec.get("language") not in (None, "SFX"):
            self.project.set_property(obj, "IsVoice", True)

    def apply_at_keys(self, obj: WwiseObject, spec: dict[str, Any]) -> None:
        """Apply ``@Property`` / ``@Reference`` keys of an argument object to ``obj``."""
        p = self.project
        info = p.classes.get(obj.type)
        for key, value in spec.items():
            if not key.startswith("@"):
                continue
            name = key[1:]
            canonical = info.lookup.get(name.lower()) if info is not None else None
            if info is not None and canonical is not None and canonical in info.references:
                target = None if value is None else self.obj(value, key)
                p.set_reference(obj, canonical, target)
            else:
                p.set_property(obj, name, value)

    def object_set(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.object.set (batch: rename, notes, @props/@refs, children, import)."""
        from wwiseflowd.sim.audio_import import Importer

        top_conflict = args.get("onNameConflict", "fail")
        results: list[dict[str, Any]] = []
        for index, item in enumerate(args["objects"]):
            check_item(f"objects[{index}]", item, _SET_ITEM_ARGS, frozenset({"object"}))
            if "@List" in item or any(k.startswith("@") and isinstance(v, list) for k, v in item.items()):
                raise invalid_arguments("Setting object lists (@List values) is not supported by the "
                                        "wwiseflowd emulator.")
            obj = self.obj(item["object"])
            conflict = item.get("onNameConflict", top_conflict)
            if "name" in item:
                self._rename(obj, item["name"], conflict)
            if "notes" in item:
                self.project.set_notes(obj, item["notes"])
            self.apply_at_keys(obj, item)
            entry: dict[str, Any] = {"id": obj.id, "name": obj.name}
            if "children" in item:
                entry["children"] = []
                for child in item["children"]:
                    check_item("children item", child, _CHILD_ARGS, frozenset({"type", "name"}))
                    child_conflict = child.get("onNameConflict", conflict)
                    entry["children"].append(self.create_tree(obj, child, child_conflict))
            if "import" in item:
                report = Importer(self).import_onto(obj, item["import"], returns)
                entry.setdefault("children", []).append({"import": report})
            if "children" in entry:
                results.append(entry)
        return {"objects": results} if results else {}

    # -- object.get --------------------------------------------------------------------------------

    def object_get(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.object.get: ``waql``, or the legacy ``from`` + ``transform``."""
        if ("waql" in args) == ("from" in args):
            raise invalid_arguments("object.get needs exactly one of waql or from.",
                                    typeUri="ak.wwise.schema_validation_failed")
        checked = self.check_returns(returns)
        if "waql" in args:
            if "transform" in args:
                raise invalid_arguments("Argument transform cannot be combined with waql.",
                                        typeUri="ak.wwise.schema_validation_failed", argumentName="transform")
            objects = self._run_waql(args["waql"])
        else:
            objects = self._legacy_query(args["from"], args.get("transform", []))
        return {"return": self.rows(objects, checked)}

    def _run_waql(self, text: str) -> list[WwiseObject]:
        from wwiseflowd.sim import waql

        try:
            return list(waql.run_query(self.project, text))
        except waql.ObjectNotFoundError as exc:
            position = getattr(exc, "position", None)
            raise WaapiError(INVALID_QUERY, f"Object not found ({position})" if position else str(exc),
                             {"query": text}) from None
        except waql.WaqlError as exc:
            raise WaapiError(INVALID_QUERY, str(exc), {"query": text}) from None
        except NotEmulatedAccessorError as exc:
            raise not_emulated_accessor(str(exc)) from None
        except UnknownAccessorError as exc:
            raise WaapiError(INVALID_QUERY, f"WAQL accessor '{exc}' is unknown.", {"query": text}) from None

    def _legacy_query(self, source: Any, transform: Any) -> list[WwiseObject]:
        p = self.project
        if not isinstance(source, dict) or len(source) != 1:
            raise invalid_arguments("Argument from must hold exactly one of id, search, name, path, "
                                    "ofType, query.", typeUri="ak.wwise.schema_validation_failed",
                                    argumentName="from")
        (kind, values), = source.items()
        if not isinstance(values, list):
            raise invalid_arguments(f"from.{kind} must be an array.", argumentName="from")
        objects: list[WwiseObject] = []
        if kind in ("id", "path", "name"):
            for value in values:
                if isinstance(value, dict) and kind == "id":  # {shortId, type}
                    found = p.find(f"Global:{value.get('shortId')}")
                else:
                    found = p.find(value) if isinstance(value, str) else None
                    if found is not None and kind == "name" and value.startswith(("{", "\\")):
                        found = None
                if found is None:
                    raise WaapiError(UNKNOWN_OBJECT, f"from {kind} object is unknown: {value}",
                                     {"from": {kind: [value]}})
                objects.append(found)
        elif kind == "ofType":
            for type_name in values:
                objects.extend(p.objects_of_type(str(type_name)))
        elif kind == "search":
            needle = str(values[0]).lower() if values else ""
            objects = [o for o in p.iter_objects() if needle in o.name.lower() and o.type != "Project"]
        elif kind == "query":
            raise WaapiError(INVALID_QUERY, "from.query (running saved Query objects) is not supported "
                             "by the "
                             "wwiseflowd emulator; use waql instead.")
        else:
            raise invalid_arguments(f"from.{kind} is unknown; use id, search, name, path, ofType or query.",
                                    typeUri="ak.wwise.schema_validation_failed", argumentName=kind)
        if not isinstance(transform, list):
            raise invalid_arguments("Argument transform must be an array.", argumentName="transform")
        for step in transform:
            objects = self._transform(objects, step)
        return objects

    def _transform(self, objects: list[WwiseObject], step: Any) -> list[WwiseObject]:
        p = self.project
        if not isinstance(step, dict) or len(step) != 1:
            raise invalid_arguments(f"Each transform step is an object with one key, got {step!r}.")
        (op, arg), = step.items()
        if op == "select":
            out: list[WwiseObject] = []
            for what in arg:
                for obj in objects:
                    if what == "children":
                        out.extend(obj.children)
                    elif what == "descendants":
                        out.extend(p.descendants(obj))
                    elif what == "parent":
                        if obj.parent is not None:
                            out.append(obj.parent)
                    elif what == "ancestors":
                        node = obj.parent
                        while node is not None:
                            out.append(node)
                            node = node.parent
                    elif what == "referencesTo":
                        out.extend(self._references_to(obj))
                    else:
                        raise invalid_arguments(f"transform select {what!r} is unknown; "
                                                "use parent, children, "
                                                "descendants, ancestors or referencesTo.")
            return out
        if op == "range":
            start, stop = int(arg[0]), int(arg[1])
            return objects[start:stop]
        if op == "distinct":
            seen: set[str] = set()
            return [o for o in objects if not (o.id in seen or seen.add(o.id))]  # type: ignore[func-returns-value]
        if op == "where":
            predicate, value = arg[0], arg[1]
            if predicate == "name:contains":
                return [o for o in objects if str(value).lower() in o.name.lower()]
            if predicate == "name:matches":
                pattern = re.compile(str(value))
                return [o for o in objects if pattern.search(o.name)]
            if predicate == "type:isIn":
                wanted = {str(t).lower() for t in value}
                return [o for o in objects if o.type.lower() in wanted]
            if predicate == "category:isIn":
                cats = {str(c).lower() for c in value}
                return [o for o in objects if (p.category_of(o) or "").lower() in cats]
            raise invalid_arguments(f"transform where predicate {predicate!r} is unknown.")
        raise invalid_arguments(f"transform {op!r} is unknown; use select, range, where or distinct.")

    def _references_to(self, target: WwiseObject) -> list[WwiseObject]:
        return [o for o in self.project.iter_objects()
                if any(t is target for t in o.references.values())]

    # -- single-value setters ----------------------------------------------------------------------

    def set_property(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.object.setProperty."""
        obj = self.obj(args["object"])
        info = self.project.classes.get(obj.type)
        prop = args["property"].lstrip("@")
        if info is not None and info.lookup.get(prop.lower()) in info.references:
            raise WaapiError("ak.wwise.invalid_property", f"{prop} is a reference; set it with setReference.",
                             {"property": prop})
        self.project.set_property(obj, prop, args["value"])
        return {}

    def set_reference(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.object.setReference."""
        obj = self.obj(args["object"])
        value = args["value"]
        target = None if value is None else self.obj(value, "value")
        self.project.set_reference(obj, args["reference"].lstrip("@"), target)
        return {}

    def set_name(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.object.setName."""
        self._rename(self.obj(args["object"]), args["value"], "fail")
        return {}

    def _rename(self, obj: WwiseObject, name: str, conflict: str) -> None:
        p = self.project
        if obj.parent is None or obj.parent is p.root or (obj.type == "WorkUnit" and obj.name ==
                                                          "Default Work Unit"):
            raise invalid_arguments(f"{obj.type} '{obj.path}' cannot be renamed.", object=obj.id)
        rules.check_name(p, name, obj.type)
        if name == obj.name:
            return
        clash = obj.parent.child_named(name)
        if clash is obj:
            clash = None  # a change of case only
        elsewhere = p.global_conflict(name, obj.type)
        if elsewhere is obj:
            elsewhere = None
        if clash is not None or elsewhere is not None:
            if conflict == "rename":
                name = rules.unique_name(p, obj.parent, name, obj.type)
            else:
                where = (clash or elsewhere).path  # type: ignore[union-attr]
                raise invalid_arguments(f"Cannot rename '{obj.path}' to '{name}': "
                                        f"'{where}' already uses that "
                                        "name.", name=name)
        p.rename(obj, name)

    def set_notes(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.object.setNotes."""
        self.project.set_notes(self.obj(args["object"]), args["value"])
        return {}

    def delete(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.object.delete."""
        obj = self.obj(args["object"])
        if obj.parent is None or obj.parent is self.project.root:
            raise invalid_arguments(f"{obj.type} '{obj.path}' is part of every project and cannot be "
                                    "deleted.",
                                    object=obj.id)
        self.project.delete(obj)
        return {}

    def move(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.object.move; returns the moved object."""
        p = self.project
        obj, parent = self._object_and_new_parent(args, "move", "moved")
        conflict = args.get("onNameConflict", "fail")
        if parent is not obj.parent:
            clash = parent.child_named(obj.name) if obj.name else None
            if clash is not None:
                if conflict == "fail":
                    raise invalid_arguments("'parent' already has child with same name.", name=obj.name)
                if conflict == "replace":
                    p.delete(clash)
                else:
                    p.rename(obj, rules.unique_name(p, parent, obj.name, obj.type))
            p.move(obj, parent)
        return self.row(obj, self.check_returns(returns))

    def _object_and_new_parent(self, args: Args, verb: str, done: str) -> tuple[WwiseObject, WwiseObject]:
        """``object`` and ``parent`` of a move or copy, refused as Wwise does: a top-level object,
        a parent inside the object itself, or a parent that cannot hold that type."""
        obj = self.obj(args["object"])
        parent = self.obj(args["parent"], "parent")
        if obj.parent is None or obj.parent is self.project.root:
            raise invalid_arguments(f"{obj.type} '{obj.path}' cannot be {done}.", object=obj.id)
        node: WwiseObject | None = parent
        while node is not None:
            if node is obj:
                raise invalid_arguments(f"Cannot {verb} '{obj.path}' into itself or one of its descendants.")
            node = node.parent
        rules.check_child(self.project, parent, obj.type)
        return obj, parent

    def copy(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.object.copy: a deep copy with new ids under ``parent``; returns the copy."""
        p = self.project
        obj, parent = self._object_and_new_parent(args, "copy", "copied")
        name = obj.name
        clash = parent.child_named(name) if name else None
        elsewhere = p.global_conflict(name, obj.type) if name else None
        if clash is not None or elsewhere is not None:
            conflict = args.get("onNameConflict", "fail")
            if conflict == "rename":
                name = rules.unique_name(p, parent, name, obj.type)
            elif conflict == "replace" and clash is not None and elsewhere in (None, clash):
                p.delete(clash)
            else:
                where = (clash or elsewhere).path  # type: ignore[union-attr]
                raise invalid_arguments(f"Cannot copy '{obj.path}' into '{parent.path}': '{where}' already "
                                        "uses that name.", name=name)
        copied = self._copy_tree(obj, parent, name)
        return self.row(copied, self.check_returns(returns))

    def _copy_tree(self, source: WwiseObject, parent: WwiseObject, name: str) -> WwiseObject:
        p = self.project
        copied = p.create(parent, source.type, name)
        copied.audio_file = source.audio_file
        if source.notes:
            p.set_notes(copied, source.notes)
        for prop, value in source.properties.items():
            p.set_property(copied, prop, value)
        for reference, target in source.references.items():
            if target is not None and p.contains(target):
                p.set_reference(copied, reference, target)
        for child in list(source.children):
            # globally named children (busses under a bus) need a fresh name in the same project
            child_name = child.name
            if p.is_global(child.type):
                child_name = rules.unique_name(p, copied, child.name, child.type)
            self._copy_tree(child, copied, child_name)
        return copied

    def selected_objects(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.ui.getSelectedObjects: the emulator has no UI, so nothing is ever selected."""
        return {"objects": []}

    # -- audio import (audio_import.py) ------------------------------------------------------------

    def audio_import(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.audio.import."""
        from wwiseflowd.sim.audio_import import Importer

        return Importer(self).run(args, returns)

    def audio_import_tab_delimited(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.audio.importTabDelimited."""
        from wwiseflowd.sim.audio_import import Importer

        return Importer(self).run_tab_delimited(args, returns)

    # -- project -----------------------------------------------------------------------------------

    def project_save(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.project.save: atomic JSON write; publishes project.saved."""
        p = self.project
        modified = sorted(str(p.workunit_file(wu)) for wu_id in p.dirty_workunits
                          if (wu := p.get(wu_id)) is not None)
        try:
            persistence.save(p)
        except OSError as exc:
            raise WaapiError("ak.wwise.file_error", f"Could not save the project to {p.directory}: {exc}.",
                             {"path": str(p.directory)}) from None
        observer = p.observer
        if observer is not None and observer.wants("ak.wwise.core.project.saved"):
            observer.publish("ak.wwise.core.project.saved", {"modifiedPaths": modified})
        return {}

    # -- undo --------------------------------------------------------------------------------------

    def undo_begin_group(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.undo.beginGroup (nestable, per session)."""
        session.groups.append([])
        return {}

    def _pop_group(self, session: Session, action: str) -> list[Change]:
        if not session.groups:
            raise invalid_arguments(f"undo.{action}: there is no open undo group; "
                                    "call undo.beginGroup first.")
        return session.groups.pop()

    def undo_end_group(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.undo.endGroup: the group becomes one undo step named displayName."""
        changes = self._pop_group(session, "endGroup")
        if changes:
            self._commit(session, args["displayName"], changes)
        return {}

    def undo_cancel_group(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.undo.cancelGroup: ``undo: true`` reverts every change of the group."""
        changes = self._pop_group(session, "cancelGroup")
        if args.get("undo", False):
            self.project.revert(changes)
        elif changes:
            self._commit(session, "ak.wwise.core.undo.cancelGroup", changes)
        return {}

    def undo_undo(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.undo.undo: take back the newest undo step (no-op when there is none)."""
        if self.undo_stack:
            step = self.undo_stack.pop()
            self.project.revert(step.changes)
            self.redo_stack.append(step)
        return {}

    def undo_redo(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.undo.redo."""
        if self.redo_stack:
            step = self.redo_stack.pop()
            self.project.replay(step.changes)
            self.undo_stack.append(step)
        return {}

    # -- log ---------------------------------------------------------------------------------------

    def log_get(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.log.get."""
        return {"items": list(self.logs.get(args["channel"], []))}

    def log_add_item(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.log.addItem."""
        self.log(args.get("channel", "general"), args.get("severity", "Message"), args["message"])
        return {}

    def log_clear(self, session: Session, args: Args, returns: Returns) -> Reply:
        """ak.wwise.core.log.clear."""
        self.logs.pop(args["channel"], None)
        return {}


_GUID: Final = re.compile(r"^\{[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\}$")


__all__ = ["DEFAULT_RETURN", "Session", "UndoStep", "Waapi"]
