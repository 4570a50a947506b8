"""``wwiseflowd mcp``: the MCP server on stdio (for Claude Desktop, Cline and other MCP hosts)."""

from __future__ import annotations

import click

from wwiseflowd.cli import CliState


@click.command("mcp")
@click.pass_obj
def mcp_cmd(state: CliState) -> None:
    """Serve MCP on stdin/stdout. Forwards to the running daemon when there is one (its
    runtime.json in the state dir), otherwise runs its own engine. Logs go to stderr."""
    from wwiseflowd.mcp_server import serve_stdio

    serve_stdio(state.settings)


commands = [mcp_cmd]
