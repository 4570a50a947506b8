"""The conformance table of docs/emulator.md: every WAAPI function and topic of every emulated version.

``python -m wwiseflowd.sim.conformance [TESTS_DIR]`` prints the Markdown tables; a test checks that
docs/emulator.md holds exactly what this prints, so the table cannot drift from the code. A cell
says, for that version: ``E`` emulated, ``n`` in Wwise but not emulated (the call answers
``ak.wwise.emulator.not_emulated``; a topic can be subscribed but never fires), ``·`` not in that
version (unknown URI). "Tests" lists the test files that name the URI.
"""

from __future__ import annotations

import sys
from pathlib import Path

from wwiseflowd.sim import catalogue
from wwiseflowd.sim.schemas import FUNCTIONS, TOPICS

#: topics the model knows but never publishes: the emulator loads its project before it accepts a
#: connection, so nobody can have subscribed to ``project.loaded`` yet (``preClosed``/``postClosed``
#: are published when it stops)
NEVER_PUBLISHED = frozenset({"ak.wwise.core.project.loaded"})

BEGIN = "<!-- conformance:begin (python -m wwiseflowd.sim.conformance) -->"
END = "<!-- conformance:end -->"


def _tests_naming(tests_dir: Path) -> dict[str, list[str]]:
    texts = {p.relative_to(tests_dir.parent).as_posix(): p.read_text(encoding="utf-8")
             for p in sorted(tests_dir.rglob("test_*.py"))}
    uris = set().union(*(catalogue.functions(v) | catalogue.topics(v) for v in catalogue.versions()))
    # a URI also counts as named by the tests that call it through the shared helpers' constants
    return {uri: [name for name, text in texts.items() if f'"{uri}"' in text] for uri in uris}


def _table(kind: str, uris: list[str], emulated: set[str], tests: dict[str, list[str]]) -> list[str]:
    versions = catalogue.versions()
    lines = [f"| {kind} | " + " | ".join(versions) + " | tests |",
             "|---|" + "---|" * len(versions) + "---|"]
    for uri in uris:
        cells = []
        for version in versions:
            listed = catalogue.functions(version) if kind == "function" else catalogue.topics(version)
            present = uri in listed
            cells.append(("E" if uri in emulated else "n") if present else "·")
        named = ", ".join(Path(t).name.removesuffix(".py") for t in tests.get(uri, [])) or ""
        lines.append(f"| `{uri}` | " + " | ".join(cells) + f" | {named} |")
    return lines


def render(tests_dir: Path) -> str:
    """The Markdown block (between the BEGIN/END markers)."""
    tests = _tests_naming(tests_dir)
    versions = catalogue.versions()
    functions = sorted(set().union(*(catalogue.functions(v) for v in versions)))
    topics = sorted(set().union(*(catalogue.topics(v) for v in versions)))
    counts = []
    for v in versions:
        fn = catalogue.functions(v)
        published = len((catalogue.topics(v) & TOPICS.keys()) - NEVER_PUBLISHED)
        counts.append(f"{v}: {len(fn & FUNCTIONS.keys())} of {len(fn)} functions emulated, "
                      f"{published} of {len(catalogue.topics(v))} topics published")
    lines = [BEGIN, "", *(f"- {c}" for c in counts), ""]
    lines += _table("function", functions, set(FUNCTIONS), tests)
    lines += ["", *_table("topic", topics, set(TOPICS) - NEVER_PUBLISHED, tests), "", END]
    return "\n".join(lines)


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "tests" / "sim"
    sys.stdout.write(render(root) + "\n")
