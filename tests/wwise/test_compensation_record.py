"""The pre-write record of rollback by compensation, against a small stand-in for WAAPI's look-ups.

The end-to-end tests (``test_compensation.py``) drop the emulator's connection at every call; these
pin the record's edge cases that need a look-up to fail in a precise way: a time-out is not an
absence, typed segments inside a path, and a scope recorded after the run created a folder.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from wwiseflowd.default_plugins.wwise.compensation import ChangeLog
from wwiseflowd.default_plugins.wwise.uris import AUDIO_IMPORT, OBJECT_CREATE, OBJECT_DELETE
from wwiseflowd.results import ErrorCode, Result

WU = "\\Actor-Mixer Hierarchy\\Default Work Unit"


class Paths:
    """Objects by path; answers ``$ "path"`` look-ups (``select this``/``descendants``) and deletes.
    A look-up whose WAQL contains a string of ``timing_out`` times out."""

    def __init__(self, *paths: str) -> None:
        self.ids = itertools.count()
        self.objects: dict[str, str] = {}
        self.timing_out: set[str] = set()
        for path in paths:
            self.add(path)

    def add(self, path: str) -> None:
        parts = path.strip("\\").split("\\")
        for n in range(1, len(parts) + 1):
            self.objects.setdefault("\\" + "\\".join(parts[:n]), f"{{{next(self.ids):04d}}}")

    def under(self, path: str) -> list[str]:
        return sorted(p for p in self.objects if p == path or p.startswith(path + "\\"))

    def call(self, uri: str, args: dict[str, Any], options: dict[str, Any] | None) -> Result:
        if uri == OBJECT_DELETE:
            path = next(p for p, i in self.objects.items() if i == args["object"])
            for gone in self.under(path):
                del self.objects[gone]
            return Result.success({})
        waql = str(args["waql"])
        if any(text in waql for text in self.timing_out):
            return Result.failure(ErrorCode.TIMEOUT, "Wwise did not answer in time")
        match = re.match(r'\$ "([^"]*)"(.*)', waql)
        assert match is not None, waql
        path, rest = match.groups()
        if path not in self.objects:
            return Result.failure(ErrorCode.OBJECT_NOT_FOUND, f"Object not found: {path}")
        rows = [path] if "this" in rest or not rest else []
        rows += [p for p in self.under(path) if p != path] if "descendants" in rest else []
        return Result.success({"return": [{"id": self.objects[p], "path": p} for p in rows]})


def _import(object_path: str) -> dict[str, Any]:
    return {"imports": [{"objectPath": object_path, "audioFile": "x.wav"}]}


def test_a_folder_whose_listing_timed_out_is_never_taken_for_absent_and_deleted() -> None:
    project = Paths(WU + "\\Set01\\Theirs_A", WU + "\\Set01\\Theirs_B")
    record = ChangeLog()
    project.timing_out.add('Set01" select descendants')
    record.before(AUDIO_IMPORT, _import(WU + "\\Set01\\<Sound SFX>New"), project.call)
    project.timing_out.clear()
    project.add(WU + "\\Set01\\New")
    assert record.absent == [] and record.unrecoverable, record.absent
    report = record.compensate(project.call)
    assert not report.ok, "the record is incomplete: it must not say the project is as before"
    assert WU + "\\Set01\\Theirs_A" in project.objects and WU + "\\Set01\\Theirs_B" in project.objects


def test_a_typed_folder_inside_the_path_is_looked_up_by_its_name_and_undone() -> None:
    project = Paths(WU + "\\Old")
    record = ChangeLog()
    record.before(AUDIO_IMPORT, _import(WU + "\\<Virtual Folder>Foo\\Set01\\<Sound SFX>New"), project.call)
    project.add(WU + "\\Foo\\Set01\\New")
    assert record.absent == [WU + "\\Foo"]
    report = record.compensate(project.call)
    assert report.ok, report.problems
    assert project.under(WU) == [WU, WU + "\\Old"]


def test_a_scope_recorded_after_the_run_created_a_folder_under_it_reads_back_as_before() -> None:
    project = Paths(WU + "\\Old")
    record = ChangeLog()
    record.before(AUDIO_IMPORT, _import(WU + "\\Brand\\<Sound SFX>New"), project.call)
    project.add(WU + "\\Brand\\New")
    create = {"parent": WU, "name": "RC", "type": "RandomSequenceContainer"}
    record.before(OBJECT_CREATE, create, project.call)
    project.add(WU + "\\RC")
    report = record.compensate(project.call)
    assert report.ok, report.problems
    assert project.under(WU) == [WU, WU + "\\Old"]


def test_an_import_into_a_new_folder_lists_nothing_above_it() -> None:
    project = Paths(*(WU + f"\\Theirs_{i}" for i in range(50)))
    asked: list[str] = []

    def spy(uri: str, args: dict[str, Any], options: dict[str, Any] | None) -> Result:
        asked.append(str(args.get("waql")))
        return project.call(uri, args, options)

    record = ChangeLog()
    record.before(AUDIO_IMPORT, _import(WU + "\\Brand\\Deeper\\<Sound SFX>New"), spy)
    assert record.absent == [WU + "\\Brand"] and not record.scopes
    assert asked == [f'$ "{WU}\\Brand\\Deeper" select descendants', f'$ "{WU}\\Brand"', f'$ "{WU}"']
