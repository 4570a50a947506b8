"""What each registration hook hands its plugins as ``register``, and how a record enters the registry.

One step per hook: ``(hook name, make_register(stage) -> register, apply(record, plugin))``. The
plugin manager (:mod:`wwiseflowd.plugins`) calls each hook, stages what every plugin registered,
and applies a plugin's records only when its hook did not raise; a record ``apply`` refuses
(``ValueError``, a duplicate name) becomes an error of that plugin.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from wwiseflowd.registry import BackendFactory, CommandHandler, CommandSpec, NodeSpec, Registry

Stage = Callable[[Any], None]
Step = tuple[str, Callable[[Stage], Any], Callable[[Any, str], None]]

_NODE_TYPE = re.compile(r"^[a-z][A-Za-z0-9]*$")
_COMMAND_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def node_register(stage: Stage) -> Callable[[NodeSpec], None]:
    """``register(NodeSpec(...))``."""

    def register(spec: NodeSpec) -> None:
        if not isinstance(spec, NodeSpec):
            raise TypeError(f"register() expects a NodeSpec, got {type(spec).__name__}")
        stage(spec)

    return register


def command_register(stage: Stage) -> Callable[..., None]:
    """``register(name, handler, input_model, description="", read_only=False)``."""

    def register(
        name: str,
        handler: CommandHandler,
        input_model: type[BaseModel],
        description: str = "",
        read_only: bool = False,
    ) -> None:
        if not callable(handler):
            raise TypeError(f"command {name!r}: handler must be callable")
        stage(CommandSpec(name, handler, input_model, description, read_only))

    return register


def factory_register(stage: Stage) -> Callable[[str, BackendFactory], None]:
    """``register(name, factory)`` (backends, front doors)."""

    def register(name: str, factory: BackendFactory) -> None:
        if not isinstance(name, str) or not callable(factory):
            raise TypeError("register(name, factory) expects a str and a callable")
        stage((name, factory))

    return register


def args_register(stage: Stage) -> Callable[..., None]:
    """``register(*args)``: the arguments are checked when applied."""

    def register(*args: Any) -> None:
        stage(args)

    return register


def registration_steps(registry: Registry) -> list[Step]:
    """The registration hooks in the order they are called, each applying into ``registry``."""

    def add_node(spec: NodeSpec, plugin: str) -> None:
        check_node_spec(spec)
        registry.add_node_type(spec, plugin)

    def add_command(spec: CommandSpec, plugin: str) -> None:
        check_command_spec(spec)
        registry.add_command(spec, plugin)

    def add_section(record: tuple[Any, ...], plugin: str) -> None:
        from wwiseflowd.config import Settings

        if len(record) != 2 or not isinstance(record[0], str):
            raise ValueError("register_config_sections: call register(name, model)")
        core = [n for n in Settings.model_fields if n != "plugin_tables"]
        registry.add_config_section(record[0], record[1], plugin, core)

    def add_workflow(record: tuple[Any, ...], plugin: str) -> None:
        if len(record) != 1:
            raise ValueError("register_workflows: call register(path)")
        registry.add_workflow(Path(record[0]), plugin)

    def add_file_check(record: tuple[Any, ...], plugin: str) -> None:
        if len(record) != 2:
            raise ValueError("register_file_checks: call register(suffix, check)")
        registry.add_file_check(record[0], record[1], plugin)

    return [
        ("register_node_types", node_register, add_node),
        ("register_bus_commands", command_register, add_command),
        ("register_commands", command_register, add_command),  # the deprecated name
        ("register_backends", factory_register, lambda r, p: registry.add_backend(r[0], r[1], p)),
        ("register_front_doors", factory_register, lambda r, p: registry.add_front_door(r[0], r[1], p)),
        ("register_config_sections", args_register, add_section),
        ("register_workflows", args_register, add_workflow),
        ("register_file_checks", args_register, add_file_check),
    ]


def check_node_spec(spec: NodeSpec) -> None:
    """Refuse a node type that would break the catalog or the compiler for everyone."""
    if not _NODE_TYPE.match(spec.type):
        raise ValueError(f"node type {spec.type!r} is not camelCase (e.g. 'audioCheck'); rename it")
    model: Any = spec.inputs
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise ValueError(f"node type {spec.type!r}: inputs must be a pydantic model class")
    if not callable(spec.run):
        raise ValueError(f"node type {spec.type!r}: run must be callable")
    try:
        model.model_json_schema()
    except Exception as exc:
        raise ValueError(f"node type {spec.type!r}: its inputs model has no JSON schema "
                         f"({type(exc).__name__}: {exc}); use JSON-compatible field types") from exc


def check_command_spec(spec: CommandSpec) -> None:
    """Refuse a command whose name or input model would break the bus or the REST/MCP doors."""
    if not _COMMAND_NAME.match(spec.name):
        raise ValueError(f"command {spec.name!r} is not snake_case (e.g. 'create_sound'); rename it")
    if not (isinstance(spec.input_model, type) and issubclass(spec.input_model, BaseModel)):
        raise ValueError(f"command {spec.name!r}: input_model must be a pydantic model class")
