"""One import style in tests: every test folder is a package, so helpers are imported by their full
path (``from tests.daemon.wavs import write_wav``); ruff (TID252) refuses relative imports."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_every_test_folder_is_a_package_so_helpers_have_one_import_path() -> None:
    folders = {path.parent for path in TESTS.rglob("*.py")} - {TESTS / "data" / "wwise-projects"}
    missing = sorted(str(f.relative_to(TESTS.parent)) for f in folders if not (f / "__init__.py").exists())
    assert not missing, f"add an __init__.py to {missing} (import its helpers as tests.<dir>.<module>)"
