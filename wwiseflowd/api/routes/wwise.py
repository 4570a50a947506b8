"""``/wwise``: the command bus, one command per request."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from fastapi.responses import Response

from wwiseflowd.api.deps import EngineDep, OpsDep
from wwiseflowd.api.errors import ApiError, error_responses, result_response
from wwiseflowd.api.models import Command
from wwiseflowd.api.workers import in_worker
from wwiseflowd.results import ErrorCode, Result

router = APIRouter(prefix="/wwise", tags=["wwise"])


@router.get(
    "",
    operation_id="listCommands",
    response_model=list[Command],
    summary="The bus commands POST /wwise/{command} accepts",
    responses=error_responses(),
)
def list_commands(engine: EngineDep) -> list[Command]:
    """Every registered bus command with the JSON schema of its payload."""
    registry = engine.registry
    return [
        Command(
            name=name,
            description=spec.description,
            readOnly=spec.read_only,
            input=spec.input_model.model_json_schema(),
            plugin=registry.plugin_of("command", name),
        )
        for name, spec in sorted(registry.commands.items())
    ]


#: the seed's REST forms, kept working: alias -> bus command
COMMAND_ALIASES: dict[str, str] = {"create": "create_sound"}


@router.post(
    "/create",
    operation_id="createSoundAlias",
    response_model=Result,
    summary="Alias of POST /wwise/create_sound (the seed's form)",
    include_in_schema=False,  # a compatibility spelling, documented in docs/rest.md; one operation in OpenAPI
)
async def create_alias(
    ops: OpsDep,
    payload: Annotated[dict[str, Any], Body(description="The create_sound input (see GET /wwise).")] = {},  # noqa: B006
) -> Response:
    """Exactly ``POST /wwise/create_sound``."""
    return result_response(await in_worker(ops.command, COMMAND_ALIASES["create"], payload))


@router.post(
    "/{command}",
    operation_id="runCommand",
    response_model=Result,
    summary="Run one bus command (e.g. create_sound, query_waql)",
    responses=error_responses(400, 403, 404, 409, 422, 503),
)
async def run_command(
    command: Annotated[str, Path(description="Command name, see GET /wwise.", max_length=100)],
    engine: EngineDep,
    ops: OpsDep,
    payload: Annotated[dict[str, Any], Body(description="The command's input (see its schema).")] = {},  # noqa: B006
) -> Response:
    """The command's Result; its code sets the HTTP status (e.g. OBJECT_NOT_FOUND -> 404). The
    command blocks on Wwise, so it runs on a worker thread (one hand-off each way)."""
    if command not in engine.registry.commands:
        raise ApiError.of(
            ErrorCode.NOT_FOUND,
            f"No bus command {command!r}; GET /wwise lists the commands the plugins provide.",
        )
    return result_response(await in_worker(ops.command, command, payload))
