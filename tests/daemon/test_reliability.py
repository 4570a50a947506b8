"""The fault-injection suite at test size: the same functions ``python -m bench reliability`` runs
at full size (figures in docs/reliability.md). Real processes, real SIGKILLs, the emulator over a
socket, real files."""

from __future__ import annotations

import sys

import pytest

from bench.bench_reliability import (
    PHASES,
    Sample,
    crash_burst,
    fuzz_documents,
    kill_phase,
    soak,
    stall,
    trend,
    wwise_flaps,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"),
]


@pytest.mark.timeout(300)
def test_kill_9_at_random_points_of_a_burst_with_identical_groups_loses_and_doubles_nothing() -> None:
    figures = crash_burst(files=100, kills=4, max_delay_s=1.5, seed=3)
    assert figures["finished"] and figures["kills"] >= 2, figures
    assert (figures["lost"], figures["duplicated"], figures["left_behind"]) == (0, 0, 0), figures
    assert figures["sounds"] == 100
    # every kill point says which phase it hit, and the files it interrupted came out right
    assert all(p["phase"] in PHASES for p in figures["killPoints"]), figures["killPoints"]
    assert sum(row["kills"] for row in figures["phases"].values()) == figures["kills"]
    for phase, row in figures["phases"].items():
        assert (row["lost"], row["duplicated"], row["leftBehind"]) == (0, 0, 0), (phase, row)


def test_kill_points_are_classified_by_the_calls_the_killed_process_made() -> None:
    begin, end = {"uri": "ak.wwise.core.undo.beginGroup"}, {"uri": "ak.wwise.core.undo.endGroup"}
    get = {"uri": "ak.wwise.core.object.get"}
    assert kill_phase([]) == "start-up"
    assert kill_phase([get, get]) == "recovery"
    assert kill_phase([get, begin, {"uri": "ak.wwise.core.audio.import"}]) == "batch (undo group open)"
    assert kill_phase([get, begin, end, get]) == "between batches"


@pytest.mark.timeout(300)
def test_wwise_killed_and_restarted_at_random_points_loses_and_doubles_nothing() -> None:
    figures = wwise_flaps(files=60, flaps=2, seed=3)
    assert figures["finished"], figures
    assert (figures["lost"], figures["duplicated"], figures["left_behind"]) == (0, 0, 0), figures


@pytest.mark.timeout(300)
def test_generated_documents_never_break_the_compiler_or_the_rest_contract() -> None:
    figures = fuzz_documents(examples=300, seed=3)
    assert figures["documents"] == 300
    assert figures.get("compileExceptions", 0) == 0 and figures["rest5xx"] == 0, figures
    assert figures["compileDocumented"] == figures["restDocumented"] == 300, figures
    assert figures["rest422WithErrors"] == figures["rest422"], figures


@pytest.mark.timeout(300)
def test_a_short_soak_finishes_everything_without_errors() -> None:
    figures = soak(duration_s=12, clients=4, burst=20, seed=3)
    assert figures["finished"] and figures["deadlock"] is None, figures
    assert (figures["lost"], figures["duplicated"], figures["left_behind"]) == (0, 0, 0), figures
    assert figures["5xx"] == 0 and figures["requests"] > 0, figures
    # the process was sampled from the first burst to after the drain (t, threads, RSS, done, requests)
    timeline = figures["timeline"]
    assert len(timeline) >= 5 and timeline[0][0] == 0 and timeline[-1][0] >= 12, timeline
    assert timeline[-1][3] == figures["files"] and timeline[-1][4] > timeline[0][4], timeline
    assert figures["threads"]["max"] >= figures["threads"]["start"] > 4 and figures["rssMiB"]["start"] > 20


def _series(threads: list[int], done: list[int] | None = None, every_s: float = 10) -> list[Sample]:
    done = done or list(range(0, 10 * len(threads), 10))
    pairs = zip(threads, done, strict=True)
    return [Sample(i * every_s, n, 100_000, d, 50 * i) for i, (n, d) in enumerate(pairs)]


def test_a_pool_that_warms_up_then_stays_is_not_growth_but_a_leak_is() -> None:
    warm_pool = [35, 48, 55, 56, 55, 57, 56, 58, 56, 55, 57, 56, 56]  # fills in the first 20 s, then flat
    figures = trend([(s.t, s.threads) for s in _series(warm_pool)], warmup_s=20, slack=4, share=0.1)
    assert (figures["start"], figures["plateau"], figures["max"], figures["growing"]) == (35, 56, 58, False)
    one_per_restart = [35 + i for i in range(0, 60, 5)]  # +1 thread per daemon restart, for ever
    figures = trend([(s.t, s.threads) for s in _series(one_per_restart)], warmup_s=20, slack=4, share=0.1)
    assert figures["growing"] and figures["late"] > figures["plateau"], figures


def test_nothing_finishing_while_files_wait_or_no_rest_answer_is_a_deadlock() -> None:
    moving = _series([40] * 10)
    assert stall(moving, waiting=500, stall_s=60) is None
    stuck = _series([40] * 10, done=[0, 10, 20, 30, 30, 30, 30, 30, 30, 30])
    assert stall(stuck, waiting=500, stall_s=60) == "no file finished for 60 s while 500 were waiting"
    assert stall(stuck, waiting=0, stall_s=60) is None  # all done: nothing to move
    silent = [Sample(s.t, s.threads, s.rss_kb, s.done, min(s.requests, 100)) for s in moving]
    assert stall(silent, waiting=500, stall_s=60) == "no REST answer for 70 s"
