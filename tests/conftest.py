"""Shared fixtures: one app per test session on a freshly migrated database, clean tables per test.

TEST_DATABASE_URL picks the database (empty: a SQLite file); `make test` runs the suite once
on SQLite and once on PostgreSQL.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, template_rendered
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from statuspage import create_app
from statuspage.config import from_environment
from statuspage.extensions import db
from statuspage.jobs.queue import QUEUE_KEY
from tests.fakes.push_service import PushService
from tests.fakes.receiver import Receiver
from tests.fakes.smtp import SmtpServer
from tests.fakes.social import FakeMastodon, FakeX, fake_mastodon, fake_x

BASE_URL = "http://status.example.test"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests (marker `e2e`) run in the SQLite pass only.

    What chromium checks (layout at two widths, accessibility, escaping, scripts, screenshots)
    depends on no database; what the database does under those pages is tested in both passes
    by the HTTP-level tests (tests/web, tests/admin, tests/hostile, tests/leaks). Running the
    browser twice cost the PostgreSQL pass minutes of the suite's 30.
    """
    if not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"):
        return
    once = pytest.mark.skip(
        reason="browser tests depend on no database: `make test` runs them in its SQLite pass"
    )
    for item in items:
        if item.get_closest_marker("e2e") is not None:
            item.add_marker(once)


def _fresh_schema(url: str) -> None:
    """Drop everything, so the schema comes from the migrations alone."""
    if url.startswith("postgresql"):
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("instance")
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{instance / 'test.db'}"
    config = from_environment(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret-key",
            "INSTANCE_PATH": str(instance),
            "BASE_URL": BASE_URL,
            "PAGE_NAME": "Acme Status",
            "SNAPSHOT_VERSION_TTL": "0",  # every request looks at the version: no stale reads
            "SNAPSHOT_RENDER_GRACE": "0",  # and renders a new version at once, no worker wait
        }
    )
    config["TESTING"] = True
    app = create_app(config)
    with app.app_context():
        _fresh_schema(url)
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def app_context(app: Flask) -> Iterator[None]:
    """Each test runs in an app context and leaves every table empty behind it."""
    with app.app_context():
        yield
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def smtp(app: Flask) -> Iterator[SmtpServer]:
    """A real SMTP server on loopback, and the app sending to it for this test."""
    server = SmtpServer()
    server.start()
    previous = app.config["SMTP_URL"]
    app.config["SMTP_URL"] = server.url
    yield server
    app.config["SMTP_URL"] = previous
    server.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on loopback (tests.fakes.receiver), stopped after the test."""
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def queue(app: Flask) -> Iterator[Any]:
    """The app's real job queue, empty before and after the test (run it with tests.queue)."""
    queue = app.extensions[QUEUE_KEY]
    queue.huey.flush()
    yield queue
    queue.huey.flush()


@pytest.fixture
def push_service(app: Flask) -> Iterator[PushService]:
    """A push service on loopback that checks VAPID and decrypts what it receives, and the
    app accepting subscriptions that point at it."""
    service = PushService().start()
    previous = app.config["PUSH_SERVICES"]
    app.config["PUSH_SERVICES"] = "http://127.0.0.1:*"
    yield service
    app.config["PUSH_SERVICES"] = previous
    service.stop()


@pytest.fixture
def rendered(app: Flask) -> Iterator[Counter[str]]:
    """How many times each template was rendered while the test ran (Flask's own signal)."""
    counts: Counter[str] = Counter()

    def count(sender: Flask, template: Any, context: Any, **extra: Any) -> None:
        counts[template.name] += 1

    template_rendered.connect(count, app)
    yield counts
    template_rendered.disconnect(count, app)


@pytest.fixture
def mastodon() -> Iterator[FakeMastodon]:
    """A fake Mastodon server on loopback (tests/fakes/social.py)."""
    with fake_mastodon() as server:
        yield server


@pytest.fixture
def x_api() -> Iterator[FakeX]:
    """X's API host intercepted at the HTTP boundary (tests/fakes/social.py); loopback passes."""
    with fake_x() as fake:
        yield fake
