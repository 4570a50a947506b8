"""Run the benchmarks: ``python -m bench [NAME ...]`` (names: the part after ``bench_``; with no
name, every one but the fault-injection suite, which ``make reliability`` runs).

Each ``bench/bench_<name>.py`` has a ``main()`` that prints its figures; each runs in its own
process so one benchmark's threads and memory never skew another's.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
#: run only when named: the fault-injection suite (crashes, Wwise kills, fuzzing, a soak of fixed
#: length) measures what is lost, not how fast; ``make reliability``, docs/reliability.md
NAMED_ONLY = {"reliability"}


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py")
                           if p.stem.removeprefix("bench_") not in NAMED_ONLY)
    print(f"# machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}")
    failed, took, start = 0, {}, time.monotonic()
    for name in names:
        print(f"\n## {name}", flush=True)
        began = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", f"bench.bench_{name}"], cwd=HERE.parent)
        took[name] = time.monotonic() - began
        failed += proc.returncode != 0
        ended = "" if proc.returncode == 0 else f", exit code {proc.returncode}"
        print(f"# {name}: {took[name]:.0f} s{ended}", flush=True)
    print(f"\n# {len(names)} benchmarks in {time.monotonic() - start:.0f} s: "
          + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in took.items()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
