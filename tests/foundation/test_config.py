"""Configuration: lookup order, and the exact messages a user sees for each kind of mistake."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import platformdirs
import pytest

from wwiseflowd.config import (
    ConfigError,
    Settings,
    flatten,
    load_config,
    locate_config,
    parse_settings,
    settings_for_tests,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config" / "wwiseflowd.toml"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def url_config(path: Path, port: int) -> Path:
    return write(path, f'[wwise]\nurl = "ws://127.0.0.1:{port}/waapi"\n')


def problems_of(excinfo: pytest.ExceptionInfo[ConfigError]) -> str:
    return str(excinfo.value)


def config_error(path: Path, text: str) -> str:
    """The message a user sees for a config file with ``text``."""
    write(path, text)
    with pytest.raises(ConfigError) as excinfo:
        load_config(path)
    return problems_of(excinfo)


def test_lookup_order_is_flag_then_env_then_user_dir_then_site_dir_then_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = url_config(Path(platformdirs.user_config_dir("wwiseflowd")) / "wwiseflowd.toml", 1)
    site = url_config(Path(platformdirs.site_config_dir("wwiseflowd")) / "wwiseflowd.toml", 2)
    env = url_config(tmp_path / "env.toml", 3)
    flag = url_config(tmp_path / "flag.toml", 4)
    monkeypatch.setenv("WWISEFLOWD_CONFIG", str(env))
    try:
        assert load_config(flag).settings.wwise.url.endswith(":4/waapi")
        assert locate_config(flag) == (flag, "--config")
        assert load_config().settings.wwise.url.endswith(":3/waapi")
        assert load_config().found_by == "WWISEFLOWD_CONFIG"
        monkeypatch.delenv("WWISEFLOWD_CONFIG")
        assert load_config().settings.wwise.url.endswith(":1/waapi")
        assert load_config().found_by == "user config dir"
        user.unlink()
        assert load_config().settings.wwise.url.endswith(":2/waapi")
        assert load_config().found_by == "site config dir"
        site.unlink()
        defaults = load_config()
        assert defaults.source is None
        assert defaults.settings.wwise.url == "ws://127.0.0.1:8080/waapi"
        assert set(defaults.origins.values()) == {"default"}
    finally:
        user.unlink(missing_ok=True)
        site.unlink(missing_ok=True)


def test_unknown_key_names_file_line_dotted_key_and_the_likely_spelling(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    message = config_error(path, '# my config\n[wwise]\nulr = "ws://x"\n')
    assert message.startswith(f"{path}:3: wwise.ulr: unknown key (did you mean 'url'?")
    assert "known keys here: call_timeout, connect_timeout" in message


def test_unknown_key_inside_the_second_watch_rule_names_its_index(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    message = config_error(path, '[[watch]]\nfolder = "/a"\n\n[[watch]]\nfolder = "/b"\nsetle_ms = 5\n')
    assert message.startswith(f"{path}:6: watch[1].setle_ms: unknown key (did you mean 'settle_ms'?")


def test_wrong_type_names_the_key_the_expected_type_and_the_value(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    message = config_error(path, '[server]\nhost = "127.0.0.1"\nport = "eighty"\n')
    assert message == (
        f"{path}:3: server.port: Input should be a valid integer, unable to parse string as an "
        f"integer (got 'eighty')"
    )


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    # an unknown table ([nope]) may be a plugin's section: Plugins.check_config reports it (see
    # test_plugin_sections.py); an unknown key is an error here
    message = config_error(path, "[engine]\nmax_parallel = 0\nretries = -1\nnope = 1\n[nope]\n")
    keys = [re.sub(r"^.*?:\d+: ", "", line).split(":")[0] for line in message.splitlines()]
    assert sorted(keys) == ["engine.max_parallel", "engine.nope", "engine.retries"]


def test_watch_written_as_a_single_table_explains_double_brackets(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    message = config_error(path, '[watch]\nfolder = "/drop"\n')
    assert message == (
        f"{path}:1: watch: must be a list of tables: write [[watch]] (double brackets) once per drop folder"
    )


def test_missing_required_watch_folder(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    message = config_error(path, '[[watch]]\ntarget = "\\\\Actor-Mixer Hierarchy"\n')
    assert message == f"{path}:1: watch[0].folder: required key is missing; add it"


def test_missing_file_named_by_flag_or_env_is_an_error_not_silent_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as excinfo:
        load_config(missing)
    assert problems_of(excinfo) == f"{missing}: file not found (named by --config); check the path"
    monkeypatch.setenv("WWISEFLOWD_CONFIG", str(missing))
    with pytest.raises(ConfigError) as excinfo:
        load_config()
    assert problems_of(excinfo) == f"{missing}: file not found (named by WWISEFLOWD_CONFIG); check the path"


def test_invalid_toml_names_the_file_and_position(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    message = config_error(path, '[wwise]\nurl = "ws://unterminated\n')
    assert message.startswith(f"{path}: not valid TOML: ")
    assert "line 2" in message


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    path = write(tmp_path / "conf" / "w.toml",
                 '[paths]\nstate_dir = "state"\nlogs_dir = "/abs/logs"\n[[watch]]\nfolder = "drop"\n')
    settings = load_config(path).settings
    assert settings.paths.state_dir == (tmp_path / "conf" / "state").resolve()
    assert settings.paths.logs_dir == Path("/abs/logs")
    assert settings.watch[0].folder == (tmp_path / "conf" / "drop").resolve()


def test_origins_say_which_values_came_from_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "w.toml", '[engine]\nretries = 5\n[[watch]]\nfolder = "/drop"\n')
    loaded = load_config(path)
    assert loaded.origins["engine.retries"] == str(path)
    assert loaded.origins["engine.max_parallel"] == "default"
    assert loaded.origins["watch[0].folder"] == str(path)
    assert loaded.origins["watch[0].settle_ms"] == "default"


def test_log_level_is_case_insensitive() -> None:
    assert parse_settings({"logging": {"level": "debug"}}, "<t>").logging.level == "DEBUG"


def test_settings_for_tests_roots_every_directory_in_tmp(tmp_path: Path) -> None:
    settings = settings_for_tests(tmp_path, engine={"retries": 0})
    assert settings.engine.retries == 0
    assert settings.store_path == tmp_path / "state" / "wwiseflowd.sqlite3"
    assert settings.paths.plugins_dir == tmp_path / "plugins"


def test_example_config_is_valid() -> None:
    loaded = load_config(EXAMPLE)
    assert loaded.settings.watch, "the example shows at least one [[watch]] rule"


def test_example_config_documents_every_key() -> None:
    """Each key of every section appears in config/wwiseflowd.toml, set or commented out."""
    text = EXAMPLE.read_text(encoding="utf-8")
    uncommented = "\n".join(line.lstrip("# ") for line in text.splitlines())
    parsed_sections = set(tomllib.loads(text))
    defaults = flatten(Settings().model_dump(mode="json"))
    from wwiseflowd.config import WatchConfig

    watch_keys = {f"watch.{name}" for name in WatchConfig.model_fields}
    missing = []
    for key in [*defaults, *watch_keys]:
        section, _, name = key.partition(".")
        if not name:
            continue
        if not re.search(rf"^\s*{re.escape(name)}\s*=", uncommented, re.MULTILINE):
            missing.append(key)
    assert not missing, f"document these keys in config/wwiseflowd.toml: {missing}"
    assert {"wwise", "server", "store", "paths", "logging", "plugins", "engine", "watch"} <= parsed_sections


def test_the_import_call_budget_defaults_under_a_short_call_timeout_and_is_refused_when_set_over_it() -> None:
    from wwiseflowd.config import WwiseConfig

    assert WwiseConfig(call_timeout=1.5).import_call_budget_s == 0.75  # a config valid before the budget
    assert WwiseConfig().import_call_budget_s == 2.0
    with pytest.raises(ValueError, match="must be under call_timeout"):
        WwiseConfig(call_timeout=1.5, import_call_budget_s=2.0)
