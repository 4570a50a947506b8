"""One APIRouter per resource; :data:`ROUTERS` is what the app factory includes."""

from __future__ import annotations

from fastapi import APIRouter

from wwiseflowd.api.routes import audit, events, executions, health, metrics, nodes, workflows, wwise

ROUTERS: tuple[APIRouter, ...] = (
    workflows.router,
    executions.router,
    events.router,
    nodes.router,
    wwise.router,
    health.router,
    metrics.router,
    audit.router,
)
