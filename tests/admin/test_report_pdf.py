"""The communication report as a PDF download: same readers as the report screen, and the
words, senders and per-channel states read back from the file with pypdf."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from pypdf import PdfReader

from tests.admin.staff_client import signed_in
from tests.unit.crisis.test_report_rounds import BRIEFING, build_rounds


def test_audit_readers_download_the_report_as_pdf(app: Flask, queue):
    rounds = build_rounds(queue)
    legal = signed_in(app, "legal")
    response = legal.get(f"/admin/incidents/{rounds.incident.id}/report.pdf")
    assert response.status_code == 200
    assert response.content_type == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert f'filename="herald-report-{rounds.incident.id}.pdf"' in disposition
    reader = PdfReader(io.BytesIO(response.get_data()))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert BRIEFING in text
    assert "stuck: channel not configured" in text
    assert "by the system (started by sam@example.com)" in text

    page = legal.get(f"/admin/incidents/{rounds.incident.id}/report").get_data(as_text=True)
    assert f'href="/admin/incidents/{rounds.incident.id}/report.pdf"' in page
    assert BRIEFING in page
    assert "by the system" in page
    assert "(started by sam@example.com)" in page
    assert "stuck: channel not configured" in page


@pytest.mark.parametrize("role", ["responder", "viewer"])
def test_other_roles_get_no_pdf(app: Flask, queue, role: str):
    rounds = build_rounds(queue)
    staff = signed_in(app, role)
    assert staff.get(f"/admin/incidents/{rounds.incident.id}/report.pdf").status_code == 403


def test_an_unknown_incident_has_no_pdf(app: Flask, queue):
    owner = signed_in(app, "owner")
    assert owner.get("/admin/incidents/nosuchincid/report.pdf").status_code == 404
