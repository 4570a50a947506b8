"""The examples in docs/plugins.md work as written."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from wwiseflowd.cli import main
from wwiseflowd.config import settings_for_tests
from wwiseflowd.engine import Engine
from wwiseflowd.plugins import load_plugins

DOCS = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def python_block_after(heading: str) -> str:
    """The first ```python block after ``heading`` in docs/plugins.md."""
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index(heading):]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, f"no python example after {heading!r}"
    return match.group(1)


def test_the_one_file_plugin_example_loads_lists_and_runs(tmp_path: Path) -> None:
    settings = settings_for_tests(tmp_path)
    settings.paths.plugins_dir.mkdir(parents=True)
    (settings.paths.plugins_dir / "shout.py").write_text(
        python_block_after("## The shortest plugin: one file"), encoding="utf-8"
    )
    plugins = load_plugins(settings)
    assert plugins.registry().plugin_of("node type", "shout") == "shout"
    flow = {"id": "demo", "nodes": [{"id": "n1", "type": "shout", "data": {"text": "hi"}}], "edges": []}
    with Engine(settings, plugins=plugins) as engine:
        result = engine.execute(flow)
    assert result.ok and result.results[0].data == {"text": "HI"}

    config = tmp_path / "wwiseflowd.toml"
    config.write_text(f"[paths]\nplugins_dir = '{settings.paths.plugins_dir}'\n")
    listed = CliRunner().invoke(main, ["--config", str(config), "plugins"])
    assert f"shout  (directory, {settings.paths.plugins_dir / 'shout.py'})" in listed.stdout


def test_the_test_audio_example_writes_a_24_bit_tone(tmp_path: Path) -> None:
    import math

    from wwiseflowd.wav import read_wav

    exec(python_block_after("Test audio comes from the same plugin"), {"math": math, "tmp_path": tmp_path})
    info = read_wav(tmp_path / "tone.wav", require_complete=True)
    assert (info.bits_per_sample, info.frames, info.kind) == (24, 48_000, "int")
