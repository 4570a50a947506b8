"""Every command block marked ``<!-- example -->`` in README.md and docs/*.md runs as written
against ``make demo`` (see docs/examples.md for the convention).

The demo runs from a scratch copy of the clone's layout (``demo/`` copied, ``config/`` and ``.venv``
linked), so the test never touches the developer's own ``demo/state``; the blocks run with bash in
that copy, one shell per block, with the README's own relative paths.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MARKER = re.compile(
    r"^<!-- example(?: expect=\"(?P<expect>[^\"]+)\")? -->\n```(?:sh|bash)\n(?P<body>.*?)^```",
    re.MULTILINE | re.DOTALL,
)
DEMO_PORT = 8765

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@dataclass(frozen=True)
class Example:
    """One marked block: where it is, its commands, and the text its output must contain (if any)."""

    source: str
    line: int
    body: str
    expect: str | None

    def __str__(self) -> str:
        return f"{self.source}:{self.line}"


def marked_examples() -> list[Example]:
    """The marked blocks of README.md and docs/*.md, in file order."""
    found = []
    for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for match in MARKER.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(Example(str(path.relative_to(REPO)), line, match["body"], match["expect"]))
    return found


EXAMPLES = marked_examples()


def test_the_readme_and_the_docs_mark_their_runnable_examples() -> None:
    sources = {e.source for e in EXAMPLES}
    assert "README.md" in sources and any(s.startswith("docs/") for s in sources), sources
    assert any("/workflows/execute" in e.body for e in EXAMPLES if e.source == "README.md")


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``make demo`` (its run_demo.py) running in a scratch copy of the clone; yields that folder."""
    if not _port_free(DEMO_PORT):
        pytest.skip(f"port {DEMO_PORT} is taken (is a `make demo` running?); the README's examples use it")
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed; the README's REST examples use it")
    clone = tmp_path_factory.mktemp("clone")
    skipped = shutil.ignore_patterns("drop", "state", "__pycache__")
    shutil.copytree(REPO / "demo", clone / "demo", ignore=skipped)
    for name in ("config", "plugins", ".venv"):
        (clone / name).symlink_to(REPO / name)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "demo/run_demo.py"], cwd=clone, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    runtime = clone / "demo" / "state" / "runtime.json"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if json.loads(runtime.read_text())["apiUrl"].endswith(f":{DEMO_PORT}"):
                break
        except (OSError, ValueError, KeyError, AttributeError):
            pass
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"make demo did not come up in {clone} (exit {proc.poll()})")
    try:
        yield clone
    finally:
        proc.terminate()
        proc.wait(timeout=60)


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_the_marked_example_runs_as_written_against_make_demo(demo: Path, example: Example) -> None:
    env = {**os.environ, "PATH": f"{demo / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    env.pop("WWISEFLOWD_CONFIG", None)
    done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", example.body], cwd=demo, env=env,
                          capture_output=True, text=True, timeout=180)
    report = (f"{example} exited {done.returncode}\n--- stdout\n{done.stdout[-3000:]}\n"
              f"--- stderr\n{done.stderr[-3000:]}")
    assert done.returncode == 0, report
    if example.expect is not None:
        assert example.expect in done.stdout, report
    else:  # a REST answer or a --json result that says it failed is a failed example
        assert not re.search(r'"ok":\s*false', done.stdout), report
