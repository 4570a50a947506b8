"""object.get: WAQL, or the legacy ``from`` + ``transform`` query."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from wwiseflowd.sim.calls.types import Args, Handler, Reply, Returns
from wwiseflowd.sim.errors import (
    INVALID_QUERY,
    UNKNOWN_OBJECT,
    WaapiError,
    invalid_arguments,
    not_emulated_accessor,
)
from wwiseflowd.sim.objects import NotEmulatedAccessorError, UnknownAccessorError, WwiseObject

if TYPE_CHECKING:
    from wwiseflowd.sim.functions import Session, Waapi


def object_get(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.object.get: ``waql``, or the legacy ``from`` + ``transform``."""
    if ("waql" in args) == ("from" in args):
        raise invalid_arguments("object.get needs exactly one of waql or from.",
                                typeUri="ak.wwise.schema_validation_failed")
    checked = waapi.check_returns(returns)
    if "waql" in args:
        if "transform" in args:
            raise invalid_arguments("Argument transform cannot be combined with waql.",
                                    typeUri="ak.wwise.schema_validation_failed", argumentName="transform")
        objects = _run_waql(waapi, args["waql"])
    else:
        objects = _legacy_query(waapi, args["from"], args.get("transform", []))
    return {"return": waapi.rows(objects, checked)}


def _run_waql(waapi: Waapi, text: str) -> list[WwiseObject]:
    from wwiseflowd.sim import waql

    try:
        return list(waql.run_query(waapi.project, text))
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


def _legacy_query(waapi: Waapi, source: Any, transform: Any) -> list[WwiseObject]:
    p = waapi.project
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
        objects = _transform(waapi, objects, step)
    return objects


def _transform(waapi: Waapi, objects: list[WwiseObject], step: Any) -> list[WwiseObject]:
    p = waapi.project
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
                    out.extend(_references_to(waapi, obj))
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


def _references_to(waapi: Waapi, target: WwiseObject) -> list[WwiseObject]:
    return [o for o in waapi.project.iter_objects()
            if any(t is target for t in o.references.values())]


#: the WAAPI functions this module answers
HANDLERS: Final[dict[str, Handler]] = {
    "ak.wwise.core.object.get": object_get,
}
