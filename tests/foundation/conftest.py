"""Fixtures for the foundation tests: real installed distributions and plugin files in tmp dirs."""

from __future__ import annotations

import logging
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from loguru import logger

InstallDist = Callable[..., Path]


@pytest.fixture
def install_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InstallDist]:
    """``install_dist(name, version, entry_points={ep: module}, modules={module: source})``.

    Writes a real ``*.dist-info`` (METADATA + entry_points.txt) and the modules into a site dir
    on ``sys.path``, exactly what pip leaves behind, so discovery runs through
    ``importlib.metadata`` with nothing mocked.
    """
    site = tmp_path / "site-packages"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    imported: list[str] = []

    def install(name: str, version: str = "1.0", *, entry_points: dict[str, str],
                modules: dict[str, str]) -> Path:
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        lines = "".join(f"{ep} = {target}\n" for ep, target in entry_points.items())
        (info / "entry_points.txt").write_text(f"[wwiseflowd]\n{lines}")
        for module, source in modules.items():
            (site / f"{module}.py").write_text(textwrap.dedent(source))
            imported.append(module)
        return site

    yield install
    for module in imported:
        sys.modules.pop(module, None)


@pytest.fixture
def plugins_dir(tmp_path: Path) -> Path:
    """An empty plugins directory."""
    path = tmp_path / "plugins"
    path.mkdir()
    return path


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """CLI runs configure loguru for the process; give the next test the default sink back."""
    yield
    logger.remove()
    logger.add(lambda message: sys.stderr.write(message))  # whatever stderr is by then
    logging.root.setLevel(logging.WARNING)
