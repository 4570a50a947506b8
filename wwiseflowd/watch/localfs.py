"""Whether a folder lies on a local file system whose change times the kernel keeps itself.

There a file's ``st_ctime`` is the last time anything changed it (data or metadata), set by the
kernel from the clock this process reads: no program can set it back, unlike ``st_mtime`` (which
copy tools set to the source's). On a network share the times come from the server's clock and
the attributes from a cache; on Windows ``st_ctime`` is the creation time. Only the first kind is
trusted (by :class:`~wwiseflowd.watch.stability.StabilityTracker`'s ``found_on`` touches): on
Linux, a device whose file system type, as ``/proc/self/mountinfo`` lists it, is one of
:data:`LOCAL_TYPES`. The device is matched by number (``st_dev``), not by path, so a mount over
the folder, a symlinked folder and a bind mount all count as what they really are.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: Linux file systems that live on this machine and keep POSIX change times (no FAT/exFAT/NTFS:
#: their times are not POSIX ctimes; no network or FUSE file systems)
LOCAL_TYPES = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "zfs", "bcachefs", "jfs",
                         "reiserfs", "tmpfs", "ramfs", "overlay"})


def trusted_device(folder: Path, mountinfo: str | None = None) -> int | None:
    """``folder``'s device (``st_dev``) when its file system is local and keeps change times, else
    None (anywhere but Linux, and whenever it cannot be told). ``mountinfo``: the text of
    ``/proc/self/mountinfo`` (read when None)."""
    try:
        device = os.stat(folder).st_dev
        if mountinfo is None:
            if not sys.platform.startswith("linux"):
                return None
            mountinfo = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
        kind = device_type(os.major(device), os.minor(device), mountinfo)
    except (OSError, ValueError, AttributeError):  # no such folder, no /proc, no os.major
        return None
    return device if kind in LOCAL_TYPES else None


def device_type(major: int, minor: int, mountinfo: str) -> str | None:
    """The file system type of device ``major:minor`` by ``mountinfo`` (None: not listed)."""
    wanted = f"{major}:{minor}"
    for line in mountinfo.splitlines():
        fields = line.split(" ")
        if len(fields) > 2 and fields[2] == wanted and "-" in fields[6:]:
            after = fields.index("-", 6) + 1
            if after < len(fields):
                return fields[after]
    return None
