"""The data crossing the Wwise backend's boundary, and what Wwise accepts as an object name."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

#: characters Wwise refuses in object names (Wwise Help; the emulator enforces the same set)
INVALID_NAME_CHARS = frozenset(':<>%*?"/|.\\')


def wwise_name(text: str) -> str:
    """``text`` made acceptable as a Wwise object name (refused characters become ``_``)."""
    cleaned = "".join("_" if ch in INVALID_NAME_CHARS else ch for ch in text).strip()
    return cleaned or "_"


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a Wwise object name, or None."""
    if not name.strip():
        return "is empty"
    if name != name.strip():
        return "starts or ends with a space"
    bad = sorted(set(name) & INVALID_NAME_CHARS)
    if bad:
        return f"contains {' '.join(bad)}, which Wwise does not allow in names"
    return None


class ObjectInfo(BaseModel):
    """One Wwise object as wwiseflowd reports it (classic root names, see :mod:`.naming`)."""

    id: str
    name: str
    path: str = ""
    type: str = ""


class ImportItem(BaseModel):
    """One file to import: where the Sound goes, described structurally (the adapter spells it).

    The Sound ends up at ``parent_path\\folders...\\[container\\]sound_name``; missing folders are
    created as Virtual Folders, ``container`` as a Random Container.
    """

    file: str
    parent_path: str
    folders: list[str] = Field(default_factory=list)
    container: str | None = None
    sound_name: str
    language: str = "SFX"
    originals_subfolder: str | None = None
    notes: str | None = None

    @property
    def sound_path(self) -> str:
        """The absolute path the Sound will have."""
        parts = [self.parent_path.rstrip("\\"), *self.folders]
        if self.container:
            parts.append(self.container)
        parts.append(self.sound_name)
        return "\\".join(parts)


class ImportOutcome(BaseModel):
    """What happened to one file of an import."""

    file: str
    ok: bool
    objectId: str | None = None
    objectPath: str | None = None
    code: str | None = None
    error: str | None = None

    @classmethod
    def failed(cls, file: str, code: str, error: str) -> ImportOutcome:
        """A file that was not imported, with its code and sentence."""
        return cls(file=file, ok=False, code=code, error=error)


ImportMode = Literal["useExisting", "createNew"]


class ConnectionInfo(BaseModel):
    """What the adapter learnt about the Wwise it is connected to."""

    url: str
    version: str = ""
    year: int = 0
    major: int = 0
    project_name: str = ""
    project_path: str = ""
    project_id: str = ""
