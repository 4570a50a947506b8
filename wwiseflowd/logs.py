"""Logging set-up. Called only from entry points (the CLI, the daemon), never at import time.

Console output is human-readable on stderr (stdout stays free for JSON results and for the MCP
protocol). The daemon may add a rotating JSON-lines file. stdlib logging (uvicorn, watchdog,
autobahn, mcp) is intercepted into loguru.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from loguru import logger

CONSOLE_FORMAT = (
    "<green>{time:HH:mm:ss.SSS}</green> <level>{level: <7}</level> "
    "<cyan>{extra[source]}</cyan> {message}{extra[extra_text]}"
)

#: loggers of libraries that are chatty at INFO
_NOISY = ("autobahn", "txaio", "websockets", "watchdog", "asyncio", "httpx", "httpcore")


class InterceptHandler(logging.Handler):
    """Route stdlib logging records into loguru, keeping the caller's location (loguru README)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        frame, depth = inspect.currentframe(), 0
        while frame and (depth == 0 or frame.f_code.co_filename == logging.__file__):
            frame = frame.f_back
            depth += 1
        logger.opt(depth=depth, exception=record.exc_info).bind(stdlib=record.name).log(
            level, record.getMessage()
        )


_INTERNAL_EXTRA = ("extra_text", "stdlib", "source", "_json")


def _extra_text(record: Any) -> None:
    """Patcher: bound values as one JSON suffix, and the logger name (stdlib's, when intercepted)."""
    extra = {k: v for k, v in record["extra"].items() if k not in _INTERNAL_EXTRA}
    record["extra"]["extra_text"] = (" " + json.dumps(extra, default=str)) if extra else ""
    record["extra"]["source"] = record["extra"].get("stdlib", record["name"])


def _json_line(record: Any) -> str:
    payload = {
        "time": record["time"].isoformat(),
        "level": record["level"].name,
        "logger": record["extra"].get("stdlib", record["name"]),
        "message": record["message"],
        **{k: v for k, v in record["extra"].items() if k not in _INTERNAL_EXTRA},
    }
    if record["exception"] is not None:
        payload["exception"] = repr(record["exception"].value)
    record["extra"]["_json"] = json.dumps(payload, default=str)
    return "{extra[_json]}\n"


class _CurrentStderr:
    """Whatever ``sys.stderr`` is at write time (click's CliRunner and pytest swap it)."""

    def write(self, message: str) -> None:
        sys.stderr.write(message)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return bool(getattr(sys.stderr, "isatty", lambda: False)())


def configure(
    level: str = "INFO",
    *,
    json_file: Path | None = None,
    rotation: str = "20 MB",
    retention: str = "14 days",
    console_level: str | None = None,
) -> None:
    """Install the sinks. ``json_file`` is set only by the daemon (one writer per file);
    ``console_level`` raises the terminal's level alone (the daemon's progress display says the rest)."""
    debug = level in ("TRACE", "DEBUG")
    logger.remove()
    logger.configure(patcher=_extra_text)
    logger.add(
        _CurrentStderr(),
        level=console_level or level,
        format=CONSOLE_FORMAT,
        colorize=None,
        backtrace=debug,
        diagnose=debug,  # variable values in tracebacks can leak secrets: only in debug
    )
    if json_file is not None:
        json_file.parent.mkdir(parents=True, exist_ok=True)
        logger.add(
            json_file,
            level=level,
            format=_json_line,
            rotation=rotation,
            retention=retention,
            backtrace=False,
            diagnose=False,
            enqueue=True,
            opener=lambda path, flags: os.open(path, flags, 0o600),
        )
    # records below the level are dropped by stdlib before they are built, not after
    stdlib_level = {"TRACE": 1, "SUCCESS": 25}.get(level, logging.getLevelName(level))
    logging.basicConfig(handlers=[InterceptHandler()], level=stdlib_level, force=True)
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.DEBUG if debug else logging.WARNING)
