"""Update cadence in the admin: next update by and overdue on the dashboard and the incident,
the incident's own cadence, the one-click update (CSRF on), and the page's default."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import time_machine
from flask import Flask
from sqlalchemy import func, select

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.i18n import zones
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.models import (
    AuditEvent,
    Delivery,
    DeliveryState,
    Incident,
    IncidentUpdate,
    Notice,
    Page,
)
from statuspage.public.serializers import iso
from tests.admin.staff_client import Staff, signed_in
from tests.admin.world import World
from tests.factories import subscriber
from tests.queue import drain


def _updates(incident: Incident) -> int:
    db.session.commit()
    return db.session.scalar(
        select(func.count())
        .select_from(IncidentUpdate)
        .where(IncidentUpdate.incident_id == incident.id)
    )


def _hhmm(at) -> str:
    """A time of day as the admin shows it to a staff member on UTC (the page's zone)."""
    return zones.clock_time(at, "Etc/UTC")


def test_the_dashboard_shows_next_update_by_and_highlights_the_overdue(owner: Staff, world):
    late = create_incident(OpenIncident("Late one", "Down.", at=utcnow() - timedelta(minutes=45)))
    db.session.commit()
    html = owner.get("/admin/").get_data(as_text=True)
    late_row = re.search(r"<tr>\s*<td><a [^>]*>Late one</a>.*?</tr>", html, re.S).group(0)
    assert _hhmm(late.updates[0].created_at + timedelta(minutes=30)) in late_row
    assert 'class="stale overdue"' in late_row
    fresh_row = re.search(r"<tr>\s*<td><a [^>]*>Slow API</a>.*?</tr>", html, re.S).group(0)
    assert _hhmm(world.incident.updates[0].created_at + timedelta(minutes=30)) in fresh_row
    assert "overdue" not in fresh_row


def test_the_incident_page_shows_the_cadence_and_comms_change_it(app: Flask, world: World):
    comms = signed_in(app, "comms")
    url = f"/admin/incidents/{world.incident.id}"
    html = comms.get(url).get_data(as_text=True)
    due = world.incident.updates[0].created_at + timedelta(minutes=30)
    assert f'Next update by <time datetime="{iso(due)}">{_hhmm(due)}</time>' in html
    assert "Every 30 minutes (the page's default)" in html

    response = comms.submit(f"{url}/cadence", {"minutes": "10"}, page=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Incident, world.incident.id).update_cadence_minutes == 10
    html = comms.get(url).get_data(as_text=True)
    assert _hhmm(due - timedelta(minutes=20)) in html
    entry = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "incident.cadence")
    ).one()
    assert entry.actor.endswith("comms@example.com")
    assert entry.after == {"update_cadence_minutes": 10, "effective_minutes": 10}


def test_a_bad_cadence_is_shown_again_with_its_error(app: Flask, world: World):
    comms = signed_in(app, "comms")
    url = f"/admin/incidents/{world.incident.id}"
    for value, message in (("3", "Between 5 and 1440 minutes."), ("soon", "Not a valid integer")):
        response = comms.submit(f"{url}/cadence", {"minutes": value}, page=url)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Incident, world.incident.id).update_cadence_minutes is None


def test_one_click_posts_no_new_information_to_every_channel(app: Flask, world: World, queue):
    subscriber("rita@example.com", name="Rita")
    comms = signed_in(app, "comms")
    url = f"/admin/incidents/{world.incident.id}"
    before = _updates(world.incident)
    queue.huey.flush()
    response = comms.submit(f"{url}/no-news", page=url)
    assert response.status_code == 302
    assert _updates(world.incident) == before + 1
    latest = db.session.scalars(
        select(IncidentUpdate)
        .where(IncidentUpdate.incident_id == world.incident.id)
        .order_by(IncidentUpdate.created_at.desc())
    ).first()
    assert "There is no new information yet" in latest.body
    assert latest.status.value == "investigating"  # unchanged
    notice = db.session.scalars(select(Notice).where(Notice.update_id == latest.id)).one()
    drain(queue)
    db.session.expire_all()
    assert db.session.get(Notice, notice.id).recipients == 1  # Rita (Ann is not verified)
    (delivery,) = db.session.scalars(select(Delivery).where(Delivery.notice_id == notice.id))
    assert delivery.contact_point.address == "rita@example.com"
    assert delivery.state is DeliveryState.sent  # the dev mailbox took it
    html = comms.get(url).get_data(as_text=True)
    assert "“No new information” update posted." in html


def test_the_one_click_form_needs_its_csrf_token_and_a_publisher(app: Flask, world: World):
    url = f"/admin/incidents/{world.incident.id}/no-news"
    before = _updates(world.incident)
    owner = signed_in(app, "owner")
    assert owner.post(url).status_code == 400  # no token: a forged form
    viewer = signed_in(app, "viewer")
    assert viewer.submit(url).status_code == 403
    page = viewer.get(f"/admin/incidents/{world.incident.id}").get_data(as_text=True)
    assert "no-news" not in page  # no button for those who may not post
    assert _updates(world.incident) == before


def test_no_news_on_a_resolved_incident_is_refused_on_the_page(app: Flask, world: World):
    comms = signed_in(app, "comms")
    url = f"/admin/incidents/{world.resolved.id}"
    response = comms.submit(f"{url}/no-news", page=url)
    assert response.status_code == 422
    assert "Only an open incident takes" in response.get_data(as_text=True)


def test_owners_set_the_page_default_and_the_public_display(owner: Staff, world: World):
    response = owner.submit(
        "/admin/settings/cadence",
        {"minutes": "45", "public_next_update": "y"},
        page="/admin/settings/cadence",
    )
    assert response.status_code == 302
    page = db.session.scalars(select(Page)).one()
    db.session.refresh(page)
    assert (page.update_cadence_minutes, page.public_next_update) == (45, True)
    response = owner.submit(
        "/admin/settings/cadence", {"minutes": "2"}, page="/admin/settings/cadence"
    )
    assert response.status_code == 422
    assert "Between 5 and 1440 minutes." in response.get_data(as_text=True)
    assert "Update cadence" in owner.get("/admin/settings").get_data(as_text=True)


def test_owners_set_the_reminder_lead_and_the_escalation_grace(owner: Staff, world: World):
    url = "/admin/settings/cadence"
    form = owner.get(url).get_data(as_text=True)
    (lead,) = re.findall(r'<input[^>]*name="reminder_lead_minutes"[^>]*>', form)
    assert 'value="5"' in lead  # the default
    response = owner.submit(
        url,
        {"minutes": "30", "reminder_lead_minutes": "10", "escalation_grace_minutes": "15"},
        page=url,
    )
    assert response.status_code == 302
    page = db.session.scalars(select(Page)).one()
    db.session.refresh(page)
    assert (page.cadence_reminder_lead_minutes, page.cadence_escalation_grace_minutes) == (10, 15)
    change = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "settings.cadence")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert change.after["cadence_reminder_lead_minutes"] == 10
    assert change.after["cadence_escalation_grace_minutes"] == 15


def test_a_lead_or_grace_out_of_range_is_a_clear_error(owner: Staff, world: World):
    url = "/admin/settings/cadence"
    for data, error in [
        ({"minutes": "30", "reminder_lead_minutes": "121"}, "Between 0 and 120 minutes."),
        ({"minutes": "30", "reminder_lead_minutes": "30"}, "Remind fewer minutes ahead"),
        ({"minutes": "30", "escalation_grace_minutes": "-1"}, "Between 0 and 120 minutes."),
        ({"minutes": "30", "escalation_grace_minutes": "soon"}, "Not a valid integer value."),
    ]:
        response = owner.submit(url, data, page=url)
        assert response.status_code == 422, data
        assert error in response.get_data(as_text=True), data
    page = db.session.scalars(select(Page)).one()
    db.session.refresh(page)
    assert (page.cadence_reminder_lead_minutes, page.cadence_escalation_grace_minutes) == (5, 0)


def test_the_report_shows_the_cadence_section(owner: Staff, world: World):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        incident = create_incident(OpenIncident("Card payments", "Looking."))
        db.session.commit()
    with time_machine.travel(start + timedelta(minutes=37), tick=False):
        post_update(incident, PostUpdate("Fixed.", status="resolved", deliver_notifications=False))
        db.session.commit()
    html = owner.get(f"/admin/incidents/{incident.id}/report").get_data(as_text=True)
    assert 'id="report-cadence"' in html
    assert "0 of 1 updates on time; worst 7 min late" in html
    assert "<td>7</td>" in html  # minutes overdue
