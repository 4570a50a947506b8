"""Plugin config sections ([reaper], ...) and plugin-shipped workflows: the two registration hooks."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from wwiseflowd import hookimpl
from wwiseflowd.config import ConfigError, parse_settings, settings_for_tests
from wwiseflowd.fleet.door import FleetConfig  # the built-in fleet plugin's section
from wwiseflowd.plugins import Plugins


class GreetConfig(BaseModel):
    """A plugin section with one key."""

    model_config = ConfigDict(extra="forbid")

    greeting: str = "hello"


class SectionPlugin:
    @hookimpl
    def register_config_sections(self, register: Callable[[str, type[BaseModel]], None]) -> None:
        register("greet", GreetConfig)


def _loaded(plugin: object, name: str = "greeter") -> Plugins:
    plugins = Plugins().load(entry_points=False)
    plugins.register(plugin, name=name)
    return plugins


def test_hook_register_config_sections_validates_the_plugin_table_against_its_model(tmp_path: Path) -> None:
    plugins = _loaded(SectionPlugin())
    assert plugins.registry().config_sections == {"greet": GreetConfig, "fleet": FleetConfig}
    good = settings_for_tests(tmp_path, greet={"greeting": "hi"})
    assert good.plugin_section("greet") == {"greeting": "hi"}
    assert plugins.check_config(good) == []
    bad = settings_for_tests(tmp_path, greet={"greetin": "hi"})
    problems = plugins.check_config(bad)
    assert problems == [
        "config greet.greetin: unknown key (did you mean 'greeting'? known keys here: greeting; "
        "see config/wwiseflowd.toml for every key)"
    ]
    assert f"greeter: {problems[0]}" in plugins.errors
    assert good.section("greet").greeting == "hi"


def test_a_table_no_plugin_declares_is_reported_and_a_typo_of_a_core_section_stays_an_error(
    tmp_path: Path,
) -> None:
    plugins = _loaded(SectionPlugin())
    orphan = settings_for_tests(tmp_path, grpc={"port": 1})
    assert plugins.check_config(orphan) == [
        "config section [grpc] is not declared by any loaded plugin (plugin sections: fleet, greet)"
    ]
    assert plugins.check_config(settings_for_tests(tmp_path, greeet={})) == [
        "config section [greeet] is not declared by any loaded plugin (did you mean [greet]? "
        "plugin sections: fleet, greet)"
    ]
    with pytest.raises(ConfigError, match="wwsie"):
        parse_settings({"wwsie": {"url": "ws://x"}}, "<test>")


def test_a_plugin_cannot_declare_a_core_section() -> None:
    class Grabber:
        @hookimpl
        def register_config_sections(self, register: Callable[[str, type[BaseModel]], None]) -> None:
            register("wwise", GreetConfig)

    plugins = _loaded(Grabber(), "grabber")
    assert "wwise" not in plugins.registry().config_sections
    assert any("[wwise] is a core section" in e for e in plugins.errors)


def test_hook_register_workflows_names_each_document_by_its_id(tmp_path: Path) -> None:
    doc = tmp_path / "shipped.json"
    doc.write_text(json.dumps({"id": "render-and-import", "nodes": []}), encoding="utf-8")

    class Ships:
        @hookimpl
        def register_workflows(self, register: Callable[[Path], None]) -> None:
            register(doc)

    plugins = _loaded(Ships(), "ships")
    plugins.register(Ships(), name="ships-again")
    registry = plugins.registry()
    assert registry.workflows == {"render-and-import": doc}
    assert registry.plugin_of("workflow", "render-and-import") == "ships"
    assert any("workflow 'render-and-import' is registered by both" in e for e in plugins.errors)


def test_validate_and_exec_take_a_workflow_id_as_well_as_a_file(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from wwiseflowd.cli import main

    workflows = tmp_path / "workflows"
    workflows.mkdir()
    (workflows / "mine.json").write_text(json.dumps({"id": "my-flow", "nodes": []}), encoding="utf-8")
    config = tmp_path / "wwiseflowd.toml"
    config.write_text(f'[paths]\nstate_dir = "{(tmp_path / "state").as_posix()}"\n'
                      f'workflows_dir = "{workflows.as_posix()}"\n'
                      f'plugins_dir = "{(tmp_path / "plugins").as_posix()}"\n', encoding="utf-8")

    def plan_id(ref: str) -> str:
        result = CliRunner().invoke(main, ["--config", str(config), "validate", ref], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return str(json.loads(result.stdout)["data"]["workflowId"])

    assert plan_id("my-flow") == "my-flow"  # by id, from the workflows directory
    assert plan_id("auto-import") == "auto-import"  # the built-in
    assert plan_id(str(workflows / "mine.json")) == "my-flow"  # a file still works
    missing = CliRunner().invoke(main, ["--config", str(config), "validate", "no-such-flow"])
    assert missing.exit_code == 1 and "no-such-flow does not exist" in missing.stdout


def test_hook_register_file_checks_decides_when_a_dropped_file_of_that_type_is_complete(
    tmp_path: Path,
) -> None:
    from wwiseflowd.watch.wavecheck import WaveProbe, WaveVerdict, probe_file

    def check(path: Path) -> WaveProbe:
        text = path.read_text(encoding="utf-8")
        return WaveProbe(WaveVerdict.COMPLETE if text.endswith("END\n") else WaveVerdict.INCOMPLETE, "no END")

    class Checks:
        @hookimpl
        def register_file_checks(self, register: Callable[..., None]) -> None:
            register(".Cue", check)

    checks = _loaded(Checks(), "cues").registry().file_checks
    assert list(checks) == [".cue"]
    cue = tmp_path / "a.CUE"
    cue.write_text("half", encoding="utf-8")
    assert probe_file(cue, checks).verdict is WaveVerdict.INCOMPLETE
    cue.write_text("all\nEND\n", encoding="utf-8")
    assert probe_file(cue, checks).verdict is WaveVerdict.COMPLETE
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"RIFF")
    assert probe_file(wav, checks).verdict is not WaveVerdict.COMPLETE  # other types: the WAV check
