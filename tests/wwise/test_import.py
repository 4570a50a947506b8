"""audio_import against the emulator: single and batch, pre-flight, verification, chunking, re-import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.wwise.conftest import MASTER, WU, calls_to, emulated, settled_calls
from wwiseflowd.default_plugins.wwise.adapter import WaapiAdapter
from wwiseflowd.default_plugins.wwise.models import ImportItem
from wwiseflowd.engine import Engine
from wwiseflowd.results import ErrorCode
from wwiseflowd.sim import Emulator
from wwiseflowd.sim.model import WwiseObject

SFX = WU + "\\SFX"
IMPORT = "ak.wwise.core.audio.import"


def sources_of(sim: Emulator, path: str) -> list[WwiseObject]:
    with sim.locked_project() as project:
        sound = project.find(path)
        assert sound is not None, path
        return [c for c in sound.children if c.type == "AudioFileSource"]


# -- single file -------------------------------------------------------------------------------------


def test_single_import_onto_a_created_sound(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    sound = engine.command("create_sound", {"name": "Footstep", "parentPath": WU}).data
    result = engine.command("audio_import", {"objectId": sound["objectId"], "filePath": wav("Footstep.wav")})
    assert result.ok, result.error
    assert result.data["objectId"] == sound["objectId"] and result.data["failed"] == []
    (source,) = sources_of(waapi_sim, sound["path"])
    assert source.name == "Footstep" and source.audio_file == "SFX/Footstep.wav"


def test_reimporting_another_file_replaces_the_audio_in_place(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    sound = engine.command("create_sound", {"name": "Door", "parentPath": WU}).data
    engine.command("set_property", {"objectId": sound["objectId"], "property": "Volume", "value": -4})
    assert engine.command("audio_import", {"objectId": sound["objectId"], "filePath": wav("Door_v1.wav")}).ok
    again = engine.command("audio_import", {"objectId": sound["objectId"], "filePath": wav("Door_v2.wav")})
    assert again.ok and again.data["objectId"] == sound["objectId"]
    (source,) = sources_of(waapi_sim, sound["path"])  # exactly one source: no duplicate beside it
    assert source.audio_file == "SFX/Door_v2.wav"
    with waapi_sim.locked_project() as project:
        kept = project.find(sound["objectId"])
        assert kept is not None and kept.properties["Volume"] == -4  # same Sound, settings kept


def test_single_import_into_a_container_creates_a_sound_named_after_the_file(
    engine: Engine, wav: Callable[..., str]
) -> None:
    folder = engine.command("create_object", {"type": "Folder", "name": "Imports", "parentPath": WU}).data
    result = engine.command("audio_import", {"objectId": folder["path"], "filePath": wav("Laser.wav")})
    assert result.ok and result.data["objectPath"] == folder["path"] + "\\Laser"


@pytest.mark.parametrize(
    ("make", "code", "words"),
    [
        (lambda d: str(d / "missing.wav"), ErrorCode.FILE_NOT_FOUND, "does not exist"),
        (
            lambda d: _write(d / "notes.wav", b"just some text, not audio"),
            ErrorCode.INVALID_AUDIO,
            "RIFF/WAVE",
        ),
        (lambda d: _truncated(d / "half.wav"), ErrorCode.INVALID_AUDIO, "incomplete"),
    ],
)
def test_single_import_preflight_failures_name_the_file_and_make_no_import_call(
    engine: Engine, waapi_sim: Emulator, tmp_path: Path, make: Callable[[Path], str], code: str, words: str
) -> None:
    sound = engine.command("create_sound", {"name": "S", "parentPath": WU}).data
    path = make(tmp_path)
    result = engine.command("audio_import", {"objectId": sound["objectId"], "filePath": path})
    assert result.code == code and words in (result.error or "") and Path(path).name in (result.error or "")
    assert calls_to(waapi_sim, IMPORT) == 0


def test_single_import_onto_a_missing_object_is_object_not_found(
    engine: Engine, wav: Callable[..., str]
) -> None:
    result = engine.command("audio_import", {"objectId": WU + "\\Nope", "filePath": wav("a.wav")})
    assert result.code == ErrorCode.OBJECT_NOT_FOUND


def test_mixing_single_and_batch_inputs_is_invalid(engine: Engine, wav: Callable[..., str]) -> None:
    result = engine.command(
        "audio_import", {"objectId": WU, "filePath": wav("a.wav"), "files": [wav("b.wav")]}
    )
    assert result.code == ErrorCode.INVALID_INPUT and "either" in (result.error or "")
    half = engine.command("audio_import", {"files": [wav("b.wav")]})
    assert half.code == ErrorCode.INVALID_INPUT and "targetPath" in (half.error or "")


# -- batch -------------------------------------------------------------------------------------------


def test_a_batch_groups_variations_and_mirrors_subfolders(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    files = [
        {"path": wav(f"Footstep_Concrete_0{i}.wav", sub="Foley"), "relativeDir": "Foley"} for i in (1, 2, 3)
    ]
    files.append({"path": wav("Explosion_01.wav"), "relativeDir": ""})
    result = engine.command("audio_import", {"files": files, "targetPath": SFX})
    assert result.ok, result.error
    assert result.data["failed"] == [] and len(result.data["objects"]) == 4
    with waapi_sim.locked_project() as project:
        container = project.find(SFX + "\\Foley\\Footstep_Concrete")
        assert container is not None and container.type == "RandomSequenceContainer"
        assert [c.name for c in container.children] == [f"Footstep_Concrete_0{i}" for i in (1, 2, 3)]
        folder = project.find(SFX + "\\Foley")
        assert folder is not None and folder.type == "Folder"
        lone = project.find(SFX + "\\Explosion_01")
        assert lone is not None and lone.type == "Sound"  # a single numbered file stays a Sound
        source = project.find(SFX + "\\Foley\\Footstep_Concrete\\Footstep_Concrete_01\\Footstep_Concrete_01")
        assert source is not None and source.audio_file == "SFX/Foley/Footstep_Concrete_01.wav"
    assert sorted(t["name"] for t in result.data["topLevel"]) == ["Explosion_01", "Footstep_Concrete"]


def test_a_later_variation_joins_the_existing_container(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    engine.command("audio_import", {"files": [wav("Hit_01.wav"), wav("Hit_02.wav")], "targetPath": SFX})
    later = engine.command("audio_import", {"files": [wav("Hit_03.wav")], "targetPath": SFX})
    assert later.ok and later.data["objects"][0]["path"] == SFX + "\\Hit\\Hit_03"


def test_broken_files_fail_alone_with_a_reason_while_the_rest_imports(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str], tmp_path: Path
) -> None:
    good = [wav("Good_A.wav"), wav("Good_B.wav")]
    corrupt = _write(tmp_path / "Corrupt.wav", b"RIFF\x00\x00\x00\x00WAVE")
    missing = str(tmp_path / "Missing.wav")
    result = engine.command(
        "audio_import", {"files": [good[0], corrupt, missing, good[1]], "targetPath": SFX}
    )
    assert result.ok, result.error
    by_file = {f["file"]: f for f in result.data["files"]}
    assert by_file[corrupt]["code"] == ErrorCode.INVALID_AUDIO and "Corrupt.wav" in by_file[corrupt]["error"]
    assert by_file[missing]["code"] == ErrorCode.FILE_NOT_FOUND
    assert [f["file"] for f in result.data["failed"]] == [corrupt, missing]
    assert all(by_file[g]["ok"] and by_file[g]["objectId"] for g in good)
    assert len(result.data["objectIds"]) == 2


def test_a_batch_where_nothing_imports_is_import_failed(engine: Engine, tmp_path: Path) -> None:
    result = engine.command(
        "audio_import", {"files": [str(tmp_path / "a.wav"), str(tmp_path / "b.wav")], "targetPath": SFX}
    )
    assert result.code == ErrorCode.IMPORT_FAILED and "a.wav" in (result.error or "")
    assert len(result.data["failed"]) == 2


def test_files_wwise_rejects_are_found_from_its_log_and_read_back(
    adapter: WaapiAdapter, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    ok_file, voice_file = wav("Fine.wav"), wav("Voice.wav")
    items = [
        ImportItem(file=ok_file, parent_path=SFX, sound_name="Fine"),
        # a language the project lacks: Wwise logs an error for this item and imports nothing for it
        ImportItem(file=voice_file, parent_path=SFX, sound_name="Voice", language="Klingon"),
    ]
    result = adapter.import_audio(items, verify_root=SFX)
    assert result.ok
    fine, voice = result.data["outcomes"]
    assert fine["ok"] is True
    assert voice["ok"] is False and voice["code"] == ErrorCode.IMPORT_FAILED
    assert "Voice.wav" in voice["error"] and "Klingon" in voice["error"]


def test_batches_are_chunked_into_ceil_n_over_chunk_import_calls(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    files = [wav(f"Tone{i:03d}.wav") for i in range(25)]
    result = engine.command(
        "audio_import",
        {"files": files, "targetPath": SFX, "chunkSize": 10, "outputBus": MASTER, "variationPattern": None},
    )
    assert result.ok and len(result.data["objects"]) == 25
    assert calls_to(waapi_sim, IMPORT) == 3
    assert calls_to(waapi_sim, "ak.wwise.core.object.set") == 3  # bus routing, one per chunk
    assert len(settled_calls(waapi_sim)) <= 3 + 3 + 8  # plus a constant number of lookups


def test_without_a_budget_every_import_call_has_the_chunk_size_from_settings(
    adapter: WaapiAdapter, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    adapter.import_chunk_size, adapter.import_call_budget_s = 4, 0.0
    items = [ImportItem(file=wav(f"C{i}.wav"), parent_path=SFX, sound_name=f"C{i}") for i in range(9)]
    assert all(o["ok"] for o in adapter.import_audio(items, verify_root=SFX).data["outcomes"])
    assert calls_to(waapi_sim, IMPORT) == 3


def test_import_calls_start_at_the_chunk_size_and_grow_while_they_finish_well_within_the_budget(
    adapter: WaapiAdapter, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    adapter.import_chunk_size, adapter.import_call_budget_s = 4, 60.0  # no call here comes near it
    items = [ImportItem(file=wav(f"G{i}.wav"), parent_path=SFX, sound_name=f"G{i}") for i in range(30)]
    assert all(o["ok"] for o in adapter.import_audio(items, verify_root=SFX).data["outcomes"])
    assert calls_to(waapi_sim, IMPORT) == 2  # 4, then the 26 left (at most 40; fixed at 4: 8 calls)


def test_long_files_after_short_ones_go_in_a_call_their_audio_bytes_allow(
    adapter: WaapiAdapter, waapi_sim: Emulator, wav: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    waapi_sim.latency_ms = 20  # each call takes at least 20 ms
    adapter.import_chunk_size, adapter.import_call_budget_s = 4, 1.0
    short = [wav(f"Short{i}.wav") for i in range(4)]  # 480 frames: 960 bytes of audio
    long = [wav(f"Long{i}.wav", frames=48_000) for i in range(10)]  # 96,000 bytes each
    sizes: list[int] = []
    import_chunk = adapter._import_chunk

    def spy(items: Any, chunk: list[int], *args: Any) -> Any:
        sizes.append(len(chunk))
        return import_chunk(items, chunk, *args)

    monkeypatch.setattr(adapter, "_import_chunk", spy)
    items = [ImportItem(file=f, parent_path=SFX, sound_name=Path(f).stem) for f in short + long]
    assert all(o["ok"] for o in adapter.import_audio(items, verify_root=SFX).data["outcomes"])
    # the 4 short files took >= 20 ms for 3,840 bytes: half the budget holds <= 96,000 bytes at
    # that rate, one long file; by file count alone (>= 5 ms each) all ten would have gone next
    assert sizes[:2] == [4, 1] and sum(sizes) == 14, sizes


def test_an_import_call_that_ran_over_the_budget_makes_the_next_ones_smaller(
    adapter: WaapiAdapter, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    waapi_sim.latency_ms = 60  # every call takes longer than the budget
    adapter.import_chunk_size, adapter.import_call_budget_s = 4, 0.05
    items = [ImportItem(file=wav(f"S{i}.wav"), parent_path=SFX, sound_name=f"S{i}") for i in range(6)]
    assert all(o["ok"] for o in adapter.import_audio(items, verify_root=SFX).data["outcomes"])
    assert calls_to(waapi_sim, IMPORT) == 3  # 4, then one file per call


def test_reimporting_a_batch_replaces_audio_and_keeps_ids(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    files = [wav("Rain_01.wav"), wav("Rain_02.wav"), wav("Wind.wav")]
    first = engine.command("audio_import", {"files": files, "targetPath": SFX})
    second = engine.command("audio_import", {"files": files, "targetPath": SFX})
    assert second.ok and second.data["objectIds"] == first.data["objectIds"]
    for obj in second.data["objects"]:
        assert len(sources_of(waapi_sim, obj["path"])) == 1


def test_a_file_name_with_dots_imports_and_reimports_with_one_source(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    files = [wav("door.open.v2.wav")]
    first = engine.command("audio_import", {"files": files, "targetPath": SFX})
    assert first.ok and first.data["failed"] == [], first.data
    (obj,) = first.data["objects"]
    assert obj["name"] == "door_open_v2"
    again = engine.command("audio_import", {"files": files, "targetPath": SFX})
    assert again.ok and again.data["objectIds"] == first.data["objectIds"]
    (source,) = sources_of(waapi_sim, obj["path"])  # the right source is kept, not taken for a stale one
    assert source.name == "door_open_v2"


def test_name_conflicts_can_fail_per_file_or_rename(engine: Engine, wav: Callable[..., str]) -> None:
    engine.command("audio_import", {"files": [wav("Bell.wav")], "targetPath": SFX})
    failed = engine.command(
        "audio_import",
        {"files": [wav("Bell.wav"), wav("Gong.wav")], "targetPath": SFX, "onNameConflict": "fail"},
    )
    assert failed.ok
    (conflict,) = failed.data["failed"]
    assert conflict["code"] == ErrorCode.NAME_CONFLICT and "Bell" in conflict["error"]
    renamed = engine.command(
        "audio_import", {"files": [wav("Bell.wav")], "targetPath": SFX, "onNameConflict": "rename"}
    )
    assert renamed.ok and renamed.data["objects"][0]["name"] == "Bell_01"


def test_bus_properties_notes_and_events_are_applied(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    bus = engine.command("create_object", {"type": "Bus", "name": "SFXBus", "parentPath": MASTER}).data
    result = engine.command(
        "audio_import",
        {
            "files": [{"path": wav("Gun_01.wav"), "sha256": "f" * 64}, wav("Gun_02.wav"), wav("Alarm.wav")],
            "targetPath": SFX,
            "outputBus": bus["path"],
            "properties": {"Volume": -3},
            "createEvents": True,
        },
        execution_id="exec_test",
    )
    assert result.ok, result.error
    with waapi_sim.locked_project() as project:
        gun = project.find(SFX + "\\Gun")
        alarm = project.find(SFX + "\\Alarm")
        gun1 = project.find(SFX + "\\Gun\\Gun_01")
        assert gun is not None and alarm is not None and gun1 is not None
        for top in (gun, alarm):
            routed = top.references.get("OutputBus")
            assert routed is not None and routed.id == bus["objectId"]
        assert gun1.properties["Volume"] == -3 and alarm.properties["Volume"] == -3
        assert "f" * 64 in gun1.notes and "exec_test" in gun1.notes and "Gun_01.wav" in gun1.notes
    assert sorted(e["name"] for e in result.data["events"]) == ["Play_Alarm", "Play_Gun"]


def test_a_missing_output_bus_fails_before_anything_is_imported(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    result = engine.command(
        "audio_import", {"files": [wav("A.wav")], "targetPath": SFX, "outputBus": MASTER + "\\Nope"}
    )
    assert result.code == ErrorCode.OBJECT_NOT_FOUND and calls_to(waapi_sim, IMPORT) == 0


def test_a_target_under_a_missing_work_unit_is_object_not_found(
    engine: Engine, wav: Callable[..., str]
) -> None:
    result = engine.command(
        "audio_import", {"files": [wav("A.wav")], "targetPath": "\\Actor-Mixer Hierarchy\\No Such WU\\SFX"}
    )
    assert result.code == ErrorCode.OBJECT_NOT_FOUND and "Work Unit" in (result.error or "")


def test_voice_imports_become_voice_sounds(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    with waapi_sim.locked_project() as project:
        language = next(lang["name"] for lang in project.languages)
    result = engine.command(
        "audio_import", {"files": [wav("Hello.wav")], "targetPath": SFX, "language": language}
    )
    assert result.ok, result.error
    with waapi_sim.locked_project() as project:
        sound = project.find(SFX + "\\Hello")
        assert sound is not None and sound.properties.get("IsVoice") is True


def _write(path: Path, content: bytes) -> str:
    path.write_bytes(content)
    return str(path)


def _truncated(path: Path) -> str:
    from wwiseflowd.default_plugins.wwise.wav import write_wav

    whole = write_wav(path, frames=4800).read_bytes()
    path.write_bytes(whole[: len(whole) - 1000])
    return str(path)


def test_before_2023_a_rejected_file_fails_alone_although_wwise_failed_the_whole_call(
    tmp_path: Path, wav: Callable[..., str]
) -> None:
    with emulated(tmp_path, 2022) as (sim, wwise):
        items = [
            ImportItem(file=wav("Good.wav"), parent_path=SFX, sound_name="Good"),
            ImportItem(file=wav("Bad.wav"), parent_path=SFX, sound_name="Bad", language="Klingon"),
        ]
        good, bad = wwise.import_audio(items, verify_root=SFX).data["outcomes"]
        assert good["ok"] is True
        assert bad["code"] == ErrorCode.IMPORT_FAILED and "Klingon" in bad["error"]
        assert calls_to(sim, IMPORT) == 2  # the failed call, then the good file again


def test_bad_batch_options_are_invalid_input_naming_the_fix(engine: Engine, wav: Callable[..., str]) -> None:
    template = engine.command(
        "audio_import", {"files": [wav("A.wav")], "targetPath": SFX, "originalsSubfolder": "{folder}"}
    )
    assert template.code == ErrorCode.INVALID_INPUT and "{relative_dir}" in (template.error or "")
    pattern = engine.command(
        "audio_import", {"files": [wav("A.wav")], "targetPath": SFX, "variationPattern": r"^(.+)_(\d+)$"}
    )
    assert pattern.code == ErrorCode.INVALID_INPUT and "base" in (pattern.error or "")
    not_bus = engine.command("audio_import", {"files": [wav("A.wav")], "targetPath": SFX, "outputBus": WU})
    assert not_bus.code == ErrorCode.INVALID_INPUT and "not a Bus" in (not_bus.error or "")


@pytest.mark.parametrize(
    ("template", "says"),
    [
        ("../escape", "'..'"),
        ("{relative_dir}/../../x", "'..'"),
        ("..\\up", "'..'"),
        ("/abs/originals", "absolute"),
        ("\\\\server\\share", "absolute"),
        ("C:\\Originals", "absolute"),
        ("C:relative", "absolute"),
    ],
)
def test_originals_subfolder_outside_originals_is_refused_as_invalid_input(
    engine: Engine, wav: Callable[..., str], template: str, says: str
) -> None:
    result = engine.command(
        "audio_import", {"files": [wav("A.wav")], "targetPath": SFX, "originalsSubfolder": template}
    )
    assert result.code == ErrorCode.INVALID_INPUT and "originalsSubfolder" in (result.error or "")
    assert says in (result.error or "") and "sub-folder" in (result.error or "")


def test_single_import_honours_bus_properties_notes_and_events(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    sound = engine.command("create_sound", {"name": "Zap", "parentPath": WU}).data
    result = engine.command(
        "audio_import",
        {
            "objectId": sound["objectId"],
            "filePath": wav("Zap.wav"),
            "outputBus": MASTER,
            "properties": {"Pitch": 100},
            "createEvents": True,
            "originalsSubfolder": "weapons/{base}",
        },
        execution_id="exec_single",
    )
    assert result.ok, result.error
    assert result.data["objectId"] == sound["objectId"] and [e["name"] for e in result.data["events"]] == [
        "Play_Zap"
    ]
    with waapi_sim.locked_project() as project:
        obj = project.find(sound["objectId"])
        assert obj is not None
        routed = obj.references.get("OutputBus")
        assert routed is not None and routed.path == MASTER
        assert obj.properties["Pitch"] == 100 and "exec_single" in obj.notes
        (source,) = [c for c in obj.children if c.type == "AudioFileSource"]
        assert source.audio_file == "SFX/weapons/Zap/Zap.wav"


def test_single_import_into_a_container_respects_on_name_conflict(
    engine: Engine, wav: Callable[..., str]
) -> None:
    folder = engine.command("create_object", {"type": "Folder", "name": "F", "parentPath": WU}).data
    engine.command("create_sound", {"name": "Boom", "parentPath": folder["path"]})
    refused = engine.command(
        "audio_import", {"objectId": folder["path"], "filePath": wav("Boom.wav"), "onNameConflict": "fail"}
    )
    assert refused.code == ErrorCode.NAME_CONFLICT and "Boom" in (refused.error or "")
    renamed = engine.command(
        "audio_import", {"objectId": folder["path"], "filePath": wav("Boom.wav"), "onNameConflict": "rename"}
    )
    assert renamed.ok and renamed.data["objectPath"] == folder["path"] + "\\Boom_01"


# -- read-back of what a batch imported --------------------------------------------------------------


class ReadSpy:
    """Counts the adapter's subtree reads and the rows they returned (the real calls still run)."""

    def __init__(self, adapter: WaapiAdapter, monkeypatch: pytest.MonkeyPatch) -> None:
        self.of: list[tuple[list[str], int]] = []
        self.under: list[tuple[str, int]] = []
        many, one = adapter.descendants_of, adapter.descendants

        def descendants_of(roots: list[str], types: list[str]) -> object:
            result = many(roots, types)
            self.of.append((list(roots), len(result.data) if result.ok else -1))
            return result

        def descendants(root: str, types: list[str]) -> object:
            result = one(root, types)
            self.under.append((root, len(result.data) if result.ok else -1))
            return result

        monkeypatch.setattr(adapter, "descendants_of", descendants_of)
        monkeypatch.setattr(adapter, "descendants", descendants)


def imported_into(adapter: WaapiAdapter, wav: Callable[..., str], folder: str, count: int) -> None:
    """``count`` Sounds ``<folder>0``... imported into ``SFX\\<folder>``."""
    items = [ImportItem(file=wav(f"{folder}{i}.wav"), parent_path=SFX, folders=[folder],
                        sound_name=f"{folder}{i}") for i in range(count)]
    assert all(o["ok"] for o in adapter.import_audio(items, verify_root=SFX).data["outcomes"])


def test_the_read_back_reads_the_folders_the_files_went_into_not_the_whole_target(
    adapter: WaapiAdapter, wav: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    imported_into(adapter, wav, "Old", 20)
    spy = ReadSpy(adapter, monkeypatch)
    new = [ImportItem(file=wav("A.wav"), parent_path=SFX, folders=["New"], sound_name="A"),
           ImportItem(file=wav("B.wav"), parent_path=SFX, folders=["New", "Deeper"], sound_name="B")]

    result = adapter.import_audio(new, verify_root=SFX)

    assert [o["ok"] for o in result.data["outcomes"]] == [True, True]
    # one read, of the outermost folder only (its descendants hold the deeper one): 2 Sounds, 2 sources
    assert spy.of == [([SFX + "\\New"], 4)] and spy.under == []


def test_when_a_folder_of_the_batch_is_missing_the_read_back_reads_the_target(
    adapter: WaapiAdapter, wav: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    items = [ImportItem(file=wav("Here.wav"), parent_path=SFX, folders=["Here"], sound_name="Here"),
             ImportItem(file=wav("Gone.wav"), parent_path=SFX, folders=["Gone"], sound_name="Gone")]
    assert adapter.import_audio(items[:1], verify_root=SFX).ok
    spy = ReadSpy(adapter, monkeypatch)

    # as after an import in which Wwise created nothing for the files of one folder
    read = adapter._read_back(items, [0, 1], SFX)

    assert read.ok and spy.of == [([SFX + "\\Here", SFX + "\\Gone"], -1)]  # Wwise fails the whole query
    assert spy.under == [(SFX, 2)]  # ... so the target is read: the Sound Here and its source
    assert sorted(row["name"] for row in read.data) == ["Here", "Here"]


def test_a_file_imported_onto_one_sound_reads_back_that_sound_not_its_siblings(
    adapter: WaapiAdapter, wav: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    imported_into(adapter, wav, "Many", 30)
    spy = ReadSpy(adapter, monkeypatch)
    sound = SFX + "\\Many\\Many7"
    again = ImportItem(file=wav("Many7_v2.wav"), parent_path=SFX + "\\Many", sound_name="Many7")

    result = adapter.import_audio([again], verify_root=sound)

    assert [o["ok"] for o in result.data["outcomes"]] == [True]
    # its two sources (the new one, and the old one the re-import then removes), not 60 sibling rows
    assert spy.of == [] and spy.under == [(sound, 2)]
