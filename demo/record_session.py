"""Re-record docs/demo-session.md: ``make demo`` on a real terminal while drop_scenario.py drops files.

    .venv/bin/python demo/record_session.py            # rewrites the recording in docs/demo-session.md
    .venv/bin/python demo/record_session.py --check    # records and checks it, leaves the doc alone

The demo runs from a scratch copy of ``demo/`` (``config/``, ``plugins/`` and ``.venv`` linked), so
the developer's own ``demo/state`` and ``demo/drop`` are untouched, on a pseudo-terminal, so its
progress display is in text mode as a person sees it. In the scratch copy it runs ``make_wavs.py``
(six WAVs), then ``drop_scenario.py`` (a burst of 40, a writer that stalls half-way, a file that is
not a WAV), waits until the stalled file is imported, and stops the demo with Ctrl+C (SIGINT).

The recording must show a burst, an incomplete file waiting then imported, and a failure; if it does
not, the command exits 1 and says what is missing (``tests/foundation/test_demo_recording.py``
runs ``--check`` in CI with a short stall).
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DOC = REPO / "docs" / "demo-session.md"
#: the recording sits between these two lines of the doc
START, END = "<!-- recording: written by demo/record_session.py -->\n```console\n", "```\n"
#: what the recording must show (the issue's "a burst, an incomplete file and a failure")
MUST_SHOW = {
    "the six sample WAVs imported": "batch 1: 6 imported",
    "a burst of 40 shown as one progress line": "burst     40 file(s) settling",
    "the burst imported": "importing 40 file(s)",
    "an incomplete file waiting, with how long": "waiting   Music_Stinger.wav incomplete for",
    "a failure with its code and reason": "failed    Notes.wav INVALID_AUDIO",
    "the incomplete file imported once complete": "done      Music_Stinger.wav ->",
}
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    """``run_demo.py`` on a pseudo-terminal; everything it writes is kept."""

    def __init__(self, clone: Path) -> None:
        master, slave = pty.openpty()
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200", "TERM": "xterm"}
        self.proc = subprocess.Popen([sys.executable, "demo/run_demo.py"], cwd=clone, env=env,
                                     stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        self._master = master
        self._chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self._master, 65536)
            except OSError:  # the other side closed
                return
            if not data:
                return
            self._chunks.append(data)

    @property
    def text(self) -> str:
        """What the terminal showed so far (undecoded bytes replaced)."""
        return b"".join(self._chunks).decode("utf-8", "replace")

    def wait_for(self, needle: str, timeout: float) -> bool:
        """Wait until ``needle`` was shown; False on timeout or when the demo ended."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if needle in _ANSI.sub("", self.text):
                return True
            time.sleep(0.2)
        return needle in _ANSI.sub("", self.text)

    def stop(self) -> str:
        """Ctrl+C, as a person would; returns everything shown."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._reader.join(5)
        os.close(self._master)
        return self.text


def scratch_clone(root: Path) -> Path:
    """A copy of demo/ with config/, plugins/ and .venv linked (as the README test does)."""
    clone = root / "wwiseflowd"
    shutil.copytree(HERE, clone / "demo", ignore=shutil.ignore_patterns("drop", "state", "__pycache__"))
    for name in ("config", "plugins", ".venv"):
        (clone / name).symlink_to(REPO / name)
    return clone


def record(stall_s: float, timeout_s: float = 180.0) -> str:
    """Run the session in a scratch copy; returns the terminal's text, cleaned for the doc."""
    with tempfile.TemporaryDirectory(prefix="wwiseflowd-recording-") as tmp:
        clone = scratch_clone(Path(tmp))
        terminal = Terminal(clone)
        try:
            _wait_ready(clone, terminal, timeout_s)
            python = str(clone / ".venv" / "bin" / "python")
            subprocess.run([python, "demo/make_wavs.py"], cwd=clone, check=True, capture_output=True)
            terminal.wait_for(MUST_SHOW["the six sample WAVs imported"], timeout_s)
            subprocess.run([python, "demo/drop_scenario.py", "--stall-s", str(stall_s)], cwd=clone,
                           check=True, capture_output=True, timeout=timeout_s)
            terminal.wait_for(MUST_SHOW["the incomplete file imported once complete"], timeout_s)
            time.sleep(0.5)
        finally:
            shown = terminal.stop()
        return clean(shown, clone)


def _wait_ready(clone: Path, terminal: Terminal, timeout_s: float) -> None:
    runtime = clone / "demo" / "state" / "runtime.json"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and terminal.proc.poll() is None:
        try:
            if json.loads(runtime.read_text(encoding="utf-8")).get("pid"):
                if terminal.wait_for("stop:", 10):
                    return
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"the demo did not start (exit {terminal.proc.poll()}):\n{terminal.text[-2000:]}")


def clean(shown: str, clone: Path) -> str:
    """Colours stripped, the scratch path shortened to ``~/wwiseflowd``, and each state of the one
    rewritten progress line on its own line marked ↺ (as docs/demo-session.md explains)."""
    text = _ANSI.sub("", shown)
    for path in sorted({str(clone.resolve()), str(clone), str(REPO)}, key=len, reverse=True):
        text = text.replace(path, "~/wwiseflowd")  # .venv is linked: its python shows the real clone
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        parts = [p for p in raw.split("\r") if p.strip()]
        lines += [f"↺ {p}" for p in parts[:-1]] + parts[-1:] if parts else [""]
    out = "\n".join(lines).strip("\n")
    return "$ make demo\n" + out + "\n"


def missing(recording: str) -> list[str]:
    """What the recording should show and does not."""
    return [what for what, needle in MUST_SHOW.items() if needle not in recording]


def write_doc(recording: str) -> None:
    """Put ``recording`` between the markers of docs/demo-session.md."""
    doc = DOC.read_text(encoding="utf-8")
    head, sep, rest = doc.partition(START)
    if not sep:
        raise SystemExit(f"{DOC} has no line {START.splitlines()[0]!r} to put the recording after")
    _, sep, tail = rest.partition(END)
    DOC.write_text(head + START + recording + END + tail, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Record; check; write the doc unless ``--check``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only check the recording; leave the doc")
    parser.add_argument("--stall-s", type=float, default=15.0, help="how long the stalled writer stalls")
    args = parser.parse_args(argv)
    recording = record(args.stall_s)
    lacking = missing(recording)
    if lacking:
        print(f"The recording does not show: {'; '.join(lacking)}\n\n{recording[-3000:]}", file=sys.stderr)
        return 1
    if args.check:
        lines = len(recording.splitlines())
        print(f"The recording shows everything docs/demo-session.md promises ({lines} lines).")
    else:
        write_doc(recording)
        print(f"Wrote the recording into {DOC} ({len(recording.splitlines())} lines).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
