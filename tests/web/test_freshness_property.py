"""Property: after any sequence of publishes and clock edges, every public path tells the truth.

Random sequences of incidents opened and resolved, maintenance windows scheduled, moved and
started by hand, and the clock jumping forward. After each step the queue runs what a real
worker would have run by then (its due scheduled jobs, then what they enqueue, never the
minute's sweep: a window's edges must not wait for it), and two web "processes" (two apps
sharing the database and the snapshot folder, each with its own snapshot store) are read on
every public path that lists incidents or windows. Each must show what a model of the steps
says, and Last-Modified never goes backwards (a client holding the old copy would be told
304). tests/deploy/test_freshness.py holds the same promise to the second with real gunicorn
workers and the real queue worker; this one explores the orders of steps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import time_machine
from flask import Flask
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from statuspage import create_app
from statuspage.clock import utcnow
from statuspage.components.catalog import create_component
from statuspage.extensions import db
from statuspage.incidents.commands import (
    EditIncident,
    OpenIncident,
    PostUpdate,
    ScheduleMaintenance,
)
from statuspage.incidents.maintenance import schedule_maintenance
from statuspage.incidents.publishing import create_incident, edit_incident, post_update
from statuspage.models import Incident
from tests.queue import drain

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
V2 = "/api/v2"

minutes = st.integers(min_value=1, max_value=60)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("open")),
        st.tuples(st.just("resolve"), st.integers(0, 3)),
        st.tuples(st.just("schedule"), minutes, minutes, st.booleans(), st.booleans()),
        st.tuples(st.just("move"), st.integers(0, 3), minutes),
        st.tuples(st.just("start"), st.integers(0, 3)),
        st.tuples(st.just("tick"), st.integers(min_value=1, max_value=120)),
    ),
    min_size=1,
    max_size=7,
)


@dataclass
class Window:
    id: str
    start: datetime
    end: datetime
    auto_start: bool
    auto_complete: bool
    status: str = "scheduled"


@dataclass
class Model:
    """What the public should read: open incidents and each window's status."""

    open: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)

    def follow_the_clock(self, now: datetime) -> None:
        for window in self.windows:
            if window.status == "scheduled" and window.auto_start and window.start <= now:
                window.status = "in_progress"
            if window.status == "in_progress" and window.auto_complete and window.end <= now:
                window.status = "completed"

    def windows_in(self, status: str) -> set[str]:
        return {w.id for w in self.windows if w.status == status}


def run_due_jobs(queue) -> None:
    """What the consumer does by now: move due scheduled jobs to the queue, then run it all."""
    drain(queue)
    for task in queue.huey.read_schedule(datetime.now(UTC).replace(tzinfo=None)):
        queue.huey.execute(task)
    drain(queue)


def apply(step: tuple, model: Model, traveller, component_id: str) -> None:
    kind, *args = step
    now = utcnow()
    if kind == "open":
        incident = create_incident(OpenIncident(f"Incident {len(model.open)}", "Looking."))
        model.open.append(incident.id)
    elif kind == "resolve" and model.open:
        incident_id = model.open.pop(args[0] % len(model.open))
        post_update(db.session.get(Incident, incident_id), PostUpdate("Fixed.", status="resolved"))
        model.resolved.append(incident_id)
    elif kind == "schedule":
        begins, length, auto_start, auto_complete = args
        start = now + timedelta(minutes=begins)
        window = schedule_maintenance(
            ScheduleMaintenance(
                f"Window {len(model.windows)}",
                "Planned work.",
                scheduled_for=start,
                scheduled_until=start + timedelta(minutes=length),
                components=[component_id],
                auto_start=auto_start,
                auto_complete=auto_complete,
            )
        )
        model.windows.append(
            Window(window.id, start, start + timedelta(minutes=length), auto_start, auto_complete)
        )
    elif kind in ("move", "start"):
        waiting = [w for w in model.windows if w.status == "scheduled" and w.end > now]
        if not waiting:
            return
        window = waiting[args[0] % len(waiting)]
        incident = db.session.get(Incident, window.id)
        if kind == "move":
            length = window.end - window.start
            window.start = now + timedelta(minutes=args[1])
            window.end = window.start + length
            edit_incident(
                incident, EditIncident(scheduled_for=window.start, scheduled_until=window.end)
            )
        else:
            post_update(incident, PostUpdate("Started early.", status="in_progress"))
            window.status = "in_progress"
    elif kind == "tick":
        traveller.shift(timedelta(minutes=args[0]))
    db.session.commit()


def _ids(response) -> set[str]:
    document = json.loads(response.data)
    return {
        item["id"] for item in document.get("incidents", document.get("scheduled_maintenances", []))
    }


def check_every_process(clients, model: Model, last_modified: dict) -> None:
    for name, client in clients.items():
        reads = {path: client.get(path) for path in PATHS}
        for path, response in reads.items():
            assert response.status_code == 200, (name, path)
            moment = parsedate_to_datetime(response.headers["Last-Modified"])
            assert moment >= last_modified.get(path, moment), (name, path, "went backwards")
            last_modified[path] = moment
        upcoming = _ids(reads[f"{V2}/scheduled-maintenances/upcoming.json"])
        active = _ids(reads[f"{V2}/scheduled-maintenances/active.json"])
        assert upcoming == model.windows_in("scheduled"), name
        assert active == model.windows_in("in_progress"), name
        summary = json.loads(reads[f"{V2}/summary.json"].data)
        assert {i["id"] for i in summary["scheduled_maintenances"]} == upcoming | active, name
        assert {i["id"] for i in summary["incidents"]} == set(model.open), name
        assert _ids(reads[f"{V2}/incidents/unresolved.json"]) == set(model.open), name
        page = reads["/maintenance"].get_data(as_text=True)
        for window in model.windows:  # completed windows stay listed for 30 days
            assert f"/incidents/{window.id}" in page, (name, window)
        for window in model.windows:  # each window's own page carries its latest update
            text = client.get(f"/incidents/{window.id}").get_data(as_text=True)
            started = "now in progress" in text or "Started early." in text
            completed = "has been completed" in text
            assert started == (window.status != "scheduled"), (name, window)
            assert completed == (window.status == "completed"), (name, window)


PATHS = [
    "/",
    "/maintenance",
    f"{V2}/summary.json",
    f"{V2}/incidents/unresolved.json",
    f"{V2}/scheduled-maintenances/upcoming.json",
    f"{V2}/scheduled-maintenances/active.json",
    "/history.atom",
]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
# A window's start and end reached by the clock alone; one moved later, then reached.
@example(steps=[("schedule", 5, 10, True, True), ("tick", 6), ("tick", 20)])
@example(steps=[("schedule", 5, 10, True, True), ("move", 0, 30), ("tick", 6), ("tick", 30)])
def test_every_path_on_every_process_follows_publishes_and_the_clock(app: Flask, queue, steps):
    other = create_app(dict(app.config))  # a second web process: its own snapshot store
    try:
        with time_machine.travel(START, tick=False) as traveller:
            _clean()
            component = create_component("Database")
            db.session.commit()
            run_due_jobs(queue)
            model, last_modified = Model(), {}
            clients = {"one": app.test_client(), "two": other.test_client()}
            for step in steps:
                apply(step, model, traveller, component.id)
                run_due_jobs(queue)
                model.follow_the_clock(utcnow())
                check_every_process(clients, model, last_modified)
    finally:
        queue.huey.flush()
        with other.app_context():
            db.engine.dispose()


def _clean() -> None:
    """Each example starts from empty tables (the fixture empties them once per test)."""
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
