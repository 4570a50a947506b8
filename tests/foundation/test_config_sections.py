"""Plugins' own config tables: declared by a hook, validated by load_config, read with section()."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field

from wwiseflowd import hookimpl
from wwiseflowd.config import ConfigError, load_config, settings_for_tests
from wwiseflowd.plugins import Plugins

SECTION_PLUGIN = '''
from pydantic import BaseModel, ConfigDict, Field
from wwiseflowd import hookimpl

class ChatConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool = False
    port: int = Field(default=7000, ge=0, le=65535)

@hookimpl
def register_config_sections(register):
    register("chat", ChatConfig)
'''


class ChatConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool = False
    port: int = Field(default=7000, ge=0, le=65535)


def write_config(tmp_path: Path, body: str) -> Path:
    (tmp_path / "plugins").mkdir(exist_ok=True)
    (tmp_path / "plugins" / "chat.py").write_text(SECTION_PLUGIN)
    path = tmp_path / "wwiseflowd.toml"
    path.write_text(f'[paths]\nplugins_dir = "{tmp_path / "plugins"}"\n{body}')
    return path


def test_hook_register_config_sections_declares_a_table_that_load_config_validates(tmp_path: Path) -> None:
    loaded = load_config(write_config(tmp_path, "[chat]\nenabled = true\nport = 7100\n"))
    chat = loaded.settings.section("chat", ChatConfig)
    assert (chat.enabled, chat.port) == (True, 7100)
    assert loaded.origins["chat.port"] == str(tmp_path / "wwiseflowd.toml")  # config show lists it


def test_hook_register_config_sections_refuses_core_names_and_a_second_claim() -> None:
    class Sections:
        def __init__(self, name: str) -> None:
            self.name = name

        @hookimpl
        def register_config_sections(self, register: Callable[[str, type[BaseModel]], None]) -> None:
            register(self.name, ChatConfig)

    plugins = Plugins()
    plugins.register(Sections("server"), name="greedy")
    plugins.register(Sections("chat"), name="first")
    plugins.register(Sections("chat"), name="second")
    registry = plugins.registry()
    assert registry.plugin_of("config section", "chat") == "first"
    assert "server" not in registry.config_sections
    assert any("config section [server] is a core section" in e for e in plugins.errors)
    assert any("config section 'chat' is registered by both plugin 'first' and plugin 'second'" in e
               for e in plugins.errors)


def test_a_misspelt_key_in_a_plugin_section_names_line_and_likely_spelling(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[chat]\nenabled = true\nprot = 7100\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}:5: chat.prot: unknown key (did you mean 'port'?")


def test_a_table_no_plugin_declared_is_refused_with_the_likely_name(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[sever]\nport = 1\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}:3: sever: unknown section (did you mean 'server'?")


def test_an_absent_section_reads_as_the_models_defaults_and_bad_values_raise(tmp_path: Path) -> None:
    assert settings_for_tests(tmp_path).section("chat", ChatConfig) == ChatConfig()
    settings = settings_for_tests(tmp_path, chat={"port": 99999})
    with pytest.raises(ConfigError, match="chat.port: Input should be less than or equal to 65535"):
        settings.section("chat", ChatConfig)
