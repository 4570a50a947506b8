"""Recursive-descent parser: tokens -> :class:`~wwiseflowd.sim.waql.nodes.Query`.

The grammar it accepts is written out in docs/waql.md. Every rejection is a WaqlError naming the
token and its 1-based position. Parsing needs no project, so parsed queries are cached by text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache

from wwiseflowd.sim.waql.errors import WaqlError
from wwiseflowd.sim.waql.lexer import Kind, Token, tokenize
from wwiseflowd.sim.waql.nodes import (
    Accessor,
    And,
    BoolLit,
    Compare,
    Distinct,
    Expr,
    ListCall,
    Literal,
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

LIST_WALKS = ("children", "descendants", "ancestors", "referencesto")
LIST_FUNCTIONS = ("count", "any", "all")
TRANSFORM_KEYWORDS = ("where", "select", "take", "skip", "distinct", "orderby")
SOURCE_KEYWORDS = ("object", "type", "search", "project", "query")
# words that can never start an accessor inside a condition
_RESERVED = frozenset({"and", "or", "not", "from", *TRANSFORM_KEYWORDS})
_EXPECTED_TRANSFORM = "a transform (where, select, take, skip, distinct or orderby)"
#: nesting of "(", "not" and functions in one condition (a hostile query must not exhaust the stack)
MAX_NESTING = 100


@lru_cache(maxsize=256)
def parse(text: str) -> Query:
    """Parse WAQL text (with or without the leading ``$``) into a Query; raises WaqlError."""
    if not text.strip():
        raise WaqlError("The WAQL query is empty: write at least a source, e.g. $ from type Sound.", None)
    return _Parser(tokenize(text)).query()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0
        self.allow_calls = False

    # -- token helpers ---------------------------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind is not Kind.END:
            self.i += 1
        return tok

    def is_word(self, *words: str, tok: Token | None = None) -> bool:
        tok = tok or self.tok
        return tok.kind is Kind.WORD and tok.value.lower() in words

    def fail(self, expected: str, tok: Token | None = None) -> WaqlError:
        tok = tok or self.tok
        message = f"Unexpected {tok.describe()} at position {tok.position}: expected {expected}."
        return WaqlError(message, tok.position)

    def comma_then(self, *kinds: Kind, exclude_keywords: bool = True) -> bool:
        """True (and the comma consumed) when a comma continues the current list.

        A comma followed by a transform keyword separates transforms instead (``$ SOURCE T, T``).
        """
        if self.tok.kind is not Kind.COMMA:
            return False
        nxt = self.peek()
        if nxt.kind not in kinds or (exclude_keywords and self.is_word(*TRANSFORM_KEYWORDS, tok=nxt)):
            return False
        self.advance()
        return True

    # -- query -----------------------------------------------------------------------------------

    def query(self) -> Query:
        if self.tok.kind is Kind.DOLLAR:
            self.advance()
        source = self.source()
        transforms: list[Transform] = []
        while self.tok.kind is not Kind.END:
            separator = self.tok.kind is Kind.COMMA and self.is_word(*TRANSFORM_KEYWORDS, tok=self.peek())
            if transforms and separator:
                self.advance()
            transforms.append(self.transform())
        return Query(source, tuple(transforms))

    def source(self) -> Source:
        if self.tok.kind is Kind.STRING:
            return ObjectSource(self.specifiers())
        if not self.is_word("from"):
            if self.tok.kind is Kind.END or self.is_word(*TRANSFORM_KEYWORDS):
                return ProjectSource()
            raise self.fail('a source ("\\path", "{GUID}", "Type:Name", from ...) or ' + _EXPECTED_TRANSFORM)
        self.advance()
        kind = self.tok
        if not self.is_word(*SOURCE_KEYWORDS):
            raise self.fail("object, type, search or project after from")
        self.advance()
        word = kind.value.lower()
        if word == "object":
            if self.tok.kind is not Kind.STRING:
                raise self.fail('an object specifier in double quotes ("\\path", "{GUID}" or "Type:Name")')
            return ObjectSource(self.specifiers())
        if word == "type":
            return TypeSource(self.type_names())
        if word == "search":
            if self.tok.kind is not Kind.STRING:
                raise self.fail("the search text in double quotes")
            tok = self.advance()
            return SearchSource(StringLit(tok.value, tok.position))
        if word == "project":
            return ProjectSource()
        raise WaqlError(
            f'Unsupported source "from query" at position {kind.position}: the emulator has no Query '
            "Editor queries; use from type, from object or where filters instead.",
            kind.position,
        )

    def specifiers(self) -> tuple[StringLit, ...]:
        tok = self.advance()
        specs = [StringLit(tok.value, tok.position)]
        while self.comma_then(Kind.STRING):
            tok = self.advance()
            specs.append(StringLit(tok.value, tok.position))
        return tuple(specs)

    def type_names(self) -> tuple[tuple[str, int], ...]:
        names: list[tuple[str, int]] = []
        while True:
            if self.tok.kind not in (Kind.WORD, Kind.STRING) or self.is_word(*TRANSFORM_KEYWORDS):
                raise self.fail("an object type name (e.g. Sound, Event, ActorMixer)")
            tok = self.advance()
            names.append((tok.value, tok.position))
            if not self.comma_then(Kind.WORD, Kind.STRING):
                return tuple(names)

    # -- transforms ------------------------------------------------------------------------------

    def transform(self) -> Transform:
        if not self.is_word(*TRANSFORM_KEYWORDS):
            raise self.fail(_EXPECTED_TRANSFORM)
        word = self.advance().value.lower()
        if word == "where":
            return Where(self.or_expr())
        if word == "select":
            selectors = [self.accessor("what to select (children, descendants, parent, ancestors, this...)")]
            while self.comma_then(Kind.WORD):
                selectors.append(self.accessor("what to select after the comma"))
            return Select(tuple(selectors))
        if word in ("take", "skip"):
            count = self.count(word)
            return Take(count) if word == "take" else Skip(count)
        if word == "distinct":
            return Distinct()
        accessor = self.value("the accessor to order by (e.g. name)")
        reverse = self.is_word("reverse")
        if reverse:
            self.advance()
        return OrderBy(accessor, reverse)

    def count(self, keyword: str) -> int:
        tok = self.tok
        if tok.kind is not Kind.NUMBER or not tok.value.isdigit():
            raise self.fail(f"a whole number of objects after {keyword}")
        self.advance()
        return int(tok.value)

    def accessor(self, expected: str) -> Accessor:
        first = self.tok
        if first.kind is not Kind.WORD or first.value.lower() in _RESERVED:
            raise self.fail(expected)
        segments = [self.advance().value]
        while self.tok.kind is Kind.DOT:
            self.advance()
            if self.tok.kind is not Kind.WORD:
                raise self.fail("an accessor name after '.'")
            segments.append(self.advance().value)
        if self.tok.kind is Kind.LPAREN and not self.allow_calls:
            raise WaqlError(
                f'Unsupported function call "{".".join(segments)}(" at position {first.position}: '
                "functions (count, any, all) only work in where and orderby.",
                first.position,
            )
        return Accessor(tuple(segments), first.position)

    def value(self, expected: str) -> Value:
        """An accessor, or a list function over one (``children.count()``) where functions are allowed."""
        self.allow_calls = True
        try:
            accessor = self.accessor(expected)
        finally:
            self.allow_calls = False
        if self.tok.kind is not Kind.LPAREN:
            return accessor
        return self.call(accessor)

    def call(self, accessor: Accessor) -> ListCall:
        segments, position = accessor.segments, accessor.position
        function = segments[-1].lower()
        if function not in LIST_FUNCTIONS:
            raise WaqlError(
                f'Unsupported function "{segments[-1]}()" at position {position}: the emulator supports '
                "count(), any() and all() on children, descendants, ancestors and referencesTo.",
                position,
            )
        if len(segments) < 2 or segments[-2].lower() not in LIST_WALKS:
            raise WaqlError(
                f'"{function}()" at position {position} needs a list before it: children, descendants, '
                "ancestors or referencesTo (e.g. children.count()).",
                position,
            )
        with self.deeper():
            self.advance()  # "("
            condition = None if self.tok.kind is Kind.RPAREN else self.or_expr()
            if self.tok.kind is not Kind.RPAREN:
                raise self.fail(f"')' to close {function}(")
            self.advance()
        target = Accessor(segments[:-2], position) if len(segments) > 2 else None
        text = accessor.text + "()"
        return ListCall(target, segments[-2].lower(), function, condition, position, text)

    # -- conditions ------------------------------------------------------------------------------

    def or_expr(self) -> Expr:
        return self.chain("or", self.and_expr, Or)

    def and_expr(self) -> Expr:
        return self.chain("and", self.unary, And)

    def chain(self, word: str, operand: Callable[[], Expr], node: Callable[[tuple[Expr, ...]], Expr]) -> Expr:
        """``operand {word operand}``: one operand stays itself, several become ``node``."""
        operands = [operand()]
        while self.is_word(word):
            self.advance()
            operands.append(operand())
        return operands[0] if len(operands) == 1 else node(tuple(operands))

    def unary(self) -> Expr:
        if self.is_word("not") or self.tok.kind is Kind.LPAREN:
            with self.deeper():
                return self.nested()
        if self.is_word("true", "false") and self.peek().kind is not Kind.OP:
            tok = self.advance()
            return BoolLit(tok.value.lower() == "true", tok.position)
        return self.comparison()

    @contextmanager
    def deeper(self) -> Iterator[None]:
        """One more level of "(", "not" or a function; too many is a WaqlError, not a RecursionError."""
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                tok = self.tok
                raise WaqlError(
                    f"Condition nested too deeply at position {tok.position}: at most {MAX_NESTING} "
                    'levels of "(", "not" and functions.',
                    tok.position,
                )
            yield
        finally:
            self.depth -= 1

    def nested(self) -> Expr:
        if self.advance().kind is not Kind.LPAREN:  # "not"
            return Not(self.unary())
        inner = self.or_expr()
        if self.tok.kind is not Kind.RPAREN:
            raise self.fail("')' or a condition operator (and, or)")
        self.advance()
        return inner

    def comparison(self) -> Compare:
        accessor = self.value('a condition (an accessor such as name or parent.name, "not" or "(")')
        if self.tok.kind is not Kind.OP:
            return Compare(accessor, None, None)
        op_tok = self.advance()
        value = self.literal(op_tok)
        return Compare(accessor, op_tok.value, value, op_tok.position)

    def literal(self, op: Token) -> Literal:
        tok = self.tok
        if tok.kind is Kind.STRING:
            self.advance()
            return StringLit(tok.value, tok.position)
        if tok.kind is Kind.REGEX:
            if op.value not in ("=", "!=", ":"):
                raise self.fail(f'a string or number after "{op.value}" (a /regex/ works with =, != and :)')
            self.advance()
            flags = re.IGNORECASE if "i" in tok.flags else 0
            try:
                return RegexLit(re.compile(tok.value, flags), tok.position)
            except re.error as exc:
                message = f"Invalid regular expression {tok.describe()} at position {tok.position}: {exc}."
                raise WaqlError(message, tok.position) from exc
        if tok.kind is Kind.NUMBER and op.value != ":":
            self.advance()
            return NumberLit(float(tok.value), tok.position)
        if self.is_word("true", "false") and op.value in ("=", "!="):
            self.advance()
            return BoolLit(tok.value.lower() == "true", tok.position)
        if op.value == ":":
            raise self.fail('the words to search for in double quotes, or a /regex/, after ":"')
        raise self.fail(f'a value after "{op.value}" (a "string", a number, true, false or a /regex/)')
