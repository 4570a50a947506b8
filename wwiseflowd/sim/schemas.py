"""Argument schemas of the emulated WAAPI functions, and the checker that enforces them.

Wwise validates every call against a JSON schema with ``additionalProperties: false``; an unknown,
missing or ill-typed argument fails with ``ak.wwise.invalid_arguments`` and
``details.typeUri = ak.wwise.schema_validation_failed`` (reference §3, §4). The schemas here are
the top-level shapes; nested items (create children, import items) are checked where they are used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from wwiseflowd.sim.errors import INVALID_OPTIONS, SCHEMA_VALIDATION_FAILED, WaapiError, schema_error

#: argument kinds: "string", "boolean", "number", "integer", "array", "object", "value" (null|str|num|bool),
#: "any", or a tuple of allowed strings (an enum)
Kind = str | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """One WAAPI function: its arguments, which are required, and whether ``@Property`` keys are allowed."""

    args: dict[str, Kind] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    at_keys: bool = False
    #: functions that return objects accept options return/platform/language
    object_options: bool = False
    since: tuple[int, int] = (2017, 1)


_CONFLICT: Final = ("rename", "replace", "fail", "merge")

FUNCTIONS: Final[dict[str, FunctionSpec]] = {
    "ak.wwise.core.getInfo": FunctionSpec(),
    "ak.wwise.core.getProjectInfo": FunctionSpec(since=(2022, 1)),
    "ak.wwise.core.ping": FunctionSpec(),
    "ak.wwise.core.object.create": FunctionSpec(
        {"parent": "string", "type": "string", "name": "string", "onNameConflict": _CONFLICT,
         "list": "string", "platform": "string", "autoAddToSourceControl": "boolean", "notes": "string",
         "id": "string", "children": "array"},
        frozenset({"parent", "type", "name"}), at_keys=True),
    "ak.wwise.core.object.set": FunctionSpec(
        {"objects": "array", "platform": "string", "onNameConflict": _CONFLICT,
         "listMode": ("append", "replaceAll"), "autoAddToSourceControl": "boolean"},
        frozenset({"objects"}), object_options=True, since=(2022, 1)),
    "ak.wwise.core.object.get": FunctionSpec(
        {"waql": "string", "from": "object", "transform": "array"}, object_options=True),
    "ak.wwise.core.object.setProperty": FunctionSpec(
        {"object": "string", "property": "string", "value": "value", "platform": "string"},
        frozenset({"object", "property", "value"})),
    "ak.wwise.core.object.setReference": FunctionSpec(
        {"object": "string", "reference": "string", "value": "any", "platform": "string"},
        frozenset({"object", "reference", "value"})),
    "ak.wwise.core.object.setName": FunctionSpec(
        {"object": "string", "value": "string"}, frozenset({"object", "value"})),
    "ak.wwise.core.object.setNotes": FunctionSpec(
        {"object": "string", "value": "string"}, frozenset({"object", "value"})),
    "ak.wwise.core.object.delete": FunctionSpec(
        {"object": "string", "autoCheckOutToSourceControl": "boolean"}, frozenset({"object"})),
    "ak.wwise.core.object.move": FunctionSpec(
        {"object": "string", "parent": "string", "onNameConflict": ("rename", "replace", "fail"),
         "autoCheckOutToSourceControl": "boolean"},
        frozenset({"object", "parent"}), object_options=True),
    "ak.wwise.core.object.copy": FunctionSpec(
        {"object": "string", "parent": "string", "onNameConflict": ("rename", "replace", "fail"),
         "autoCheckOutToSourceControl": "boolean"},
        frozenset({"object", "parent"}), object_options=True),
    "ak.wwise.ui.getSelectedObjects": FunctionSpec(object_options=True),
    "ak.wwise.core.audio.import": FunctionSpec(
        {"importOperation": ("createNew", "useExisting", "replaceExisting"), "default": "object",
         "imports": "array", "autoAddToSourceControl": "boolean", "autoCheckOutToSourceControl": "boolean"},
        frozenset({"imports"}), object_options=True),
    "ak.wwise.core.audio.importTabDelimited": FunctionSpec(
        {"importFile": "string", "importLanguage": "string",
         "importOperation": ("createNew", "useExisting", "replaceExisting"), "importLocation": "string",
         "autoAddToSourceControl": "boolean", "autoCheckOutToSourceControl": "boolean"},
        frozenset({"importFile", "importLanguage", "importOperation"}), object_options=True),
    "ak.wwise.core.project.save": FunctionSpec({"autoCheckOutToSourceControl": "boolean"}),
    # (<= 2022.1 takes no argument: see functions.Waapi.call)
    "ak.wwise.core.undo.beginGroup": FunctionSpec(),
    "ak.wwise.core.undo.endGroup": FunctionSpec({"displayName": "string"}, frozenset({"displayName"})),
    "ak.wwise.core.undo.cancelGroup": FunctionSpec({"undo": "boolean"}),
    "ak.wwise.core.undo.undo": FunctionSpec(),
    "ak.wwise.core.undo.redo": FunctionSpec(),
    "ak.wwise.core.log.get": FunctionSpec(
        {"channel": ("soundbankGenerate", "conversion", "copyPlatformSettings", "waapi", "projectLoad",
                     "general", "sourceControl", "lua")}, frozenset({"channel"})),
    "ak.wwise.core.log.addItem": FunctionSpec(
        {"message": "string", "severity": ("Message", "Warning", "Error", "Fatal Error"),
         "channel": ("soundbankGenerate", "conversion", "copyPlatformSettings", "waapi", "projectLoad",
                     "general", "sourceControl", "lua")}, frozenset({"message"})),
    "ak.wwise.core.log.clear": FunctionSpec({"channel": "string"}, frozenset({"channel"})),
    "ak.wwise.waapi.getFunctions": FunctionSpec(),
    "ak.wwise.waapi.getTopics": FunctionSpec(),
    "ak.wwise.waapi.getSchema": FunctionSpec({"uri": "string", "includeExamples": "boolean"},
                                             frozenset({"uri"})),
}

#: topics whose EVENTs the model publishes, with the SUBSCRIBE options each accepts besides
#: return/platform; every other topic of the version's catalogue can be subscribed but never fires
TOPICS: Final[dict[str, frozenset[str]]] = {
    "ak.wwise.core.object.created": frozenset(),
    "ak.wwise.core.object.nameChanged": frozenset(),
    "ak.wwise.core.object.preDeleted": frozenset(),
    "ak.wwise.core.object.postDeleted": frozenset(),
    "ak.wwise.core.object.childAdded": frozenset(),
    "ak.wwise.core.object.childRemoved": frozenset(),
    "ak.wwise.core.object.notesChanged": frozenset(),
    "ak.wwise.core.object.propertyChanged": frozenset({"object", "property"}),
    "ak.wwise.core.object.referenceChanged": frozenset(),
    "ak.wwise.core.audio.imported": frozenset(),
    "ak.wwise.core.project.saved": frozenset(),
    "ak.wwise.core.project.loaded": frozenset(),
    "ak.wwise.core.project.preClosed": frozenset(),
    "ak.wwise.core.project.postClosed": frozenset(),
    "ak.wwise.core.log.itemAdded": frozenset(),
}


def _type_ok(kind: Kind, value: Any) -> bool:
    if isinstance(kind, tuple):
        return value in kind
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "value":
        return value is None or isinstance(value, str | int | float | bool)
    return True


def _describe(kind: Kind) -> str:
    if isinstance(kind, tuple):
        return "one of " + ", ".join(f'"{k}"' for k in kind)
    return {"value": "null, a string, a number or a boolean", "array": "an array", "object": "an object",
            "integer": "an integer", "any": "any value"}.get(kind, f"a {kind}")


def check_args(spec: FunctionSpec, args: dict[str, Any]) -> None:
    """Raise the schema error Wwise gives for unknown, missing or ill-typed top-level arguments."""
    for name, value in args.items():
        kind = spec.args.get(name)
        if kind is None:
            if spec.at_keys and name.startswith("@") and len(name) > 1:
                if not _type_ok("value", value):
                    raise schema_error(f"Argument {name} must be {_describe('value')}.", name)
                continue
            raise schema_error(f"Argument {name} is unknown.", name)
        if not _type_ok(kind, value):
            raise schema_error(f"Argument {name} must be {_describe(kind)}, got {value!r}.", name)
    for name in sorted(spec.required - args.keys()):
        raise schema_error(f"Argument {name} is required.", name)


def check_item(where: str, item: Any, allowed: dict[str, Kind], required: frozenset[str],
               at_keys: bool = True) -> dict[str, Any]:
    """Check one nested item (a create child, an import entry, a set object) the same way."""
    if not isinstance(item, dict):
        raise schema_error(f"{where} must be an object, got {item!r}.")
    for name, value in item.items():
        kind = allowed.get(name)
        if kind is None:
            if at_keys and name.startswith("@") and len(name) > 1:
                continue
            raise schema_error(f"Argument {name} in {where} is unknown.", name)
        if not _type_ok(kind, value):
            raise schema_error(f"Argument {name} in {where} must be {_describe(kind)}, got {value!r}.", name)
    for name in sorted(required - item.keys()):
        raise schema_error(f"Argument {name} is required in {where}.", name)
    return item


def check_options(spec: FunctionSpec, options: dict[str, Any]) -> list[str] | None:
    """Validate CALL options; returns the ``return`` list (None when absent)."""
    allowed = {"return", "platform", "language"} if spec.object_options else set()
    for name in options:
        if name not in allowed:
            raise WaapiError(INVALID_OPTIONS, f"Option {name} is unknown for this function.",
                             {"typeUri": SCHEMA_VALIDATION_FAILED, "argumentName": name})
    ret = options.get("return")
    if ret is None:
        return None
    if not isinstance(ret, list) or not all(isinstance(r, str) and r for r in ret):
        raise WaapiError(INVALID_OPTIONS, "Option return must be an array of accessor names.",
                         {"typeUri": SCHEMA_VALIDATION_FAILED, "argumentName": "return"})
    return ret
