"""The pull: each Prometheus provider's metrics read with Prometheus's HTTP API, once a minute.

For each metric, `GET {base}/api/v1/query?query=<its PromQL>&time=<now>` (an instant query);
the answer must be one number: a scalar, or an instant vector of exactly one series. Anything
else (no series, several, a matrix, a query Prometheus refuses, NaN) is written on the metric
as its `last_problem` for the owners' screen and the metric is skipped; it is not an error of
the sweep. A server that is down or slow costs one bounded timeout per provider: its other
metrics are marked with the same problem without asking again, and other providers go on.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests
from sqlalchemy import select

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models import Metric, MetricsProvider
from statuspage.system_metrics.data import MAX_VALUE, record
from statuspage.system_metrics.providers import PROMETHEUS

TIMEOUT = (3.0, 5.0)  # seconds to connect, seconds between bytes of the answer
MAX_ANSWER = 1024 * 1024  # an instant query of one series is a few hundred bytes
MAX_PROBLEM = 500  # Metric.last_problem's length
USER_AGENT = "Herald-Metrics/1.0"
_UNPRINTABLE = re.compile(r"[^\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd]")


class Problem(Exception):
    """Why a metric got no point this time; its text is shown to owners."""


class Unreachable(Problem):
    """The server did not answer (refused, timed out, not HTTP): no use asking it again now."""


@dataclass
class PullReport:
    read: int = 0
    problems: dict[str, str] = field(default_factory=dict)  # metric id: problem


def pull_all(now: datetime | None = None, *, timeout: tuple[float, float] = TIMEOUT) -> PullReport:
    """Read every metric of every enabled Prometheus provider at `now`, each request bounded
    by `timeout`. Flushes per metric; the job commits."""
    now = now or utcnow()
    report = PullReport()
    providers = db.session.scalars(
        select(MetricsProvider).where(
            MetricsProvider.type == PROMETHEUS, MetricsProvider.disabled.is_(False)
        )
    )
    with requests.Session() as http:
        http.headers["User-Agent"] = USER_AGENT
        for provider in list(providers):
            pull_provider(provider, now, http, report, timeout)
    return report


def pull_provider(
    provider: MetricsProvider,
    now: datetime,
    http: requests.Session,
    report: PullReport,
    timeout: tuple[float, float] = TIMEOUT,
) -> None:
    metrics = db.session.scalars(
        select(Metric).where(Metric.metrics_provider_id == provider.id).order_by(Metric.id)
    )
    down: Unreachable | None = None
    for metric in list(metrics):
        try:
            if down is not None:
                raise down
            base = provider.metric_base_uri or ""
            value, at = query(base, metric.metric_identifier, now, http, timeout)
            if abs(value) > MAX_VALUE:
                raise Problem(f"the value {value:g} is beyond ±{MAX_VALUE:g}")
        except Unreachable as exc:
            down = exc
            _problem(metric, str(exc), now, report)
        except Problem as exc:
            provider.last_revalidated_at = now  # it answered
            _problem(metric, str(exc), now, report)
        else:
            provider.last_revalidated_at = now
            record(metric, [(at, value)])
            metric.last_fetched_at, metric.last_problem = now, None
            report.read += 1
        db.session.flush()


def _problem(metric: Metric, problem: str, now: datetime, report: PullReport) -> None:
    text = _UNPRINTABLE.sub(" ", problem)[:MAX_PROBLEM]
    metric.last_fetched_at, metric.last_problem = now, text
    report.problems[metric.id] = text


def query(
    base: str,
    promql: str,
    at: datetime,
    http: requests.Session,
    timeout: tuple[float, float] = TIMEOUT,
) -> tuple[float, int]:
    """One instant query's single number and its timestamp (epoch seconds), or a Problem."""
    if not promql.strip():
        raise Problem("the metric has no PromQL query (metric_identifier)")
    moment = int(at.timestamp())
    try:
        response = http.get(
            f"{base}/api/v1/query",
            params={"query": promql, "time": f"{at.timestamp():.3f}"},
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        )
        with response:
            raw = _bounded(response)
    except requests.Timeout as exc:
        raise Unreachable(f"Prometheus at {base} did not answer within {timeout[1]:g}s") from exc
    except requests.RequestException as exc:
        raise Unreachable(f"cannot reach Prometheus at {base}: {type(exc).__name__}") from exc
    try:
        answer = json.loads(raw)
    except ValueError as exc:
        raise Unreachable(
            f"{base} answered HTTP {response.status_code}, not Prometheus's JSON"
        ) from exc
    if not isinstance(answer, dict):
        raise Unreachable(f"{base} answered HTTP {response.status_code}, not Prometheus's JSON")
    if answer.get("status") != "success":
        raise Problem(f"Prometheus refused the query: {str(answer.get('error'))[:300]}")
    return _one_number(answer.get("data"), moment)


def _bounded(response: requests.Response) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_content(65536):
        size += len(chunk)
        if size > MAX_ANSWER:
            raise Problem(f"the answer is over {MAX_ANSWER} bytes: the query returns too much")
        chunks.append(chunk)
    return b"".join(chunks)


def _one_number(data: Any, moment: int) -> tuple[float, int]:
    """A scalar, or an instant vector of exactly one series, as (value, epoch seconds)."""
    if not isinstance(data, dict):
        raise Problem("Prometheus's answer has no data")
    kind, result = data.get("resultType"), data.get("result")
    if kind == "scalar":
        sample = result
    elif kind == "vector" and isinstance(result, list):
        if not result:
            raise Problem("the query returned no series (nothing matches now)")
        if len(result) > 1:
            raise Problem(
                f"the query returned {len(result)} series; aggregate it to one, e.g. sum(...) "
                "or max(...)"
            )
        sample = result[0].get("value") if isinstance(result[0], dict) else None
    else:
        raise Problem(f"the query returned a {kind}; it must give one number (an instant value)")
    try:
        stamp, text = sample
        value, at = float(text), int(float(stamp))
    except (TypeError, ValueError) as exc:
        raise Problem("Prometheus's answer holds no readable sample") from exc
    if not math.isfinite(value):
        raise Problem(f"the query's value is {text}, not a finite number")
    return value, at if at > 0 else moment
