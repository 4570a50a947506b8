"""The files of an audio import: reading and checking the WAV, copying it into Originals (undoably).

A dry run (a read-only project) copies nothing: it notes where each file would go.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import shutil
import uuid
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any, BinaryIO, Final

from wwiseflowd.sim.classes import FORBIDDEN_NAME_CHARS

if TYPE_CHECKING:
    from wwiseflowd.sim.model import Project

_BASE64: Final = re.compile(r"^([^|]+\.wav)\|(.*)$", re.IGNORECASE | re.DOTALL)
#: bytes per ``copy_file_range`` call (it may copy fewer; the loop ends when it copies none)
_COPY_STEP: Final = 1 << 30


class ItemError(Exception):
    """One import item failed; becomes a log entry with severity Error."""


class Audio:
    """The audio of one import item: a file on disk or decoded base64 bytes."""

    def __init__(self, name: str, path: Path | None = None, data: bytes | None = None) -> None:
        self.name = name
        self.path = path
        self.data = data

    @property
    def stem(self) -> str:
        """The object name the file gives its AudioFileSource (``a.b.wav`` -> ``a_b``)."""
        return name_from_file(PurePosixPath(self.name).stem)

    def write_to(self, dest: Path) -> None:
        """Write the audio to ``dest`` (folders made as needed)."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        if self.data is not None:
            dest.write_bytes(self.data)
        else:
            assert self.path is not None
            shutil.copyfile(self.path, dest)

    def write_new(self, dest: Path) -> bool:
        """Write the audio to ``dest`` unless a file is there already (False then; nothing written).

        The common case of an import, a new file in Originals, in as few system calls as it takes:
        the exclusive create tells whether something is there, folders are made only when missing.
        """
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(dest, flags, 0o666)
        except FileExistsError:
            return False
        except FileNotFoundError:  # the first file of its folder
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(dest, flags, 0o666)
        with open(fd, "wb") as out:
            if self.data is not None:
                out.write(self.data)
            else:
                assert self.path is not None
                with self.path.open("rb") as src:
                    _copy_file(src, out)
        return True


def _copy_file(src: BinaryIO, out: BinaryIO) -> None:
    """Copy ``src`` into ``out``: in the kernel where it can (``copy_file_range``; a reflink on
    filesystems with copy-on-write), else through a buffer."""
    copy_range = getattr(os, "copy_file_range", None)
    if copy_range is not None:
        try:
            while copy_range(src.fileno(), out.fileno(), _COPY_STEP):
                pass
            return
        except OSError:  # not across these filesystems, or not on this kernel: copy it ourselves
            pass
    shutil.copyfileobj(src, out, 1 << 20)


def name_from_file(stem: str) -> str:
    """A file name made a valid object name: characters names refuse become ``_`` (as Wwise does)."""
    cleaned = "".join("_" if ch in FORBIDDEN_NAME_CHARS else ch for ch in stem).strip()
    return cleaned or "_"


def is_wav(head: bytes) -> bool:
    """True for a RIFF/RF64 WAVE header (the first 12 bytes)."""
    return len(head) >= 12 and head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE"


def read_audio(item: dict[str, Any]) -> Audio | None:
    """The item's audio (``audioFileBase64`` or ``audioFile``), checked to be a WAV; None without one."""
    if "audioFileBase64" in item:
        match = _BASE64.match(item["audioFileBase64"])
        if match is None:
            raise ItemError("audioFileBase64 must look like '<name>.wav|<base64 data>'.")
        try:
            data = base64.b64decode(match.group(2), validate=True)
        except (binascii.Error, ValueError):
            raise ItemError(f"audioFileBase64 for {match.group(1)} is not valid base64.") from None
        if not is_wav(data[:12]):
            raise ItemError(f"Not a valid WAV file: {match.group(1)} (audioFileBase64).")
        return Audio(PureWindowsPath(match.group(1)).name, data=data)
    if "audioFile" in item:
        path = Path(item["audioFile"])
        try:
            with path.open("rb") as fh:
                head = fh.read(12)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ItemError(
                f"File not found: {path}. Check the path and that the emulator can read it."
            ) from None
        except OSError as exc:
            raise ItemError(f"Can't open source file {path}: {exc.strerror}.") from None
        if not is_wav(head):
            raise ItemError(f"Not a valid WAV file: {path}.")
        return Audio(path.name, path=path)
    return None



def copy_to_originals(project: Project, audio: Audio, subfolder: str, language: str) -> tuple[str, str]:
    """Copy into Originals; journaled through a trash folder so undo can take it back.

    Returns the path relative to Originals (the source's ``audio_file``) and the file written."""
    parts = [s for s in re.split(r"[\\/]", subfolder) if s and s not in (".", "..")]
    base = ["SFX"] if language == "SFX" else ["Voices", language]
    relative = "/".join([*base, *parts, audio.name])
    dest = project.originals_dir() / relative
    if project.read_only:  # a dry run notes where the file would go and copies nothing
        if _is_source(audio, dest):
            return relative, str(dest)
        return _plan_copy(project, audio, dest, relative)
    trash = project.directory / ".wsim-undo"
    backup: Path | None = None
    try:
        if not audio.write_new(dest):  # a file is there: Wwise replaces it (undo puts it back)
            if _is_source(audio, dest):
                return relative, str(dest)  # importing the Originals copy itself: nothing to copy
            trash.mkdir(parents=True, exist_ok=True)
            backup = trash / uuid.uuid4().hex
            shutil.copyfile(dest, backup)
            audio.write_to(dest)
    except OSError as exc:  # Wwise's own wording for this failure
        raise ItemError(f"Error copying the file to the originals folder ({dest}): "
                        f"{exc.strerror or exc}.") from None
    stash = trash / uuid.uuid4().hex

    def undo() -> None:
        trash.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            shutil.move(dest, stash)
        if backup is not None:
            shutil.copyfile(backup, dest)

    def redo() -> None:
        if stash.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(stash, dest)

    project.record_external(undo, redo)
    return relative, str(dest)



def _is_source(audio: Audio, dest: Path) -> bool:
    """``dest`` is the very file being imported (the Originals copy imported again)."""
    return audio.path is not None and dest.exists() and dest.samefile(audio.path)


def _plan_copy(project: Project, audio: Audio, dest: Path, relative: str) -> tuple[str, str]:
    planned = project.planned_files
    key = str(dest)
    previous = planned.get(key)
    source = str(audio.path) if audio.path is not None else f"{audio.name} (base64)"
    planned[key] = source

    def undo() -> None:
        if previous is None:
            planned.pop(key, None)
        else:
            planned[key] = previous

    project.record_external(undo, lambda: planned.__setitem__(key, source))
    return relative, key



__all__ = ["Audio", "ItemError", "copy_to_originals", "is_wav", "name_from_file", "read_audio"]
