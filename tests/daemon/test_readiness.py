"""The stage that decides a dropped file is complete: filters, the WAV probe, the stability tracker."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from tests.daemon.wavs import wav_bytes, write_wav
from wwiseflowd.watch import localfs
from wwiseflowd.watch.batcher import Batcher
from wwiseflowd.watch.filters import DropFilter
from wwiseflowd.watch.localfs import device_type, trusted_device
from wwiseflowd.watch.stability import RECHECK_S, StabilityTracker, _quiet_for, probe_each
from wwiseflowd.watch.wavecheck import WaveProbe, WaveVerdict, probe_wave


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.parametrize(
    "rel",
    [
        ".hidden.wav",
        "~lock.wav",
        "take.wav.part",
        "take.tmp",
        "._take.wav",
        "Thumbs.db",
        "processed/a.wav",
        "failed/b.wav",
        ".git/c.wav",
        "__MACOSX/d.wav",
        "notes.txt",
    ],
)
def test_filter_ignores_hidden_temporary_junk_and_daemon_folders(tmp_path: Path, rel: str) -> None:
    f = DropFilter(tmp_path, excluded=[Path("processed"), Path("failed")])
    assert not f.accepts(tmp_path / rel)


def test_filter_accepts_wavs_in_subfolders_only_when_recursive(tmp_path: Path) -> None:
    assert DropFilter(tmp_path).accepts(tmp_path / "Foley" / "Step_01.WAV")
    assert not DropFilter(tmp_path, recursive=False).accepts(tmp_path / "Foley" / "Step_01.wav")
    assert not DropFilter(tmp_path).accepts(Path("/elsewhere/x.wav"))


def test_filter_scan_lists_existing_candidates_and_skips_excluded_dirs(tmp_path: Path) -> None:
    for rel in ["a.wav", "sub/b.wav", "processed/c.wav", "sub/.d.wav", "sub/e.txt"]:
        write_wav(tmp_path / rel)
    f = DropFilter(tmp_path, excluded=[Path("processed")])
    assert sorted(p.relative_to(tmp_path).as_posix() for p in f.scan()) == ["a.wav", "sub/b.wav"]


def test_probe_says_complete_for_a_whole_wav(tmp_path: Path) -> None:
    assert probe_wave(write_wav(tmp_path / "a.wav")).verdict is WaveVerdict.COMPLETE


def test_probe_says_incomplete_while_the_data_chunk_is_short(tmp_path: Path) -> None:
    data = wav_bytes(4000)
    path = tmp_path / "a.wav"
    for cut in (0, 10, 30, 44, 100, len(data) - 1):
        path.write_bytes(data[:cut])
        assert probe_wave(path).verdict is WaveVerdict.INCOMPLETE, cut


def test_probe_says_incomplete_for_a_placeholder_data_size(tmp_path: Path) -> None:
    data = bytearray(wav_bytes(100))
    data[40:44] = b"\0\0\0\0"  # streaming writers patch the size in at the end
    path = tmp_path / "a.wav"
    path.write_bytes(bytes(data))
    assert probe_wave(path).verdict is WaveVerdict.INCOMPLETE


def test_probe_says_invalid_for_a_non_wav_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "broken.wav"
    path.write_bytes(b"ID3\x03" + b"\0" * 200)
    probe = probe_wave(path)
    assert probe.verdict is WaveVerdict.INVALID
    assert "broken.wav" in probe.reason and "not a WAV" in probe.reason


def test_tracker_releases_a_file_only_after_settle_time_without_change(tmp_path: Path) -> None:
    clock = FakeClock()
    tracker = StabilityTracker(1.5, clock=clock)
    path = write_wav(tmp_path / "a.wav")
    tracker.touch(path)
    clock.advance(1.0)
    assert tracker.poll() == ([], [])
    clock.advance(0.6)
    ready, _ = tracker.poll()
    assert [r.path for r in ready] == [path] and ready[0].valid
    assert len(tracker) == 0


def test_tracker_restarts_the_quiet_time_when_size_changes(tmp_path: Path) -> None:
    clock = FakeClock()
    tracker = StabilityTracker(1.0, clock=clock)
    path = tmp_path / "a.wav"
    data = wav_bytes(2000)
    path.write_bytes(data[:500])
    tracker.touch(path)
    clock.advance(1.1)
    path.write_bytes(data)  # grew without an event reaching us
    assert tracker.poll() == ([], [])
    clock.advance(1.1)
    ready, _ = tracker.poll()
    assert [r.size for r in ready] == [len(data)]


def test_tracker_keeps_waiting_for_a_stalled_writer_then_gives_up_as_invalid(tmp_path: Path) -> None:
    clock = FakeClock()
    tracker = StabilityTracker(1.0, incomplete_timeout_s=10, clock=clock)
    path = tmp_path / "a.wav"
    path.write_bytes(wav_bytes(2000)[:1000])
    tracker.touch(path)
    for _ in range(9):
        clock.advance(1.0)
        assert tracker.poll() == ([], [])
    clock.advance(2.0)
    ready, _ = tracker.poll()
    assert ready and ready[0].verdict is WaveVerdict.INVALID and "truncated" in ready[0].reason
    # the sentence goes into failed/a.wav.error.json: the file's name, no old path, no advice to wait
    assert str(path) not in ready[0].reason and ready[0].reason.startswith("a.wav is incomplete")
    assert "wait for the copy" not in ready[0].reason and "export or copy it again" in ready[0].reason


def test_a_limited_poll_probes_at_most_that_many_and_keeps_the_rest_due(tmp_path: Path) -> None:
    clock = FakeClock()
    probed: list[list[Path]] = []

    def probe(paths: Sequence[Path]) -> list[WaveProbe]:
        probed.append(list(paths))
        return probe_each(paths)

    tracker = StabilityTracker(1.0, clock=clock, probe=probe)
    paths = [write_wav(tmp_path / f"a{i}.wav", seed=i) for i in range(5)]
    for path in paths:
        tracker.touch(path)
    clock.advance(1.1)
    first, _ = tracker.poll(limit=2)
    second, _ = tracker.poll(limit=2)
    third, _ = tracker.poll(limit=2)
    assert [len(r) for r in (first, second, third)] == [2, 2, 1]
    assert sorted(r.path for r in first + second + third) == sorted(paths) and len(tracker) == 0
    assert [len(batch) for batch in probed] == [2, 2, 1]  # one call of the probe per poll, for them all


def test_tracker_reports_vanished_files(tmp_path: Path) -> None:
    clock = FakeClock()
    tracker = StabilityTracker(1.0, clock=clock)
    path = write_wav(tmp_path / "a.wav")
    tracker.touch(path)
    path.unlink()
    clock.advance(2)
    assert tracker.poll() == ([], [path])


def test_batcher_groups_a_burst_and_closes_after_the_quiet_window() -> None:
    clock = FakeClock()
    batcher: Batcher[int] = Batcher(1.0, clock=clock)
    for i in range(300):
        batcher.add("sfx", i)
        clock.advance(0.001)
    assert batcher.due() == []
    clock.advance(1.0)
    assert [(k, len(v)) for k, v in batcher.due()] == [("sfx", 300)]


def test_batcher_holds_a_quiet_batch_while_asked_but_not_past_max_wait() -> None:
    clock = FakeClock()
    batcher: Batcher[int] = Batcher(1.0, max_wait_s=5.0, clock=clock)
    batcher.add("sfx", 1)
    clock.advance(2.0)
    assert batcher.due(hold=lambda key: True) == []
    clock.advance(3.0)
    assert batcher.due(hold=lambda key: True) == [("sfx", [1])]


def test_batcher_splits_at_max_files() -> None:
    batcher: Batcher[int] = Batcher(10.0, max_files=100)
    for i in range(250):
        batcher.add("sfx", i)
    assert [len(v) for _, v in batcher.due(flush=True)] == [100, 100, 50]


def test_full_batches_go_at_once_and_the_rest_waits_for_the_files_still_coming() -> None:
    clock = FakeClock()
    batcher: Batcher[int] = Batcher(1.0, max_files=100, max_wait_s=30.0, clock=clock)
    still_settling = {"release": lambda key: False, "hold": lambda key: True}
    for i in range(250):
        batcher.add("sfx", i)
    assert [len(v) for _, v in batcher.due(**still_settling)] == [100, 100]
    for i in range(250, 400):  # the next files of the same drop join the 50 left over
        batcher.add("sfx", i)
    assert [v for _, v in batcher.due(**still_settling)] == [list(range(200, 300)), list(range(300, 400))]
    assert batcher.pending("sfx") == 0
    for i in range(30):
        batcher.add("sfx", i)
    assert batcher.due(**still_settling) == []
    clock.advance(29.0)
    batcher.add("sfx", 30)  # a late file does not make the batch wait longer than max_wait_s
    clock.advance(1.5)
    assert [len(v) for _, v in batcher.due(**still_settling)] == [31]


def test_a_remainder_keeps_the_opening_time_of_its_batch() -> None:
    clock = FakeClock()
    batcher: Batcher[int] = Batcher(1.0, max_files=100, max_wait_s=30.0, clock=clock)
    for i in range(150):
        batcher.add("sfx", i)
    clock.advance(20.0)
    assert [len(v) for _, v in batcher.due(release=lambda key: False, hold=lambda key: True)] == [100]
    clock.advance(11.0)  # 31 s after the batch opened, though the remainder was left 11 s ago
    assert [len(v) for _, v in batcher.due(release=lambda key: False, hold=lambda key: True)] == [50]


def test_batcher_releases_a_batch_at_once_when_nothing_else_is_settling() -> None:
    clock = FakeClock()
    batcher: Batcher[int] = Batcher(1.0, clock=clock)
    batcher.add("sfx", 1)
    assert batcher.due(release=lambda key: False) == []
    assert batcher.due(release=lambda key: True) == [("sfx", [1])]


def _an_hour_later() -> float:
    """A wall clock an hour ahead: every file written now looks an hour old (its ctime cannot be
    set back, so the clock goes forward instead)."""
    return time.time() + 3600


def test_a_file_a_scan_finds_unchanged_for_the_settle_time_is_due_after_a_second_look(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    tracker = StabilityTracker(1.5, clock=clock, wall=_an_hour_later)
    old = write_wav(tmp_path / "old.wav", seed=1)
    tracker.touch(old, found_on=tmp_path.stat().st_dev)
    assert not tracker.recently_active(1.5 + 0.5)  # an old file is no burst a batch waits for
    assert tracker.poll() == ([], [])
    clock.advance(RECHECK_S)
    ready, _ = tracker.poll()
    assert [r.path for r in ready] == [old] and ready[0].valid


def test_an_mtime_set_back_by_a_copy_tool_does_not_make_a_file_look_old(tmp_path: Path) -> None:
    """The change time tells: the kernel set it when the copy wrote the file, just now."""
    clock = FakeClock()
    tracker = StabilityTracker(1.5, clock=clock)  # the real wall clock
    path = write_wav(tmp_path / "copied.wav")
    long_ago = time.time() - 3600
    os.utime(path, (long_ago, long_ago))
    tracker.touch(path, found_on=tmp_path.stat().st_dev)
    clock.advance(RECHECK_S)
    assert tracker.poll() == ([], [])
    clock.advance(1.5)
    assert [r.path for r in tracker.poll()[0]] == [path]


def test_a_found_file_is_not_trusted_off_its_device_after_a_clock_step_or_without_a_scan(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    step = [0.0]
    path = write_wav(tmp_path / "a.wav")
    device = tmp_path.stat().st_dev
    now_tracker = StabilityTracker(1.5, clock=clock)  # the real clock: the file was written just now
    skewed = StabilityTracker(1.5, clock=clock, wall=lambda: time.time() - 3600)  # its ctime "ahead"
    evented = StabilityTracker(1.5, clock=clock, wall=_an_hour_later)
    elsewhere = StabilityTracker(1.5, clock=clock, wall=_an_hour_later)
    stepped = StabilityTracker(1.5, clock=clock, wall=lambda: time.time() + step[0])
    step[0] = 3600.0  # the wall clock jumps an hour after the tracker was made
    now_tracker.touch(path, found_on=device)
    skewed.touch(path, found_on=device)
    evented.touch(path)  # named by an event, not found by a scan
    elsewhere.touch(path, found_on=device + 1)  # on another device than the trusted folder's
    stepped.touch(path, found_on=device)
    trackers = (now_tracker, skewed, evented, elsewhere, stepped)
    clock.advance(RECHECK_S)
    assert [t.poll() for t in trackers] == [([], [])] * 5
    clock.advance(1.5)
    assert [[r.path for r in t.poll()[0]] for t in trackers] == [[path]] * 5


def test_a_change_time_in_whole_seconds_counts_a_second_less() -> None:
    """ext3, or ext4 with small inodes, keep whole seconds: a file changed at 10.9 s reads 10.0."""
    whole = cast(os.stat_result, SimpleNamespace(st_mtime_ns=10_000_000_000, st_ctime_ns=10_000_000_000))
    fine = cast(os.stat_result, SimpleNamespace(st_mtime_ns=10_000_000_000, st_ctime_ns=10_000_000_001))
    assert _quiet_for(whole, 12.0) == pytest.approx(0.95)
    assert _quiet_for(fine, 12.0) == pytest.approx(1.95)


def test_an_old_file_rewritten_at_the_second_look_waits_the_whole_settle_time(tmp_path: Path) -> None:
    """Same size, same mtime (set back, as a copy tool does), a complete WAV header all along:
    only the change time tells the data changed, and it does."""
    clock = FakeClock()
    tracker = StabilityTracker(1.5, clock=clock, wall=_an_hour_later)
    path = write_wav(tmp_path / "copying.wav", seed=1)
    held = path.stat()
    tracker.touch(path, found_on=held.st_dev)
    time.sleep(0.01)  # a change time the file system can tell apart
    write_wav(path, seed=2)  # the rest of the data arrives
    os.utime(path, ns=(held.st_atime_ns, held.st_mtime_ns))
    assert path.stat().st_size == held.st_size and path.stat().st_mtime_ns == held.st_mtime_ns
    clock.advance(RECHECK_S)
    assert tracker.poll() == ([], [])  # changed: the quiet time starts again
    clock.advance(1.0)
    assert tracker.poll() == ([], [])
    clock.advance(0.6)
    ready, _ = tracker.poll()
    assert [r.path for r in ready] == [path] and ready[0].valid


def test_an_event_for_an_old_file_restarts_the_whole_quiet_time(tmp_path: Path) -> None:
    clock = FakeClock()
    tracker = StabilityTracker(1.5, clock=clock, wall=_an_hour_later)
    path = write_wav(tmp_path / "a.wav")
    tracker.touch(path, found_on=tmp_path.stat().st_dev)
    tracker.touch(path)  # the watcher names it: something is writing it now
    clock.advance(RECHECK_S)
    assert tracker.poll() == ([], [])
    clock.advance(1.5)
    assert [r.path for r in tracker.poll()[0]] == [path]


MOUNTINFO = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
40 27 0:50 / /mnt/studio\\040share rw,relatime shared:5 - cifs //nas/audio rw,vers=3.1.1
41 27 0:51 / /mnt/fuse rw - fuse.sshfs me@host:/x rw
43 27 8:33 / /media/card rw - vfat /dev/sdc1 rw
44 27 254:0 /home /srv/bind rw - ext4 /dev/vda rw
45 27 9:9 / /broken rw -
"""


def test_only_devices_of_local_file_systems_that_keep_change_times_are_trusted(tmp_path: Path) -> None:
    assert device_type(254, 0, MOUNTINFO) == "ext4"  # also bind-mounted elsewhere: the same device
    assert device_type(0, 50, MOUNTINFO) == "cifs" and device_type(0, 51, MOUNTINFO) == "fuse.sshfs"
    assert device_type(8, 33, MOUNTINFO) == "vfat"
    assert device_type(9, 9, MOUNTINFO) is None and device_type(1, 2, MOUNTINFO) is None
    device = tmp_path.stat().st_dev
    line = f"50 27 {os.major(device)}:{os.minor(device)} / /x rw - {{}} src rw\n"
    assert trusted_device(tmp_path, line.format("xfs")) == device
    assert trusted_device(tmp_path, line.format("nfs4")) is None
    assert trusted_device(tmp_path / "gone", line.format("xfs")) is None


def test_no_change_time_is_trusted_anywhere_but_linux(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(localfs.sys, "platform", "darwin")
    assert trusted_device(tmp_path) is None
    monkeypatch.setattr(localfs.sys, "platform", "win32")
    assert trusted_device(tmp_path) is None
