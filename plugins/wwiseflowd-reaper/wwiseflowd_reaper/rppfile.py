"""Reading the text of a REAPER project (``.RPP``) into a tree of blocks and lines.

Tokenizing is done by the ``rpp`` package's lexer (PyPI ``rpp``, BSD-3-Clause, pinned): it knows
REAPER's quoting (``"..."``, ``'...'`` and backticks), unquoted names and ``|`` lines. We build the
tree ourselves with an explicit stack instead of ``rpp.loads``: its yacc grammar concatenates lists
recursively (quadratic in the lines of one block, slow on big MIDI items) and reports no line
numbers, and we want every error to name the file and the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: files bigger than this are refused before reading (a project with hours of MIDI is ~50 MB)
MAX_PROJECT_BYTES = 256 * 1024 * 1024


class ProjectReadError(Exception):
    """A project file cannot be read; ``str()`` names the file, the line and what to do."""

    def __init__(self, path: Path | str, line: int | None, problem: str) -> None:
        where = f"{path}" if line is None else f"{path}, line {line}"
        super().__init__(f"{where}: {problem}")
        self.path = str(path)
        self.line = line
        self.problem = problem


@dataclass
class Line:
    """One line that is not a block: its tokens (quotes removed) and its line number."""

    tokens: list[str]
    lineno: int

    @property
    def key(self) -> str:
        """The first token (``MARKER``, ``RENDER_FILE``, ...)."""
        return self.tokens[0] if self.tokens else ""

    def arg(self, index: int, default: str = "") -> str:
        """The ``index``-th value after the key, or ``default`` when the line is shorter."""
        return self.tokens[index + 1] if len(self.tokens) > index + 1 else default


@dataclass
class Block:
    """A ``<TAG attrs ...`` ... ``>`` block with its children in file order."""

    tag: str
    attrs: list[str]
    lineno: int
    children: list[Block | Line] = field(default_factory=list)
    end_lineno: int = 0

    def lines(self, key: str | None = None) -> list[Line]:
        """Direct child lines, all or those whose first token is ``key``."""
        return [c for c in self.children if isinstance(c, Line) and (key is None or c.key == key)]

    def line(self, key: str) -> Line | None:
        """The first direct child line with first token ``key``."""
        return next((c for c in self.children if isinstance(c, Line) and c.key == key), None)

    def blocks(self, tag: str | None = None) -> list[Block]:
        """Direct child blocks, all or those tagged ``tag``."""
        return [c for c in self.children if isinstance(c, Block) and (tag is None or c.tag == tag)]

    def block(self, tag: str) -> Block | None:
        """The first direct child block tagged ``tag``."""
        return next((c for c in self.children if isinstance(c, Block) and c.tag == tag), None)


def decode(data: bytes, path: Path | str) -> str:
    """The project text; REAPER saves UTF-8, so other bytes are an error naming the line."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ProjectReadError(
            path, line, f"byte 0x{data[exc.start]:02x} is not UTF-8 text (REAPER saves projects as UTF-8); "
            "was the file edited or converted by another program? Open and save it in REAPER again."
        ) from None


def parse_text(text: str, path: Path | str = "<text>") -> Block:
    """The ``<REAPER_PROJECT`` block of ``text``; :class:`ProjectReadError` when it is not one."""
    from rpp.scanner import tokenize  # here: rpp (and attrs) load with the first project read, not the daemon

    stack: list[Block] = []
    root: Block | None = None
    tokens: list[str] = []
    opens = False
    closes = False
    try:
        for token in tokenize(text):
            if token.type == "OPEN":
                opens = True
            elif token.type == "CLOSE":
                closes = True
            elif token.type == "STRING":
                tokens.append(token.value)
            else:  # NEWLINE: the line is complete
                root = _add_line(stack, root, tokens, opens, closes, token.lineno, path)
                tokens, opens, closes = [], False, False
    except ValueError as exc:  # the lexer's "closing quote not found at line N"
        raise ProjectReadError(path, _lineno_of(str(exc)), f"{exc}; the file is damaged or not a "
                               "REAPER project") from None
    if stack:
        raise ProjectReadError(path, stack[-1].lineno, f"the block <{stack[-1].tag} opened here is never "
                               "closed with '>': the file is cut short (still being saved, or truncated)")
    if root is None:
        raise ProjectReadError(path, 1, "no <REAPER_PROJECT block: this is not a REAPER project file")
    return root


def _add_line(
    stack: list[Block], root: Block | None, tokens: list[str], opens: bool, closes: bool, lineno: int,
    path: Path | str,
) -> Block | None:
    if opens:
        if not tokens:
            raise ProjectReadError(path, lineno, "a '<' with no block name")
        if root is None and tokens[0] != "REAPER_PROJECT":
            raise ProjectReadError(path, lineno, f"starts with <{tokens[0]}, not <REAPER_PROJECT: this is "
                                   "not a REAPER project file (an .RTrackTemplate or FX chain?)")
        block = Block(tokens[0], tokens[1:], lineno)
        if stack:
            stack[-1].children.append(block)
        elif root is not None:
            raise ProjectReadError(path, lineno, "text after the end of the project block")
        else:
            root = block
        stack.append(block)
    elif closes:
        if not stack:
            raise ProjectReadError(path, lineno, "a '>' closes a block that was never opened")
        stack.pop().end_lineno = lineno
    elif tokens:
        if not stack:
            raise ProjectReadError(path, lineno, "text outside the <REAPER_PROJECT block: this is not a "
                                   "REAPER project file")
        stack[-1].children.append(Line(tokens, lineno))
    return root


def _lineno_of(message: str) -> int | None:
    tail = message.rsplit("line ", 1)
    return int(tail[1]) if len(tail) == 2 and tail[1].isdigit() else None


def read_tree(path: Path) -> Block:
    """Read and parse the project file at ``path``."""
    try:
        size = path.stat().st_size
        if size > MAX_PROJECT_BYTES:
            raise ProjectReadError(path, None, f"{size} bytes is larger than any REAPER project we read "
                                   f"({MAX_PROJECT_BYTES} bytes); is it a project file?")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ProjectReadError(path, None, "the file does not exist; check the path") from None
    except IsADirectoryError:
        raise ProjectReadError(path, None, "is a folder, not a project file") from None
    except OSError as exc:
        raise ProjectReadError(path, None, f"cannot be read ({exc.strerror})") from None
    return parse_text(decode(data, path), path)
