"""The communication report in the admin: who may read it, and its three forms agree."""

from __future__ import annotations

import csv
import io
import json

import pytest
from flask import Flask

from tests.admin.staff_client import Staff, signed_in
from tests.admin.world import World
from tests.unit.crisis.test_report import build_crisis_world

READERS = ["owner", "comms", "legal"]  # the roles that read the audit trail
OTHERS = ["responder", "viewer"]


@pytest.mark.parametrize("role", READERS)
def test_audit_readers_get_the_page_the_csv_and_the_json(app: Flask, world: World, role: str):
    staff = signed_in(app, role)
    base = f"/admin/incidents/{world.incident.id}/report"
    page = staff.get(base)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Communication report: Slow API" in html
    assert 'href="/static/css/report.css" media="print"' in html
    assert "Looking into it." in html

    as_csv = staff.get(f"{base}.csv")
    assert as_csv.status_code == 200
    assert as_csv.content_type == "text/csv; charset=utf-8"
    assert "attachment" in as_csv.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True))))
    assert [r["what"] for r in rows if r["section"] == "update"] == ["Looking into it."]

    as_json = staff.get(f"{base}.json")
    assert as_json.status_code == 200
    document = json.loads(as_json.get_data(as_text=True))
    assert document["incident"]["name"] == "Slow API"
    assert [e["body"] for e in document["timeline"]] == ["Looking into it."]


@pytest.mark.parametrize("role", OTHERS)
@pytest.mark.parametrize("suffix", ["", ".csv", ".json"])
def test_other_roles_are_refused(app: Flask, world: World, role: str, suffix: str):
    staff = signed_in(app, role)
    assert staff.get(f"/admin/incidents/{world.incident.id}/report{suffix}").status_code == 403
    page = staff.get(f"/admin/incidents/{world.incident.id}").get_data(as_text=True)
    assert "Communication report" not in page


def test_anonymous_visitors_are_sent_to_sign_in(anonymous: Staff, world: World):
    response = anonymous.get(f"/admin/incidents/{world.incident.id}/report.json")
    assert response.status_code == 302
    assert response.location.startswith("/admin/login")


def test_an_unknown_incident_is_a_404(owner: Staff, world: World):
    assert owner.get("/admin/incidents/nosuchincid/report.csv").status_code == 404


def test_the_incident_page_links_the_report(owner: Staff, world: World):
    html = owner.get(f"/admin/incidents/{world.incident.id}").get_data(as_text=True)
    assert f'href="/admin/incidents/{world.incident.id}/report"' in html


def test_the_page_shows_team_pages_and_regulator_obligations(app: Flask, queue):
    crisis = build_crisis_world(queue)
    legal = signed_in(app, "legal")
    html = legal.get(f"/admin/incidents/{crisis.incident.id}/report").get_data(as_text=True)
    team_section = html[html.index('id="report-internal"') : html.index('id="report-obligations"')]
    assert "Team · team page" in team_section
    assert "Dana" in team_section
    assert "Comms lead" in team_section
    assert "email-link" in team_section
    obligations = html[html.index('id="report-obligations"') :]
    assert "ICO" in obligations
    assert "portal reference ICO-4711" in obligations
