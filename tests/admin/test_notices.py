"""A notice's progress in the admin, after a real publish, fan-out and dev-mailbox delivery."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import Notice
from tests.admin.staff_client import Staff, signed_in
from tests.factories import contact_point, subscriber
from tests.queue import drain


@pytest.fixture
def queue(queue, app: Flask, tmp_path) -> Iterator[object]:
    """The shared empty queue, with mail going to a dev mailbox of this test's own."""
    previous = app.config["SMTP_URL"], app.config["INSTANCE_PATH"]
    app.config["SMTP_URL"], app.config["INSTANCE_PATH"] = "", str(tmp_path)
    yield queue
    app.config["SMTP_URL"], app.config["INSTANCE_PATH"] = previous


@pytest.fixture
def published(queue) -> Notice:
    subscriber("ann@example.com")
    subscriber("bob@example.com")
    subscriber(contact_point("unconfirmed@example.com", verified=False))
    db.session.commit()
    create_incident(OpenIncident("Slow API", "Looking into it."))
    db.session.commit()  # the outbox enqueues the fan-out now
    return db.session.scalars(select(Notice)).one()


def test_progress_before_the_fan_out_is_pending_and_polled(owner: Staff, published: Notice):
    data = owner.get(f"/admin/notices/{published.id}/progress.json").get_json()
    assert data["fanout_state"] == "pending"
    assert data["running"] is True
    assert data["totals"]["recipients"] == 0
    html = owner.get(f"/admin/notices/{published.id}").get_data(as_text=True)
    assert 'data-running="true"' in html
    assert f'data-progress="/admin/notices/{published.id}/progress.json"' in html
    assert "<script>" not in html  # polling is admin.js's, under the CSP


def test_progress_after_fan_out_and_delivery(owner: Staff, published: Notice, queue):
    drain(queue)

    data = owner.get(f"/admin/notices/{published.id}/progress.json").get_json()
    assert data["fanout_state"] == "done"
    assert data["fanout_cursor"] > 0
    assert data["running"] is False
    assert data["unfinished"] == 0
    expected = {
        "recipients": 2, "attempted": 2, "sent": 2, "failed": 0, "acknowledged": 0, "stuck": 0,
    }  # fmt: skip
    assert data["by_channel"] == {"email": expected}
    assert data["totals"] == expected

    html = owner.get(f"/admin/notices/{published.id}").get_data(as_text=True)
    assert 'data-running="false"' in html
    assert '<td data-column="sent">2</td>' in html
    assert '<td data-total="recipients">2</td>' in html

    incident_page = owner.get(f"/admin/incidents/{published.incident_id}").get_data(as_text=True)
    assert f'href="/admin/notices/{published.id}"' in incident_page
    mailbox = owner.get("/admin/mailbox").get_data(as_text=True)
    assert mailbox.count('href="/admin/mailbox/') == 2


def test_every_role_reads_progress_and_strangers_do_not(app: Flask, published: Notice):
    for role in ("viewer", "legal", "responder"):
        staff = signed_in(app, role)
        assert staff.get(f"/admin/notices/{published.id}").status_code == 200
        assert staff.get(f"/admin/notices/{published.id}/progress.json").status_code == 200
    anonymous = Staff(app.test_client())
    response = anonymous.get(f"/admin/notices/{published.id}/progress.json")
    assert response.status_code == 302


def test_an_unknown_notice_is_not_found(owner: Staff):
    assert owner.get("/admin/notices/424242").status_code == 404
    assert owner.get("/admin/notices/424242/progress.json").status_code == 404
