"""The ``[reaper]`` config section and where REAPER's executable is looked for.

```toml
[reaper]
executable = "/Applications/REAPER.app/Contents/MacOS/REAPER"   # or the stand-in, wwiseflowd-reaper-sim
web_url = "http://127.0.0.1:8081"        # REAPER's web remote, for live regions and online renders
```
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

SECTION = "reaper"


class ReaperConfig(BaseModel):
    """``[reaper]``: how wwiseflowd reaches REAPER."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    executable: Path | None = Field(
        None, description="REAPER's executable (or the stand-in wwiseflowd-reaper-sim); unset: the usual "
        "install locations of this OS, then PATH.")
    web_url: str | None = Field(
        None, description="REAPER's web remote (Preferences > Control/OSC/web > Web browser interface), "
        "e.g. http://127.0.0.1:8081. Unset: no live connection; renders run offline.")
    web_user: str | None = Field(None, description="User name when the web remote has one.")
    web_password: str | None = Field(None, description="Password when the web remote has one.")
    render_timeout_s: float = Field(600.0, gt=0, description="Seconds one render may take.")
    output_dir: Path | None = Field(
        None, description="Where renders go (default: reaper-renders/ under the state dir).")
    web_timeout_s: float = Field(5.0, gt=0, description="Seconds to wait for the web remote to answer.")


def reaper_config(settings: Any) -> ReaperConfig:
    """The validated ``[reaper]`` section of ``settings`` (defaults when absent).

    An invalid section raises ``ValueError`` naming the key; the plugin manager reports the same
    problem when the plugins load (``wwiseflowd plugins``).
    """
    lookup = getattr(settings, "plugin_section", None)
    table = lookup(SECTION) if callable(lookup) else {}
    try:
        return ReaperConfig.model_validate(table)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ValueError(f"config [{SECTION}] is invalid: {problems}") from None


def usual_locations() -> list[Path]:
    """Where REAPER installs itself on this OS, most common first."""
    home = Path.home()
    if sys.platform.startswith("win"):
        program_files = [Path(os.environ.get(v, d)) for v, d in
                         (("ProgramW6432", r"C:\Program Files"), ("ProgramFiles", r"C:\Program Files"),
                          ("ProgramFiles(x86)", r"C:\Program Files (x86)"))]
        return [p / name / "reaper.exe" for p in program_files for name in ("REAPER (x64)", "REAPER")]
    if sys.platform == "darwin":
        return [Path(f"/Applications/{app}.app/Contents/MacOS/REAPER") for app in ("REAPER", "REAPER64")] + [
            home / "Applications/REAPER.app/Contents/MacOS/REAPER"]
    return [home / "opt/REAPER/reaper", Path("/opt/REAPER/reaper"), Path("/usr/local/bin/reaper"),
            Path("/usr/bin/reaper")]


def find_executable(config: ReaperConfig) -> Path | None:
    """The configured executable when it exists, else the first usual location or ``reaper`` on PATH."""
    if config.executable is not None:
        return config.executable if config.executable.is_file() else None
    for candidate in usual_locations():
        if candidate.is_file():
            return candidate
    found = shutil.which("reaper")
    return Path(found) if found else None


def unavailable_message(config: ReaperConfig) -> str:
    """The REAPER_UNAVAILABLE sentence: what was looked for and how to configure it."""
    if config.executable is not None:
        return (f"REAPER was not found at {config.executable} ([reaper] executable). Check the path: on "
                "Windows C:\\Program Files\\REAPER (x64)\\reaper.exe, on macOS "
                "/Applications/REAPER.app/Contents/MacOS/REAPER, on Linux ~/opt/REAPER/reaper.")
    looked = ", ".join(str(p) for p in usual_locations())
    return ("REAPER is not installed where wwiseflowd looks (" + looked + ", or 'reaper' on PATH). Set "
            "[reaper] executable = \"/path/to/reaper\" in wwiseflowd.toml (for tests and demos: the "
            "stand-in wwiseflowd-reaper-sim).")
