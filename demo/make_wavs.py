"""Generate a few WAV files to drop into the demo folder (synthesised here, nothing downloaded).

    python demo/make_wavs.py                 # writes into ./demo/drop
    python demo/make_wavs.py --out DIR       # somewhere else

Writes a UI click, an explosion, a wind loop in a subfolder and a variation set
(Foley/Footstep_Concrete_01..03.wav) that the daemon groups into one Random Container.
"""

from __future__ import annotations

import argparse
import math
import random
from collections.abc import Callable
from pathlib import Path

from wwiseflowd.wav import write_wav

RATE = 48_000
HERE = Path(__file__).resolve().parent


def _write(path: Path, seconds: float, sample: Callable[[float, int], float]) -> Path:
    """A mono 16-bit WAV; written under a temporary name and renamed, as careful tools do."""
    path.parent.mkdir(parents=True, exist_ok=True)
    samples = [0.98 * sample(i / RATE, i) for i in range(int(RATE * seconds))]
    partial = path.with_name(path.name + ".part")  # ignored by the daemon until renamed
    write_wav(partial, sample_rate=RATE, samples=samples)  # wwiseflowd's one WAV writer (clips)
    partial.replace(path)
    return path


def click(t: float, _i: int) -> float:
    return math.sin(2 * math.pi * 2400 * t) * math.exp(-t * 80)


def explosion(rng: random.Random) -> Callable[[float, int], float]:
    def sample(t: float, _i: int) -> float:
        return rng.uniform(-1, 1) * math.exp(-t * 3) * (0.6 + 0.4 * math.sin(2 * math.pi * 40 * t))

    return sample


def footstep(seed: int) -> Callable[[float, int], float]:
    rng = random.Random(seed)
    pitch = 90 + seed * 17

    def sample(t: float, _i: int) -> float:
        thump = math.sin(2 * math.pi * pitch * t) * math.exp(-t * 30)
        grit = rng.uniform(-0.3, 0.3) * math.exp(-t * 50)
        return thump + grit

    return sample


def wind(rng: random.Random) -> Callable[[float, int], float]:
    state = [0.0]

    def sample(t: float, _i: int) -> float:
        state[0] = 0.995 * state[0] + 0.05 * rng.uniform(-1, 1)  # low-passed noise
        return state[0] * (0.7 + 0.3 * math.sin(2 * math.pi * 0.5 * t)) * 3

    return sample


def make_all(out: Path) -> list[Path]:
    """Write the demo set into ``out``; returns the files."""
    rng = random.Random(7)
    files = [
        _write(out / "UI_Click.wav", 0.08, click),
        _write(out / "Explosion_Big.wav", 1.2, explosion(rng)),
        _write(out / "Ambience" / "Wind_Loop.wav", 2.0, wind(rng)),
    ]
    files += [_write(out / "Foley" / f"Footstep_Concrete_{n:02d}.wav", 0.25, footstep(n)) for n in (1, 2, 3)]
    return files


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out", type=Path, default=HERE / "drop", help="folder to write into (default: demo/drop)"
    )
    args = parser.parse_args()
    for path in make_all(args.out):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
