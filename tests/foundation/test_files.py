"""``write_text_atomic``: a reader sees the old text or the new one, never a half-written file."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from wwiseflowd.files import write_text_atomic
from wwiseflowd.operations.workflow_store import ANY_VERSION, WorkflowStore


def test_the_new_text_replaces_the_old_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    write_text_atomic(target, '{"créé": 1}')
    assert target.read_text(encoding="utf-8") == '{"créé": 1}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_a_write_that_fails_leaves_the_old_text_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(target, "half \udc00 written")  # a lone surrogate cannot be encoded
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_two_threads_writing_one_file_never_mix_or_lose_their_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "runtime.json"
    texts = ["a" * 50_000, "b" * 50_000]
    errors: list[BaseException] = []

    def write_many(text: str) -> None:
        try:
            for _ in range(100):
                write_text_atomic(target, text)
        except BaseException as exc:  # a shared temporary name makes one rename miss its file
            errors.append(exc)

    threads = [threading.Thread(target=write_many, args=(text,)) for text in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert target.read_text(encoding="utf-8") in texts
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runtime.json"]


def test_a_workflow_save_that_cannot_be_written_keeps_the_old_file_and_leaves_no_temporary_file(
    tmp_path: Path,
) -> None:
    store = WorkflowStore(tmp_path)
    saved = store.save("footsteps", {"nodes": []}, None)
    assert saved.ok, saved.error
    before = (tmp_path / "footsteps.json").read_bytes()
    failed = store.save("footsteps", {"nodes": [], "name": "half \udc00 written"}, ANY_VERSION)
    assert not failed.ok and failed.code == "INVALID_INPUT" and "UTF-8" in str(failed.error)
    assert (tmp_path / "footsteps.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["footsteps.json"]
