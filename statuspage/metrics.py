"""Prometheus metrics: what each process counts, and what the database says at scrape time.

Counted in the process (requests, their latency, snapshot renders): under gunicorn these live in
prometheus_client's multiprocess files (PROMETHEUS_MULTIPROC_DIR, set by deploy/gunicorn.conf.py),
so a scrape answered by any one worker sums them over every worker. Read at scrape time from the
database and the queue (deliveries by channel and state, the oldest undelivered delivery, queue
depth, overdue updates): one query each, by the process that answers, so they are right whichever
worker that is and need no multiprocess files.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from statuspage.logs import timed_call

log = logging.getLogger(__name__)
# No `*_created` series beside every counter and histogram: they double the series and Prometheus
# (text format) does not use them.
disable_created_metrics()

# Our own registry, not the global one: the app factory may run many times in one process
# (tests), and these are defined once, here.
PROCESS_REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "herald_http_requests",
    "HTTP requests answered, by Flask endpoint, method and status.",
    ["endpoint", "method", "status"],
    registry=PROCESS_REGISTRY,
)
LATENCY = Histogram(
    "herald_http_request_duration_seconds",
    "Time to produce a response (until its first byte is handed to the server), by endpoint.",
    ["endpoint"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=PROCESS_REGISTRY,
)
SNAPSHOT_RENDERS = Counter(
    "herald_snapshot_renders",
    "Public responses rendered into a snapshot (once per page version and path per process).",
    registry=PROCESS_REGISTRY,
)

# Anything else a client sends is counted as "other": labels must stay a small, fixed set.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetrics:
    """WSGI layer outermost of all: counts and times every response, the snapshot fast path's too.

    The endpoint comes from the environ: Flask's after_request hook (ops.py) or the fast path
    puts it there; a request that matched no route is "unmatched".
    """

    def __init__(self, wsgi_app: Any) -> None:
        self._wsgi_app = wsgi_app
        # (endpoint, method, status) -> the two children: `labels()` validates and locks on every
        # call, and this runs on every request, the snapshot fast path's too. The set is small.
        self._children: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        def count(status: str, seconds: float) -> None:
            method = environ.get("REQUEST_METHOD", "")
            key = (
                environ.get("herald.endpoint") or "unmatched",
                method if method in _METHODS else "other",
                status,
            )
            children = self._children.get(key)
            if children is None:
                children = self._children[key] = (REQUESTS.labels(*key), LATENCY.labels(key[0]))
            children[0].inc()
            children[1].observe(seconds)

        return timed_call(self._wsgi_app, environ, start_response, count)


class ScrapeTimeFigures(Collector):
    """Gauges read when Prometheus scrapes: each callable returns its metric families.

    A source that fails (database down) is logged and its `*_up` gauge says 0; the rest of the
    scrape still answers, so an outage shows up as data rather than as a failed scrape.
    """

    def __init__(self, sources: dict[str, Callable[[], Iterator[Metric]]]) -> None:
        self._sources = sources

    def collect(self) -> Iterator[Metric]:
        for name, source in self._sources.items():
            up = GaugeMetricFamily(f"herald_{name}_up", f"1 when the {name} answered this scrape.")
            try:
                families = list(source())
            except Exception:
                log.exception("metrics: reading the %s failed", name)
                up.add_metric([], 0)
                yield up
                continue
            up.add_metric([], 1)
            yield up
            yield from families


class _ProcessMetrics(Collector):
    """This process's counters, for a single process (no PROMETHEUS_MULTIPROC_DIR)."""

    def collect(self) -> Iterator[Metric]:
        yield from PROCESS_REGISTRY.collect()


def exposition(multiproc_dir: str, figures: Collector) -> bytes:
    """The text exposition of everything: process counters (of all workers) and `figures`."""
    registry = CollectorRegistry()
    if multiproc_dir:
        multiprocess.MultiProcessCollector(registry, path=multiproc_dir)
    else:
        registry.register(_ProcessMetrics())
    registry.register(figures)
    return generate_latest(registry)
