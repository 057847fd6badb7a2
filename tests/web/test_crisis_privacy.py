"""Team pages and executive briefings never appear on a public surface (status page, incident
page, history, v2 JSON, feeds, sitemap, static export) nor in any customer's delivery: they
reach the crisis team and the executives, and them only."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from statuspage.audit.trail import SYSTEM
from statuspage.clock import utcnow
from statuspage.crisis.assembly import assemble, check_bridge
from statuspage.crisis.executives import brief, save_guidelines
from statuspage.crisis.roster import ContactLine, ensure_default_roles, list_roles, save_member
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.models import Delivery, Subscriber
from statuspage.page.state import ensure_page
from statuspage.public.export import export_site
from tests.factories import subscriber
from tests.queue import drain

TEAM_MARKER = "TEAMNOTE7F3K"
BRIEF_MARKER = "BRIEFING9Q2W"
GUIDE_MARKER = "HOLDING4X8Z"
MARKERS = (TEAM_MARKER, BRIEF_MARKER, GUIDE_MARKER)
PUBLIC_PATHS = (
    "/",
    "/history",
    "/history.atom",
    "/history.rss",
    "/sitemap.xml",
    "/api/v2/summary.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
)


def test_team_pages_and_briefings_stay_internal(client, smtp, queue, tmp_path: Path):
    ensure_page("Acme Status")
    ensure_default_roles()
    subscriber("customer@example.com")
    comms = next(r for r in list_roles() if r.name == "Comms lead")
    save_member(
        None, name="Ana", role_ids=[comms.id], contacts=[ContactLine("email", "ana@acme.example")],
        actor=SYSTEM,
    )  # fmt: skip
    save_member(
        None, name="Eve", role_ids=[], contacts=[ContactLine("email", "eve@acme.example")],
        executive=True, actor=SYSTEM,
    )  # fmt: skip
    incident = create_incident(OpenIncident("Login errors", "We are investigating."))
    db.session.commit()
    assemble(
        incident, role_ids=[comms.id], all_paths=True,
        bridge=check_bridge("+15551234567", "123456", ""), repage_minutes=5, actor=SYSTEM,
        now=utcnow(), note=f"Suspected breach {TEAM_MARKER}",
    )  # fmt: skip
    save_guidelines(
        incident, holding_statement=f"We are investigating {GUIDE_MARKER}", approved_qa="",
        do_not_say="", actor=SYSTEM, now=utcnow(),
    )  # fmt: skip
    brief(incident, subject="First hour", body=f"Contained {BRIEF_MARKER}", actor=SYSTEM)
    post_update(incident, PostUpdate("Still investigating.", status="identified"))
    db.session.commit()
    drain(queue)

    by_recipient: dict[str, str] = {}
    for message in smtp.inbox.messages:
        parts = [p.get_content() for p in message.walk() if p.get_content_maintype() == "text"]
        text = str(message["Subject"]) + "".join(parts)
        by_recipient[message["To"]] = by_recipient.get(message["To"], "") + text
    # the insiders got theirs (the markers are really in play) ...
    assert TEAM_MARKER in by_recipient["ana@acme.example"]
    assert BRIEF_MARKER in by_recipient["eve@acme.example"]
    assert GUIDE_MARKER in by_recipient["eve@acme.example"]
    assert BRIEF_MARKER not in by_recipient["ana@acme.example"]  # Ana is not an executive
    # ... the customer only the public updates, and no insider any of those
    assert "Still investigating." in by_recipient["customer@example.com"]
    for marker in MARKERS:
        assert marker not in by_recipient["customer@example.com"]
    customer_id = db.session.scalar(
        select(Subscriber.id).where(Subscriber.name == "", Subscriber.kind == "person")
    )
    customer_notices = set(
        db.session.scalars(select(Delivery.notice_id).where(Delivery.subscriber_id == customer_id))
    )
    assert len(customer_notices) == 2  # the incident's two updates, nothing else

    pages = [*PUBLIC_PATHS, f"/incidents/{incident.id}"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        assert "Login errors" in text or incident.id in text, path  # the incident is there
        for marker in MARKERS:
            assert marker not in text, (marker, path)
    export_site(client.application, tmp_path)
    exported = "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file())
    assert "Login errors" in exported
    for marker in MARKERS:
        assert marker not in exported
