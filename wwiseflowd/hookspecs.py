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
    from pathlib import Path

    from pydantic import BaseModel

    from wwiseflowd.registry import BackendFactory, NodeSpec

PROJECT_NAME = "wwiseflowd"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


class WwiseflowdSpecs:
    """Hook specifications. Each method documents when it is called and what it may do."""

    @hookspec
    def register_node_types(self, register: Callable[[NodeSpec], None]) -> None:
        """Register node types that workflows can use.

        Called once per process when the registry is first built (start-up of every front door:
        CLI, daemon, REST, MCP), on every plugin; no result stops the others.

        :param register: call ``register(NodeSpec(...))`` once per node type. It raises
            ``TypeError`` for anything but a :class:`~wwiseflowd.registry.NodeSpec`.
        :returns: ignored.

        A type must be camelCase and its ``inputs`` a pydantic model with a JSON schema. A type
        another plugin registered first is refused with an error naming both plugins (built-ins
        load first, then entry points, then the plugins directory). If the hook raises, none of
        its types are registered and ``wwiseflowd plugins`` shows the error.

        Example::

            @hookimpl
            def register_node_types(register):
                register(NodeSpec(type="audioCheck", title="Audio check", description="...",
                                  inputs=AudioCheckInput, outputs=("ok", "files"), run=run))
        """

    @hookspec
    def register_commands(self, register: Callable[..., None]) -> None:
        """Register command-bus commands.

        Called once per process when the registry is first built, on every plugin.

        :param register: call
            ``register(name, handler, input_model, description="", read_only=False)`` once per
            command. ``name`` is snake_case (``create_sound``); ``handler(validated_input,
            ctx: CommandContext) -> Result`` must not raise; ``input_model`` is a pydantic model
            that validates the payload before the handler sees it.
        :returns: ignored.

        Commands are reachable from node types (``ctx.command(name, payload)``),
        ``POST /wwise/{name}`` and MCP. A name another plugin registered first is refused with an
        error naming both plugins; a hook that raises registers nothing.
        """

    @hookspec
    def register_backends(self, register: Callable[[str, BackendFactory], None]) -> None:
        """Register backends (connections to an authoring tool such as Wwise or REAPER).

        Called once per process when the registry is first built, on every plugin.

        :param register: call ``register(name, factory)`` where ``factory(settings) -> backend``.
        :returns: ignored.

        The engine creates each backend lazily, once per process, and closes it (``close()`` if
        present) at shutdown. Command handlers reach it with ``ctx.backend(name)``. A backend
        that edits a project may implement the transaction protocol (``identity``,
        ``begin_group``, ``end_group``, ``cancel_group``; see docs/architecture.md).
        """

    @hookspec
    def register_config_sections(self, register: Callable[[str, type[BaseModel]], None]) -> None:
        """Declare the plugin's own config section (``[reaper]``, ``[grpc]``, ...).

        Called once per process when the registry is first built, on every plugin.

        :param register: call ``register(name, model)`` where ``name`` is the TOML table name and
            ``model`` a pydantic model (use ``extra="forbid"`` so typos are errors).
        :returns: ignored.

        The table is kept as written in ``settings.plugin_section(name)``; after the plugins load,
        each declared section is validated against its model and a problem is shown as an error of
        the plugin (``wwiseflowd plugins``). A table no loaded plugin declares is logged. A name a
        core section or another plugin already has is refused with an error naming both.
        """

    @hookspec
    def register_workflows(self, register: Callable[[Path], None]) -> None:
        """Ship built-in workflows: ``register(path)`` per workflow JSON document in the plugin.

        Called once per process when the registry is first built, on every plugin.

        :param register: call ``register(path)`` with the path of a workflow document; its ``id``
            (default: the file name) is how ``wwiseflowd exec <id>``, REST and drop rules name it.
        :returns: ignored.

        A file with the same id in the workflows directory replaces a built-in one (that is how
        users copy and change it). An id another plugin registered first is refused.
        """

    @hookspec
    def on_run_finished(self, execution: dict[str, Any]) -> None:
        """Called after every workflow execution finished, ok or not, on every plugin.

        :param execution: the execution result as a JSON-able dict, shaped like DESIGN.md's
            execution result (``ok``, ``executionId``, ``workflowId``, ``stopAt``, ``results``).
            Treat it as read-only.
        :returns: ignored.

        Use it for notifications or bookkeeping. It runs on the runner's thread after the
        result is final, so keep it short (hand slow work to your own thread). An exception is
        logged and shown by ``wwiseflowd plugins``; it never affects the run or other plugins.
        """
