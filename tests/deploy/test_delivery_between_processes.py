"""Who receives, a dead address, a retry: promises kept between the web processes and the worker.

An outside run of `make run` found three defects that live between processes:
- a browser that subscribed seconds after the first start received ~30 pushes about notices
  published before it subscribed (the worker had not sent them yet);
- with six updates queued and one push subscription answering 410 Gone (RFC 8030 §7.3: the
  subscription is no longer valid), it received four more pushes after its first 410;
- a webhook answering 500 was retried ~55 s later, at the minute's sweep, with a one-second
  backoff configured.

Here the real processes run: gunicorn with two workers takes the subscriptions and the
publishes over HTTP; the queue worker is started only after six notices wait for it (the
backlog the outside run had); a push service (tests/fakes/push_service.py, which decrypts what
it is sent) and a webhook receiver play the outside world. Everything is asserted from there.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from statuspage import create_app
from statuspage.config import from_environment
from statuspage.extensions import db
from tests.deploy.conftest import Site, fetch, flask_command, gunicorn, herald_env, queue_worker
from tests.factories import webhook_subscriber
from tests.fakes.push_service import Browser, PushService
from tests.fakes.receiver import Receiver

UPDATES = ("identified", "monitoring", "monitoring", "monitoring", "resolved")


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> float:
    """Poll until `condition` holds; the moment it did (time.monotonic). Fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.05)
    return time.monotonic()


def subscribe_browser(base: str, browser: Browser) -> None:
    """What herald.js posts once the browser's PushManager subscribed (same origin)."""
    answer = fetch(
        f"{base}/push/subscriptions",
        json.dumps({"subscription": browser.subscription()}).encode(),
        {"Content-Type": "application/json", "Origin": base},
    )
    assert answer.status in (200, 201), answer.read()


def add_webhook(env: dict[str, str], receiver: Receiver) -> None:
    """A verified webhook endpoint, written to the database as the admin's form would leave it
    (this test is about sending, not about the verification handshake)."""
    app: Flask = create_app(from_environment(env))
    with app.app_context():
        webhook_subscriber(receiver)
        db.session.commit()
        db.engine.dispose()


def pushes_to(push: PushService, browser: Browser) -> int:
    return sum(1 for r in push.received if r.endpoint == browser.endpoint)


def test_a_backlog_goes_to_those_subscribed_at_publish_stops_at_a_410_and_retries_on_time(
    tmp_path: Path, suite_servers: dict[str, str]
):
    settings = {
        **suite_servers,
        "PUSH_SERVICES": "http://127.0.0.1:*",  # the fake push service, on this machine
        "ALLOW_LOOPBACK_TARGETS": "1",  # and the webhook receiver
        "DELIVERY_BASE_BACKOFF_SECONDS": "1",
    }
    env = herald_env(tmp_path, **settings)
    flask_command(env, "db", "upgrade")
    key = flask_command(env, "create-api-key", "ops", "--role", "owner").split()[-1]
    push, hook = PushService().start(), Receiver().start()
    try:
        with gunicorn(tmp_path, **settings) as (base, _):  # the worker is not running yet
            site = Site(base, key)
            page = f"/pages/{site.api('GET', '/pages')[0]['id']}"
            server_key = json.loads(fetch(f"{base}/push/key.json").read())["application_server_key"]
            healthy, dead = push.browser(server_key), push.browser(server_key)
            subscribe_browser(base, healthy)
            subscribe_browser(base, dead)
            push.answer(dead, 410)  # its first push is answered Gone
            add_webhook(env, hook)
            hook.answer(500)  # the first webhook call fails; the rest succeed

            opened = site.api(
                "POST",
                f"{page}/incidents",
                {"incident": {"name": "Checkout errors", "status": "investigating",
                              "body": "Looking."}},
            )  # fmt: skip
            for status in UPDATES:
                site.api(
                    "PATCH",
                    f"{page}/incidents/{opened['id']}",
                    {"incident": {"status": status, "body": f"Now {status}."}},
                )
            late = push.browser(server_key)
            subscribe_browser(base, late)  # after the six notices were published

            with queue_worker(tmp_path, **settings):
                notices = 1 + len(UPDATES)
                wait_for(lambda: pushes_to(push, healthy) == notices, 90, "the backlog")
                first = wait_for(lambda: len(hook.requests) >= 1, 30, "the first webhook call")
                retried = wait_for(lambda: len(hook.requests) == notices + 1, 60, "the retry")
                # Due one backoff (1 s, doubling) after the 500; the minute's sweep alone would
                # take up to 60 s.
                assert retried - first < 10, f"retried {retried - first:.1f} s after the 500"
                assert pushes_to(push, late) == 0, "a notice from before it subscribed"
                assert pushes_to(push, dead) == 0, "pushed on after 410 Gone"
                assert push.requests == notices + 1, "the dead subscription was tried once"

                # A notice published now reaches the late subscriber, and not the dead one.
                site.api(
                    "PATCH",
                    f"{page}/incidents/{opened['id']}",
                    {"incident": {"body": "A postscript."}},
                )
                wait_for(lambda: pushes_to(push, late) == 1, 30, "the late subscriber's push")
                wait_for(lambda: pushes_to(push, healthy) == notices + 1, 30, "the new push")
                time.sleep(0.5)  # room for a push the dead subscription must not get
                assert pushes_to(push, dead) == 0
                assert push.problems == []
                assert {r.verified for r in hook.requests} == {True}
    finally:
        push.stop()
        hook.stop()
