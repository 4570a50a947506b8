"""Audit benchmarks: what the full-fidelity, hash-chained audit log costs.

Run with ``.venv/bin/python -m bench audit``. Figures printed:

- the write cost of one audit line (``AuditLog.append``) for a small command (``create_sound``-sized
  payload and result) and for a 100-file ``audio_import`` whose payload and result go to blobs (µs);
- the share of a real run spent writing the audit: the four-node workflow (create, import, route,
  save) against the WAAPI emulator over a real socket, 50 runs, audit time / run time (%);
- disk per 1,000 imported files: one batch ``audio_import`` of 1,000 WAVs (day file + blobs), plus
  the index rows it adds to the state store once queried.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from loguru import logger

from wwiseflowd.audit import AuditFilter, AuditTrail
from wwiseflowd.audit.log import AuditLog
from wwiseflowd.config import DEFAULT_BUS, DEFAULT_TARGET, settings_for_tests
from wwiseflowd.default_plugins.wwise.wav import write_wav
from wwiseflowd.engine import Engine
from wwiseflowd.plugins import Plugins
from wwiseflowd.results import Result
from wwiseflowd.sim import Emulator

FOUR_NODE = json.loads((Path(__file__).resolve().parents[1] / "config/workflows/four-node.json").read_text())
GUID = "{01234567-89ab-cdef-0123-456789abcdef}"


def _per_call_us(call: Callable[[int], None], n: int) -> tuple[float, float]:
    times = []
    for i in range(n):
        started = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - started) * 1e6)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99)]


def append_cost(tmp: Path) -> None:
    """µs per line: small command and a 100-file import (blobs)."""
    log = AuditLog(tmp / "append" / "audit")
    small_payload = {"name": "Footstep_01", "parentPath": DEFAULT_TARGET, "onNameConflict": "merge",
                     "notes": None}
    small = Result.success({"objectId": GUID, "name": "Footstep_01", "path": DEFAULT_TARGET + "\\Footstep_01",
                            "type": "Sound"})

    def one_small(i: int) -> None:
        log.append(command="create_sound", payload=small_payload, result=small, duration_ms=1.0,
                   execution_id="exec_bench", node_id="create", source="cli")

    files = [{"path": f"/drop/SFX/Footstep_{i:04d}.wav", "relativeDir": "SFX", "sha256": "ab" * 32}
             for i in range(100)]
    sounds = [{"id": GUID, "name": f"Footstep_{i:04d}", "path": f"{DEFAULT_TARGET}\\SFX\\Footstep_{i:04d}",
               "type": "Sound"} for i in range(100)]

    def one_batch(i: int) -> None:
        payload = {"files": files, "targetPath": DEFAULT_TARGET + "\\SFX", "run": i}  # new blob each time
        result = Result.success({"objects": sounds, "run": i})
        log.append(command="audio_import", payload=payload, result=result,
                   duration_ms=1.0, execution_id="exec_bench", node_id="import", source="daemon")

    for label, call, n in (("small command (create_sound)", one_small, 5000),
                           ("100-file audio_import (2 blobs)", one_batch, 500)):
        p50, p99 = _per_call_us(call, n)
        print(f"audit append, {label}: p50 {p50:.1f} µs, p99 {p99:.1f} µs ({n} lines)")
    log.close()


def share_of_a_run(tmp: Path, runs: int = 50) -> None:
    """Audit time as a share of the four-node workflow's run time against the emulator."""
    wav = write_wav(tmp / "share" / "Footstep_01.wav", frames=4800)
    spent: list[float] = []
    original = AuditLog.append

    def timed(self: AuditLog, **kwargs: Any) -> None:
        started = time.perf_counter()
        original(self, **kwargs)
        spent.append(time.perf_counter() - started)

    with Emulator(port=0, project_dir=tmp / "share" / "WwiseProject") as sim:
        settings = settings_for_tests(tmp / "share", wwise={"url": sim.url})
        with Engine(settings, Plugins().load(entry_points=False)) as engine:
            engine.execute(FOUR_NODE, {"file": str(wav), "name": "Warmup"})
            AuditLog.append = timed  # type: ignore[method-assign]
            try:
                started = time.perf_counter()
                for i in range(runs):
                    result = engine.execute(FOUR_NODE, {"file": str(wav), "name": f"Sound_{i:03d}"})
                    assert result.ok, result.model_dump()
                total = time.perf_counter() - started
            finally:
                AuditLog.append = original  # type: ignore[method-assign]
    per_command = statistics.median(spent) * 1e6
    print(f"four-node run against the emulator: {total / runs * 1000:.2f} ms per run, "
          f"{len(spent) / runs:.0f} audited commands per run, {per_command:.1f} µs per audit line "
          f"(median), audit share {sum(spent) / total * 100:.2f} % of the run")


def disk_per_thousand(tmp: Path, count: int = 1000) -> None:
    """Bytes of audit (day file + blobs) and index for one batch import of ``count`` files."""
    folder = tmp / "disk" / "drop"
    wavs = [str(write_wav(folder / f"Sfx{i:04d}x.wav", frames=480)) for i in range(count)]
    with Emulator(port=0, project_dir=tmp / "disk" / "WwiseProject") as sim:
        settings = settings_for_tests(tmp / "disk", wwise={"url": sim.url, "call_timeout": 120})
        with Engine(settings, Plugins().load(entry_points=False)) as engine:
            db = Path(settings.store_path)
            result = engine.command("audio_import", {"files": wavs, "targetPath": DEFAULT_TARGET + "\\Bench",
                                                     "outputBus": DEFAULT_BUS})
            assert result.ok, result.error
            trail: AuditTrail = engine.audit_trail
            usage = trail.disk_usage()
            before = _db_bytes(db)
            trail.entries(AuditFilter(limit=1))  # syncs the index
            index = _db_bytes(db) - before
    total = usage["logBytes"] + usage["blobBytes"]
    print(f"disk per {count} imported files (one batch): day file {usage['logBytes'] / 1024:.1f} KiB + blobs "
          f"{usage['blobBytes'] / 1024:.1f} KiB = {total / 1024:.1f} KiB; index rows in the state store "
          f"+{index / 1024:.1f} KiB")


def _db_bytes(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def main() -> None:
    logger.remove()
    with tempfile.TemporaryDirectory() as tmp:
        append_cost(Path(tmp))
        share_of_a_run(Path(tmp))
        disk_per_thousand(Path(tmp))


if __name__ == "__main__":
    main()
