"""Sizing ``audio.import`` calls by time (no Wwise: the sizer is told how long each call took)."""

from __future__ import annotations

from wwiseflowd.default_plugins.wwise.sizing import MAX_SIZE, ImportSizer


def test_a_call_well_within_the_budget_makes_the_next_one_at_most_four_times_larger() -> None:
    sizer = ImportSizer(100, budget_s=2.0)
    sizer.took(100, 0.1)  # 1 ms per file: 1,000 files would fill half the budget
    assert sizer.size == 400
    sizer.took(400, 0.4)
    assert sizer.size == 1_000  # what fits in half the budget, below 4 x 400


def test_a_call_over_the_budget_makes_the_next_one_fit_half_of_it_at_once() -> None:
    sizer = ImportSizer(100, budget_s=2.0)
    sizer.took(100, 5.0)  # 50 ms per file
    assert sizer.size == 20
    sizer.took(20, 30.0)  # slower than the budget allows even for one file: one file per call
    assert sizer.size == 1


def test_a_call_that_took_most_of_the_budget_makes_the_next_one_smaller() -> None:
    sizer = ImportSizer(100, budget_s=2.0)
    sizer.took(100, 1.6)
    assert sizer.size == 62


def test_a_short_last_chunk_does_not_hold_the_size_back() -> None:
    sizer = ImportSizer(400, budget_s=2.0)
    sizer.took(10, 0.001)
    assert sizer.size == 1_600


def test_without_a_budget_the_size_never_changes() -> None:
    sizer = ImportSizer(100)
    sizer.took(100, 0.001)
    sizer.took(100, 100.0)
    assert sizer.size == 100


def test_the_size_stays_within_what_one_call_may_carry() -> None:
    sizer = ImportSizer(5_000, budget_s=10.0)
    sizer.took(5_000, 0.01)
    assert sizer.size == MAX_SIZE
