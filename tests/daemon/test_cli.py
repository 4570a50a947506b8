"""`wwiseflowd status` without a running daemon, and `wwiseflowd service print`."""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

from wwiseflowd.cli import main
from wwiseflowd.store.journal import Journal


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "wwiseflowd.toml"
    path.write_text(
        "\n".join(
            [
                "[paths]",
                f'state_dir = "{tmp_path / "state"}"',
                f'logs_dir = "{tmp_path / "logs"}"',
                "[[watch]]",
                f'folder = "{tmp_path / "drop"}"',
                'name = "sfx"',
            ]
        )
    )
    return path


def test_status_without_a_daemon_reads_the_journal(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "state" / "drops.sqlite3")
    ids = journal.record_seen("sfx", [(str(tmp_path / "drop/a.wav"), "a.wav", "\\T"), ("b", "b.wav", "\\T")])
    batch = journal.create_batch("sfx", list(ids.values()))
    journal.mark_failed(ids["b.wav"], code="INVALID_AUDIO", error="b.wav is not a WAV file")
    journal.close()
    result = CliRunner().invoke(main, ["--config", str(_config(tmp_path)), "status"])
    assert result.exit_code == 0, result.output
    assert "not running" in result.output
    assert "sfx:" in result.output and "queue 1" in result.output
    assert f"#{batch} sfx queued" in result.output
    assert "b.wav [INVALID_AUDIO] b.wav is not a WAV file" in result.output


def test_service_print_fills_in_this_machines_paths(tmp_path: Path) -> None:
    config = _config(tmp_path)
    result = CliRunner().invoke(main, ["--config", str(config), "service", "print", "systemd"])
    assert result.exit_code == 0, result.output
    assert f"ExecStart={sys.executable} -m wwiseflowd --config {config} run" in result.output
    assert f"WorkingDirectory={tmp_path / 'state'}" in result.output
    result = CliRunner().invoke(main, ["--config", str(config), "service", "print", "windows"])
    assert f"<executable>{sys.executable}</executable>" in result.output
