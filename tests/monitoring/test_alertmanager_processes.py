"""An on-call engineer's Alertmanager moves the status page, across real processes.

Herald runs as `make run` starts it: gunicorn with two workers and the queue worker (on the
suite's database: SQLite and its queue, or PostgreSQL with Redis). The real Alertmanager's
webhook receiver is Herald's intake URL; alerts are posted to Alertmanager's own API, and
everything is checked from outside, over HTTP, on the public v2 API: the component moves
after its hold (2 s here, applied by the job the worker holds until that second) and
returns to operational when the alert resolves.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.deploy.conftest import REPO, fetch, flask_command, gunicorn, herald_env
from tests.monitoring.alertmanager import Alertmanager, needs_alertmanager, wait_for

pytestmark = needs_alertmanager
API_DOWN = {"alertname": "ApiDown", "service": "api"}

# What an owner sets up in the admin (a component, an integration, a rule, automation with a
# 2 s hold), written the same way in the processes' own database.
SETUP = """
import json, sys
from wsgi import app
from statuspage.components.catalog import create_component
from statuspage.extensions import db
from statuspage.models import (AlertRule, AutomationMode, ComponentAutomation,
                               ComponentStatus, Integration, IntegrationKind)
from statuspage.monitoring.secrets import digest
from statuspage.page.state import ensure_page

with app.app_context():
    page = ensure_page()
    api = create_component("API")
    secret = sys.argv[1]
    source = Integration(page_id=page.id, kind=IntegrationKind.alertmanager, name="Prometheus",
                         secret_digest=digest(secret))
    db.session.add(source)
    db.session.flush()
    db.session.add(AlertRule(page_id=page.id, name="API down", matchers=[["service", "=", "api"]],
                             component_id=api.id, component_status=ComponentStatus.major_outage))
    db.session.add(ComponentAutomation(component_id=api.id, mode=AutomationMode.status,
                                       hold_seconds=2))
    db.session.commit()
    print(json.dumps({"page": page.id, "component": api.id}))
"""


def component_status(base: str, component_id: str) -> str:
    response = fetch(f"{base}/api/v2/components.json")
    components = json.loads(response.read())["components"]
    return next(c["status"] for c in components if c["id"] == component_id)


def test_alertmanager_moves_the_page_across_gunicorn_and_the_worker(
    tmp_path: Path, suite_servers: dict[str, str]
):
    env = herald_env(tmp_path, **suite_servers)
    flask_command(env, "db", "upgrade")
    secret = "alertmanager-secret-0123456789abcdefghijklmnopq"
    done = subprocess.run(
        [sys.executable, "-c", SETUP, secret],
        env=env, cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    ids = json.loads(done.stdout.strip().splitlines()[-1])
    with gunicorn(tmp_path, worker=True, **suite_servers) as (base, _):
        url = f"{base}/api/v1/pages/{ids['page']}/integrations/alertmanager/{secret}"
        manager = Alertmanager(tmp_path / "alertmanager", url)
        try:
            assert component_status(base, ids["component"]) == "operational"
            manager.fire(API_DOWN, "API is down")
            wait_for(
                lambda: component_status(base, ids["component"]) == "major_outage",
                "the outage on the public API",
                timeout=60,  # the promise: within a minute of the outage
            )
            manager.resolve(API_DOWN)
            wait_for(
                lambda: component_status(base, ids["component"]) == "operational",
                "operational again on the public API",
                timeout=60,
            )
        finally:
            manager.stop()
