"""WAQL text -> tokens, each with its 1-based character position (what every error message names).

Words (keywords and accessor names alike) are one ``WORD`` kind: WAQL keywords are contextual
(``type`` is both ``from type`` and an accessor), so only the parser can tell them apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from wwiseflowd.sim.waql.errors import WaqlError


class Kind(Enum):
    """Token kinds."""

    DOLLAR = "$"
    WORD = "word"
    STRING = "string"
    NUMBER = "number"
    REGEX = "regex"
    OP = "operator"
    COMMA = ","
    DOT = "."
    LPAREN = "("
    RPAREN = ")"
    END = "end of query"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: kind, value (string body, number, regex source, operator, word) and start position."""

    kind: Kind
    value: str
    position: int  # 1-based index of the token's first character
    flags: str = ""  # regex flags, only for REGEX tokens

    def describe(self) -> str:
        """How error messages quote this token."""
        if self.kind is Kind.END:
            return "end of query"
        if self.kind is Kind.STRING:
            return f'"{self.value}"'
        if self.kind is Kind.REGEX:
            return f"/{self.value}/{self.flags}"
        return f'"{self.value}"'


# Accessor names may carry ':' qualifiers (``workunit:isDefault``) and a leading '@' (``@Volume``);
# a ':' only belongs to the word when a letter follows it directly, so ``name:"x"`` stays an operator.
_WORD = re.compile(r"@{0,2}[A-Za-z_][A-Za-z0-9_]*(?::[A-Za-z_][A-Za-z0-9_]*)*")
_DIGIT_WORD = re.compile(r"\d+[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
_SPACE = re.compile(r"\s+")
_OPERATORS = ("!=", "<=", ">=", "=", "<", ">", ":")
_PUNCT = {",": Kind.COMMA, ".": Kind.DOT, "(": Kind.LPAREN, ")": Kind.RPAREN, "$": Kind.DOLLAR}
_REGEX_FLAGS = frozenset("i")

# Characters people try from other query languages: say what to write instead.
_HINTS = {
    "'": "WAQL strings use double quotes",
    "&": 'use "and"',
    "|": 'use "or"',
    "!": 'use "not" or "!="',
    "{": 'object GUIDs go inside double quotes: "{GUID}"',
    "\\": 'paths go inside double quotes: "\\Actor-Mixer Hierarchy\\..."',
}


def tokenize(text: str) -> list[Token]:
    """Split WAQL text into tokens; the list always ends with an END token.

    Raises WaqlError for a character WAQL does not use, an unterminated string or regex, or
    an unknown regex flag.
    """
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        space = _SPACE.match(text, i)
        if space:
            i = space.end()
            continue
        ch = text[i]
        pos = i + 1
        if ch == '"':
            # no escapes: a backslash before the closing quote is a path character ("\" is the Project)
            close = text.find('"', i + 1)
            if close < 0:
                raise WaqlError(f"Unterminated string starting at position {pos}: add the closing '\"'.", pos)
            tokens.append(Token(Kind.STRING, text[i + 1 : close], pos))
            i = close + 1
        elif ch == "/":
            i = _lex_regex(text, i, tokens)
        elif ch in _PUNCT and not (ch == "." and _NUMBER.match(text, i)):
            tokens.append(Token(_PUNCT[ch], ch, pos))
            i += 1
        elif ch.isdigit() or ch in "-.":
            number = _NUMBER.match(text, i)
            if not number:
                raise WaqlError(f'Unexpected character "{ch}" at position {pos}.', pos)
            word = _DIGIT_WORD.match(text, i) if ch.isdigit() else None
            if word and word.end() > number.end():  # a property name such as 3DPosition
                tokens.append(Token(Kind.WORD, word.group(), pos))
                i = word.end()
                continue
            tokens.append(Token(Kind.NUMBER, number.group(), pos))
            i = number.end()
        elif ch.isalpha() or ch in "_@":
            word = _WORD.match(text, i)
            if not word:
                raise WaqlError(f'Unexpected character "{ch}" at position {pos}.', pos)
            tokens.append(Token(Kind.WORD, word.group(), pos))
            i = word.end()
        else:
            op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
            if op is None:
                hint = _HINTS.get(ch)
                suffix = f": {hint}." if hint else "."
                raise WaqlError(f'Unexpected character "{ch}" at position {pos}{suffix}', pos)
            tokens.append(Token(Kind.OP, op, pos))
            i += len(op)
    tokens.append(Token(Kind.END, "", n + 1))
    return tokens


def _lex_regex(text: str, start: int, tokens: list[Token]) -> int:
    """Read ``/pattern/flags`` starting at ``start``; ``\\/`` inside the pattern is a literal slash."""
    pos = start + 1
    i, n = start + 1, len(text)
    body: list[str] = []
    while i < n and text[i] != "/":
        if text[i] == "\\" and i + 1 < n and text[i + 1] == "/":
            body.append("/")
            i += 2
            continue
        body.append(text[i])
        i += 1
    if i >= n:
        raise WaqlError(
            f"Unterminated regular expression starting at position {pos}: add the closing '/'.", pos
        )
    i += 1
    flags_start = i
    while i < n and text[i].isalpha():
        if text[i] not in _REGEX_FLAGS:
            raise WaqlError(
                f'Unknown regular expression flag "{text[i]}" at position {i + 1}: only "i" is supported.',
                i + 1,
            )
        i += 1
    tokens.append(Token(Kind.REGEX, "".join(body), pos, text[flags_start:i]))
    return i
