"""The WAQL syntax tree: what the parser builds and the evaluator compiles. Plain frozen data, no model."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Accessor:
    """``name``, ``parent.name``, ``@Volume``: segments exactly as typed, and where the first one starts."""

    segments: tuple[str, ...]
    position: int

    @property
    def text(self) -> str:
        """The accessor as written in the query."""
        return ".".join(self.segments)


@dataclass(frozen=True, slots=True)
class ListCall:
    """``children.count()``, ``descendants.any(type = "Sound")``, ``parent.children.all(volume < 0)``.

    ``walk`` is the lower-cased list (children, descendants, ancestors, referencesto), ``target`` the
    accessor leading to the object the list hangs off (None: the object itself), ``function`` is
    count, any or all, ``condition`` the optional filter inside the parentheses.
    """

    target: Accessor | None
    walk: str
    function: str
    condition: Expr | None
    position: int
    text: str


Value = Accessor | ListCall


@dataclass(frozen=True, slots=True)
class StringLit:
    """A double-quoted string (no escapes)."""

    value: str
    position: int


@dataclass(frozen=True, slots=True)
class NumberLit:
    """An integer or decimal number."""

    value: float
    position: int


@dataclass(frozen=True, slots=True)
class BoolLit:
    """``true`` or ``false``."""

    value: bool
    position: int


@dataclass(frozen=True, slots=True)
class RegexLit:
    """``/pattern/flags``, compiled once at parse time."""

    pattern: re.Pattern[str]
    position: int


Literal = StringLit | NumberLit | BoolLit | RegexLit


@dataclass(frozen=True, slots=True)
class Compare:
    """``accessor OP literal``; ``op`` is None for a bare accessor tested for truth (``where IsVoice``)."""

    accessor: Value
    op: str | None
    value: Literal | None
    op_position: int = 0


@dataclass(frozen=True, slots=True)
class Not:
    """``not EXPR``."""

    operand: Expr


@dataclass(frozen=True, slots=True)
class And:
    """``EXPR and EXPR and ...``."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """``EXPR or EXPR or ...``."""

    operands: tuple[Expr, ...]


Expr = Compare | Not | And | Or | BoolLit


@dataclass(frozen=True, slots=True)
class ObjectSource:
    """``from object "a", "b"`` or just ``"a", "b"``: object specifiers with their positions."""

    specifiers: tuple[StringLit, ...]


@dataclass(frozen=True, slots=True)
class TypeSource:
    """``from type sound, event``: type names as typed, with positions."""

    types: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class SearchSource:
    """``from search "text"``."""

    text: StringLit


@dataclass(frozen=True, slots=True)
class ProjectSource:
    """``from project``, or no source at all: every object of the project."""


Source = ObjectSource | TypeSource | SearchSource | ProjectSource


@dataclass(frozen=True, slots=True)
class Where:
    """``where EXPR``: keep the objects for which EXPR is true."""

    condition: Expr


@dataclass(frozen=True, slots=True)
class Select:
    """``select children, parent, ...``: each selector is a keyword or an object-valued accessor."""

    selectors: tuple[Accessor, ...]


@dataclass(frozen=True, slots=True)
class Take:
    """``take N``: the first N objects."""

    count: int


@dataclass(frozen=True, slots=True)
class Skip:
    """``skip N``: all but the first N objects."""

    count: int


@dataclass(frozen=True, slots=True)
class Distinct:
    """``distinct``: drop repeated objects, keeping the first occurrence."""


@dataclass(frozen=True, slots=True)
class OrderBy:
    """``orderby ACCESSOR [reverse]``: stable sort by the accessor's value."""

    accessor: Value
    reverse: bool


Transform = Where | Select | Take | Skip | Distinct | OrderBy


@dataclass(frozen=True, slots=True)
class Query:
    """A whole query: one source, then transforms applied left to right."""

    source: Source
    transforms: tuple[Transform, ...]
