"""The tamper-evident audit trail: chain and ``audit verify``, the index and its filters, export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wwiseflowd.audit import AuditFilter, AuditTrail
from wwiseflowd.audit import index as index_module
from wwiseflowd.cli import main
from wwiseflowd.results import Result

GUID = "{11111111-2222-3333-4444-555555555555}"
WU = "\\Actor-Mixer Hierarchy\\Default Work Unit"


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def trail(state: Path) -> Iterator[AuditTrail]:
    opened = AuditTrail(state, state / "wwiseflowd.sqlite3")
    yield opened
    opened.close()


@pytest.fixture
def cli(tmp_path: Path, state: Path) -> Any:
    config = tmp_path / "wwiseflowd.toml"
    logs = (tmp_path / "logs").as_posix()
    config.write_text(f'[paths]\nstate_dir = "{state.as_posix()}"\nlogs_dir = "{logs}"\n')

    def run(*args: str) -> Any:
        return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)

    return run


def write(trail: AuditTrail, n: int = 5) -> None:
    for i in range(n):
        trail.log.append(
            command="create_sound" if i % 2 == 0 else "set_output_bus",
            payload={"name": f"S{i}", "parentPath": WU},
            result=Result.success({"objectId": GUID if i == 0 else f"{{{i:08d}-0000-0000-0000-000000000000}}",
                                   "path": f"{WU}\\S{i}"}) if i != 3
            else Result.failure("OBJECT_NOT_FOUND", "Bus \\Nope does not exist."),
            duration_ms=1.5, execution_id="exec_a" if i < 3 else "exec_b", node_id=f"n{i}",
            source="watch" if i == 4 else "rest",
        )
    trail.log.close()


def day_file(trail: AuditTrail) -> Path:
    [path] = trail.directory.glob("audit-*.jsonl")
    return path


def test_an_untouched_log_verifies(trail: AuditTrail, cli: Any) -> None:
    write(trail)
    result = cli("audit", "verify")
    assert result.exit_code == 0 and "5 lines" in result.stdout


def test_verify_names_the_file_and_line_of_an_edited_line(trail: AuditTrail, cli: Any) -> None:
    write(trail)
    path = day_file(trail)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[2] = lines[2].replace(b'"S2"', b'"S9"')
    path.write_bytes(b"".join(lines))
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert f"{path.name} line 3: this line was modified" in result.stderr
    assert "line 4" not in result.stderr  # the chain goes on from the claimed hash: no cascade


def test_a_line_rewritten_by_a_json_tool_is_named_alone(trail: AuditTrail, cli: Any) -> None:
    write(trail)
    path = day_file(trail)
    lines = path.read_text().splitlines(keepends=True)
    entry = json.loads(lines[1])
    entry["result"]["ok"] = True
    lines[1] = json.dumps(entry) + "\n"  # json.dumps spells it with spaces
    path.write_text("".join(lines))
    result = cli("audit", "verify")
    assert result.exit_code == 1 and f"{path.name} line 2: this line was modified" in result.stderr
    assert "line 3" not in result.stderr


def test_verify_names_the_line_after_a_removed_one(trail: AuditTrail, cli: Any) -> None:
    write(trail)
    path = day_file(trail)
    lines = path.read_bytes().splitlines(keepends=True)
    trail.index.sync()  # indexed or not, one problem is reported, at the removed line's number
    path.write_bytes(b"".join(lines[:1] + lines[2:]))
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert f"{path.name} line 2: the line before this one is missing" in result.stderr
    assert "FAILED: 1 problem(s)" in result.stderr, result.stderr


def test_verify_catches_reordered_lines(trail: AuditTrail, cli: Any) -> None:
    write(trail)
    path = day_file(trail)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[1], lines[2] = lines[2], lines[1]
    path.write_bytes(b"".join(lines))
    result = cli("audit", "verify", "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 1 and report["problems"][0]["line"] == 2


def test_verify_catches_a_removed_last_line_through_the_index(trail: AuditTrail, cli: Any) -> None:
    write(trail)
    trail.index.sync()
    path = day_file(trail)
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:-1]))
    result = cli("audit", "verify")
    assert result.exit_code == 1 and f"{path.name} line 5: this line was removed" in result.stderr


def test_verify_catches_a_modified_blob(trail: AuditTrail, cli: Any) -> None:
    trail.log.append(command="echo", payload={"text": "x" * 10_000}, result=Result.success(), duration_ms=1)
    trail.log.close()
    [digest] = list(trail.blobs.digests())
    trail.blobs.path(digest).write_text('{"text": "forged"}')
    result = cli("audit", "verify")
    assert result.exit_code == 1 and "line 1: blob" in result.stderr and "was modified" in result.stderr


def test_two_writers_on_one_directory_keep_one_chain(state: Path) -> None:
    first = AuditTrail(state, state / "db.sqlite3")
    second = AuditTrail(state, state / "db.sqlite3")
    for i in range(6):
        writer = first if i % 2 else second
        writer.log.append(command=f"c{i}", payload={}, result=Result.success(), duration_ms=1)
    assert first.verify().ok and len(first.entries()) == 6
    first.close()
    second.close()


def test_filters_by_command_object_code_source_and_execution(trail: AuditTrail) -> None:
    write(trail)

    def commands(**query: Any) -> list[str]:
        return [e["node"] for e in trail.entries(AuditFilter(**query))]

    assert commands(command="set_output_bus") == ["n1", "n3"]
    assert commands(object=GUID.lower()) == ["n0"] and commands(object="id:" + GUID) == ["n0"]
    assert commands(object=WU) == ["n0", "n1", "n2", "n3", "n4"]  # the path and everything below it
    assert commands(object=WU + "\\S2") == ["n2"] and commands(object=WU + "\\S") == []
    assert commands(code="OBJECT_NOT_FOUND") == ["n3"] and commands(code="ok") == ["n0", "n1", "n2", "n4"]
    assert commands(source="daemon") == ["n4"] and commands(source="rest", execution_id="exec_b") == ["n3"]


def test_cli_execution_json_has_full_payloads_and_results(trail: AuditTrail, cli: Any) -> None:
    big = [f"/drop/file_{i:05d}.wav" for i in range(500)]
    trail.log.append(command="audio_import", payload={"files": big, "targetPath": WU},
                     result=Result.success({"objectIds": [GUID] * 500}), duration_ms=3,
                     execution_id="exec_big")
    trail.log.close()
    result = cli("audit", "--execution", "exec_big", "--json")
    [entry] = json.loads(result.stdout)
    assert entry["payload"]["files"] == big and entry["result"]["data"]["objectIds"] == [GUID] * 500
    text = cli("audit", "--source", "cli").stdout
    assert "audio_import [cli] exec_big/None" in text


def test_export_writes_a_time_range_with_its_blobs(trail: AuditTrail, cli: Any, tmp_path: Path) -> None:
    write(trail, 2)
    trail.log.append(command="echo", payload={"text": "y" * 10_000}, result=Result.success(), duration_ms=1)
    trail.log.close()
    out = tmp_path / "export.jsonl"
    report = json.loads(cli("audit", "export", str(out), "--since", "1h").stdout)
    assert (report["entries"], report["blobs"]) == (3, 1)
    header, *entries, blob = [json.loads(line) for line in out.read_text().splitlines()]
    assert header["format"] == "wwiseflowd-audit-export" and len(entries) == 3
    assert blob["content"] == {"text": "y" * 10_000} and entries[2]["payload"]["$blob"] == blob["blob"]
    assert entries[1]["prev"] == entries[0]["hash"]
    assert json.loads(cli("audit", "export", str(out), "--until", "2000-01-01").stdout)["entries"] == 0


def test_a_long_backlog_is_indexed_in_short_transactions(trail: AuditTrail, cli: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The index shares the state store's file: a first sync after hours of drops must let the
    ledger write between its transactions (one transaction for all made a run fail, "database is
    locked"), and still index every line once."""
    monkeypatch.setattr(index_module, "SYNC_CHUNK", 2)
    write(trail, 5)
    statements: list[str] = []
    trail.index._db.set_trace_callback(statements.append)
    assert trail.index.sync() == 5
    assert statements.count("COMMIT") == 3  # 2 + 2 + 1 lines
    assert trail.index.sync() == 0  # each transaction recorded how far the file is indexed
    assert len(trail.index.find(AuditFilter())) == 5
    assert cli("audit", "verify").exit_code == 0
