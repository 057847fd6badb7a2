"""A regulator notice never appears on a public surface nor in any customer's delivery.

One incident, public, with a customer subscribed; a notice with a unique marker goes to two
regulators through the real queue and SMTP; then every public surface (pages, v2 JSON, feeds,
sitemap, widget, static export) and every message a customer received is searched for it.
The regulators receiving it is checked too, so the search is not looking in the wrong place.
"""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from statuspage.audit.trail import Actor
from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.models import Delivery, Notice, Role
from statuspage.page.state import ensure_page
from statuspage.public.export import export_site
from statuspage.regulators import library, notices, obligations, registry
from tests.admin.staff_client import make_staff
from tests.factories import subscriber
from tests.queue import drain

MARKER = "REGULATOR-ONLY-7f3a9c"
CUSTOMER = "customer@acme.example"
PUBLIC_PATHS = [
    "/",
    "/history",
    "/maintenance",
    "/api/v2/summary.json",
    "/api/v2/status.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
    "/history.atom",
    "/history.rss",
    "/sitemap.xml",
    "/embed/status.html",
    "/embed/status.js",
]


def readable(message: EmailMessage) -> str:
    """Its headers and every text part decoded: a body sent base64 or quoted-printable must
    not hide the marker from the check, either way."""
    lines = [f"{name}: {value}" for name, value in message.items()]
    lines += [p.get_content() for p in message.walk() if p.get_content_maintype() == "text"]
    return "\n".join(lines)


def test_regulator_notices_stay_with_regulators(app: Flask, queue, smtp, tmp_path: Path) -> None:
    ensure_page("Acme Status")
    customer = subscriber(CUSTOMER, name="Customer")
    incident = create_incident(OpenIncident("Card data exposed", "We are investigating."))
    db.session.commit()

    actor = Actor("test")
    comms = make_staff(Role.comms, "comms@example.com")
    legal = make_staff(Role.legal, "legal@example.com")
    gdpr = library.add_from_library("gdpr", actor=actor)
    nydfs = library.add_from_library("nydfs", actor=actor)
    for regulator in (gdpr, nydfs):
        registry.set_regulator_contacts(
            regulator, [("email", f"{regulator.library_key}@regulator.example")], actor=actor
        )
    obligations.set_reportable(incident, [gdpr.id, nydfs.id], user=comms, actor=actor)
    now = utcnow()
    obligations.record_trigger(
        incident, "awareness", now - timedelta(hours=1), user=comms, actor=actor, now=now
    )
    obligation_ids = [row.obligation.id for row in obligations.board(incident, now)]
    notice = notices.compose_notice(incident, obligation_ids, author=comms, actor=actor)
    notices.edit_notice(
        notice,
        subject=f"Notification {MARKER}",
        body=f"Confidential details for the regulator: {MARKER}.",
        editor=comms,
        actor=actor,
    )
    notices.approve_notice(notice, approver=legal, actor=actor, now=now)
    notices.send_notice(notice, sender=comms, actor=actor, now=now)
    db.session.commit()
    post_update(incident, PostUpdate("We have contained the issue.", status="identified"))
    db.session.commit()
    drain(queue)

    by_recipient: dict[str, list[str]] = {}
    for message in smtp.inbox.messages:
        by_recipient.setdefault(str(message["To"]), []).append(readable(message))
    # The regulators got it (the marker is findable where it belongs) ...
    for regulator in (gdpr, nydfs):
        mails = by_recipient[f"{regulator.library_key}@regulator.example"]
        assert any(MARKER in m for m in mails)
    # ... the customer got the public updates, and nothing of the notice.
    assert len(by_recipient[CUSTOMER]) == 2
    assert not any(MARKER in m for m in by_recipient[CUSTOMER])
    customer_notices = db.session.scalars(
        select(Notice.audience)
        .join(Delivery, Delivery.notice_id == Notice.id)
        .where(Delivery.subscriber_id == customer.id)
    ).all()
    assert customer_notices
    assert all(a.value in ("public", "segments") for a in customer_notices)

    client = app.test_client()
    for path in [*PUBLIC_PATHS, f"/incidents/{incident.id}", "/api/v2/incidents.json?x=1"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert MARKER not in response.get_data(as_text=True), path
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "We have contained the issue." in page  # the public words are there

    target = tmp_path / "site"
    assert export_site(app, target) > 0
    for file in target.rglob("*"):
        if file.is_file():
            assert MARKER.encode() not in file.read_bytes(), file
