"""Reading the Wwise project: object references, one object, a WAQL query, descendants of a type."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from wwiseflowd.default_plugins.wwise.errors import not_found
from wwiseflowd.default_plugins.wwise.link import WaapiLink
from wwiseflowd.default_plugins.wwise.models import ObjectInfo
from wwiseflowd.default_plugins.wwise.uris import OBJECT_FIELDS, OBJECT_GET
from wwiseflowd.results import ErrorCode, Result

_GUID = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")


class ObjectReads(WaapiLink):
    """The read operations of the Wwise backend (WAQL from 2021.1, the legacy ``object.get`` form before)."""

    def designator(self, ref: str) -> str | None:
        """WAAPI's spelling of an object reference, or None when ``ref`` is not one.

        Accepts ``id:{GUID}``, ``{GUID}``, a bare GUID, an absolute ``\\`` path (either root
        spelling) or ``Type:Name`` for globally named types (``Bus:Master Audio Bus``).
        """
        ref = ref.strip()
        if ref.startswith("id:"):
            ref = ref[3:].strip()
        guid = _GUID.match(ref)
        if guid:
            return "{" + guid.group(1).upper() + "}"
        if ref.startswith("\\"):
            return ref.rstrip("\\") or "\\"
        type_name, sep, name = ref.partition(":")
        if sep and type_name.isalpha() and name:
            return ref
        return None

    def get_object(self, ref: str, *, what: str = "object") -> Result:
        """Look one object up; data: :class:`ObjectInfo` dict, or OBJECT_NOT_FOUND naming ``ref``."""
        designator = self.designator(ref)
        if designator is None:
            return Result.failure(
                ErrorCode.INVALID_INPUT,
                f"{what.capitalize()} {ref!r} is not an object reference: give an absolute path "
                "starting with '\\', a GUID ({...} or id:{...}) or Type:Name.",
            )
        result = self._call(OBJECT_GET, self._select(designator), {"return": list(OBJECT_FIELDS)})
        if not result.ok and result.code != ErrorCode.OBJECT_NOT_FOUND:
            return result
        rows = (result.data.get("return") or []) if result.ok else []
        if not rows:
            self._note_missing(designator)
            return not_found(ref, what)
        return Result.success(ObjectInfo.model_validate(rows[0]).model_dump())

    def query(self, waql: str, fields: Sequence[str] = OBJECT_FIELDS) -> Result:
        """Run a WAQL query; data: the list of rows with the requested ``fields``."""
        text = waql.strip()
        if not text:
            return Result.failure(
                ErrorCode.INVALID_INPUT,
                'The WAQL query is empty; write one, e.g. $ from type Sound where name : "footstep"',
            )
        if not self._has_waql():
            return Result.failure(
                ErrorCode.INVALID_INPUT,
                f"WAQL needs Wwise 2021.1 or later; the connected Wwise is {self._info.version}.",
            )
        result = self._call(OBJECT_GET, {"waql": text}, {"return": list(fields)})
        if not result.ok:
            if result.code == ErrorCode.INVALID_INPUT:
                # Wwise's own words, not _failure's sentence about the arguments (said once, not twice)
                reason = (result.data or {}).get("message") or result.error
                return Result.failure(result.code, f"Wwise rejected the WAQL query {text!r}: {reason}",
                                      data=result.data)
            return result
        return Result.success(result.data.get("return") or [])

    def descendants(self, root: str, types: Iterable[str]) -> Result:
        """Descendants of ``root`` of the given types as ObjectInfo dicts ([] when ``root`` is absent)."""
        designator = self.designator(root)
        if designator is None:
            return self.get_object(root)
        result = self._call(
            OBJECT_GET, self._select(designator, list(types)), {"return": list(OBJECT_FIELDS)}
        )
        if not result.ok:
            return Result.success([]) if result.code == ErrorCode.OBJECT_NOT_FOUND else result
        return Result.success(result.data.get("return") or [])

    def descendants_of(self, roots: Sequence[str], types: Iterable[str]) -> Result:
        """Descendants of several absolute paths at once (one call), of the given types, as ObjectInfo
        dicts; OBJECT_NOT_FOUND when any of ``roots`` is absent (Wwise fails the whole query then).
        The roots must not lie under one another (their descendants would come twice)."""
        result = self._call(OBJECT_GET, self._select_many(list(roots), list(types)),
                            {"return": list(OBJECT_FIELDS)})
        return Result.success(result.data.get("return") or []) if result.ok else result

    def _version(self) -> tuple[int, int]:
        """(year, major) of the connected Wwise, connecting first if needed; (0, 0) if unreachable."""
        if not self._info.year:
            self.connect()  # a failure shows up again, with its sentence, on the call that follows
        return (self._info.year, self._info.major)

    def _has_waql(self) -> bool:
        """WAQL exists from Wwise 2021.1 on (assumed when the version cannot be read)."""
        year, _major = self._version()
        return year == 0 or year >= 2021

    def _select_many(self, paths: list[str], descendant_types: list[str]) -> dict[str, Any]:
        """object.get arguments for the descendants of some types of several paths (WAQL, or the
        legacy form before 2021.1)."""
        if self._has_waql():
            where = " or ".join(f'type = "{t}"' for t in descendant_types)
            roots = ", ".join(f'"{path}"' for path in paths)
            return {"waql": f"$ {roots} select descendants" + (f" where {where}" if where else "")}
        transform: list[dict[str, Any]] = [{"select": ["descendants"]}]
        if descendant_types:
            transform.append({"where": ["type:isIn", descendant_types]})
        return {"from": {"path": paths}, "transform": transform}

    def _select(self, designator: str, descendant_types: list[str] | None = None) -> dict[str, Any]:
        """object.get arguments for one object, or its descendants of some types: WAQL, or the
        legacy ``from``/``transform`` form before 2021.1."""
        if self._has_waql():
            if descendant_types is None:
                return {"waql": f'$ "{designator}"'}
            where = " or ".join(f'type = "{t}"' for t in descendant_types)
            return {"waql": f'$ "{designator}" select descendants' + (f" where {where}" if where else "")}
        kind = "id" if designator.startswith("{") else "path" if designator.startswith("\\") else "name"
        args: dict[str, Any] = {"from": {kind: [designator]}}
        if descendant_types is not None:
            args["transform"] = [{"select": ["descendants"]}]
            if descendant_types:
                args["transform"].append({"where": ["type:isIn", descendant_types]})
        return args
