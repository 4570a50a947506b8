"""``GET /fleet/events``: the execution events of every daemon of the fleet, as server-sent events
(read from the fleet's Redis stream, :mod:`wwiseflowd.fleet.events`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.sse import EventSourceResponse, ServerSentEvent

#: how long an idle stream waits before it reads Redis again (seconds; off the threadpool meanwhile)
POLL_S = 0.1


def add_fleet_events(router: APIRouter, settings: Any) -> None:
    """Declare ``GET /fleet/events`` on ``router``."""
    from wwiseflowd.fleet.connection import fleet_client
    from wwiseflowd.fleet.events import RunEnd, latest_id, read_events

    prefix = settings.store.key_prefix

    @router.get("/fleet/events", operation_id="streamFleetEvents", response_class=EventSourceResponse,
                summary="Every daemon's execution events as server-sent events")
    async def stream_fleet_events(
        request: Request,
        execution_id: Annotated[str | None, Query(
            alias="executionId", max_length=200, description="Only this run (ends after it).")] = None,
        last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=40)] = None,
    ) -> AsyncIterator[ServerSentEvent]:
        """Like ``GET /events`` with each event's ``daemon``; the ``id:`` is the Redis entry id, so a
        client reconnecting with ``Last-Event-ID`` misses nothing still in the stream."""
        client = fleet_client(settings)
        after = last_event_id if last_event_id else str(await run_in_threadpool(latest_id, client, prefix))
        stopping = request.app.state.stopping
        watch = RunEnd(client, prefix, execution_id) if execution_id is not None else None
        yield ServerSentEvent(comment="subscribed")
        while not stopping.is_set():
            batch = await run_in_threadpool(read_events, client, prefix, after)
            if not batch:
                if watch is not None and await run_in_threadpool(watch.ended):
                    return  # done, and its run.finished was lost: the client asks for the result
                await anyio.sleep(POLL_S)
                continue
            for entry_id, event in batch:
                after = entry_id
                if execution_id is not None and event.get("executionId") != execution_id:
                    continue
                kind = str(event.get("type", "message"))
                yield ServerSentEvent(data=event, event=kind, id=entry_id)
                if execution_id is not None and kind == "run.finished":
                    return
