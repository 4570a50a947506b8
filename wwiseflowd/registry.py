"""What plugins register: node types, commands and backends, and the registry that holds them.

A node type is a :class:`NodeSpec`: a camelCase ``type``, a pydantic ``inputs`` model (its JSON
schema is what forms and ``wwiseflowd nodes`` show), the names of its ``outputs`` and a ``run``
callable returning a :class:`~wwiseflowd.results.Result`.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger
from pydantic import BaseModel

from wwiseflowd.results import Result

if TYPE_CHECKING:
    from wwiseflowd.config import Settings


@dataclass
class NodeContext:
    """What a node's ``run`` receives besides its validated inputs.

    Nodes reach Wwise only through ``ctx.command(...)``: the command bus, which owns the locked
    WAAPI adapter and writes the audit log.
    """

    execution_id: str
    workflow_id: str
    node_id: str
    settings: Settings
    #: run one bus command: ``ctx.command("create_sound", {...}) -> Result``
    command: Callable[[str, Mapping[str, Any]], Result]
    #: set when the execution is cancelled; long-running nodes should check it
    cancelled: threading.Event = field(default_factory=threading.Event)
    #: the workflow's inputs (``$input:<name>`` values), for nodes that want them all
    inputs: Mapping[str, Any] = field(default_factory=dict)
    #: during pre-flight only: ``(type, literal data)`` of the plan's steps before this one, so a
    #: check can tell an object an earlier step will create from one that is missing
    earlier: Sequence[tuple[str, Mapping[str, Any]]] = ()

    @property
    def log(self) -> Any:
        """A loguru logger bound to this execution and node."""
        return logger.bind(executionId=self.execution_id, nodeId=self.node_id)


RunFn = Callable[[Any, NodeContext], Result]
VerifyFn = Callable[[Any, NodeContext], bool]
PreflightFn = Callable[[Mapping[str, Any], NodeContext], Result]


@dataclass(frozen=True)
class NodeSpec:
    """A node type that workflows can use.

    :param type: camelCase identifier used in workflow documents (``createSound``).
    :param title: short human name for editors.
    :param description: one or two sentences on what it does, for forms and AI assistants.
    :param inputs: pydantic model validating the node's ``data``.
    :param outputs: names of the fields of ``Result.data`` that downstream nodes may reference.
    :param run: ``run(inputs_model_instance, ctx) -> Result``; must not raise.
    :param verify: optional ``verify(cached_output_data, ctx) -> bool``; False means a memoised
        result is stale (e.g. the object was deleted in Wwise) and the node runs again.
    :param read_only: True when running it changes nothing (queries, checks).
    :param resource: steps naming the same resource (``"waapi"``) never run at the same time.
    :param preflight: optional ``preflight(literal_data, ctx) -> Result``, called for every step
        before the run's first node runs (read-only: look things up, change nothing); a failure stops
        the run before anything changed. ``literal_data`` has ``$input`` values filled in and
        ``$from`` references left out (they are not known yet).
    :param modes: groups of inputs used together, one group per way of using the node
        (``("objectId", "filePath")`` or ``("files", "targetPath")``). A node that sets any input of a
        group has chosen that mode: the group's empty inputs count as required, so auto-wiring fills them.
    """

    type: str
    title: str
    description: str
    inputs: builtins.type[BaseModel]  # `type` is shadowed by the field above
    run: RunFn
    outputs: tuple[str, ...] = ()
    verify: VerifyFn | None = None
    read_only: bool = False
    resource: str | None = None
    modes: tuple[tuple[str, ...], ...] = ()
    preflight: PreflightFn | None = None

    def __post_init__(self) -> None:
        # a list is the natural thing to write; keep the spec hashable and immutable anyway
        object.__setattr__(self, "outputs", tuple(self.outputs))
        object.__setattr__(self, "modes", tuple(tuple(group) for group in self.modes))

    def catalog_entry(self, plugin: str | None = None) -> dict[str, Any]:
        """The JSON-able description shown by ``wwiseflowd nodes`` and ``GET /nodes``."""
        return {
            "type": self.type,
            "title": self.title,
            "description": self.description,
            "inputs": self.inputs.model_json_schema(),
            "outputs": list(self.outputs),
            "readOnly": self.read_only,
            "resource": self.resource,
            "plugin": plugin,
        }


CommandHandler = Callable[[Any, "CommandContext"], Result]


@dataclass(frozen=True)
class CommandSpec:
    """A command of the bus: ``handler(validated_input, ctx) -> Result``."""

    name: str
    handler: CommandHandler
    input_model: type[BaseModel]
    description: str = ""
    read_only: bool = False


@dataclass
class CommandContext:
    """What a command handler receives: the backends it may use and who asked."""

    backends: Mapping[str, Any]
    settings: Settings
    execution_id: str | None = None
    node_id: str | None = None

    def backend(self, name: str) -> Any:
        """The backend instance registered under ``name`` (KeyError when absent)."""
        return self.backends[name]


BackendFactory = Callable[["Settings"], Any]
#: ``factory(service, settings) -> door | None``; see :mod:`wwiseflowd.frontdoors`
FrontDoorFactory = Callable[[Any, "Settings"], Any]



class DuplicateRegistrationError(Exception):
    """Two plugins registered the same name."""


@dataclass
class Registry:
    """Everything the plugins registered, keyed by name, with the plugin that registered it."""

    node_types: dict[str, NodeSpec] = field(default_factory=dict)
    commands: dict[str, CommandSpec] = field(default_factory=dict)
    backends: dict[str, BackendFactory] = field(default_factory=dict)
    #: front doors from plugins: name -> ``factory(service, settings)``
    front_doors: dict[str, FrontDoorFactory] = field(default_factory=dict)
    #: plugin config sections: TOML table name -> pydantic model
    config_sections: dict[str, type[BaseModel]] = field(default_factory=dict)
    #: built-in workflows from plugins: id -> document path
    workflows: dict[str, Path] = field(default_factory=dict)
    #: drop-folder completeness checks by lower-case file suffix: ``check(path) -> WaveProbe``
    file_checks: dict[str, Callable[[Path], Any]] = field(default_factory=dict)
    origin: dict[tuple[str, str], str] = field(default_factory=dict)

    def _claim(self, kind: str, name: str, plugin: str) -> None:
        previous = self.origin.get((kind, name))
        if previous is not None:
            raise DuplicateRegistrationError(
                f"{kind} {name!r} is registered by both plugin {previous!r} and plugin {plugin!r}; "
                f"the one from {previous!r} is used. Uninstall or block one of them "
                f"([plugins] block in the config, or WWISEFLOWD_DISABLE_PLUGINS)"
            )
        self.origin[(kind, name)] = plugin

    def add_node_type(self, spec: NodeSpec, plugin: str) -> None:
        """Register a node type; a second registration of the same type is an error naming both."""
        if not isinstance(spec, NodeSpec):
            raise TypeError(f"register() expects a NodeSpec, got {type(spec).__name__}")
        self._claim("node type", spec.type, plugin)
        self.node_types[spec.type] = spec

    def add_command(self, spec: CommandSpec, plugin: str) -> None:
        """Register a bus command."""
        self._claim("command", spec.name, plugin)
        self.commands[spec.name] = spec

    def add_backend(self, name: str, factory: BackendFactory, plugin: str) -> None:
        """Register a backend factory ``factory(settings) -> backend``."""
        self._claim("backend", name, plugin)
        self.backends[name] = factory

    def add_front_door(self, name: str, factory: FrontDoorFactory, plugin: str) -> None:
        """Register a front door factory ``factory(service, settings) -> door | None``."""
        self._claim("front door", name, plugin)
        self.front_doors[name] = factory

    def add_config_section(
        self, name: str, model: type[BaseModel], plugin: str, reserved: Iterable[str]
    ) -> None:
        """Register a plugin config section; a core section's name is refused."""
        if name in reserved:
            raise ValueError(f"config section [{name}] is a core section; a plugin cannot declare it")
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise ValueError(f"config section [{name}]: the model must be a pydantic model class")
        self._claim("config section", name, plugin)
        self.config_sections[name] = model

    def add_workflow(self, path: Path, plugin: str) -> None:
        """Register a built-in workflow document; its id is its ``id`` or its file name."""
        from wwiseflowd.documents import read_workflow_file, workflow_id

        read = read_workflow_file(path)
        if not read.ok:
            raise ValueError(f"workflow {path}: {read.error}")
        found = workflow_id(path, read.data)
        self._claim("workflow", found, plugin)
        self.workflows[found] = path

    def add_file_check(self, suffix: str, check: Callable[[Path], Any], plugin: str) -> None:
        """Register how drop folders tell a file with ``suffix`` is complete."""
        if not isinstance(suffix, str) or not suffix.startswith(".") or not callable(check):
            raise ValueError("register_file_checks: call register('.ext', check) with a callable check")
        self._claim("file check", suffix.lower(), plugin)
        self.file_checks[suffix.lower()] = check

    def plugin_of(self, kind: str, name: str) -> str | None:
        """Which plugin registered ``name`` of ``kind`` ("node type", "command", "backend")."""
        return self.origin.get((kind, name))

    def catalog(self) -> list[dict[str, Any]]:
        """Every node type as a catalog entry, sorted by type."""
        return [
            spec.catalog_entry(self.plugin_of("node type", name))
            for name, spec in sorted(self.node_types.items())
        ]
