"""The command bus: ``name + payload -> Result``, validated, audit-logged, never raising.

Commands are registered by plugins (``register_bus_commands``); the Wwise plugin's commands reach the
locked WAAPI adapter through ``ctx.backend("wwise")``. Backends are created lazily, once, by
:class:`BackendPool`, which also maps a node's ``resource`` to the backend that owns it.
"""

from __future__ import annotations

import difflib
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from loguru import logger
from pydantic import BaseModel, ValidationError

from wwiseflowd.audit import AuditLog
from wwiseflowd.backends import Closes
from wwiseflowd.config import Settings
from wwiseflowd.registry import CommandContext, Registry
from wwiseflowd.results import ErrorCode, Result

T = TypeVar("T")


class BackendError(Exception):
    """A backend factory failed; the message is a sentence for the user."""


class BackendPool:
    """Creates each registered backend lazily, once, and closes them all at shutdown.

    A node's ``resource`` maps to the backend registered under the same name, or to the backend
    whose factory has a ``resource`` attribute equal to it (the Wwise plugin registers backend
    ``"wwise"`` with ``factory.resource = "waapi"``).
    """

    def __init__(self, registry: Registry, settings: Settings) -> None:
        self.registry = registry
        self.settings = settings
        self._instances: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._group_locks: dict[str, threading.Lock] = {}
        self._probes: dict[str, threading.Thread] = {}

    def get(self, name: str) -> Any:
        """The backend ``name``, created on first use. KeyError when no plugin registered it."""
        instance = self._instances.get(name)
        if instance is not None:
            return instance
        factory = self.registry.backends[name]
        with self._lock:
            if name not in self._instances:
                try:
                    self._instances[name] = factory(self.settings)
                except Exception as exc:
                    raise BackendError(
                        f"Backend {name!r} could not start: {exc}. Check its settings "
                        f"(its section of wwiseflowd.toml) and that the application is running."
                    ) from exc
            return self._instances[name]

    def name_for_resource(self, resource: str | None) -> str | None:
        """The backend name owning ``resource``, or None when no backend claims it."""
        if resource is None:
            return None
        if resource in self.registry.backends:
            return resource
        for name, factory in self.registry.backends.items():
            if getattr(factory, "resource", None) == resource:
                return name
        return None

    def group_lock(self, name: str) -> threading.Lock:
        """The lock a run holds while it has an undo group open on backend ``name``."""
        with self._lock:
            return self._group_locks.setdefault(name, threading.Lock())

    def probe(self, name: str, attempt: Callable[[], object], wait_s: float) -> None:
        """Run ``attempt`` (a reconnection before a health report) on a helper thread and wait for
        it at most ``wait_s``. One attempt per backend at a time, whatever the number of reports
        asking: one started per report would pile up behind a connection that stays busy (20 REST
        clients polling ``/health`` while Wwise restarts left dozens queued on its lock)."""
        with self._lock:
            thread = self._probes.get(name)
            if thread is None or not thread.is_alive():
                thread = threading.Thread(target=attempt, name=f"wwiseflowd-probe {name}", daemon=True)
                self._probes[name] = thread
                thread.start()
        thread.join(wait_s)

    def created(self) -> dict[str, Any]:
        """Backends created so far, by name."""
        return dict(self._instances)

    def having(self, ability: type[T]) -> list[tuple[str, T]]:
        """Every registered backend with ``ability`` (a protocol of :mod:`wwiseflowd.backends`),
        created now if need be; one whose factory fails is left out (its health says why)."""
        found: list[tuple[str, T]] = []
        for name in self.registry.backends:
            try:
                backend = self.get(name)
            except BackendError as exc:
                logger.debug("{}", exc)
                continue
            if isinstance(backend, ability):
                found.append((name, backend))
        return found

    def close(self) -> None:
        """Close every created backend (``close()`` when it has one); errors are logged."""
        with self._lock:
            instances, self._instances = self._instances, {}
        for name, instance in instances.items():
            if isinstance(instance, Closes):
                try:
                    instance.close()
                except Exception as exc:
                    logger.warning("Backend {} failed to close: {}", name, exc)


class _LazyBackends(Mapping[str, Any]):
    """The ``backends`` mapping handed to commands: creates a backend only when a command asks."""

    def __init__(self, pool: BackendPool) -> None:
        self._pool = pool

    def __getitem__(self, name: str) -> Any:
        return self._pool.get(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._pool.registry.backends)

    def __len__(self) -> int:
        return len(self._pool.registry.backends)


#: control characters WAAPI's transport cannot carry (tab, newline and carriage return are fine)
_UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def unsafe_string(value: Any, field: str = "") -> tuple[str, str, int] | None:
    """``(field, character, position)`` of the first string (value or key) in ``value`` holding a
    control character or a lone surrogate, or None. Wwise echoes such a string back and the WAMP
    library misreads the echo and closes the session, so it must never reach the connection."""
    if isinstance(value, str):
        match = _UNSAFE_CHARS.search(value)
        return (field or "(input)", match.group(), match.start()) if match else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            name = f"{field}.{key}" if field else str(key)
            found = unsafe_string(str(key), name) or unsafe_string(item, name)
            if found:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = unsafe_string(item, f"{field}[{index}]")
            if found:
                return found
    return None


def unsafe_string_sentence(found: tuple[str, str, int], what: str) -> str:
    """The INVALID_INPUT sentence for :func:`unsafe_string`'s finding."""
    field, char, position = found
    return (
        f"Invalid input for {what}: {field!r} contains the control character U+{ord(char):04X} at "
        f"position {position}, which the connection to Wwise cannot carry; remove it and run again."
    )


def validation_sentence(exc: ValidationError, what: str) -> str:
    """A pydantic ValidationError as one sentence naming each bad field."""
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "(input)"
        message = "is required" if err["type"] == "missing" else err["msg"][0].lower() + err["msg"][1:]
        parts.append(f"'{field}' {message}")
    return f"Invalid input for {what}: " + "; ".join(parts) + "."


class CommandBus:
    """Runs registered commands. Every call returns a Result and is appended to the audit log."""

    def __init__(
        self,
        registry: Registry,
        settings: Settings,
        backends: BackendPool,
        audit: AuditLog | None = None,
    ) -> None:
        self.registry = registry
        self.settings = settings
        self.backends = backends
        self.audit = audit
        self._lazy = _LazyBackends(backends)

    def names(self) -> list[str]:
        """Registered command names, sorted."""
        return sorted(self.registry.commands)

    def execute(
        self,
        name: str,
        payload: Mapping[str, Any] | BaseModel | None = None,
        *,
        execution_id: str | None = None,
        node_id: str | None = None,
        source: str | None = None,
        record: bool = True,
    ) -> Result:
        """Validate ``payload`` against the command's input model and run its handler.

        ``source`` is the front door that asked (cli, rest, mcp, editor, watch/daemon, replay); it
        is recorded in the audit log. ``record=False`` keeps a run's pre-flight lookups out of the
        audit log: they change nothing and are not part of what the run did.
        """
        started = time.perf_counter()
        raw: Any = payload.model_dump() if isinstance(payload, BaseModel) else (payload or {})
        result = self._run(name, raw, execution_id, node_id)
        if self.audit is not None and record:
            self.audit.append(
                command=name,
                payload=raw,
                result=result,
                duration_ms=(time.perf_counter() - started) * 1000,
                execution_id=execution_id,
                node_id=node_id,
                source=source,
            )
        return result

    def _run(self, name: str, raw: Any, execution_id: str | None, node_id: str | None) -> Result:
        spec = self.registry.commands.get(name)
        if spec is None:
            close = difflib.get_close_matches(name, self.registry.commands, n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            known = ", ".join(self.names()) or "none (is the Wwise plugin loaded? see wwiseflowd plugins)"
            return Result.failure(
                ErrorCode.NOT_FOUND, f"Unknown command {name!r}.{hint} Available commands: {known}."
            )
        if not isinstance(raw, Mapping):
            return Result.failure(
                ErrorCode.INVALID_INPUT,
                f"The payload of command {name!r} must be a JSON object, got {type(raw).__name__}.",
            )
        unsafe = unsafe_string(raw)
        if unsafe is not None:
            what = f"node {node_id!r} ({name})" if node_id else f"command {name!r}"
            return Result.failure(ErrorCode.INVALID_INPUT, unsafe_string_sentence(unsafe, what))
        try:
            model = spec.input_model.model_validate(dict(raw))
        except ValidationError as exc:
            return Result.failure(ErrorCode.INVALID_INPUT, validation_sentence(exc, f"command {name!r}"))
        ctx = CommandContext(
            backends=self._lazy, settings=self.settings, execution_id=execution_id, node_id=node_id
        )
        try:
            result = spec.handler(model, ctx)
        except BackendError as exc:
            return Result.failure(ErrorCode.BACKEND_UNAVAILABLE, str(exc))
        except Exception as exc:
            logger.opt(exception=exc).error("Command {} raised", name)
            return Result.failure(
                ErrorCode.INTERNAL,
                f"Command {name!r} failed unexpectedly ({type(exc).__name__}: {exc}); this is a bug "
                f"in the plugin that registered it ({self.registry.plugin_of('command', name)}).",
            )
        if not isinstance(result, Result):
            return Result.failure(
                ErrorCode.INTERNAL,
                f"Command {name!r} returned {type(result).__name__} instead of a Result; this is a "
                f"bug in plugin {self.registry.plugin_of('command', name)}.",
            )
        return result
