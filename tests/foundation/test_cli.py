"""The foundation's commands: ``plugins``, ``nodes``, ``config show|check``, and the root options."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from wwiseflowd.cli import main, resolve_log_level

REPO = Path(__file__).resolve().parents[2]



def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def config_with_broken_plugin(tmp_path: Path) -> Path:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "broken.py").write_text("import a_module_nobody_installed\n")
    config = tmp_path / "wwiseflowd.toml"
    config.write_text('[paths]\nplugins_dir = "plugins"\n\n[server]\ntoken = "s3cret"\n')
    return config


def test_plugins_lists_builtins_entry_points_and_a_broken_plugin_with_its_error(
    config_with_broken_plugin: Path,
) -> None:
    result = run("--config", str(config_with_broken_plugin), "plugins")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "wwise 0.1.0  (builtin, wwiseflowd.default_plugins.wwise)" in lines
    assert "audiocheck 0.1.0  (entry point, wwiseflowd-audiocheck)" in lines
    broken = config_with_broken_plugin.parent / "plugins" / "broken.py"
    assert f"broken  (directory, {broken})  [FAILED]" in lines
    assert ("    error: failed to load: ModuleNotFoundError: No module named "
            "'a_module_nobody_installed' (broken.py:1)") in lines


def test_plugins_json_has_name_version_source_hooks_and_errors(config_with_broken_plugin: Path) -> None:
    result = run("--config", str(config_with_broken_plugin), "plugins", "--json")
    infos = {i["name"]: i for i in json.loads(result.stdout)}
    assert infos["audiocheck"]["hooks"] == ["register_node_types"]
    assert infos["audiocheck"]["source"] == "entry point"
    assert infos["broken"]["loaded"] is False and infos["broken"]["errors"]
    assert infos["wwise"]["source"] == "builtin"


def test_nodes_json_lists_audiocheck_with_its_schema_and_plugin() -> None:
    result = run("nodes", "--json")
    entry = next(e for e in json.loads(result.stdout) if e["type"] == "audioCheck")
    assert entry["plugin"] == "audiocheck"
    assert entry["readOnly"] is True and entry["resource"] is None
    assert entry["outputs"] == ["ok", "report", "files", "failed"]
    properties = entry["inputs"]["properties"]
    assert {"filePath", "files", "sampleRates", "maxPeakDbfs", "clipRunSamples", "failOnError"} <= set(
        properties
    )
    assert properties["failOnError"]["default"] is True


def test_nodes_text_shows_types_inputs_and_outputs() -> None:
    result = run("nodes")
    assert "audioCheck  Audio check  (plugin: audiocheck)" in result.stdout
    assert "      sampleRates: array[integer] | null" in result.stdout
    assert "    -> ok, report, files, failed" in result.stdout


def test_config_show_prints_values_with_origins_and_masks_the_token(
    config_with_broken_plugin: Path,
) -> None:
    result = run("--config", str(config_with_broken_plugin), "config", "show")
    lines = result.stdout.splitlines()
    assert lines[0] == f"# config file: {config_with_broken_plugin} (found by --config)"
    token = next(line for line in lines if line.startswith("server.token"))
    assert '"********"' in token and token.endswith(f"# {config_with_broken_plugin}")
    assert "s3cret" not in result.stdout
    port = next(line for line in lines if line.startswith("server.port"))
    assert port.split("=")[1].split("#")[0].strip() == "8765" and port.endswith("# default")


def test_config_show_json_and_the_env_variable(
    config_with_broken_plugin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WWISEFLOWD_CONFIG", str(config_with_broken_plugin))
    shown = json.loads(run("config", "show", "--json").stdout)
    assert shown["foundBy"] == "WWISEFLOWD_CONFIG"
    assert shown["values"]["server.token"] == {"value": "********", "origin": str(config_with_broken_plugin)}
    plugins_dir = config_with_broken_plugin.parent.resolve() / "plugins"
    assert shown["values"]["paths.plugins_dir"]["value"] == str(plugins_dir)


def test_config_show_without_a_file_says_where_it_looked() -> None:
    result = run("config", "show")
    assert result.stdout.startswith("# config file: none (built-in defaults; looked in WWISEFLOWD_CONFIG, ")


def test_config_check_accepts_the_example_config() -> None:
    result = run("config", "check", str(REPO / "config" / "wwiseflowd.toml"))
    assert result.exit_code == 0
    assert result.stdout.strip().endswith("config/wwiseflowd.toml: OK (1 watch rule(s))")


def test_config_check_reports_each_problem_on_stderr_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[engine]\nmax_paralel = 2\n[server]\nport = 99999\n')
    result = run("config", "check", str(bad))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{bad}:2: engine.max_paralel: unknown key (did you mean 'max_parallel'? known keys here: "
        "max_parallel, retries, retry_base_ms, retry_max_ms, rollback, step_timeout_s; see "
        "config/wwiseflowd.toml for every key)",
        f"{bad}:4: server.port: Input should be less than or equal to 65535 (got 99999)",
    ]


def test_an_invalid_config_stops_any_command_with_the_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[wwise]\nurl = 8080\n")
    result = run("--config", str(bad), "nodes")
    assert result.exit_code == 2
    expected = f"Invalid configuration:\n{bad}:2: wwise.url: Input should be a valid string"
    assert result.stderr.startswith(expected)


@pytest.mark.parametrize(
    ("verbose", "flag", "quiet", "configured", "expected"),
    [
        (0, None, False, "INFO", "INFO"),
        (0, None, False, "ERROR", "ERROR"),
        (0, None, True, "INFO", "WARNING"),
        (0, None, True, "ERROR", "ERROR"),
        (1, None, True, "ERROR", "DEBUG"),
        (2, None, False, "INFO", "TRACE"),
        (2, "warning", False, "INFO", "WARNING"),
    ],
)
def test_log_level_precedence_is_flag_then_verbose_then_config(
    verbose: int, flag: str | None, quiet: bool, configured: str, expected: str
) -> None:
    assert resolve_log_level(verbose, flag, quiet, configured) == expected


def test_verbose_flags_reach_the_console_log() -> None:
    quiet = run("plugins")
    assert "hook register_node_types of plugin audiocheck" not in quiet.stderr
    traced = run("-vv", "plugins")
    assert "hook register_node_types of plugin audiocheck" in traced.stderr
    assert "hook register_node_types of plugin audiocheck" in run("--log-level", "trace", "plugins").stderr


def test_real_subprocess_console_script_and_python_dash_m(config_with_broken_plugin: Path) -> None:
    env = {**os.environ, "WWISEFLOWD_CONFIG": str(config_with_broken_plugin)}
    script = Path(sys.executable).parent / "wwiseflowd"
    listed = subprocess.run([str(script), "plugins"], env=env, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert "audiocheck 0.1.0  (entry point, wwiseflowd-audiocheck)" in listed.stdout
    assert "[FAILED]" in listed.stdout
    # the broken plugin is also a warning on stderr, once, naming the plugin
    assert listed.stderr.count("Plugin broken (directory): failed to load") == 1
    nodes = subprocess.run([sys.executable, "-m", "wwiseflowd", "nodes", "--json"], env=env,
                           capture_output=True, text=True, timeout=60)
    assert nodes.returncode == 0, nodes.stderr
    assert "audioCheck" in {entry["type"] for entry in json.loads(nodes.stdout)}


def test_config_check_of_a_missing_file_does_not_blame_config(tmp_path: Path) -> None:
    result = run("config", "check", str(tmp_path / "missing.toml"))
    assert result.exit_code == 2
    assert "file not found" in result.stderr and "--config" not in result.stderr
