"""Structured logs (statuspage/logs.py): LOG_FORMAT=json gives one JSON object per line."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from flask import Flask

from statuspage import create_app
from statuspage.config import ConfigError, from_environment
from statuspage.extensions import db


@pytest.fixture
def json_app(app: Flask) -> Iterator[Flask]:
    """An app logging JSON lines and one line per request; the root logger restored after.

    Other handlers on the root (alembic's console handler, from migrating the test database)
    are set aside meanwhile, so every line on stderr is one this app's setup wrote.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    root.handlers[:] = [h for h in handlers if not isinstance(h, logging.StreamHandler)]
    other = create_app({**app.config, "LOG_FORMAT": "json", "LOG_REQUESTS": True})

    def boom() -> str:
        raise RuntimeError("kaboom")

    other.add_url_rule("/boom", "boom", boom)
    yield other
    root.handlers[:] = handlers
    root.setLevel(level)
    with other.app_context():
        db.engine.dispose()


def lines(captured: str) -> list[dict]:
    return [json.loads(line) for line in captured.splitlines() if line.strip()]


def test_every_line_is_a_json_object_with_the_request_fields(json_app, capsys):
    client = json_app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/boom").status_code == 500
    logging.getLogger("huey.consumer").info("worker line %s", 7)  # the worker's loggers too
    entries = lines(capsys.readouterr().err)  # json.loads fails on any line that is not JSON

    healthz = next(
        e for e in entries if e["logger"] == "herald.request" and e["path"] == "/healthz"
    )
    assert healthz["method"] == "GET"
    assert healthz["status"] == 200
    assert healthz["level"] == "INFO"
    assert healthz["duration_ms"] >= 0
    assert len(healthz["request_id"]) == 32
    assert healthz["time"].endswith("+00:00")

    error = next(e for e in entries if e["level"] == "ERROR")
    assert "unhandled error on GET /boom" in error["message"]
    assert "RuntimeError: kaboom" in error["exc_info"]
    boom = next(e for e in entries if e["logger"] == "herald.request" and e["path"] == "/boom")
    assert boom["status"] == 500
    assert error["request_id"] == boom["request_id"]  # lines of one request share its id
    assert healthz["request_id"] != boom["request_id"]

    worker = next(e for e in entries if e["logger"] == "huey.consumer")
    assert worker["message"] == "worker line 7"
    assert "request_id" not in worker


def test_a_proxys_request_id_is_kept_only_when_the_proxy_is_trusted(app, json_app, capsys):
    json_app.test_client().get("/healthz", headers={"X-Request-ID": "abc123"})
    trusting = create_app(
        {**app.config, "LOG_FORMAT": "json", "LOG_REQUESTS": True, "TRUSTED_PROXIES": 1}
    )
    trusting.test_client().get("/healthz", headers={"X-Request-ID": "abc123"})
    trusting.test_client().get("/healthz", headers={"X-Request-ID": 'no spaces; or quotes"'})
    with trusting.app_context():
        db.engine.dispose()
    ids = [e["request_id"] for e in lines(capsys.readouterr().err) if e["path"] == "/healthz"]
    assert len(ids) == 3
    assert ids[0] != "abc123"
    assert ids[1] == "abc123"
    assert len(ids[2]) == 32  # a malformed id is replaced, not logged


def test_log_format_is_checked():
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        from_environment({"LOG_FORMAT": "xml", "SECRET_KEY": "k", "VAPID_PRIVATE_KEY": ""})


def test_an_alert_intake_secret_never_reaches_the_request_log(json_app, capsys):
    """The intake URL's last segment is its integration's secret: whoever reads the logs
    must not be able to post alerts with it."""
    secret = "s3cr3t-never-logged-Xq9"
    path = f"/api/v1/pages/abc/integrations/alertmanager/{secret}"
    assert json_app.test_client().post(path, json={}).status_code == 401
    captured = capsys.readouterr().err
    assert secret not in captured
    intake = next(e for e in lines(captured) if e["logger"] == "herald.request")
    assert intake["path"] == "/api/v1/pages/abc/integrations/alertmanager/[secret]"
    assert intake["message"].startswith("POST /api/v1/pages/abc/integrations/alertmanager/[sec")
