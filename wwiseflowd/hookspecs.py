"""The plugin author's manual: every hook wwiseflowd calls.

Plugins implement hooks with ``from wwiseflowd import hookimpl``. Registration hooks receive a
``register`` callable (llm's pattern) instead of returning values, so a hook can grow new keyword
arguments later without breaking existing plugins: pluggy passes an implementation only the
arguments it names. Never give a hook implementation's parameters default values (pluggy would not
pass them). All hooks here are called on every plugin; none stops at the first result.

Package your plugin with an entry point in the ``wwiseflowd`` group::

    [project.entry-points.wwiseflowd]
    audiocheck = "wwiseflowd_audiocheck"

or drop a ``*.py`` file into the configured plugins directory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from collections.abc import Callable

    from wwiseflowd.registry import BackendFactory, NodeSpec

PROJECT_NAME = "wwiseflowd"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


class WwiseflowdSpecs:
    """Hook specifications. Each method documents when it is called and what it may do."""

    @hookspec
    def register_node_types(self, register: Callable[[NodeSpec], None]) -> None:
        """Register node types that workflows can use.

        Called once when the registry is built (at start-up of every front door). Call
        ``register(NodeSpec(...))`` once per node type. Registering a type that another plugin
        already registered is an error naming both plugins. Return value is ignored.

        Example::

            @hookimpl
            def register_node_types(register):
                register(NodeSpec(type="audioCheck", title="Audio check", description="...",
                                  inputs=AudioCheckInput, outputs=("ok", "files"), run=run))
        """

    @hookspec
    def register_commands(
        self,
        register: Callable[..., None],
    ) -> None:
        """Register command-bus commands.

        Called once when the registry is built. Call
        ``register(name, handler, input_model, description="", read_only=False)``: ``handler``
        is ``handler(validated_input, ctx: CommandContext) -> Result`` and must not raise.
        Commands are reachable from node types (``ctx.command``), ``POST /wwise/{name}`` and MCP.
        A name registered twice is an error naming both plugins. Return value is ignored.
        """

    @hookspec
    def register_backends(self, register: Callable[[str, BackendFactory], None]) -> None:
        """Register backends (connections to an authoring tool such as Wwise or REAPER).

        Called once when the registry is built. Call ``register(name, factory)`` where
        ``factory(settings) -> backend``; the engine creates each backend lazily, once per
        process, and closes it (``close()`` if present) at shutdown. Command handlers reach it
        with ``ctx.backend(name)``. Return value is ignored.
        """

    @hookspec
    def on_run_finished(self, execution: dict[str, Any]) -> None:
        """Called after every workflow execution finished, with the execution result as a dict.

        ``execution`` has the shape of DESIGN.md's execution result (``ok``, ``executionId``,
        ``workflowId``, ``results``, ...). Use it for notifications or bookkeeping; it runs on
        the runner's thread, so keep it short. Exceptions are logged and do not affect the run.
        Return value is ignored.
        """
