"""deploy/gunicorn.conf.py: several workers, one set of metrics, JSON lines on stderr.

Runs the real thing: gunicorn with the production config and two worker processes, on an empty
SQLite file (the processes are what is under test here, not the database).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.conftest import fetch as get
from tests.deploy.conftest import gunicorn, request_lines


def fetch(url: str) -> tuple[int, bytes]:
    with get(url) as response:
        return response.status, response.read()


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    # No migration: /healthz and the process counters need no tables (the database figures
    # then say herald_database_up 0, logged as JSON too), and it would double the test's time.
    with gunicorn(tmp_path_factory.mktemp("gunicorn")) as served:
        yield served


def healthz_count(base: str) -> float:
    status, body = fetch(f"{base}/metrics")
    assert status == 200
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            if (
                sample.name == "herald_http_requests_total"
                and sample.labels.get("endpoint") == "ops.healthz"
                and sample.labels.get("status") == "200"
            ):
                return sample.value
    return 0.0


def test_a_scrape_sums_the_counters_of_every_worker(running):
    base, stderr = running
    before = healthz_count(base)
    made = 0
    # Fresh connections until both workers have answered one (their log lines carry the pid).
    while made < 400:
        assert fetch(f"{base}/healthz")[0] == 200
        made += 1
        if made % 10 == 0:
            time.sleep(0.1)  # let the log lines reach the file
            pids = {e["pid"] for e in request_lines(stderr) if e["path"] == "/healthz"}
            if len(pids) == 2:
                break
    assert len(pids) == 2, "only one worker ever answered"
    for _ in range(4):  # whichever worker answers the scrape, it counts them all
        assert healthz_count(base) == before + made


def test_every_stderr_line_is_json(running):
    base, stderr = running
    fetch(f"{base}/healthz")
    fetch(f"{base}/metrics")
    time.sleep(0.2)  # let the last line reach the file
    entries = [json.loads(line) for line in stderr.read_text().splitlines() if line.strip()]
    assert entries
    loggers = {entry["logger"] for entry in entries}
    assert "gunicorn.error" in loggers  # gunicorn's own "Booting worker" lines
    assert "herald.request" in loggers
    request = next(e for e in entries if e["logger"] == "herald.request")
    assert {"time", "level", "message", "request_id", "method", "path", "status"} <= set(request)
