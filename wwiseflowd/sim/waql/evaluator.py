"""Run a parsed WAQL query against the emulator's project model.

The query is compiled once per call: every ``where`` condition becomes a closure over
pre-computed needles (lower-cased strings, compiled patterns, resolved specifiers), so the
per-object work is a few attribute reads. ``from type`` uses the model's type index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache, reduce
from operator import attrgetter
from typing import Any

from wwiseflowd.sim import accessors
from wwiseflowd.sim.classes import class_table, type_lookup
from wwiseflowd.sim.model import MISSING, NotEmulatedAccessorError, Project, UnknownAccessorError, WwiseObject
from wwiseflowd.sim.waql.errors import ObjectNotFoundError, WaqlError
from wwiseflowd.sim.waql.nodes import (
    Accessor,
    And,
    BoolLit,
    Compare,
    Distinct,
    Expr,
    ListCall,
    Not,
    NumberLit,
    ObjectSource,
    Or,
    OrderBy,
    ProjectSource,
    Query,
    RegexLit,
    SearchSource,
    Select,
    Skip,
    Source,
    StringLit,
    Take,
    Transform,
    TypeSource,
    Value,
    Where,
)
from wwiseflowd.sim.waql.ordering import order
from wwiseflowd.sim.waql.parser import parse
from wwiseflowd.sim.waql.search import search, word_matcher

Objects = list[WwiseObject]
Predicate = Callable[[WwiseObject], bool]
Getter = Callable[[WwiseObject], Any]

#: selectors that walk the hierarchy rather than read an accessor
_WALKS = ("this", "children", "descendants", "parent", "ancestors", "referencesto")
#: accessors read straight off the object (no model call) on the hot path
_DIRECT = {"id": "id", "name": "name", "type": "type", "notes": "notes", "path": "path"}


def run_query(project: Project, text: str) -> list[WwiseObject]:
    """Run WAQL ``text`` against ``project`` and return the resulting objects in order.

    Raises WaqlError (unsupported or malformed query, naming the token and its position) or
    ObjectNotFoundError (an object specifier that names nothing: "Object not found (N)").
    """
    return _Run(project).query(parse(text))


class _Run:
    """One query execution: holds the project and the lazily built reverse-reference index."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._referrers: dict[int, Objects] | None = None

    # -- query and source ------------------------------------------------------------------------

    def query(self, query: Query) -> Objects:
        transforms = query.transforms
        steps = [self.transform(t, _limit_after(transforms, i) if isinstance(t, OrderBy) else None)
                 for i, t in enumerate(transforms)]  # compile everything before running
        objects = self.source(query.source)
        for step in steps:
            objects = step(objects)
        return objects

    def source(self, source: Source) -> Objects:
        project = self.project
        if isinstance(source, ObjectSource):
            found: Objects = []
            for spec in source.specifiers:
                obj = self.specifier(spec)
                if obj is None:
                    raise ObjectNotFoundError(spec.value, spec.position)
                found.append(obj)
            return found
        if isinstance(source, TypeSource):
            typed: Objects = []
            for name, position in source.types:
                typed.extend(project.objects_of_type(self.type_name(name, position)))
            return typed
        if isinstance(source, SearchSource):
            return search(project, source.text.value)
        assert isinstance(source, ProjectSource)
        return list(project.iter_objects())

    def specifier(self, spec: StringLit) -> WwiseObject | None:
        """Resolve ``"\\path"``, ``"{GUID}"``, ``"Type:Name"`` or ``"Type:shortId"``; None if nothing matches.

        Paths go to the model's path walk, which also tolerates doubled separators (``\\\\``).
        Qualified names work only for types whose names are unique project-wide (Event, Bus, ...),
        as in Wwise; a bare name or a path without its leading backslash names nothing.
        """
        text = spec.value.strip()
        if text.startswith(("\\", "{")):
            return self.project.find(text)
        type_name, sep, rest = text.partition(":")
        if not sep:
            return None
        if type_name.lower() == "global":
            return self.project.find(text)
        canonical = type_lookup().get(type_name.lower())
        if canonical is None or not self.project.is_global(canonical):
            return None
        found = self.project.find(text)
        if found is None and rest.isdigit():  # qualified unique ID, e.g. "Event:1234567"
            short_id = int(rest)
            found = next((o for o in self.project.objects_of_type(canonical) if o.short_id == short_id), None)
        return found

    def type_name(self, name: str, position: int) -> str:
        canonical = self.project.type_name(name)
        if canonical is None:
            raise WaqlError(
                f'Unknown object type "{name}" at position {position}: use a WAAPI type name such as '
                "Sound, Event, ActorMixer, RandomSequenceContainer, Bus or WorkUnit.",
                position,
            )
        return canonical

    # -- transforms ------------------------------------------------------------------------------

    def transform(self, transform: Transform, limit: int | None = None) -> Callable[[Objects], Objects]:
        """One compiled step; ``limit``: how many objects the steps after an ``orderby`` keep."""
        if isinstance(transform, Where):
            predicate = self.condition(transform.condition)
            return lambda objects: [o for o in objects if predicate(o)]
        if isinstance(transform, Select):
            return self.select(transform.selectors)
        if isinstance(transform, Take):
            count = transform.count
            return lambda objects: objects[:count]
        if isinstance(transform, Skip):
            count = transform.count
            return lambda objects: objects[count:]
        if isinstance(transform, Distinct):
            return _distinct
        assert isinstance(transform, OrderBy)
        return self.order_by(transform, limit)

    def select(self, selectors: tuple[Accessor, ...]) -> Callable[[Objects], Objects]:
        walks = [self.selector(s) for s in selectors]
        if len(walks) == 1:
            walk = walks[0]

            def run_one(objects: Objects) -> Objects:
                out: Objects = []
                for obj in objects:
                    out.extend(walk(obj))
                return out

            return run_one

        def run_many(objects: Objects) -> Objects:
            out: Objects = []
            for obj in objects:
                for walk in walks:
                    out.extend(walk(obj))
            return out

        return run_many

    def selector(self, accessor: Accessor) -> Callable[[WwiseObject], Sequence[WwiseObject]]:
        word = accessor.text.lower()
        if len(accessor.segments) == 1 and word in _WALKS:
            if word == "this":
                return lambda obj: (obj,)
            if word == "children":
                return attrgetter("children")
            if word == "descendants":
                walk_down = self.project.descendants
                return lambda obj: list(walk_down(obj))
            if word == "parent":
                return lambda obj: (obj.parent,) if obj.parent is not None else ()
            if word == "ancestors":
                return ancestors
            return self.referrers_of
        canonical = self.accessor(accessor)
        if accessor.segments[-1].lower().lstrip("@") not in _object_accessors():
            raise WaqlError(
                f'Cannot select "{accessor.text}" at position {accessor.position}: it is a value, not an '
                "object; select children, descendants, parent, ancestors, this, referencesTo or a reference "
                "such as OutputBus.",
                accessor.position,
            )
        resolve = self.project.resolve

        def follow(obj: WwiseObject) -> Sequence[WwiseObject]:
            value = resolve(obj, canonical)
            return (value,) if isinstance(value, WwiseObject) else ()

        return follow

    def referrers_of(self, obj: WwiseObject) -> Objects:
        """Objects whose references point at ``obj`` (index built once per query, on first use)."""
        if self._referrers is None:
            index: dict[int, Objects] = {}
            for candidate in self.project.iter_objects():
                for target in candidate.references.values():
                    if target is not None:
                        index.setdefault(id(target), []).append(candidate)
            self._referrers = index
        return self._referrers.get(id(obj), [])

    def order_by(self, transform: OrderBy, limit: int | None) -> Callable[[Objects], Objects]:
        get, reverse = self.getter(transform.accessor), transform.reverse
        value = transform.accessor
        text_only = isinstance(value, Accessor) and len(value.segments) == 1 and value.text.lower() in _DIRECT
        return lambda objects: order(objects, get, reverse, limit, text_only)

    # -- accessors -------------------------------------------------------------------------------

    def accessor(self, accessor: Accessor) -> str:
        """The accessor string for the model, checked once: unknown names raise WaqlError at their position.

        The model resolves names case-insensitively (``volume`` is ``Volume``), as WAQL does.
        """
        text = accessor.text
        for segment in accessor.segments:
            try:
                accessors.check_known(self.project, segment)
            except NotEmulatedAccessorError:
                raise
            except UnknownAccessorError as exc:
                raise WaqlError(
                    f'Unknown accessor "{segment}" at position {accessor.position}: Wwise has no property, '
                    f"reference or accessor named {exc}.",
                    accessor.position,
                ) from exc
        return text

    def getter(self, value: Value) -> Getter:
        if isinstance(value, ListCall):
            return self.list_call(value)
        canonical = self.accessor(value)
        *hops, last = (segment.lower() for segment in value.segments)
        direct = _DIRECT.get(last)
        if direct and all(hop == "parent" for hop in hops):
            # name, parent.name, parent.parent.type...: plain attribute reads, no model call
            read, up = attrgetter(direct), len(hops)
            if not up:
                return read

            def read_up(obj: WwiseObject) -> Any:
                node: WwiseObject | None = obj
                for _ in range(up):
                    node = node.parent if node is not None else None
                return read(node) if node is not None else MISSING

            return read_up
        resolve = self.project.resolve
        return lambda obj: resolve(obj, canonical)

    def list_call(self, call: ListCall) -> Getter:
        """``children.count()`` -> int, ``descendants.any(...)`` / ``.all(...)`` -> bool."""
        walk = self.selector(Accessor((call.walk,), call.position))
        test = self.condition(call.condition) if call.condition is not None else None
        items = walk
        if call.target is not None:
            target, resolve = self.accessor(call.target), self.project.resolve

            def items(obj: WwiseObject) -> Sequence[WwiseObject]:
                owner = resolve(obj, target)
                return walk(owner) if isinstance(owner, WwiseObject) else ()

        if call.function == "count":
            if test is None:
                return lambda obj: len(items(obj))
            return lambda obj: sum(1 for o in items(obj) if test(o))
        if call.function == "any":
            if test is None:
                return lambda obj: len(items(obj)) > 0
            return lambda obj: any(test(o) for o in items(obj))
        if test is None:
            return lambda obj: True
        return lambda obj: all(test(o) for o in items(obj))

    # -- conditions ------------------------------------------------------------------------------

    def condition(self, expr: Expr) -> Predicate:
        if isinstance(expr, BoolLit):
            value = expr.value
            return lambda obj: value
        if isinstance(expr, Not):
            inner = self.condition(expr.operand)
            return lambda obj: not inner(obj)
        if isinstance(expr, And | Or):
            parts = [self.condition(e) for e in expr.operands]
            if len(parts) <= 8:  # nested two-operand closures: no generator per object
                return reduce(_both if isinstance(expr, And) else _either, parts)
            if isinstance(expr, And):  # long chains stay flat so they cannot exhaust the stack
                return lambda obj: all(p(obj) for p in parts)
            return lambda obj: any(p(obj) for p in parts)
        return self.compare(expr)

    def compare(self, expr: Compare) -> Predicate:
        lit = expr.value
        if expr.accessor.text.lower() == "type" and isinstance(lit, StringLit) and expr.op in ("=", "!="):
            # the hot path of "select descendants where type = ..."
            needle, equal = lit.value.lower(), expr.op == "="
            return lambda obj: (obj.type.lower() == needle) is equal
        get = self.getter(expr.accessor)
        test = self.test(expr)

        def predicate(obj: WwiseObject) -> bool:
            value = get(obj)
            if value is MISSING or value is None:
                return False  # an accessor that does not apply to an object matches nothing
            return test(value)

        return predicate

    def test(self, expr: Compare) -> Callable[[Any], bool]:
        """The value test of one comparison, with its literal pre-processed once."""
        op, lit = expr.op, expr.value
        if op is None:
            return lambda value: value is not False and value != "" and value != 0
        if isinstance(lit, RegexLit):
            search = lit.pattern.search
            if op == "!=":
                return lambda value: isinstance(value, str) and search(value) is None
            return lambda value: isinstance(value, str) and search(value) is not None
        if isinstance(lit, BoolLit):
            flag, equal = lit.value, op == "="
            return lambda value: isinstance(value, bool) and (value == flag) is equal
        if isinstance(lit, NumberLit):
            number, compare = lit.value, _ORDER[op]
            return lambda value: (isinstance(value, int | float) and compare(float(value), number))
        assert isinstance(lit, StringLit) and op is not None
        if op == ":":
            matches = word_matcher(lit.value)
            return lambda value: isinstance(value, str) and matches(value)
        needle, compare = lit.value.casefold(), _ORDER[op]
        target: list[WwiseObject | None] = []

        def test_string(value: Any) -> bool:
            if isinstance(value, str):
                return compare(value.casefold(), needle)
            if isinstance(value, WwiseObject) and op in ("=", "!="):
                if not target:  # resolved on first use: only object-valued accessors need it
                    target.append(self.reference_target(expr, lit))
                return (value is target[0]) is (op == "=")
            return False

        return test_string

    def reference_target(self, expr: Compare, lit: StringLit) -> WwiseObject:
        """The object a string names when compared with a reference (``outputbus = "Bus:Master"``)."""
        text = lit.value.strip()
        if not (text.startswith(("\\", "{")) or ":" in text):
            raise WaqlError(
                f'"{expr.accessor.text}" at position {expr.accessor.position} is an object: compare it '
                f'with an object specifier ("\\path", "{{GUID}}" or "Type:Name"), or compare '
                f"{expr.accessor.text}.name with a name.",
                expr.accessor.position,
            )
        obj = self.specifier(lit)
        if obj is None:
            raise ObjectNotFoundError(lit.value, lit.position)
        return obj


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@cache
def _object_accessors() -> frozenset[str]:
    """Lower-case accessor names whose value is an object: parent, workunit and every reference slot."""
    names = {"parent", "workunit"}
    for info in class_table().values():
        names.update(ref.lower() for ref in info.references)
    return frozenset(names)


def ancestors(obj: WwiseObject) -> Objects:
    """Parent first, up to and including the Project object."""
    out: Objects = []
    current = obj.parent
    while current is not None:
        out.append(current)
        current = current.parent
    return out


def _both(first: Predicate, second: Predicate) -> Predicate:
    return lambda obj: first(obj) and second(obj)


def _either(first: Predicate, second: Predicate) -> Predicate:
    return lambda obj: first(obj) or second(obj)


def _distinct(objects: Objects) -> Objects:
    seen: set[int] = set()
    out: Objects = []
    for obj in objects:
        key = id(obj)
        if key not in seen:
            seen.add(key)
            out.append(obj)
    return out


def _limit_after(transforms: tuple[Transform, ...], index: int) -> int | None:
    """For an ``orderby`` at ``index``: how many of its objects ``take N`` / ``skip M take N``
    right after it keep (M + N), so it need not order the rest; None when everything is kept."""
    following = transforms[index + 1:index + 3]
    if not following:
        return None
    if isinstance(following[0], Take):
        return following[0].count
    if len(following) == 2 and isinstance(following[0], Skip) and isinstance(following[1], Take):
        return following[0].count + following[1].count
    return None
