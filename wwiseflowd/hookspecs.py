"""The plugin author's manual: every hook wwiseflowd calls.

Plugins implement hooks with ``from wwiseflowd import hookimpl``. Registration hooks receive a
``register`` callable (llm's pattern) instead of returning values, so a hook can grow new keyword
arguments later without breaking existing plugins: pluggy passes an implementation only the
arguments it names. Never give a hook implementation's parameters default values (pluggy would not
pass them). All hooks here are called on every plugin; none stops at the first result.

Hooks are called through pluggy, so ``tryfirst``, ``trylast`` and wrappers work as pluggy documents
them; an implementation that raises is recorded and the call goes on to the next plugin (wrappers
are not isolated). See docs/plugins.md, "Call order, wrappers and isolation".

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

    import click
    from pydantic import BaseModel

    from wwiseflowd.registry import BackendFactory, FrontDoorFactory, NodeSpec
    from wwiseflowd.watch.wavecheck import WaveProbe

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
    def register_bus_commands(self, register: Callable[..., None]) -> None:
        """Register command-bus commands (named so that it is not mistaken for llm's and datasette's
        ``register_commands(cli)``; CLI commands are :meth:`register_cli_commands`).

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

    @hookspec(
        warn_on_impl=DeprecationWarning(
            "the wwiseflowd hook register_commands is now register_bus_commands (same arguments); "
            "CLI commands are added with register_cli_commands(cli)"
        )
    )
    def register_commands(self, register: Callable[..., None]) -> None:
        """Deprecated name of :meth:`register_bus_commands` (same ``register``); still called.

        Implementing it warns (``DeprecationWarning``) when the plugin is registered.
        """

    @hookspec
    def register_config_sections(self, register: Callable[[str, type[BaseModel]], None]) -> None:
        """Declare a configuration section of the plugin (``[reaper]``, ``[grpc]`` ...).

        Called once per process when the registry is first built, on every plugin.

        :param register: call ``register(name, model)`` with the table name and a pydantic model
            whose fields are the section's keys, each with a default and a ``description``.
        :returns: ignored.

        After the plugins load, the table is validated as strictly as the core's sections: unknown
        keys are errors with a "did you mean" (the model is made to forbid extra keys). A problem
        is an error of the declaring plugin (``wwiseflowd plugins``, ``/health``; the others still
        work) and makes ``wwiseflowd config check`` fail; ``wwiseflowd config show`` lists the
        section's values and where each came from. Read it with ``settings.section(name)`` (the
        validated model) or ``settings.plugin_section(name)`` (the table as written). A table no
        loaded plugin declares is reported; a core section's name, or one another plugin
        declared first, is refused with an error naming both. Document the keys in your README.
        """

    @hookspec
    def register_cli_commands(self, cli: click.Group) -> None:
        """Add subcommands to the ``wwiseflowd`` command line (llm's and datasette's
        ``register_commands(cli)``).

        Called once per ``wwiseflowd`` invocation, before the arguments are parsed, on every
        plugin that loads with the effective configuration.

        :param cli: the root ``click.Group``; decorate with ``@cli.command()`` or call
            ``cli.add_command(...)``. Use ``click.pass_obj`` to get the CLI state (``state.settings``,
            ``state.plugins``).
        :returns: ignored.

        A command whose name is taken (by wwiseflowd or an earlier plugin) is refused with an error
        shown by ``wwiseflowd plugins``; a hook that raises adds nothing.
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
    def register_file_checks(self, register: Callable[[str, Callable[[Path], WaveProbe]], None]) -> None:
        """Tell drop folders when a file of your type is completely written.

        Called once per process when the registry is first built, on every plugin.

        :param register: call ``register(suffix, check)`` with a file suffix (``".rpp"``, compared
            without regard to case) and ``check(path) -> WaveProbe`` (``wwiseflowd.watch.wavecheck``)
            saying COMPLETE, INCOMPLETE (still being written: looked at again after the settle time,
            failed after ``incomplete_timeout_s``) or INVALID (never usable), with a reason.
        :returns: ignored.

        Files of other types get the RIFF/WAVE check. A check must not raise and should read only
        what it needs. A suffix another plugin registered first is refused.
        """

    @hookspec
    def register_front_doors(self, register: Callable[[str, FrontDoorFactory], None]) -> None:
        """Register front doors: another way in (gRPC, a chat bot, extra HTTP routes).

        Called once per process when the registry is first built, on every plugin. Only the
        daemon (``wwiseflowd run``) opens front doors; other processes never call the factories.

        :param register: call ``register(name, factory)`` once per door, where
            ``factory(service, settings) -> door | None``. ``service`` is the service layer
            (a :class:`~wwiseflowd.operations.LocalOperations` over the daemon's engine, paths
            checked like REST's, bus commands audited under the door's name); ``settings`` the
            effective configuration. Return None when the door is disabled.
        :returns: ignored.

        A door is one or both of (see :mod:`wwiseflowd.frontdoors`): a ``RouteDoor``
        (``add_routes(app)`` adds routes to the daemon's REST app before it serves) and a
        ``ServerDoor`` (``start() -> address`` returns once it serves, ``health() -> {"ok": ...}``,
        ``stop()``). The daemon starts server doors after REST and before it reports ready, checks
        their health every few seconds (restarting one that is down), and stops them first on
        SIGTERM. A factory or ``start`` that raises is logged and shown by ``wwiseflowd plugins``
        and in ``/health``; the daemon and the other doors keep running. A name another plugin
        registered first is refused with an error naming both plugins.

        Example::

            @hookimpl
            def register_front_doors(register):
                register("grpc", lambda service, settings: GrpcDoor(service, settings))
        """

    @hookspec
    def on_run_finished(self, execution: dict[str, Any]) -> None:
        """Called after every workflow execution finished, ok or not, on every plugin.

        :param execution: the execution result as a JSON-able dict, shaped like the execution
            result of docs/workflows.md (``ok``, ``executionId``, ``workflowId``, ``stopAt``, ``results``).
            Treat it as read-only.
        :returns: ignored.

        Use it for notifications or bookkeeping. It runs on the runner's thread after the
        result is final, so keep it short (hand slow work to your own thread). An exception is
        logged and shown by ``wwiseflowd plugins``; it never affects the run or other plugins.
        """
