"""The plugin system: discovery, isolation of broken plugins, allow/block lists, the registry."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from tests.foundation.pluginkit import NODE_PLUGIN_SOURCE, NoInputs, node_spec
from wwiseflowd import NodeSpec, Result, hookimpl
from wwiseflowd.hookspecs import WwiseflowdSpecs
from wwiseflowd.plugins import PluginError, Plugins, load_plugins
from wwiseflowd.registry import CommandContext

InstallDist = Callable[..., Path]
FOUNDATION_TESTS = Path(__file__).parent
DOCS = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
HOOK_NAMES = sorted(name for name in vars(WwiseflowdSpecs) if not name.startswith("_"))


def by_name(plugins: Plugins) -> dict[str, dict[str, Any]]:
    return {info["name"]: info for info in plugins.describe()}


class NodesPlugin:
    """Registers the node types it is given."""

    def __init__(self, *types: str) -> None:
        self.types = types

    @hookimpl
    def register_node_types(self, register: Callable[[NodeSpec], None]) -> None:
        for type_ in self.types:
            register(node_spec(type_))


# -- discovery ---------------------------------------------------------------------------------


def test_audiocheck_is_discovered_through_its_installed_entry_point_metadata() -> None:
    plugins = Plugins().load(builtins=False)
    info = by_name(plugins)["audiocheck"]
    assert info == {
        "name": "audiocheck", "source": "entry point", "version": "0.1.0", "status": "loaded",
        "loaded": True, "origin": "wwiseflowd-audiocheck", "hooks": ["register_node_types"],
        "errors": [],
    }
    assert plugins.registry().plugin_of("node type", "audioCheck") == "audiocheck"


def test_built_in_plugins_load_first_and_can_be_blocked() -> None:
    import wwiseflowd
    from wwiseflowd.plugins import DEFAULT_PLUGINS

    plugins = Plugins().load(entry_points=False)
    builtins = [i for i in plugins.describe() if i["source"] == "builtin"]
    assert sorted(i["origin"] for i in builtins) == sorted(DEFAULT_PLUGINS)
    assert all(i["status"] == "loaded" and i["version"] == wwiseflowd.__version__ for i in builtins)
    blocked = Plugins().load(entry_points=False, block=[name.rsplit(".", 1)[-1] for name in DEFAULT_PLUGINS])
    assert blocked.registry().node_types == {}
    assert {i["status"] for i in blocked.describe()} <= {"blocked"}


def test_a_plugin_that_fails_to_import_is_reported_and_the_others_still_load(
    install_dist: InstallDist,
) -> None:
    install_dist("wwf-broken", entry_points={"broken": "wwf_broken_mod"},
                 modules={"wwf_broken_mod": "import a_dependency_that_is_not_installed\n"})
    install_dist("wwf-fine", entry_points={"fine": "wwf_fine_mod"},
                 modules={"wwf_fine_mod": NODE_PLUGIN_SOURCE.replace("{type}", "fineNode")})
    plugins = Plugins().load(builtins=False)
    infos = by_name(plugins)
    assert infos["broken"]["status"] == "failed"
    assert infos["broken"]["errors"] == [
        "failed to load: ModuleNotFoundError: No module named 'a_dependency_that_is_not_installed' "
        "(wwf_broken_mod.py:1)"
    ]
    assert infos["broken"]["version"] == "1.0" and infos["broken"]["origin"] == "wwf-broken"
    assert infos["fine"]["status"] == "loaded"
    assert {"audioCheck", "fineNode"} <= set(plugins.registry().node_types)


def test_strict_mode_turns_a_load_error_into_an_exception(
    install_dist: InstallDist, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_dist("wwf-broken", entry_points={"broken": "wwf_broken_mod2"},
                 modules={"wwf_broken_mod2": "raise RuntimeError('boom at import')\n"})
    monkeypatch.setenv("WWISEFLOWD_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match="plugin 'broken': failed to load: RuntimeError: boom at import"):
        Plugins().load(builtins=False)


def test_plugins_dir_files_load_as_directory_plugins(plugins_dir: Path) -> None:
    (plugins_dir / "house_nodes.py").write_text(NODE_PLUGIN_SOURCE.replace("{type}", "houseNode"))
    (plugins_dir / "_shared.py").write_text("raise RuntimeError('helpers are not plugins')\n")
    (plugins_dir / "notes.txt").write_text("not python")
    plugins = Plugins().load(plugins_dir=plugins_dir, entry_points=False, builtins=False)
    infos = by_name(plugins)
    assert set(infos) == {"house_nodes"}
    assert infos["house_nodes"]["source"] == "directory"
    assert infos["house_nodes"]["origin"] == str(plugins_dir / "house_nodes.py")
    assert plugins.registry().plugin_of("node type", "houseNode") == "house_nodes"


def test_a_broken_plugins_dir_file_names_file_and_line(plugins_dir: Path) -> None:
    (plugins_dir / "typo.py").write_text("from wwiseflowd import hookimpl\n\nx = 1 +\n")
    (plugins_dir / "ok.py").write_text(NODE_PLUGIN_SOURCE.replace("{type}", "okNode"))
    plugins = Plugins().load(plugins_dir=plugins_dir, entry_points=False)
    infos = by_name(plugins)
    assert infos["typo"]["status"] == "failed"
    [error] = infos["typo"]["errors"]
    assert re.match(r"failed to load: SyntaxError: invalid syntax \(typo\.py, line 3\)", error)
    assert "okNode" in plugins.registry().node_types


def test_a_plugins_dir_file_cannot_take_an_entry_point_plugins_name(plugins_dir: Path) -> None:
    (plugins_dir / "audiocheck.py").write_text(NODE_PLUGIN_SOURCE.replace("{type}", "impostor"))
    plugins = Plugins().load(plugins_dir=plugins_dir, builtins=False)
    rows = [i for i in plugins.describe() if i["name"] == "audiocheck"]
    assert [(r["source"], r["status"]) for r in rows] == [("entry point", "loaded"), ("directory", "failed")]
    expected = "already loaded (entry point, wwiseflowd-audiocheck); rename or remove this one"
    assert expected in rows[1]["errors"][0]
    assert "impostor" not in plugins.registry().node_types


def test_a_hook_implementation_with_a_misspelt_name_is_reported() -> None:
    class Typo:
        @hookimpl
        def register_node_type(self, register: Any) -> None:  # missing "s"
            raise AssertionError("never called")

    plugins = Plugins()
    plugins.register(Typo(), name="typo")
    assert by_name(plugins)["typo"]["errors"] == [
        "implements 'register_node_type', which is not a wwiseflowd hook (a typo?); it is never "
        "called. See docs/plugins.md"
    ]


# -- allow and block lists ------------------------------------------------------------------------


def test_config_allow_list_loads_only_named_plugins_by_plugin_or_distribution_name(
    install_dist: InstallDist,
) -> None:
    install_dist("wwf-other", entry_points={"other": "wwf_other_mod"},
                 modules={"wwf_other_mod": NODE_PLUGIN_SOURCE.replace("{type}", "otherNode")})
    plugins = Plugins().load(allow=["wwiseflowd-audiocheck"], builtins=False)
    infos = by_name(plugins)
    assert (infos["audiocheck"]["status"], infos["other"]["status"]) == ("loaded", "not allowed")
    assert set(plugins.registry().node_types) == {"audioCheck"}
    plugins = Plugins().load(allow=["other"], builtins=False)
    assert set(plugins.registry().node_types) == {"otherNode"}


def test_env_load_plugins_overrides_the_config_and_empty_means_none(
    monkeypatch: pytest.MonkeyPatch, plugins_dir: Path
) -> None:
    (plugins_dir / "local.py").write_text(NODE_PLUGIN_SOURCE.replace("{type}", "localNode"))
    monkeypatch.setenv("WWISEFLOWD_LOAD_PLUGINS", "")
    plugins = Plugins().load(plugins_dir=plugins_dir, allow=["audiocheck", "local"], builtins=False)
    assert plugins.registry().node_types == {}
    assert {i["status"] for i in plugins.describe()} == {"not allowed"}
    monkeypatch.setenv("WWISEFLOWD_LOAD_PLUGINS", "local")
    plugins = Plugins().load(plugins_dir=plugins_dir, allow=["audiocheck"], builtins=False)
    assert set(plugins.registry().node_types) == {"localNode"}


def test_a_blocked_plugin_is_never_imported(install_dist: InstallDist, tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    install_dist("wwf-noisy", entry_points={"noisy": "wwf_noisy_mod"},
                 modules={"wwf_noisy_mod": f"open({str(marker)!r}, 'w').close()\n"})
    plugins = Plugins().load(block=["noisy"], builtins=False)
    assert by_name(plugins)["noisy"]["status"] == "blocked"
    assert not marker.exists()


def test_env_disable_plugins_blocks_by_distribution_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WWISEFLOWD_DISABLE_PLUGINS", "WWiseFlowd_AudioCheck")
    plugins = Plugins().load(builtins=False)
    assert by_name(plugins)["audiocheck"]["status"] == "blocked"
    assert "audioCheck" not in plugins.registry().node_types


def test_hooks_of_a_blocked_plugin_never_run_even_when_registered_in_process() -> None:
    plugins = Plugins().load(block=["house"], entry_points=False, builtins=False)
    plugins.register(NodesPlugin("houseNode"), name="house")
    assert by_name(plugins)["house"]["status"] == "blocked"
    assert plugins.registry().node_types == {}


def test_load_plugins_takes_the_lists_and_dir_from_settings(tmp_path: Path) -> None:
    from wwiseflowd.config import settings_for_tests

    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "mine.py").write_text(NODE_PLUGIN_SOURCE.replace("{type}", "mineNode"))
    settings = settings_for_tests(tmp_path, plugins={"block": ["audiocheck"]})
    plugins = load_plugins(settings)
    assert "mineNode" in plugins.registry().node_types
    assert "audioCheck" not in plugins.registry().node_types
    assert by_name(plugins)["audiocheck"]["status"] == "blocked"


# -- hooks: each has a test named test_hook_<name>... ------------------------------------------------


def test_hook_register_node_types_adds_types_with_their_plugin() -> None:
    plugins = Plugins()
    plugins.register(NodesPlugin("fooNode", "barNode"), name="foo")
    registry = plugins.registry()
    assert sorted(registry.node_types) == ["barNode", "fooNode"]
    assert [e["plugin"] for e in registry.catalog()] == ["foo", "foo"]
    assert registry.catalog()[0]["inputs"] == NoInputs.model_json_schema()


def test_hook_register_node_types_duplicate_type_is_an_error_naming_both_plugins() -> None:
    plugins = Plugins().load(builtins=False)
    plugins.register(NodesPlugin("audioCheck", "ownNode"), name="copycat")
    registry = plugins.registry()
    assert registry.plugin_of("node type", "audioCheck") == "audiocheck"  # first loaded wins
    assert "ownNode" in registry.node_types  # the rest of the plugin still registers
    assert by_name(plugins)["copycat"]["errors"] == [
        "node type 'audioCheck' is registered by both plugin 'audiocheck' and plugin 'copycat'; "
        "the one from 'audiocheck' is used. Uninstall or block one of them ([plugins] block in "
        "the config, or WWISEFLOWD_DISABLE_PLUGINS)"
    ]


def test_hook_register_node_types_that_raises_registers_nothing_and_others_still_do() -> None:
    class HalfBroken:
        @hookimpl
        def register_node_types(self, register: Callable[[NodeSpec], None]) -> None:
            register(node_spec("firstNode"))
            raise KeyError("oops")

    plugins = Plugins()
    plugins.register(HalfBroken(), name="half")
    plugins.register(NodesPlugin("goodNode"), name="good")
    assert set(plugins.registry().node_types) == {"goodNode"}
    [error] = by_name(plugins)["half"]["errors"]
    assert error.startswith("hook register_node_types raised KeyError: 'oops' (test_plugins.py:")


def test_hook_register_node_types_refuses_invalid_specs_with_a_reason() -> None:
    class Arbitrary:
        pass

    class Odd:
        @hookimpl
        def register_node_types(self, register: Callable[[NodeSpec], None]) -> None:
            register(node_spec("Create_sound"))
            register(node_spec("weirdInputs", inputs=dict))

    class BadSchema(BaseModel):
        model_config = {"arbitrary_types_allowed": True}
        thing: Arbitrary

    plugins = Plugins()
    plugins.register(Odd(), name="odd")
    assert plugins.registry().node_types == {}
    errors = by_name(plugins)["odd"]["errors"]
    assert errors == [
        "node type 'Create_sound' is not camelCase (e.g. 'audioCheck'); rename it",
        "node type 'weirdInputs': inputs must be a pydantic model class",
    ]
    plugins = Plugins()

    class Unschematic:
        @hookimpl
        def register_node_types(self, register: Callable[[NodeSpec], None]) -> None:
            register(node_spec("noSchema", inputs=BadSchema))

    plugins.register(Unschematic(), name="unschematic")
    assert plugins.registry().node_types == {}
    assert "its inputs model has no JSON schema" in by_name(plugins)["unschematic"]["errors"][0]


class Payload(BaseModel):
    name: str


def handler(data: Payload, ctx: CommandContext) -> Result:
    return Result.success({"hello": data.name})


def test_hook_register_bus_commands_adds_commands_and_refuses_duplicates_and_bad_names() -> None:
    class Commands:
        @hookimpl
        def register_bus_commands(self, register: Callable[..., None]) -> None:
            register("say_hello", handler, Payload, description="greets", read_only=True)

    class Again:
        @hookimpl
        def register_bus_commands(self, register: Callable[..., None]) -> None:
            register("say_hello", handler, Payload)
            register("SayHello", handler, Payload)

    plugins = Plugins()
    plugins.register(Commands(), name="cmds")
    plugins.register(Again(), name="again")
    registry = plugins.registry()
    spec = registry.commands["say_hello"]
    assert (spec.description, spec.read_only, spec.input_model) == ("greets", True, Payload)
    assert registry.plugin_of("command", "say_hello") == "cmds"
    errors = by_name(plugins)["again"]["errors"]
    assert errors[0].startswith("command 'say_hello' is registered by both plugin 'cmds' and plugin 'again'")
    assert errors[1] == "command 'SayHello' is not snake_case (e.g. 'create_sound'); rename it"


def test_hook_register_backends_adds_factories_by_name() -> None:
    made: list[Any] = []

    class Backends:
        @hookimpl
        def register_backends(self, register: Callable[[str, Any], None]) -> None:
            register("reaper", lambda settings: made.append(settings) or "a reaper backend")

    plugins = Plugins()
    plugins.register(Backends(), name="reaper_plugin")
    registry = plugins.registry()
    assert registry.plugin_of("backend", "reaper") == "reaper_plugin"
    assert registry.backends["reaper"]("settings") == "a reaper backend"
    assert made == ["settings"]


def test_hook_on_run_finished_reaches_every_plugin_even_when_one_raises() -> None:
    seen: list[dict[str, Any]] = []

    class Raises:
        @hookimpl
        def on_run_finished(self, execution: dict[str, Any]) -> None:
            raise RuntimeError("notifier down")

    class Records:
        @hookimpl
        def on_run_finished(self, execution: dict[str, Any]) -> None:
            seen.append(execution)

    plugins = Plugins()
    plugins.register(Raises(), name="raises")
    plugins.register(Records(), name="records")
    execution = {"ok": True, "executionId": "exec_1", "workflowId": "wf", "results": []}
    plugins.on_run_finished(execution)
    plugins.on_run_finished(execution)
    assert seen == [execution, execution]
    [error] = by_name(plugins)["raises"]["errors"]  # recorded once, not once per run
    assert error.startswith("hook on_run_finished raised RuntimeError: notifier down")


# -- every hook is tested and documented (datasette's guards) -------------------------------------


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_plugin_hooks_have_tests(hook: str) -> None:
    sources = "\n".join(p.read_text(encoding="utf-8") for p in FOUNDATION_TESTS.glob("test_*.py"))
    assert re.search(rf"^def test_hook_{hook}[_(]", sources, re.MULTILINE), (
        f"hook {hook} has no test named test_hook_{hook}... in tests/foundation/"
    )


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_plugin_hooks_are_documented_with_their_exact_signature(hook: str) -> None:
    docs = DOCS.read_text(encoding="utf-8")
    argnames = getattr(Plugins().pm.hook, hook).spec.argnames
    signature = f"{hook}({', '.join(argnames)})"
    assert re.search(rf"^#+ `?{re.escape(signature)}`?\s*$", docs, re.MULTILINE), (
        f"docs/plugins.md needs a heading with the hook's exact signature: {signature}"
    )


def test_every_error_code_is_documented_for_plugin_authors() -> None:
    from wwiseflowd.results import ErrorCode

    docs = DOCS.read_text(encoding="utf-8")
    missing = [code.value for code in ErrorCode if f"| `{code.value}` |" not in docs]
    assert not missing, f"add these codes to the table in docs/plugins.md: {missing}"


def test_hook_on_run_finished_is_called_by_the_engine_with_the_execution_result(tmp_path: Path) -> None:
    from wwiseflowd.config import settings_for_tests
    from wwiseflowd.engine import Engine

    seen: list[dict[str, Any]] = []

    class Records:
        @hookimpl
        def on_run_finished(self, execution: dict[str, Any]) -> None:
            seen.append(execution)

    plugins = Plugins().load(builtins=False, entry_points=False)
    plugins.register(NodesPlugin("fooNode"), name="foo")
    plugins.register(Records(), name="records")
    flow = {"id": "wf", "nodes": [{"id": "n1", "type": "fooNode", "data": {}}], "edges": []}
    with Engine(settings_for_tests(tmp_path), plugins=plugins) as engine:
        result = engine.execute(flow)
    assert result.ok
    [execution] = seen
    assert (execution["executionId"], execution["workflowId"], execution["ok"]) == (
        result.executionId, "wf", True)
    assert [step["node"] for step in execution["results"]] == ["n1"]


def test_loading_twice_changes_nothing() -> None:
    plugins = Plugins().load()
    before = plugins.describe()
    assert plugins.load().describe() == before
    assert plugins.errors == []
