"""Sizing ``audio.import`` calls by time (no Wwise: the sizer is told how long each call took)."""

from __future__ import annotations

from wwiseflowd.default_plugins.wwise.sizing import MAX_GROWTH, MAX_SIZE, ImportSizer


def test_a_call_well_within_the_budget_makes_the_next_one_at_most_ten_times_larger() -> None:
    sizer = ImportSizer(100, budget_s=2.0)
    sizer.took(100, 0.01)  # 0.1 ms per file: 10,000 files would fill half the budget
    assert sizer.size == 1_000 == 100 * MAX_GROWTH
    sizer.took(1_000, 0.4)
    assert sizer.size == 2_500  # what fits in half the budget, below 10 x 1,000


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


def test_a_call_cut_short_by_its_bytes_grows_from_what_it_carried() -> None:
    sizer = ImportSizer(100, budget_s=2.0)
    sizer.took(100, 0.1, 100 * 1_000)  # short sounds: 1 ms per file, 1 us per kB
    assert sizer.next_count([1_000_000] * 500) == 1  # a 1 MB file fills half the budget alone
    sizer.took(1, 0.02, 1_000_000)  # it went faster than its bytes said
    assert sizer.size == MAX_GROWTH  # from the one file sent, not from the 1,000 planned


def test_without_a_budget_the_size_never_changes() -> None:
    sizer = ImportSizer(100)
    sizer.took(100, 0.001)
    sizer.took(100, 100.0)
    assert sizer.size == 100


def test_the_size_stays_within_what_one_call_may_carry() -> None:
    sizer = ImportSizer(5_000, budget_s=10.0)
    sizer.took(5_000, 0.01)
    assert sizer.size == MAX_SIZE


def test_files_like_the_ones_measured_go_as_many_as_the_file_count_allows() -> None:
    sizer = ImportSizer(100, budget_s=2.0)
    assert sizer.next_count([9_600] * 100) == 100  # the first call: import_chunk_size files
    sizer.took(100, 0.06, 100 * 9_600)  # a burst's first call on the emulator at 50 ms per call
    assert sizer.next_count([9_600] * 900) == 900  # the rest in one call


def test_longer_files_than_the_ones_measured_make_the_next_call_shorter() -> None:
    sizer = ImportSizer(100, budget_s=2.0)
    sizer.took(100, 0.1, 100 * 10_000)  # short sounds: 1 ms per file, 0.1 us per byte
    assert sizer.size == 1_000  # by file count alone
    # files just under 1 MB: half the budget holds 10 MB at the speed measured
    assert sizer.next_count([999_999] * 1_000) == 10
    assert sizer.next_count([10_000] * 5 + [999_999] * 100) == 14  # 5 short ones, then 9 long ones
    assert sizer.next_count([50_000_000, 10_000]) == 1  # one file longer than the budget: alone


def test_without_a_budget_or_a_measure_the_bytes_do_not_count() -> None:
    pinned = ImportSizer(100)
    pinned.took(100, 10.0, 100)
    assert pinned.next_count([10**9] * 300) == 100
    first = ImportSizer(100, budget_s=2.0)
    assert first.next_count([10**9] * 300) == 100  # nothing measured yet
    assert first.next_count([10**9] * 3) == 3  # what is left
