"""Hatch build hook: the web editor ships inside the package (``wwiseflowd/webui/``).

A wheel or sdist built from a source checkout builds ``ui/`` with npm first when the output is missing,
so ``pip install wwiseflowd`` serves the editor with no Node.js on the user's machine. A wheel built
from an sdist finds the output already there. Editable installs leave it to ``make ui``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

OUTPUT = Path("wwiseflowd") / "webui"


class EditorBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Builds the editor before the wheel and the sdist are made, and includes it."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Run ``npm ci && npm run build`` in ui/ when wwiseflowd/webui/index.html is missing."""
        root = Path(self.root)
        if version == "editable":
            return
        if not (root / OUTPUT / "index.html").is_file():
            ui = root / "ui"
            npm = shutil.which("npm")
            if npm is None or not (ui / "package.json").is_file():
                raise RuntimeError(
                    "The web editor is not built and cannot be: install Node.js (npm) or build from an sdist."
                )
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ui, check=True)
            subprocess.run([npm, "run", "build"], cwd=ui, check=True)
        build_data.setdefault("artifacts", []).append(f"{OUTPUT.as_posix()}/**")
