"""The Wwise nodes' pre-flight: the objects a step names (parent, target, bus, object) exist before
the run's first node changes anything (see :mod:`wwiseflowd.preflight`).

Read-only lookups through the ``get_object`` bus command. An object that an earlier step of the
same plan creates (a ``createSound``'s parent + name, an import's ``targetPath``) is not looked up;
when an earlier step creates something whose path is not known yet, nothing below it can be judged,
so object checks are skipped. A lookup that fails for another reason (Wwise unreachable) returns
that failure with its code, so a drop batch still waits for Wwise instead of failing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wwiseflowd.registry import NodeContext, PreflightFn
from wwiseflowd.results import ErrorCode, Result

#: node types that create objects, and how to tell what they create from their literal data
_CREATORS = ("createSound", "createObject")


def objects_named(*fields: tuple[str, str]) -> PreflightFn:
    """A pre-flight looking up each ``(input, what)`` the step names literally; ``targetPath`` only
    needs its Work Unit (the import creates the folders below it)."""

    def check(data: Mapping[str, Any], ctx: NodeContext) -> Result:
        planned = _planned(ctx)
        if planned is None:
            return Result.success()
        lookups: dict[str, str] = {}  # what to look up -> what it is, for the message
        for name, what in fields:
            for ref in _refs(data.get(name)):
                lookup = _work_unit(ref) if name == "targetPath" else ref
                if not any(lookup == p or lookup.startswith(p + "\\") for p in planned):
                    lookups.setdefault(lookup, what if lookup == ref else f"Work Unit of {what}")
        if len(lookups) > 1 and _all_exist(ctx, list(lookups)):
            return Result.success()  # one look-up for a step naming many objects
        for lookup, what in lookups.items():  # one by one: which is missing, or why none could be read
            problem = _missing(ctx, lookup, what)
            if problem is not None:
                return problem
        return Result.success()

    return check


def creating(check: PreflightFn) -> PreflightFn:
    """``check``, then the object the step will create predicted as its ``path``/``objectId``/``name``
    outputs (when its parent is a path), so later steps' ``$from`` values are known to pre-flight."""

    def run(data: Mapping[str, Any], ctx: NodeContext) -> Result:
        result = check(data, ctx)
        parent, name = data.get("parentPath"), data.get("name")
        known = isinstance(parent, str) and parent.startswith("\\") and isinstance(name, str)
        if not result.ok or not known:
            return result
        path = str(parent).rstrip("\\") + "\\" + str(name)
        return Result.success({"outputs": {"path": path, "objectId": path, "name": name}})

    return run


def _refs(value: Any) -> list[str]:
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    return []


def _work_unit(ref: str) -> str:
    segments = ref.strip("\\").split("\\")
    return "\\" + "\\".join(segments[:2]) if ref.startswith("\\") and len(segments) > 2 else ref


def _planned(ctx: NodeContext) -> list[str] | None:
    """Paths earlier steps create; None when one of them creates something not known yet."""
    planned: list[str] = []
    for node_type, data in ctx.earlier:
        if node_type in _CREATORS:
            parent, name = data.get("parentPath"), data.get("name")
            if not isinstance(parent, str) or not isinstance(name, str):
                return None
            planned.append(parent.rstrip("\\") + "\\" + name)
        elif node_type == "audioImport" and isinstance(data.get("targetPath"), str):
            planned.append(str(data["targetPath"]).rstrip("\\"))
    return planned


def _all_exist(ctx: NodeContext, refs: list[str]) -> bool:
    """True when one WAQL look-up finds every one of ``refs`` (WAAPI fails the whole look-up when
    one is missing; then each is looked up alone to say which)."""
    if any('"' in ref for ref in refs):
        return False
    listed = ", ".join(f'"{ref}"' for ref in refs)
    found = ctx.command("query_waql", {"waql": f"$ {listed}", "returnFields": ["id"]})
    rows = (found.data or {}).get("objects") if found.ok else None
    return isinstance(rows, list) and len(rows) == len(refs)


def _missing(ctx: NodeContext, ref: str, what: str) -> Result | None:
    found = ctx.command("get_object", {"objectId": ref})
    if found.ok:
        return None
    if found.code == ErrorCode.OBJECT_NOT_FOUND:
        return Result.failure(
            ErrorCode.OBJECT_NOT_FOUND,
            f"the {what} {ref} does not exist in the Wwise project; check the path (renamed or "
            "deleted?) or create it in Wwise first.",
        )
    return found

