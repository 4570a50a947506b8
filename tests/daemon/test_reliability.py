"""The fault-injection suite at test size: the same functions ``python -m bench reliability`` runs
at full size (figures in docs/reliability.md). Real processes, real SIGKILLs, the emulator over a
socket, real files."""

from __future__ import annotations

import sys

import pytest

from bench.bench_reliability import PHASES, crash_burst, fuzz_documents, kill_phase, soak, wwise_flaps

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
    assert figures["finished"], figures
    assert (figures["lost"], figures["duplicated"], figures["left_behind"]) == (0, 0, 0), figures
    assert figures["5xx"] == 0 and figures["requests"] > 0, figures
