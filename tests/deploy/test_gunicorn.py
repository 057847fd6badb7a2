"""deploy/gunicorn.conf.py: several workers, one set of metrics, JSON lines on stderr.

Runs the real thing: gunicorn with the production config and two worker processes, on an empty
SQLite file (the processes are what is under test here, not the database).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.conftest import DEPLOY, REPO, free_port


def fetch(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback only)
        return response.status, response.read()


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    tmp_path = tmp_path_factory.mktemp("gunicorn")
    port = free_port()
    metrics = tmp_path / "prometheus"
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'herald.db'}",
        "INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "test-secret-key",
        "QUEUE_URL": "",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "2",
        "LOG_FORMAT": "json",
        "LOG_REQUESTS": "1",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
    }
    # No migration: /healthz and the process counters need no tables (the database figures
    # then say herald_database_up 0, logged as JSON too), and it would double the test's time.
    bin_dir = Path(sys.executable).parent
    stderr = tmp_path / "gunicorn.err"
    with stderr.open("wb") as err:
        process = subprocess.Popen(
            [bin_dir / "gunicorn", "--config", DEPLOY / "gunicorn.conf.py", "wsgi:app"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                fetch(f"{base}/healthz")
                break
            except OSError:
                assert process.poll() is None, stderr.read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield base, metrics, stderr
    finally:
        process.terminate()
        process.wait(timeout=30)


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


def request_lines(stderr: Path) -> list[dict]:
    lines = [json.loads(line) for line in stderr.read_text().splitlines() if line.strip()]
    return [line for line in lines if line["logger"] == "herald.request"]


def test_a_scrape_sums_the_counters_of_every_worker(gunicorn):
    base, _, stderr = gunicorn
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


def test_every_stderr_line_is_json(gunicorn):
    base, _, stderr = gunicorn
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
