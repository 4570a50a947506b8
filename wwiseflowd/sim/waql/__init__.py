"""WAQL, the Wwise Authoring Query Language, for the emulator's ``ak.wwise.core.object.get``.

``run_query(project, text)`` parses the text (cached by text), compiles the conditions into
closures once and runs the query against the project model. Modules: ``lexer`` (text -> tokens
with positions), ``parser`` (tokens -> ``nodes``), ``evaluator`` (nodes + model -> objects).
The supported subset, and exactly what is rejected, is in docs/waql.md.
"""

from wwiseflowd.sim.waql.errors import ObjectNotFoundError, WaqlError
from wwiseflowd.sim.waql.evaluator import run_query
from wwiseflowd.sim.waql.parser import parse

__all__ = ["ObjectNotFoundError", "WaqlError", "parse", "run_query"]
