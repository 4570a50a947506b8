"""Drops the files recorded in docs/demo-session.md into a running ``make demo``.

    .venv/bin/python demo/drop_scenario.py [--stall-s 15]

A burst of 40 WAVs, then a WAV whose writer stalls half-way for ~15 s before finishing it (the
daemon waits, saying for how long), and a file that is not a WAV at all (it fails, with the reason
in failed/<name>.error.json).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

from wwiseflowd.wav import wav_bytes as write_wav_bytes

HERE = Path(__file__).resolve().parent
DROP = HERE / "drop"
RATE = 48_000


def wav_bytes(seconds: float, pitch: float) -> bytes:
    """A mono 16-bit WAV in memory (wwiseflowd's one WAV writer)."""
    samples = [
        0.37 * math.sin(2 * math.pi * pitch * i / RATE) * math.exp(-i / RATE * 8)
        for i in range(int(RATE * seconds))
    ]
    return write_wav_bytes(sample_rate=RATE, samples=samples)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stall-s", type=float, default=15.0, help="how long the writer stalls half-way")
    stall_s = parser.parse_args(argv).stall_s
    burst = DROP / "Burst"
    burst.mkdir(parents=True, exist_ok=True)
    for i in range(40):
        (burst / f"Impact_Metal_{i + 1:02d}.wav").write_bytes(wav_bytes(0.05, 200 + 20 * i))
    print("dropped a burst of 40 WAVs into", burst)
    time.sleep(6)
    stalled = DROP / "Music_Stinger.wav"
    data = wav_bytes(0.5, 440)
    with stalled.open("wb") as out:
        out.write(data[: len(data) // 2])  # the writer stalls half-way...
        out.flush()
        (DROP / "Notes.wav").write_bytes(b"This is a text file saved with the wrong extension.\n" * 20)
        print("wrote half of", stalled, "and a file that is not a WAV")
        time.sleep(stall_s)
        out.write(data[len(data) // 2 :])  # ...and finishes
    print("finished", stalled)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
