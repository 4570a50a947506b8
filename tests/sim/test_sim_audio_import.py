"""Conformance: ak.wwise.core.audio.import / importTabDelimited / object.set import, with real files."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest
from waapi import WaapiClient

from tests.sim.waapi_calls import EVENTS_WU, WU, by_path, error_of, get, wav_bytes
from wwiseflowd.sim import Emulator

pytestmark = pytest.mark.integration

MakeWav = Callable[..., Path]


def do_import(
    client: WaapiClient, imports: list[dict], operation: str | None = None, **extra: object
) -> dict:
    args: dict = {"imports": imports, **extra}
    if operation is not None:
        args["importOperation"] = operation
    result = client.call("ak.wwise.core.audio.import", args)
    assert result is not None
    return result


def test_import_creates_sound_and_source_and_copies_into_originals(
    waapi: WaapiClient, sim: Emulator, make_wav: MakeWav
) -> None:
    wav = make_wav("gun_fire.wav")
    result = do_import(
        waapi,
        [{"audioFile": str(wav), "objectPath": f"{WU}\\<Sound SFX>Gun"}],
        default={"importLanguage": "SFX"},
    )
    assert set(result) == {"objects", "files", "log"}
    assert [o["name"] for o in result["objects"]] == ["gun_fire", "Gun"]  # the source first, as in Wwise
    copied = sim.project_dir / "Originals" / "SFX" / "gun_fire.wav"
    assert result["files"] == [str(copied)] and copied.read_bytes() == wav.read_bytes()
    assert result["log"] == []
    source = by_path(waapi, f"{WU}\\Gun\\gun_fire", ["type", "originalFilePath"])
    assert source == {"type": "AudioFileSource", "originalFilePath": str(copied)}
    assert by_path(waapi, f"{WU}\\Gun", ["originalFilePath"])["originalFilePath"] == str(copied)


def test_import_builds_typed_containers_and_virtual_folders(waapi: WaapiClient, make_wav: MakeWav) -> None:
    wav = make_wav("step.wav")
    path = f"{WU}\\<Actor-Mixer>Foley\\Steps\\<Sequence Container>Walk\\<Sound SFX>Step_01"
    result = do_import(
        waapi,
        [
            {
                "audioFile": str(wav),
                "objectPath": path,
                "@Volume": "-3",
                "notes": "n",
                "audioSourceNotes": "src",
            }
        ],
    )
    assert [o["name"] for o in result["objects"]] == ["Foley", "Steps", "Walk", "step", "Step_01"]
    assert by_path(waapi, f"{WU}\\Foley")["type"] == "ActorMixer"
    assert by_path(waapi, f"{WU}\\Foley\\Steps")["type"] == "Folder"  # untyped segment -> virtual folder
    assert by_path(waapi, f"{WU}\\Foley\\Steps\\Walk", ["type", "RandomOrSequence"]) == {
        "type": "RandomSequenceContainer",
        "RandomOrSequence": 0,
    }
    assert by_path(waapi, f"{WU}\\Foley\\Steps\\Walk\\Step_01", ["Volume", "notes"]) == {
        "Volume": -3,
        "notes": "n",
    }
    assert by_path(waapi, f"{WU}\\Foley\\Steps\\Walk\\Step_01\\step", ["notes"]) == {"notes": "src"}


def test_import_without_file_creates_the_objects_only(waapi: WaapiClient) -> None:
    path = f"{WU}\\<Actor-Mixer>Test 0\\<Random Container>Container 0\\<Sound SFX>Sound 0"
    result = do_import(waapi, [{"importLanguage": "SFX", "@Volume": "1", "objectPath": path}])
    assert [o["name"] for o in result["objects"]] == ["Test 0", "Container 0", "Sound 0"]
    assert result["files"] == []


def test_use_existing_keeps_the_sound_replace_existing_makes_a_new_one(
    waapi: WaapiClient, make_wav: MakeWav
) -> None:
    wav = make_wav("a.wav")
    item = {"audioFile": str(wav), "objectPath": f"{WU}\\<Sound SFX>S"}
    first = do_import(waapi, [item])["objects"][-1]["id"]
    reused = do_import(waapi, [item], "useExisting")["objects"][-1]["id"]
    assert reused == first
    replaced = do_import(waapi, [item], "replaceExisting")["objects"][-1]["id"]
    assert replaced != first
    assert by_path(waapi, f"{WU}\\S")["id"] == replaced
    created = do_import(waapi, [item], "createNew")["objects"][-1]
    assert created["name"] == "S_01"
    assert len(get(waapi, {"ofType": ["Sound"]})) == 2


def test_missing_and_non_wav_files_are_log_errors_not_waapi_errors(
    waapi: WaapiClient, make_wav: MakeWav, tmp_path: Path
) -> None:
    good = make_wav("ok.wav")
    text = tmp_path / "notes.wav"
    text.write_text("not audio")
    result = do_import(
        waapi,
        [
            {"audioFile": str(tmp_path / "absent.wav"), "objectPath": f"{WU}\\<Sound SFX>Absent"},
            {"audioFile": str(text), "objectPath": f"{WU}\\<Sound SFX>Text"},
            {"audioFile": str(good), "objectPath": f"{WU}\\<Sound SFX>Good"},
        ],
    )
    errors = {entry["index"]: entry for entry in result["log"]}
    assert set(errors) == {0, 1} and all(e["severity"] == "Error" for e in errors.values())
    assert "absent.wav" in errors[0]["message"] and "Not a valid WAV file" in errors[1]["message"]
    assert [o["name"] for o in result["objects"]] == ["ok", "Good"]
    assert [r["name"] for r in get(waapi, {"ofType": ["Sound"]})] == ["Good"]  # failed items left nothing
    general = waapi.call("ak.wwise.core.log.get", {"channel": "general"})["items"]
    assert any("absent.wav" in item["message"] for item in general)


def test_import_into_a_missing_work_unit_is_a_log_error(waapi: WaapiClient, make_wav: MakeWav) -> None:
    wav = make_wav("x.wav")
    result = do_import(
        waapi, [{"audioFile": str(wav), "objectPath": "\\Actor-Mixer Hierarchy\\Nope WU\\<Sound SFX>X"}]
    )
    assert result["objects"] == [] and "Nope WU" in result["log"][0]["message"]


def test_relative_object_path_uses_import_location_and_voice_goes_to_its_language(
    waapi: WaapiClient, sim: Emulator, make_wav: MakeWav
) -> None:
    wav = make_wav("line_01.wav")
    result = do_import(
        waapi,
        [
            {
                "audioFile": str(wav),
                "objectPath": "<Sound Voice>Line_01",
                "importLocation": WU,
                "importLanguage": "English(US)",
                "originalsSubFolder": "Dialogue\\Act1",
            }
        ],
    )
    expected = sim.project_dir / "Originals" / "Voices" / "English(US)" / "Dialogue" / "Act1" / "line_01.wav"
    assert result["files"] == [str(expected)] and expected.is_file()
    assert by_path(waapi, f"{WU}\\Line_01", ["IsVoice"]) == {"IsVoice": True}


def test_explicit_audio_file_source_segment_comes_after_its_sound(
    waapi: WaapiClient, make_wav: MakeWav
) -> None:
    wav = make_wav("take2.wav")
    result = do_import(
        waapi, [{"audioFile": str(wav), "objectPath": f"{WU}\\<Sound SFX>Door\\<AudioFileSource>Take 2"}]
    )
    assert [o["name"] for o in result["objects"]] == ["Door", "Take 2"]


def test_event_column_creates_an_event_that_plays_the_sound(waapi: WaapiClient, make_wav: MakeWav) -> None:
    wav = make_wav("bang.wav")
    do_import(
        waapi,
        [
            {
                "audioFile": str(wav),
                "objectPath": f"{WU}\\<Sound SFX>Bang",
                "event": f"{EVENTS_WU}\\Play_Bang@Play",
            }
        ],
    )
    actions = get(
        waapi,
        {"path": [f"{EVENTS_WU}\\Play_Bang"]},
        ["ActionType", "Target.name"],
        [{"select": ["children"]}],
    )
    assert actions == [{"ActionType": 1, "Target.name": "Bang"}]


def test_five_megabyte_base64_import_in_one_call(waapi: WaapiClient, sim: Emulator) -> None:
    payload = wav_bytes(frames=2_600_000)  # ~5.2 MB of PCM
    assert len(payload) > 5_000_000
    encoded = "big.wav|" + base64.b64encode(payload).decode("ascii")
    result = do_import(waapi, [{"audioFileBase64": encoded, "objectPath": f"{WU}\\<Sound SFX>Big"}])
    assert result["log"] == []
    assert (sim.project_dir / "Originals" / "SFX" / "big.wav").read_bytes() == payload


def test_bad_base64_is_a_log_error(waapi: WaapiClient) -> None:
    result = do_import(waapi, [{"audioFileBase64": "nope.wav|!!!", "objectPath": f"{WU}\\<Sound SFX>N"}])
    assert result["log"][0]["severity"] == "Error" and "base64" in result["log"][0]["message"]


def test_import_argument_errors_are_schema_errors(waapi: WaapiClient) -> None:
    err = error_of(waapi, "ak.wwise.core.audio.import", {"imports": [{"audioFile": "x.wav"}]})
    assert err.kwargs["message"] == "Argument objectPath is required in imports[0]."
    err = error_of(waapi, "ak.wwise.core.audio.import", {"imports": [], "importOperation": "merge"})
    assert err.kwargs["details"]["typeUri"] == "ak.wwise.schema_validation_failed"


def test_object_set_import_adds_a_source_to_an_existing_sound(
    waapi: WaapiClient, sim: Emulator, make_wav: MakeWav
) -> None:
    sound = waapi.call("ak.wwise.core.object.create", {"parent": WU, "type": "Sound", "name": "Holder"})
    wav = make_wav("holder.wav")
    result = waapi.call(
        "ak.wwise.core.object.set",
        {"objects": [{"object": sound["id"], "import": {"files": [{"audioFile": str(wav)}]}}]},
    )
    report = result["objects"][0]["children"][0]["import"]
    assert report["logs"] == [] and [o["name"] for o in report["objects"]] == ["holder", "Holder"]
    assert by_path(waapi, f"{WU}\\Holder\\holder")["type"] == "AudioFileSource"


def test_import_tab_delimited(waapi: WaapiClient, make_wav: MakeWav, tmp_path: Path) -> None:
    make_wav("one.wav")
    make_wav("two.wav")
    tsv = tmp_path / "source" / "list.tsv"
    tsv.write_text(
        "Audio File\tObject Path\t@Volume\n"
        f"one.wav\t{WU}\\<Random Container>Pair\\<Sound SFX>One\t-4\n"
        f"two.wav\t{WU}\\<Random Container>Pair\\<Sound SFX>Two\t\n",
        encoding="utf-8",
    )
    result = waapi.call(
        "ak.wwise.core.audio.importTabDelimited",
        {"importFile": str(tsv), "importLanguage": "SFX", "importOperation": "useExisting"},
    )
    assert [o["name"] for o in result["objects"]] == ["Pair", "one", "One", "two", "Two"]
    assert by_path(waapi, f"{WU}\\Pair\\One", ["Volume"]) == {"Volume": -4}
    err = error_of(
        waapi,
        "ak.wwise.core.audio.importTabDelimited",
        {
            "importFile": str(tmp_path / "absent.tsv"),
            "importLanguage": "SFX",
            "importOperation": "useExisting",
        },
    )
    assert err.uri == "ak.wwise.file_error"


def test_object_set_child_with_import_creates_the_sound_and_its_source(
    waapi: WaapiClient, make_wav: MakeWav
) -> None:
    wav = make_wav("made.wav")
    result = waapi.call(
        "ak.wwise.core.object.set",
        {
            "objects": [
                {
                    "object": WU,
                    "children": [
                        {"type": "Sound", "name": "Made", "import": {"files": [{"audioFile": str(wav)}]}}
                    ],
                }
            ]
        },
    )
    child = result["objects"][0]["children"][0]
    assert child["name"] == "Made" and [o["name"] for o in child["import"]["objects"]] == ["made", "Made"]
    assert by_path(waapi, f"{WU}\\Made\\made")["type"] == "AudioFileSource"


def test_reimporting_the_originals_copy_itself_is_fine(waapi: WaapiClient, make_wav: MakeWav) -> None:
    wav = make_wav("self.wav")
    first = do_import(waapi, [{"audioFile": str(wav), "objectPath": f"{WU}\\<Sound SFX>Self"}])
    again = do_import(waapi, [{"audioFile": first["files"][0], "objectPath": f"{WU}\\<Sound SFX>Self"}])
    assert again["log"] == [] and again["files"] == first["files"]
    assert Path(first["files"][0]).read_bytes() == wav.read_bytes()


def test_an_unwritable_originals_folder_is_a_log_error(
    waapi: WaapiClient, sim: Emulator, make_wav: MakeWav
) -> None:
    wav = make_wav("blocked.wav")
    sim.project_dir.mkdir(parents=True, exist_ok=True)
    (sim.project_dir / "Originals").write_text("a file where the folder should be")
    result = do_import(waapi, [{"audioFile": str(wav), "objectPath": f"{WU}\\<Sound SFX>Blocked"}])
    assert (
        result["objects"] == []
        and "Error copying the file to the originals folder" in result["log"][0]["message"]
    )


def test_a_file_name_with_dots_gives_its_source_a_valid_name_and_keeps_the_file_name(
    waapi: WaapiClient, sim: Emulator, make_wav: MakeWav
) -> None:
    wav = make_wav("door.open.v2.wav")
    result = do_import(waapi, [{"audioFile": str(wav), "objectPath": f"{WU}\\<Sound SFX>Door"}])
    assert result["log"] == []
    assert [o["name"] for o in result["objects"]] == ["door_open_v2", "Door"]
    copied = sim.project_dir / "Originals" / "SFX" / "door.open.v2.wav"
    source = by_path(waapi, f"{WU}\\Door\\door_open_v2", ["type", "originalFilePath"])
    assert source == {"type": "AudioFileSource", "originalFilePath": str(copied)}


def test_object_set_import_under_a_work_unit_names_the_sound_after_a_dotted_file(
    waapi: WaapiClient, make_wav: MakeWav
) -> None:
    wu = by_path(waapi, WU)
    wav = make_wav("amb.forest.wav")
    result = waapi.call(
        "ak.wwise.core.object.set",
        {"objects": [{"object": wu["id"], "import": {"files": [{"audioFile": str(wav)}]}}]},
    )
    report = result["objects"][0]["children"][0]["import"]
    assert report["logs"] == [] and [o["name"] for o in report["objects"]] == ["amb_forest", "amb_forest"]
