"""Helpers for the deployment tests: free ports, a self-signed certificate, a live app."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import create_engine, make_url, text

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
REDIS = "redis://127.0.0.1:6379/14"  # the shared Redis (.ci/run starts it); 15 is the queue test's


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and status.example.com, and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "status.example.com")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("status.example.com"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "fullchain.pem", folder / "privkey.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def fetch(
    url: str,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    method: str | None = None,
):
    """One request on a fresh connection (urllib opens one each time, so gunicorn's workers
    take turns as the kernel hands them out); the response, whatever its status."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)  # noqa: S310
    try:
        return urllib.request.urlopen(request, timeout=10)  # noqa: S310 (loopback only)
    except urllib.error.HTTPError as error:
        return error


def herald_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of every Herald process of one deploy test: an SQLite file and the
    instance folder in `tmp_path`, the embedded queue, JSON request logs."""
    (tmp_path / "prometheus").mkdir(exist_ok=True)
    return {
        **os.environ,
        "FLASK_APP": "wsgi",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'herald.db'}",
        "INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "test-secret-key",
        "QUEUE_URL": "",
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "2",
        "LOG_FORMAT": "json",
        "LOG_REQUESTS": "1",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        **settings,
    }


def flask_command(env: dict[str, str], *args: str) -> str:
    """Run `flask <args>` in that environment; its standard output."""
    done = subprocess.run(
        [Path(sys.executable).parent / "flask", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def start_queue_worker(tmp_path: Path, env: dict[str, str]) -> subprocess.Popen:
    """`flask worker` in that environment, its stderr in `tmp_path/worker.err`."""
    with (tmp_path / "worker.err").open("ab") as err:
        return subprocess.Popen(
            [Path(sys.executable).parent / "flask", "worker"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


@contextmanager
def queue_worker(tmp_path: Path, **settings: str) -> Iterator[None]:
    """The queue worker alone, started when a test wants it (work may wait for it)."""
    process = start_queue_worker(tmp_path, herald_env(tmp_path, **settings))
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def gunicorn(
    tmp_path: Path, *, migrate: bool = False, worker: bool = False, **settings: str
) -> Iterator[tuple[str, Path]]:
    """Herald under gunicorn with deploy/gunicorn.conf.py and two workers on an SQLite file in
    `tmp_path`, logging JSON request lines (each with its worker's pid) to a file; yields the
    base URL and that file. With `migrate`, the schema is made first (`flask db upgrade`);
    with `worker`, the queue worker (`flask worker`) runs beside it, as `make run` does."""
    port = free_port()
    env = {**herald_env(tmp_path, **settings), "GUNICORN_BIND": f"127.0.0.1:{port}"}
    bin_dir = Path(sys.executable).parent
    if migrate:
        flask_command(env, "db", "upgrade")
    stderr = tmp_path / "gunicorn.err"
    processes = []
    with stderr.open("wb") as err:
        processes.append(
            subprocess.Popen(
                [bin_dir / "gunicorn", "--config", DEPLOY / "gunicorn.conf.py", "wsgi:app"],
                env=env,
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        )
    if worker:
        processes.append(start_queue_worker(tmp_path, env))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                fetch(f"{base}/healthz").read()
                break
            except OSError:
                assert processes[0].poll() is None, stderr.read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield base, stderr
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


@dataclass
class Site:
    base: str
    key: str
    page_id: str = ""

    def api(self, method: str, path: str, body: dict | None = None) -> Any:
        """A management API call, as a Statuspage client makes it; its JSON answer."""
        response = fetch(
            f"{self.base}/api/v1{path}",
            json.dumps(body).encode() if body is not None else None,
            {"Authorization": f"OAuth {self.key}", "Content-Type": "application/json"},
            method=method,
        )
        answer = response.read()
        assert response.status < 300, (method, path, response.status, answer[:2000])
        return json.loads(answer)


def request_lines(stderr: Path) -> list[dict]:
    """The JSON request log lines gunicorn's workers wrote so far."""
    lines = [json.loads(line) for line in stderr.read_text().splitlines() if line.strip()]
    return [line for line in lines if line["logger"] == "herald.request"]


@pytest.fixture
def suite_servers() -> dict[str, str]:
    """The database and queue of this suite run, as `make test` runs it once per database:
    the embedded default (SQLite, the SQLite queue) on the SQLite run; PostgreSQL with Redis
    (scaled out: the queue and the throttles there) on the PostgreSQL run."""
    suite = os.environ.get("TEST_DATABASE_URL") or ""
    if not suite.startswith("postgresql"):
        return {}
    admin = create_engine(suite, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS herald_deploy WITH (FORCE)"))
            connection.execute(text("CREATE DATABASE herald_deploy"))
    finally:
        admin.dispose()
    redis.Redis.from_url(REDIS).flushdb()
    return {
        "DATABASE_URL": make_url(suite).set(database="herald_deploy").render_as_string(False),
        "QUEUE_URL": REDIS,
    }
