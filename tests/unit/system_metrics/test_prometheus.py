"""The pull against a real Prometheus (Debian's `prometheus`, installed by `make browser`).

One server per module, scraping itself every second; each test waits for its first scrape
and reads queries about Prometheus itself. Prometheus's HTTP API
(https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries): GET
/api/v1/query?query=...&time=... answers {"status": "success", "data": {"resultType":
"vector" | "scalar" | ..., "result": ...}}, a vector holding one {"metric", "value": [<unix
time>, "<value as text>"]} per series; a query it cannot parse is a 400 with
{"status": "error", "errorType": "bad_data", "error": ...}.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from statuspage.extensions import db
from statuspage.jobs import tasks
from statuspage.models import Metric, MetricPoint
from statuspage.models.system_metrics import RAW
from statuspage.system_metrics import metrics, prometheus, providers
from tests.fakes.smtp import free_port

CONFIG = """
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ["127.0.0.1:{port}"]
"""


def _wait(condition, seconds: float, what: str) -> None:
    """Wait for a process to get somewhere (not a timed assertion: the limit only stops a hang)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture(scope="module")
def prometheus_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("prometheus")
    assert binary, "Debian's prometheus package is not installed: run `make browser`"
    folder: Path = tmp_path_factory.mktemp("prometheus")
    port = free_port()
    (folder / "prometheus.yml").write_text(CONFIG.format(port=port))
    url = f"http://127.0.0.1:{port}"
    with (folder / "log").open("w") as log:
        process = subprocess.Popen(
            [binary, f"--config.file={folder / 'prometheus.yml'}",
             f"--storage.tsdb.path={folder / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
        try:

            def scraped() -> bool:
                answer = requests.get(
                    f"{url}/api/v1/query", params={"query": 'up{job="prometheus"}'}, timeout=2
                ).json()
                return bool(answer["data"]["result"])

            _wait(scraped, 60, "Prometheus's first scrape of itself")
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)


def _provider(url: str):
    return providers.create_provider("Prometheus", metric_base_uri=url)


def _metric(provider, query: str, name: str = "Metric") -> Metric:
    return metrics.create_metric(provider, name=name, metric_identifier=query)


def _raw(metric: Metric) -> list[float]:
    return list(
        db.session.scalars(
            select(MetricPoint.total).where(
                MetricPoint.metric_id == metric.id, MetricPoint.resolution == RAW
            )
        )
    )


def test_queries_of_one_number_become_points_and_the_rest_problems(prometheus_url):
    provider = _provider(prometheus_url)
    up = _metric(provider, 'up{job="prometheus"}', "Up")
    build = _metric(provider, "prometheus_build_info", "Build")
    scalar = _metric(provider, 'scalar(up{job="prometheus"}) * 2', "Twice up")
    none = _metric(provider, 'up{job="nothing-by-this-name"}', "None")
    several = _metric(provider, "up or prometheus_build_info", "Several")
    broken = _metric(provider, "sum(rate(", "Broken")
    not_a_number = _metric(provider, "0/0", "NaN")
    a_range = _metric(provider, 'up{job="prometheus"}[1m]', "Range")
    db.session.commit()

    read = tasks.pull_metrics()  # the scheduled job's own wrapper
    assert read == 3, {m.name: m.last_problem for m in (up, build, scalar)}
    db.session.commit()

    assert (_raw(up), _raw(build), _raw(scalar)) == ([1.0], [1.0], [2.0])
    for read in (up, build, scalar):
        assert read.last_problem is None
        assert read.most_recent_data_at is not None
        assert read.last_fetched_at is not None
    assert none.last_problem == "the query returned no series (nothing matches now)"
    assert several.last_problem is not None
    assert several.last_problem.startswith("the query returned ")
    assert "series; aggregate it to one" in several.last_problem
    assert broken.last_problem is not None
    assert broken.last_problem.startswith("Prometheus refused the query: ")
    assert not_a_number.last_problem == "the query's value is NaN, not a finite number"
    assert a_range.last_problem is not None
    assert a_range.last_problem.startswith("the query returned a matrix")
    assert [_raw(m) for m in (none, several, broken, not_a_number, a_range)] == [[]] * 5
    assert provider.last_revalidated_at is not None

    # a problem clears once the query is fixed
    metrics.update_metric(several, metric_identifier="count(up or prometheus_build_info)")
    db.session.commit()
    prometheus.pull_all()
    assert several.last_problem is None
    assert len(_raw(several)) == 1


class Silent:
    """A server that accepts connections and never answers: a Prometheus that hangs."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        for connection in self.accepted:
            connection.close()
        self.listener.close()


def test_a_down_or_hung_server_is_a_problem_and_the_pull_goes_on(prometheus_url):
    closed = _provider(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    down_a, down_b = _metric(closed, "up", "A"), _metric(closed, "up", "B")
    silent = Silent()
    try:
        hung = _provider(f"http://127.0.0.1:{silent.port}")
        hung_a, hung_b = _metric(hung, "up", "C"), _metric(hung, "up", "D")
        alive = _metric(_provider(prometheus_url), 'up{job="prometheus"}', "Up")
        db.session.commit()

        report = prometheus.pull_all(timeout=(1.0, 0.5))
        db.session.commit()
        asked_the_hung_server = len(silent.accepted)
    finally:
        silent.close()

    assert report.read == 1
    assert _raw(alive) == [1.0]
    for metric in (down_a, down_b):
        assert metric.last_problem is not None
        assert metric.last_problem.startswith("cannot reach Prometheus at http://127.0.0.1:")
    for metric in (hung_a, hung_b):
        assert metric.last_problem is not None
        assert "did not answer within 0.5s" in metric.last_problem
    assert asked_the_hung_server == 1  # one timeout per server, not one per metric
    assert set(report.problems) == {down_a.id, down_b.id, hung_a.id, hung_b.id}


def test_a_disabled_provider_and_self_providers_are_not_read(prometheus_url):
    disabled = providers.create_provider(
        "Prometheus", metric_base_uri=prometheus_url, disabled=True
    )
    skipped = _metric(disabled, 'up{job="prometheus"}')
    pushed = metrics.create_metric(providers.create_provider("Self"), name="Pushed")
    db.session.commit()
    assert prometheus.pull_all().read == 0
    assert (skipped.last_fetched_at, pushed.last_fetched_at) == (None, None)
