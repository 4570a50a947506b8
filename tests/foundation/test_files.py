"""``write_text_atomic``: a reader sees the old text or the new one, never a half-written file."""

from __future__ import annotations

from pathlib import Path

import pytest

from wwiseflowd.files import write_text_atomic


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
