"""``/events``: server-sent events of run and node progress and of drop batches."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from wwiseflowd.api.deps import EngineDep
from wwiseflowd.api.errors import error_responses
from wwiseflowd.api.workers import in_worker
from wwiseflowd.engine import Engine
from wwiseflowd.events import LoopWakeup

router = APIRouter(tags=["events"])

#: how often an idle stream looks for shutdown (seconds); an event wakes it at once (the
#: subscription's wake-up), and waiting on the event loop keeps streams off the routes' threadpool
POLL_S = 0.05
#: a followed run that is no longer running is looked up this often, in case it ended without
#: publishing run.finished
ENDED_CHECK_S = 1.0


@router.get(
    "/events",
    operation_id="streamEvents",
    response_class=EventSourceResponse,
    summary="Progress as server-sent events",
    responses=error_responses(422),
)
async def stream_events(
    request: Request,
    engine: EngineDep,
    execution_id: Annotated[
        str | None,
        Query(
            alias="executionId",
            max_length=200,
            description="Only this run; the stream ends after it finishes.",
        ),
    ] = None,
    types: Annotated[
        str | None,
        Query(max_length=500, description="Comma-separated event types, e.g. run.finished,batch.queued."),
    ] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Each event's ``event:`` is its type (``run.started``, ``node.finished``, ``batch.queued`` ...)
    and its ``data:`` the JSON facts listed in docs/architecture.md."""
    wanted = {t.strip() for t in types.split(",") if t.strip()} if types else None
    followed = Followed(engine, execution_id)
    try:
        # tells a client the subscription exists, so it may start the run it wants to follow
        yield ServerSentEvent(comment="subscribed")
        async for event in followed.events(request.app.state.stopping, wanted):
            yield event
    finally:
        followed.close()


class Followed:
    """A subscription to the engine's events (one execution's, or all) as server-sent events,
    numbered; a followed run's stream ends with its ``run.finished``, which carries the execution.
    Subscribe before starting the run: no event of it is missed."""

    def __init__(self, engine: Engine, execution_id: str | None) -> None:
        self.engine, self.execution_id = engine, execution_id
        self._wakeup = LoopWakeup()
        self._subscription = engine.events.subscribe(
            accept=None if execution_id is None else (lambda event: event.get("executionId") == execution_id),
            wake=self._wakeup,
        )

    async def events(
        self, stopping: threading.Event, wanted: set[str] | None = None, *, keepalive_s: float | None = None
    ) -> AsyncIterator[ServerSentEvent]:
        """Those of the ``wanted`` types (all: None) until the followed run finished, or the server
        stops; a ``ping`` comment after ``keepalive_s`` without an event. A run that ended without
        publishing ``run.finished`` (the engine failed it, e.g. its state database stayed locked)
        still ends the stream, with a ``run.finished`` made from its result."""
        sequence = 0
        quiet_since = checked = time.monotonic()
        while not stopping.is_set():
            events = self._subscription.drain()
            if not events:
                await self._wakeup.wait(POLL_S)
                now = time.monotonic()
                if keepalive_s is not None and now - quiet_since >= keepalive_s:
                    quiet_since = now
                    yield ServerSentEvent(comment="ping")
                if self.execution_id is not None and now - checked >= ENDED_CHECK_S:
                    checked = now
                    events = await self._ended_silently()
                if not events:
                    continue
            quiet_since = time.monotonic()
            for event in events:
                finished = self.execution_id is not None and event.get("type") == "run.finished"
                if finished:
                    event = with_execution(self.engine, str(self.execution_id), event)
                if wanted is None or event.get("type") in wanted:
                    sequence += 1
                    yield ServerSentEvent(
                        data=event, event=str(event.get("type", "message")), id=str(sequence)
                    )
                if finished:
                    return

    async def _ended_silently(self) -> list[dict[str, Any]]:
        """[] while the followed run runs (or its run.finished may still come); else the events
        that came meanwhile, or a ``run.finished`` made from its recorded result."""
        execution_id = str(self.execution_id)
        if execution_id in self.engine.running():
            return []
        final = await in_worker(self.engine.get_execution, execution_id)  # may read the store
        late = self._subscription.drain()
        if late or final is None or final.status == "running":
            return late
        return [{"type": "run.finished", "executionId": execution_id, "workflowId": final.workflowId,
                 "ok": final.ok, "status": final.status, "code": final.code}]

    def close(self) -> None:
        self._subscription.close()


def with_execution(engine: Engine, execution_id: str, event: dict[str, Any]) -> dict[str, Any]:
    """A followed run's ``run.finished`` with its final result as ``execution`` (the engine has it
    once run.finished is out), so a client that follows one run needs no ``GET /executions/{id}``."""
    final = engine.get_execution(execution_id)
    if final is None or final.status == "running":
        return event
    return {**event, "execution": final.model_dump(mode="json")}
