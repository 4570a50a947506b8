"""Plugin config sections ([reaper], ...) and plugin-shipped workflows: the two registration hooks."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from wwiseflowd import hookimpl
from wwiseflowd.config import ConfigError, parse_settings, settings_for_tests
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
    assert plugins.registry().config_sections == {"greet": GreetConfig}
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
        "config section [grpc] is not declared by any loaded plugin (plugin sections: greet)"
    ]
    assert plugins.check_config(settings_for_tests(tmp_path, greeet={})) == [
        "config section [greeet] is not declared by any loaded plugin (did you mean [greet]? "
        "plugin sections: greet)"
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
