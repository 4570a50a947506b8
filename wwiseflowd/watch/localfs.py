"""Whether a folder lies on a local file system whose change times the kernel keeps itself.

There a file's ``st_ctime`` is the last time anything changed it (data or metadata), set by the
kernel from the clock this process reads: no program can set it back, unlike ``st_mtime`` (which
copy tools set to the source's). On a network share the times come from the server's clock and
the attributes from a cache; on Windows ``st_ctime`` is the creation time. Only the first kind is
trusted (by :class:`~wwiseflowd.watch.stability.StabilityTracker`'s ``found`` touches): Linux, on
a file system of :data:`LOCAL_TYPES`, as ``/proc/self/mountinfo`` tells.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

#: Linux file systems that live on this machine and keep POSIX change times (no FAT/exFAT/NTFS:
#: their times are not POSIX ctimes; no network or FUSE file systems)
LOCAL_TYPES = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "zfs", "bcachefs", "jfs",
                         "reiserfs", "tmpfs", "ramfs", "overlay"})
_ESCAPE = re.compile(r"\\([0-7]{3})")


def kernel_keeps_change_times(folder: Path, mountinfo: str | None = None) -> bool:
    """True when ``folder`` is on a local file system of :data:`LOCAL_TYPES` (Linux only; False
    anywhere else, and whenever it cannot be told). ``mountinfo``: the text of
    ``/proc/self/mountinfo`` (read when None)."""
    if mountinfo is None:
        if not sys.platform.startswith("linux"):
            return False
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
    return mount_type(os.path.realpath(folder), mountinfo) in LOCAL_TYPES


def mount_type(path: str, mountinfo: str) -> str | None:
    """The file system type of the mount ``path`` (absolute, resolved) lies on, by ``mountinfo``."""
    best, kind = "", None
    for line in mountinfo.splitlines():
        fields = line.split(" ")
        if "-" not in fields[6:] or len(fields) < 5:
            continue
        point = _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), fields[4])
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):  # the deepest mount wins; a later one covers an earlier
            best, kind = point, fields[fields.index("-", 6) + 1]
    return kind
