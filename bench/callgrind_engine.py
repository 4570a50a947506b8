"""Instructions per node of the engine, stable under load: ``python -m bench.callgrind_engine``.

CPU times on a shared 2-core machine move by 2-5x with the load; instruction counts do not. This
runs itself under ``valgrind --tool=callgrind`` with instrumentation off, switches it on
(``callgrind_control -i on``) only around the measured call, and prints instructions per node
(all threads, garbage collection included) for:

- ``floor``: validate each step's inputs and call the no-op node directly (``bench engine``'s floor);
- ``miss``: one run of the no-op plan on a fresh engine (every step a memo miss, then stored);
- ``hit``: the same plan again on that engine (every step a memo hit);
- ``compile``: compiling the document.

``python -m bench.callgrind_engine [WHAT ...] [--nodes N]`` (default: all four, 3,000 nodes; a
few minutes on a loaded machine). Needs valgrind (``apt-get install valgrind``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

WHATS = ("floor", "miss", "hit", "compile")


def measure(what: str, nodes: int) -> None:
    """Inside valgrind: set up, then count only ``what``."""
    from loguru import logger

    from bench.bench_engine import BenchNodes, dag, direct_calls
    from wwiseflowd.compiler import compile_plan
    from wwiseflowd.config import settings_for_tests
    from wwiseflowd.engine import Engine
    from wwiseflowd.plugins import Plugins

    def instrument(on: bool) -> None:
        subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())],
                       check=True, capture_output=True)

    logger.remove()
    plugins = Plugins()
    plugins.register(BenchNodes(), "bench")
    document = json.loads(json.dumps(dag(nodes)))  # parsed JSON, as the front doors hand it over
    plan = compile_plan(document, plugins.registry())
    if what == "floor":
        instrument(True)
        direct_calls(plan)
    elif what == "compile":
        instrument(True)
        compile_plan(document, plugins.registry())
    else:
        with tempfile.TemporaryDirectory() as tmp, Engine(settings_for_tests(Path(tmp)), plugins) as engine:
            if what == "hit":
                engine.execute(plan)
            instrument(True)
            assert engine.execute(plan).ok
    instrument(False)


def count(what: str, nodes: int) -> int:
    """Run :func:`measure` under callgrind; the instructions it counted."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                   sys.executable, "-m", "bench.callgrind_engine", "--inside", what, "--nodes", str(nodes)]
        subprocess.run(command, check=True, capture_output=True, cwd=Path(__file__).parent.parent)
        totals = [int(m.group(1)) for m in re.finditer(r"^(?:summary|totals): (\d+)", out.read_text(), re.M)]
    return max(totals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="*", help=f"any of {', '.join(WHATS)} (default: all)")
    parser.add_argument("--nodes", type=int, default=3_000)
    parser.add_argument("--inside", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        measure(args.inside, args.nodes)
        return
    unknown = set(args.what) - set(WHATS)
    if unknown:
        parser.error(f"unknown: {', '.join(sorted(unknown))}; choose from {', '.join(WHATS)}")
    print(f"load average {os.getloadavg()[0]:.1f} (instruction counts do not depend on it)")
    counts = {what: count(what, args.nodes) / args.nodes for what in args.what or WHATS}
    floor = counts.get("floor")
    for what, per_node in counts.items():
        ratio = f", x{per_node / floor:.1f} the floor" if floor and what != "floor" else ""
        print(f"{what}: {per_node:,.0f} instructions per node ({args.nodes:,} nodes){ratio}")


if __name__ == "__main__":
    main()
