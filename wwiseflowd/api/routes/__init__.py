"""One APIRouter per resource; :data:`ROUTERS` is what the app factory includes."""

from __future__ import annotations

from fastapi import APIRouter

from wwiseflowd.api.routes import (
    audit,
    auth,
    drops,
    editor,
    events,
    executions,
    files,
    health,
    metrics,
    nodes,
    schemas,
    workflow_files,
    workflows,
    wwise,
)

ROUTERS: tuple[APIRouter, ...] = (
    workflows.router,
    executions.router,
    events.router,
    nodes.router,
    wwise.router,
    health.router,
    metrics.router,
    audit.router,
    workflow_files.router,
    drops.router,
    auth.router,
    files.router,
    schemas.router,
    editor.router,
)
