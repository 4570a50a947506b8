"""audioCheck throughput: the numpy decoder against the stdlib one, on real WAV files.

Run with ``.venv/bin/python -m bench audiocheck``. Figures printed:

- one long file (60 s, 48 kHz, 24-bit stereo, a tone with a 1 s silent tail): seconds per check and
  MB/s for each decoder, and the numpy/stdlib speed-up;
- a batch of 200 short files (1 s, 48 kHz, 16-bit mono): files per second for each decoder
  (here the per-file cost of opening and parsing dominates, not decoding).
"""

from __future__ import annotations

import math
import statistics
import tempfile
import time
from array import array
from pathlib import Path

from wwiseflowd_audiocheck.check import AudioCheckInput, check_file

from wwiseflowd.wav import write_wav


def write_tone(
    path: Path, seconds: float, rate: int, width: int, channels: int, silent_tail_s: float = 0.0
) -> Path:
    """A -6 dBFS 440 Hz tone, then ``silent_tail_s`` of silence, ``seconds`` in all."""
    full = 2 ** (8 * width - 1) - 1
    frames = int(seconds * rate)
    sound = frames - int(silent_tail_s * rate)
    one_cycle = [round(0.5 * full * math.sin(2 * math.pi * 440 * i / rate)) for i in range(rate)]
    encoded = []  # encoded here, a second at a time (the writer's float path is too slow for 60 s)
    for start in range(0, frames, rate):
        block = [one_cycle[i] if start + i < sound else 0
                 for i in range(min(rate, frames - start)) for _ in range(channels)]
        if width == 3:
            encoded.append(b"".join(v.to_bytes(3, "little", signed=True) for v in block))
        else:
            encoded.append(array("h", block).tobytes())
    return write_wav(path, sample_rate=rate, channels=channels, bits=8 * width, data=b"".join(encoded))


def timed(paths: list[Path], spec: AudioCheckInput, use_numpy: bool, repeats: int) -> float:
    """Median seconds to check every path once."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        for path in paths:
            report = check_file(str(path), spec, use_numpy=use_numpy)
            assert report["info"] is not None
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    spec = AudioCheckInput(filePath="x")
    with tempfile.TemporaryDirectory() as tmp:
        long_file = write_tone(Path(tmp) / "long.wav", 60, 48000, 3, 2, silent_tail_s=1.0)
        megabytes = long_file.stat().st_size / 1e6
        fast = timed([long_file], spec, True, 3)
        slow = timed([long_file], spec, False, 3)
        print(f"long file ({megabytes:.1f} MB, 60 s 48 kHz 24-bit stereo):")
        print(f"  numpy  {fast:7.3f} s  {megabytes / fast:7.1f} MB/s")
        print(f"  stdlib {slow:7.3f} s  {megabytes / slow:7.1f} MB/s")
        print(f"  numpy speed-up: {slow / fast:.1f}x")

        short_dir = Path(tmp) / "short"
        short_dir.mkdir()
        first = write_tone(short_dir / "s000.wav", 1, 48000, 2, 1)
        batch = [first]
        for i in range(1, 200):
            copy = short_dir / f"s{i:03d}.wav"
            copy.write_bytes(first.read_bytes())
            batch.append(copy)
        fast = timed(batch, spec, True, 3)
        slow = timed(batch, spec, False, 3)
        print("batch of 200 files (1 s 48 kHz 16-bit mono):")
        print(f"  numpy  {len(batch) / fast:7.0f} files/s")
        print(f"  stdlib {len(batch) / slow:7.0f} files/s")
        print(f"  numpy speed-up: {slow / fast:.1f}x")


if __name__ == "__main__":
    main()
