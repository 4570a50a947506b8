"""The MCP tools: their argument schemas, how arguments are checked, and how a Result answers.

Every tool takes its arguments as they came and checks them itself, so a wrong argument comes back
as the uniform error result (``INVALID_INPUT: <sentence naming the field>``, the Result in
``structuredContent``), never as an SDK validation message. A tool over a bus command publishes
that command's own input schema (its argument names are the command's: ``targetPath``,
``objectId`` ...) and hands the arguments to the bus unchanged, which validates them.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from mcp.server.mcpserver.tools.base import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict, ValidationError

from wwiseflowd.bus import validation_sentence
from wwiseflowd.registry import CommandSpec
from wwiseflowd.results import ErrorCode, Result


def tool_result(result: Result) -> CallToolResult:
    """A Result as a tool result: data as JSON, or an error result ``"CODE: sentence"``."""
    if result.ok:
        data = result.data
        structured = data if isinstance(data, dict) else {"result": data}
        return CallToolResult(
            content=[TextContent(type="text", text=json.dumps(data, default=str))],
            structured_content=structured,
        )
    return CallToolResult(
        content=[TextContent(type="text", text=f"{result.code}: {result.error}")],
        structured_content=result.model_dump(mode="json"),
        is_error=True,
    )


def _hints(*, read_only: bool = False, destructive: bool = False, idempotent: bool = True) -> ToolAnnotations:
    # every tool acts on the configured Wwise project only: never open-world
    return ToolAnnotations(
        read_only_hint=read_only,
        destructive_hint=destructive,
        idempotent_hint=idempotent,
        open_world_hint=False,
    )


#: inspects, changes nothing
READ_ONLY = _hints(read_only=True)
#: adds objects or saves; a repeat changes nothing more
ADDITIVE = _hints()
#: overwrites values or audio; a repeat with the same arguments changes nothing more
OVERWRITES = _hints(destructive=True)
#: overwrites, and a repeat imports again
REIMPORTS = _hints(destructive=True, idempotent=False)


class _AsTheyCame(ArgModelBase):
    """The SDK's argument model for our tools: accepts anything and hands it on in one dict."""

    model_config = ConfigDict(extra="allow", arbitrary_types_allowed=True)

    def model_dump_one_level(self) -> dict[str, Any]:
        """``{"arguments": {...}}``: the tool function checks them itself."""
        return {"arguments": dict(self.model_extra or {})}


Handler = Callable[[Any], Result]
AsyncHandler = Callable[[Any, Any], Awaitable[Result]]


def _checked(name: str, model: type[BaseModel], arguments: dict[str, Any]) -> BaseModel | Result:
    try:
        return model.model_validate(arguments)
    except ValidationError as exc:
        return Result.failure(ErrorCode.INVALID_INPUT, validation_sentence(exc, f"tool {name!r}"))


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema.pop("title", None)
    return schema


def checked_tool(
    name: str, model: type[BaseModel], handler: Handler, hints: ToolAnnotations, description: str
) -> Tool:
    """A tool whose arguments are ``model`` (its JSON schema is published); ``handler(args)``."""

    def run(arguments: dict[str, Any]) -> CallToolResult:
        args = _checked(name, model, arguments)
        return tool_result(args if isinstance(args, Result) else handler(args))

    return _tool(name, run, _schema(model), hints, description)


def checked_async_tool(
    name: str, model: type[BaseModel], handler: AsyncHandler, hints: ToolAnnotations, description: str
) -> Tool:
    """As :func:`checked_tool`, for ``async handler(args, ctx)`` (progress reports need the context)."""

    async def run(arguments: dict[str, Any], ctx: Any) -> CallToolResult:
        args = _checked(name, model, arguments)
        return tool_result(args if isinstance(args, Result) else await handler(args, ctx))

    return _tool(name, run, _schema(model), hints, description, context_kwarg="ctx")


def bus_tool(
    name: str, command: CommandSpec, call: Callable[[str, dict[str, Any]], Result],
    hints: ToolAnnotations, description: str | None = None,
) -> Tool:
    """A tool over bus command ``command``: its input schema, its argument names; the bus checks them."""

    def run(arguments: dict[str, Any]) -> CallToolResult:
        return tool_result(call(command.name, arguments))

    return _tool(name, run, _schema(command.input_model), hints, description or command.description)


def _tool(
    name: str, fn: Callable[..., Any], schema: dict[str, Any], hints: ToolAnnotations, description: str,
    *, context_kwarg: str | None = None,
) -> Tool:
    return Tool(
        fn=fn,
        name=name,
        description=description,
        parameters=schema,
        fn_metadata=FuncMetadata(arg_model=_AsTheyCame),
        is_async=context_kwarg is not None,
        context_kwarg=context_kwarg,
        annotations=hints,
    )


__all__ = [
    "ADDITIVE",
    "OVERWRITES",
    "READ_ONLY",
    "REIMPORTS",
    "bus_tool",
    "checked_async_tool",
    "checked_tool",
    "tool_result",
]
