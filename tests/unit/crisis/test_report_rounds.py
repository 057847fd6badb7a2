"""The report's account of each round: the words sent (not only the subject), who sent it
(the staff member who paged, or the system's re-page), and each channel's state, including
"stuck: channel not configured" for SMS without Twilio. Through the real queue and engine,
with the clock moved by time-machine."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import time_machine
from pypdf import PdfReader

from statuspage.audit.trail import Actor
from statuspage.crisis import assembly, executives, roster
from statuspage.crisis.report import communication_report
from statuspage.crisis.report_pdf import report_pdf
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import Incident, Role
from statuspage.page.state import ensure_page
from tests.factories import staff_user
from tests.queue import drain

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BRIEFING = "Card payments fail in Singapore. Holding statement approved."


@dataclass
class Rounds:
    incident: Incident


def build_rounds(queue) -> Rounds:
    """Sam pages Eve (comms lead: SMS, then email) at T0+1 min; nobody acknowledges, so the
    sweep pages her again at T0+7 min; Sam briefs the executive (Eve) at T0+8 min. Twilio is
    not configured: every text is stuck. Committed."""
    ensure_page()
    sam = staff_user("sam@example.com", Role.comms)
    actor = Actor.staff(sam)
    with time_machine.travel(T0, tick=False):
        incident = create_incident(OpenIncident("Payments down", "Investigating."), actor=actor)
        roster.ensure_default_roles()
        lead = next(role for role in roster.list_roles() if role.name == "Comms lead")
        roster.save_member(
            None,
            name="Eve",
            role_ids=[lead.id],
            contacts=roster.parse_contacts("sms +65 8123 4567\nemail eve@example.com"),
            executive=True,
            actor=actor,
        )
        db.session.commit()
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        assembly.assemble(
            incident,
            role_ids=[lead.id],
            all_paths=True,
            bridge=assembly.check_bridge("+6561234567", "4242", ""),
            repage_minutes=5,
            actor=actor,
            now=T0 + timedelta(minutes=1),
        )
        db.session.commit()
        drain(queue)
    with time_machine.travel(T0 + timedelta(minutes=7), tick=False):
        assert assembly.escalate(T0 + timedelta(minutes=7))  # the sweep's re-page
        db.session.commit()
        drain(queue)
    with time_machine.travel(T0 + timedelta(minutes=8), tick=False):
        executives.brief(incident, subject="Payments", body=BRIEFING, actor=actor)
        db.session.commit()
        drain(queue)
    return Rounds(incident)


def test_each_round_names_who_sent_it_with_its_words_and_channel_states(queue):
    rounds = build_rounds(queue)
    report = communication_report(rounds.incident.id, now=T0 + timedelta(hours=1))
    first, again, briefing = report.internal
    assert (first.kind, first.sent_by, first.sent_by_system) == (
        "team_page",
        "sam@example.com",
        False,
    )
    # The re-page went out by itself: the system sent it, Sam had only started the call-out.
    assert (again.kind, again.sent_by, again.sent_by_system, again.started_by) == (
        "team_page",
        "system",
        True,
        "sam@example.com",
    )
    assert "+6561234567" in first.body  # the bridge, in the words as sent
    assert first.body == again.body
    assert (briefing.kind, briefing.sent_by) == ("briefing", "sam@example.com")
    assert BRIEFING in briefing.body
    for notice in (first, again, briefing):
        assert notice.channel_states["sms"]["stuck: channel not configured"] == 1
        assert notice.channel_states["email"]["delivered"] == 1
        (eve,) = notice.recipients
        assert {p.channel: p.status for p in eve.paths} == {
            "sms": "stuck: channel not configured",
            "email": "delivered",
        }
    assert report.stuck == 3
    team_sms = next(c for c in report.deliveries if (c.audience, c.channel) == ("team", "sms"))
    assert (team_sms.delivered, team_sms.failed, team_sms.stuck) == (0, 0, 2)

    document = report.as_dict()
    assert document["stuck"] == 3
    page = document["internal"][1]
    assert (page["sent_by"], page["sent_by_system"], page["started_by"]) == (
        "system",
        True,
        "sam@example.com",
    )
    assert page["body"] == again.body
    assert page["recipients"][0]["paths"][0]["status"] == "stuck: channel not configured"
    stuck_rows = [r for r in report.csv_rows() if r["status"] == "stuck: channel not configured"]
    assert len(stuck_rows) == 3
    sms_row = next(
        r
        for r in report.csv_rows()
        if (r["section"], r["audience"], r["channel"]) == ("deliveries", "team", "sms")
    )
    assert sms_row["how"] == "2 stuck: channel not configured"


def test_the_pdf_carries_the_words_the_senders_and_the_states(queue):
    rounds = build_rounds(queue)
    pdf = report_pdf(communication_report(rounds.incident.id, now=T0 + timedelta(hours=1)))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    assert "Communication report: Payments down" in text
    assert BRIEFING in text
    assert "by the system (started by sam@example.com)" in text
    assert "stuck: channel not configured" in text
    assert "eve@example.com: delivered" in text
