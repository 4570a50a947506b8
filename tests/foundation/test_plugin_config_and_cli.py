"""Plugins declare config sections (validated like the core's, shown by ``config show``) and add
CLI commands; the old name of the bus-command hook still works."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from pydantic import BaseModel, Field

from wwiseflowd import hookimpl
from wwiseflowd.cli import main
from wwiseflowd.config import load_config
from wwiseflowd.plugins import Plugins, load_plugins

PLUGIN_SOURCE = '''
import click
from pydantic import BaseModel, Field
from wwiseflowd import hookimpl

class DawConfig(BaseModel):
    host: str = Field("127.0.0.1", description="Where the DAW listens.")
    port: int = Field(8081, description="Its port.")

@hookimpl
def register_config_sections(register):
    register("daw", DawConfig)

@hookimpl
def register_cli_commands(cli):
    @cli.command("daw-where")
    @click.pass_obj
    def daw_where(state):
        """Print where the DAW is expected."""
        section = state.settings.section("daw")
        click.echo(f"{section.host}:{section.port}")

    @cli.command("nodes")
    def clash():
        """Tries to replace a built-in command."""
'''


def _config(tmp_path: Path, body: str) -> Path:
    plugins_dir = tmp_path / "plugins"
    plugins_dir.mkdir(exist_ok=True)
    (plugins_dir / "daw.py").write_text(PLUGIN_SOURCE)
    config = tmp_path / "wwiseflowd.toml"
    config.write_text(f'[paths]\nplugins_dir = "{plugins_dir.as_posix()}"\nstate_dir = '
                      f'"{(tmp_path / "state").as_posix()}"\n' + body)
    return config


def test_hook_register_config_sections_validates_the_table_strictly_with_did_you_mean(tmp_path: Path) -> None:
    config = _config(tmp_path, "[daw]\nhots = \"10.0.0.2\"\nport = \"x\"\n")
    settings = load_config(config).settings
    plugins = load_plugins(settings, entry_points=False)

    problems = plugins.check_config(settings)

    hots, port = sorted(problems)
    assert hots.startswith("config daw.hots: unknown key (did you mean 'host'? known keys here:")
    assert port.startswith("config daw.port: Input should be a valid integer")
    assert f"daw: {hots}" in plugins.errors  # shown by wwiseflowd plugins; the others still work
    checked = CliRunner().invoke(main, ["config", "check", str(config)])
    assert checked.exit_code == 2 and "daw.hots: unknown key (did you mean 'host'?" in checked.stderr


def test_hook_register_config_sections_gives_the_plugin_its_section_and_config_show_its_sources(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path, "[daw]\nport = 9000\n")
    settings = load_config(config).settings
    load_plugins(settings, entry_points=False)
    assert (settings.section("daw").host, settings.section("daw").port) == ("127.0.0.1", 9000)

    shown = CliRunner().invoke(main, ["--config", str(config), "config", "show", "--json"])

    assert shown.exit_code == 0, shown.output
    values = json.loads(shown.stdout)["values"]
    assert values["daw.port"] == {"value": 9000, "origin": str(config)}
    assert values["daw.host"] == {"value": "127.0.0.1", "origin": "default"}


def test_a_table_no_plugin_declares_is_an_error_naming_the_closest_section(tmp_path: Path) -> None:
    config = _config(tmp_path, "[dwa]\nport = 1\n")
    result = CliRunner().invoke(main, ["config", "check", str(config)])
    assert result.exit_code == 2
    assert "config section [dwa] is not declared by any loaded plugin (did you mean [daw]?" in result.stderr


def test_hook_register_cli_commands_adds_commands_and_refuses_a_taken_name(tmp_path: Path) -> None:
    config = _config(tmp_path, "[daw]\nhost = \"10.0.0.2\"\n")
    runner = CliRunner()

    ran = runner.invoke(main, ["--config", str(config), "daw-where"])
    listed = runner.invoke(main, ["--config", str(config), "--help"])
    plugins = runner.invoke(main, ["--config", str(config), "plugins", "--json"])

    assert ran.exit_code == 0 and ran.stdout.strip() == "10.0.0.2:8081", ran.output
    assert "daw-where" in listed.stdout
    daw = next(p for p in json.loads(plugins.stdout) if p["name"] == "daw")
    assert any("CLI command 'nodes' is already provided by wwiseflowd" in e for e in daw["errors"])


def test_hook_register_commands_is_the_deprecated_name_of_register_bus_commands() -> None:
    class Input(BaseModel):
        text: str = Field(description="anything")

    class OldStyle:
        @hookimpl
        def register_commands(self, register: Callable[..., None]) -> None:
            register("old_echo", lambda data, ctx: None, Input)

    plugins = Plugins()
    with pytest.warns(DeprecationWarning, match="register_bus_commands"):
        plugins.register(OldStyle(), name="old")
    assert "old_echo" in plugins.registry().commands


def test_a_cli_command_of_a_raising_hook_is_not_added(tmp_path: Path) -> None:
    class Raises:
        @hookimpl
        def register_cli_commands(self, cli: click.Group) -> None:
            @cli.command("half")
            def half() -> None:
                """Never reachable."""

            raise RuntimeError("broken")

    plugins = Plugins()
    plugins.register(Raises(), name="raises")
    root = click.Group("root")
    plugins.add_cli_commands(root)
    assert root.commands == {} and any("RuntimeError: broken" in e for e in plugins.errors)


