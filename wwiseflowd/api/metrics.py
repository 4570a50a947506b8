"""Prometheus metrics for ``GET /metrics``.

Executions and node durations are counted from the engine's events by one consumer thread;
backend calls (each backend that reports call stats) and queue depths are read when Prometheus
scrapes. Each app has its own
CollectorRegistry, so several apps in one process (tests) never collide.

prometheus-client (and the stdlib modules it pulls in: ~1 MB) is imported when the first run
finishes or the first scrape comes, not at start: an idle daemon never needs it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from loguru import logger

from wwiseflowd.backends import ReportsCallStats

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter, Histogram
    from prometheus_client.core import Metric

    from wwiseflowd.engine import Engine
    from wwiseflowd.events import Subscription

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: node runs last from milliseconds (cached) to minutes (large imports)
DURATION_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class _ScrapeTimeCollector:
    """Backend calls by operation (their ``stats()``) and queue depths (daemon status), per scrape."""

    def __init__(self, engine: Callable[[], Engine | None], status: Callable[[], dict[str, Any]] | None):
        self._engine = engine
        self._status = status

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        labels = ["backend", "operation"]
        calls = CounterMetricFamily(
            "wwiseflowd_backend_calls", "Calls made by each backend, by operation.", labels=labels
        )
        errors = CounterMetricFamily(
            "wwiseflowd_backend_call_errors", "Backend calls that failed, by operation.", labels=labels
        )
        seconds = CounterMetricFamily(
            "wwiseflowd_backend_call_seconds", "Time spent in backend calls, by operation.", labels=labels
        )
        for (backend, operation), entry in sorted(backend_call_counts(self._engine()).items()):
            calls.add_metric([backend, operation], entry["count"])
            errors.add_metric([backend, operation], entry["errors"])
            seconds.add_metric([backend, operation], entry["total_ms"] / 1000.0)
        yield calls
        yield errors
        yield seconds

        queued = GaugeMetricFamily(
            "wwiseflowd_queue_depth", "Files waiting per drop-folder rule.", labels=["rule"]
        )
        status = _safe_status(self._status)
        for rule in status.get("rules", []):
            name = str(rule.get("rule") or rule.get("folder") or "?")
            queued.add_metric([name], float(rule.get("queueDepth") or 0))
        yield queued
        failing = GaugeMetricFamily(
            "wwiseflowd_workflow_files_in_error", "Workflow files that do not compile."
        )
        failing.add_metric([], float(sum(1 for w in status.get("workflows", []) if not w.get("ok", True))))
        yield failing


#: the seed's status words for ours (its ``workflow_executions_total{status="success"}``)
SEED_STATUS = {"succeeded": "success", "failed": "failed", "cancelled": "cancelled"}


class SeedAliases:
    """The seed's metric names, built from ours when Prometheus scrapes (nothing on the hot path).

    ``workflow_executions_total{status}``, ``node_execution_duration_seconds{type}`` (histogram)
    and ``waapi_calls_total{operation}`` (operation: the WAAPI function's last name, e.g.
    ``create``), as the seed's architecture notes sketched them; docs/rest.md has the table.
    """

    def __init__(self, metrics: ApiMetrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import CounterMetricFamily, Metric

        executions = CounterMetricFamily(
            "workflow_executions", "Seed alias of wwiseflowd_executions_total.", labels=["status"]
        )
        by_status: dict[str, float] = {}
        instruments = self._metrics.instruments
        for sample in _samples_of(instruments.executions, "_total"):
            seed = SEED_STATUS.get(sample.labels["status"], sample.labels["status"])
            by_status[seed] = by_status.get(seed, 0.0) + sample.value
        for status, value in sorted(by_status.items()):
            executions.add_metric([status], value)
        yield executions
        durations = Metric(
            "node_execution_duration_seconds", "Seed alias of wwiseflowd_node_duration_seconds.", "histogram"
        )
        for family in instruments.node_duration.collect():
            for sample in family.samples:
                if sample.name.endswith("_created"):
                    continue
                suffix = sample.name.removeprefix(family.name)
                durations.add_sample("node_execution_duration_seconds" + suffix, sample.labels, sample.value)
        yield durations
        calls = CounterMetricFamily(
            "waapi_calls", "Seed alias of wwiseflowd_backend_calls_total{backend=\"wwise\"}.",
            labels=["operation"],
        )
        by_operation: dict[str, float] = {}
        for (backend, operation), entry in backend_call_counts(self._metrics.engine).items():
            if backend == "wwise":
                short = operation.rsplit(".", 1)[-1]
                by_operation[short] = by_operation.get(short, 0.0) + entry["count"]
        for operation, value in sorted(by_operation.items()):
            calls.add_metric([operation], value)
        yield calls


def _samples_of(metric: Counter, suffix: str) -> Iterator[Any]:
    for family in metric.collect():
        yield from (s for s in family.samples if s.name.endswith(suffix))


def _safe_status(status: Callable[[], dict[str, Any]] | None) -> dict[str, Any]:
    if status is None:
        return {}
    try:
        return status() or {}
    except Exception as exc:  # the daemon's status must never break a scrape
        logger.warning("Daemon status failed during a metrics scrape: {}", exc)
        return {}


def backend_call_counts(engine: Engine | None) -> dict[tuple[str, str], dict[str, float]]:
    """``{(backend, operation): {"count", "errors", "total_ms"}}`` from every backend that reports
    call stats (:class:`~wwiseflowd.backends.ReportsCallStats`)."""
    if engine is None:
        return {}
    counts: dict[tuple[str, str], dict[str, float]] = {}
    for name, backend in engine.backends.having(ReportsCallStats):
        try:
            stats = backend.stats()
        except Exception as exc:  # a backend that cannot report must not break a scrape
            logger.debug("Backend {} stats unavailable: {}", name, exc)
            continue
        for operation, entry in (stats or {}).items():
            if isinstance(entry, dict):
                counts[(name, str(operation))] = {
                    key: float(entry.get(key, 0) or 0) for key in ("count", "errors", "total_ms")
                }
    return counts


class _Instruments:
    """The registry and the instruments fed by events (built on first use: see the module docstring)."""

    def __init__(self, metrics: ApiMetrics, status: Callable[[], dict[str, Any]] | None) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry: CollectorRegistry = CollectorRegistry()
        self.executions: Counter = Counter(
            "wwiseflowd_executions",
            "Finished workflow executions, by status.",
            ["status"],
            registry=self.registry,
        )
        self.node_duration: Histogram = Histogram(
            "wwiseflowd_node_duration_seconds",
            "Duration of node runs, by node type.",
            ["type"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_ScrapeTimeCollector(lambda: metrics.engine, status))
        self.registry.register(SeedAliases(metrics))


class ApiMetrics:
    """The metrics of one app; :meth:`start` follows an engine's events until :meth:`stop`."""

    def __init__(self, status: Callable[[], dict[str, Any]] | None = None) -> None:
        self._status = status
        self._instruments: _Instruments | None = None
        self._building = threading.Lock()
        self._engine: Engine | None = None
        #: labels added to every sample (a fleet's daemon sets ``{"daemon": <its id>}``)
        self.labels: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._subscription: Subscription | None = None

    @property
    def engine(self) -> Engine | None:
        """The engine being followed (None before :meth:`start` and after :meth:`stop`)."""
        return self._engine

    @property
    def instruments(self) -> _Instruments:
        """The registry and the event-fed instruments, built on first use (from any thread)."""
        if self._instruments is None:
            with self._building:
                if self._instruments is None:
                    self._instruments = _Instruments(self, self._status)
        return self._instruments

    def observe(self, event: dict[str, Any]) -> None:
        """Count one engine event (``run.finished``, ``node.finished``); others are ignored."""
        kind = event.get("type")
        if kind == "run.finished":
            self.instruments.executions.labels(status=execution_status(event)).inc()
        elif kind == "node.finished" and not event.get("cached"):
            duration = event.get("durationMs")
            if isinstance(duration, int | float):
                node_type = str(event.get("nodeType", "?"))
                self.instruments.node_duration.labels(type=node_type).observe(duration / 1000.0)

    def start(self, engine: Engine) -> None:
        """Follow ``engine.events`` on a daemon thread."""
        self._engine = engine
        subscription = self._subscription = engine.events.subscribe()
        self._stop.clear()

        def follow() -> None:
            try:
                while not self._stop.is_set():
                    event = subscription.get()  # no timer: stop() wakes it
                    if event is not None:
                        self.observe(event)
            finally:
                subscription.close()

        self._thread = threading.Thread(target=follow, name="wwiseflowd-api-metrics", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop following events."""
        self._stop.set()
        if self._subscription is not None:
            self._subscription.wake()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        self._engine = None

    def render(self) -> bytes:
        """The Prometheus text exposition (every sample with :attr:`labels`)."""
        from prometheus_client import generate_latest

        text = generate_latest(self.instruments.registry)
        return with_labels(text, self.labels) if self.labels else text


def with_labels(exposition: bytes, labels: dict[str, str]) -> bytes:
    """``exposition`` with ``labels`` added to every sample line (comments are left alone)."""
    escaped = ",".join(
        f'{name}="{value.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for name, value in labels.items()
    )
    lines = []
    for line in exposition.decode("utf-8").splitlines():
        if line and not line.startswith("#"):
            name, brace, rest = line.partition("{")
            if brace:
                line = f"{name}{{{escaped},{rest}"
            else:
                metric, _, value = line.partition(" ")
                line = f"{metric}{{{escaped}}} {value}"
        lines.append(line)
    return ("\n".join(lines) + "\n").encode("utf-8")


def execution_status(event: dict[str, Any]) -> str:
    """The ledger's status for a ``run.finished`` event: its ``status`` when present, else from ``ok``."""
    status = event.get("status")
    if isinstance(status, str) and status:
        return status
    return "succeeded" if event.get("ok") else "failed"
