"""The audit trail in the admin: filters, and exports per incident and per period (CSV, JSON)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from statuspage.audit.trail import Actor, record
from statuspage.extensions import db
from statuspage.models import AuditEvent
from tests.admin.staff_client import Staff, signed_in
from tests.admin.world import World


def test_filter_by_incident_and_action(owner: Staff, world: World):
    html = owner.get(f"/admin/audit?incident_id={world.incident.id}").get_data(as_text=True)
    assert "incident.create" in html
    assert "maintenance.create" not in html
    html = owner.get("/admin/audit?action=maintenance.create").get_data(as_text=True)
    assert "maintenance.create" in html
    assert "template.create" not in html


def test_a_bad_period_is_a_form_error(owner: Staff, world: World):
    response = owner.get("/admin/audit?since=yesterday")
    assert response.status_code == 400
    assert "Not a valid date value." in response.get_data(as_text=True)
    assert owner.get("/admin/audit/export.csv?since=yesterday").status_code == 400


def test_export_one_incident_as_csv_streamed(owner: Staff, world: World):
    owner.submit(
        f"/admin/incidents/{world.incident.id}/updates",
        {"status": "identified", "body": "Found it."},
    )
    response = owner.get(f"/admin/audit/export.csv?incident_id={world.incident.id}")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="herald-audit-{world.incident.id}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    # the world's open draft is on the incident's trail too
    assert [r["action"] for r in rows] == ["incident.create", "draft.create", "incident.update"]
    assert {r["incident_id"] for r in rows} == {world.incident.id}
    update = rows[-1]
    assert update["actor"] == f"staff:{owner.user.id} owner@example.com"
    assert update["ip"] == "127.0.0.1"
    assert json.loads(update["after"])["body"] == "Found it."
    assert json.loads(update["before"])["status"] == "investigating"
    assert len(update["hash"]) == 64
    assert len(update["prev_hash"]) == 64  # with the hashes, an export can be checked later


def test_export_a_period_as_json(owner: Staff, world: World):
    old = datetime(2025, 1, 10, 9, 30, tzinfo=UTC)
    record(Actor("system"), "test.old", target_type="page", target_id="p", at=old)
    record(
        Actor("system"),
        "test.edge",
        target_type="page",
        target_id="p",
        at=old + timedelta(days=2, hours=14),
    )
    db.session.commit()  # fmt: skip
    response = owner.get("/admin/audit/export.json?since=2025-01-10&until=2025-01-12")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "application/json"
    assert "herald-audit-2025-01-10-2025-01-12.json" in response.headers["Content-Disposition"]
    entries = json.loads(response.get_data(as_text=True))
    assert [e["action"] for e in entries] == ["test.old", "test.edge"]  # the last day included
    assert entries[0]["at"] == "2025-01-10T09:30:00+00:00"
    assert set(entries[0]) >= {"id", "actor", "action", "target_type", "before", "after", "hash"}

    nothing = owner.get("/admin/audit/export.json?since=2020-01-01&until=2020-01-02")
    assert json.loads(nothing.get_data(as_text=True)) == []
    header_only = owner.get("/admin/audit/export.csv?since=2020-01-01&until=2020-01-02")
    assert header_only.get_data(as_text=True).startswith("id,at,actor,")
    assert header_only.get_data(as_text=True).count("\n") == 1


def test_a_csv_cell_that_looks_like_a_formula_is_neutralised(owner: Staff, world: World):
    record(Actor('=HYPERLINK("http://evil")'), "test.formula", target_type="x", target_id="1")
    db.session.commit()
    body = owner.get("/admin/audit/export.csv?action=test.formula").get_data(as_text=True)
    row = next(csv.DictReader(io.StringIO(body)))
    assert row["actor"] == '\'=HYPERLINK("http://evil")'


def test_the_table_defaults_to_the_last_week(owner: Staff, world: World):
    record(Actor("system"), "test.ancient", target_type="page", target_id="p",
           at=datetime(2020, 5, 1, tzinfo=UTC))  # fmt: skip
    db.session.commit()
    html = owner.get("/admin/audit").get_data(as_text=True)
    assert "test.ancient" not in html
    assert "incident.create" in html
    assert "test.ancient" in owner.get("/admin/audit?since=").get_data(as_text=True)


def test_legal_reads_and_exports_the_trail(app: Flask, world: World):
    legal = signed_in(app, "legal")
    assert legal.get("/admin/audit").status_code == 200
    response = legal.get("/admin/audit/export.json")
    entries = json.loads(response.get_data(as_text=True))
    db.session.commit()
    assert len(entries) == len(db.session.scalars(select(AuditEvent.id)).all())
