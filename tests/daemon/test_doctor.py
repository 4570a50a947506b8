"""A state database that is not a database: a sentence instead of a traceback, and ``doctor``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from wwiseflowd.audit.blobs import BlobStore
from wwiseflowd.audit.index import AuditIndex
from wwiseflowd.store.doctor import StateFileCorrupt
from wwiseflowd.store.journal import Journal

pytestmark = pytest.mark.integration


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "wwiseflowd.toml"
    path.write_text(
        "\n".join(
            [
                "[paths]",
                f'state_dir = "{tmp_path / "state"}"',
                f'logs_dir = "{tmp_path / "logs"}"',
                f'workflows_dir = "{tmp_path / "workflows"}"',
                f'plugins_dir = "{tmp_path / "plugins"}"',
                "[server]",
                "enabled = false",
            ]
        )
        + "\n"
    )
    return path


def _cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wwiseflowd", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_corrupt_journal_names_the_file_and_the_way_out(tmp_path: Path) -> None:
    broken = tmp_path / "state" / "drops.sqlite3"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"this is not a database, it is a text file that got this name" * 100)
    with pytest.raises(StateFileCorrupt, match="doctor --repair") as caught:
        Journal(broken)
    assert str(broken) in str(caught.value)


@pytest.mark.slow
def test_start_up_says_what_happened_and_doctor_repairs_it(tmp_path: Path) -> None:
    config = _config(tmp_path)
    state = tmp_path / "state"
    state.mkdir()
    (state / "drops.sqlite3").write_bytes(b"garbage" * 1000)

    run = _cli(config, "run", "--simulate")
    assert run.returncode != 0
    assert "drops.sqlite3" in run.stderr and "doctor --repair" in run.stderr
    assert "Traceback" not in run.stderr

    check = _cli(config, "doctor")
    assert check.returncode == 1 and "DAMAGED drops.sqlite3" in check.stdout

    repaired = _cli(config, "doctor", "--repair")
    assert repaired.returncode == 0, repaired.stderr
    assert not (state / "drops.sqlite3").exists()
    assert list(state.glob("drops.sqlite3.corrupt-*"))
    Journal(state / "drops.sqlite3").close()  # a fresh journal opens
    assert _cli(config, "doctor").returncode == 0


def test_a_corrupt_audit_index_names_the_file_like_the_other_state_files(tmp_path: Path) -> None:
    broken = tmp_path / "state" / "wwiseflowd.sqlite3"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"not a database either" * 500)
    audit_dir = tmp_path / "state" / "audit"
    with pytest.raises(StateFileCorrupt, match="doctor --repair") as caught:
        AuditIndex(broken, audit_dir, BlobStore(audit_dir / "blobs"))
    assert str(broken) in str(caught.value) and caught.value.code == "STATE_FILE_CORRUPT"
    assert broken.read_bytes().startswith(b"not a database")  # nothing was overwritten


@pytest.mark.slow
def test_any_command_on_a_damaged_state_file_says_which_file_and_the_way_out(tmp_path: Path) -> None:
    config = _config(tmp_path)
    state = tmp_path / "state"
    state.mkdir()
    (state / "wwiseflowd.sqlite3").write_bytes(b"garbage" * 1000)
    for args in (("audit", "--local"), ("audit", "verify")):
        answer = _cli(config, *args)
        assert answer.returncode == 1, (args, answer.stdout, answer.stderr)
        assert "wwiseflowd.sqlite3" in answer.stderr and "doctor --repair" in answer.stderr, args
        assert "Traceback" not in answer.stderr, args


def test_rest_answers_a_damaged_audit_index_with_its_code_not_a_500(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from wwiseflowd.api import create_app
    from wwiseflowd.config import settings_for_tests

    settings = settings_for_tests(tmp_path)
    with TestClient(create_app(settings=settings), base_url="http://127.0.0.1") as client:
        Path(settings.store_path).write_bytes(b"garbage" * 1000)
        for suffix in ("-wal", "-shm"):
            Path(str(settings.store_path) + suffix).unlink(missing_ok=True)
        answer = client.get("/audit")
        assert answer.status_code == 503, answer.text
        body = answer.json()
        assert body["code"] == "STATE_FILE_CORRUPT" and "doctor --repair" in body["error"]
