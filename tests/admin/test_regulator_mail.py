"""The regulator mail screens: sender name, Reply-To and CC (a regulator's and the page-wide
default), the sent mail's hash and its kept copy on the board, and a portal filing's text.
Real forms with CSRF on; the mail read from the real SMTP server."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from html import unescape

from flask import Flask
from sqlalchemy import select

from statuspage.audit.trail import Actor
from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import Obligation, Regulator, RegulatorMail, RegulatorNotice, Role
from statuspage.page.state import ensure_page
from statuspage.regulators import library, obligations, registry
from tests.admin.staff_client import Staff, make_staff, signed_in
from tests.queue import drain

T = Actor("test")


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _mas() -> Regulator:
    mas = library.add_from_library("mas", actor=T)
    registry.set_regulator_contacts(mas, [("email", "trm@mas.example")], actor=T)
    db.session.commit()
    return mas


def test_owner_sets_a_regulators_mail_and_line_breaks_are_refused(owner: Staff) -> None:
    mas = _mas()
    page = f"/admin/regulators/{mas.id}"
    injected = {
        "sender_name": "Example Bank\r\nBcc: spy@evil.example",
        "reply_to": "compliance@bank.example",
        "cc": "",
    }
    response = owner.submit(f"{page}/mail", injected, page=page)
    assert response.status_code == 422
    assert "must be one line, without line breaks" in _text(response)
    db.session.expire_all()
    assert mas.mail_sender_name is None
    response = owner.submit(
        f"{page}/mail", {**injected, "cc": "legal@bank.example, not-an-address"}, page=page
    )
    assert response.status_code == 422

    good = {
        "sender_name": "Example Bank Singapore",
        "reply_to": "sg-compliance@bank.example",
        "cc": "sg-compliance@bank.example; legal@bank.example",
    }
    assert owner.submit(f"{page}/mail", good, page=page).status_code == 302
    db.session.expire_all()
    assert mas.mail_sender_name == "Example Bank Singapore"
    assert mas.mail_cc == "sg-compliance@bank.example, legal@bank.example"
    text = _text(owner.get(page))
    assert "Its notices come from “Example Bank Singapore”" in text
    assert "Replies and read receipts go to sg-compliance@bank.example." in text


def test_owner_sets_the_page_wide_default(owner: Staff) -> None:
    listing = "/admin/regulators"
    bad = {"sender_name": "Example Bank", "reply_to": "compliance@bank.example\nX-Spam: 1"}
    response = owner.submit("/admin/regulators/mail", {**bad, "cc": ""}, page=listing)
    assert response.status_code == 422
    assert "must be one line, without line breaks" in _text(response)
    good = {"sender_name": "Example Bank", "reply_to": "compliance@bank.example", "cc": ""}
    assert owner.submit("/admin/regulators/mail", good, page=listing).status_code == 302
    db.session.expire_all()
    assert ensure_page().regulator_reply_to == "compliance@bank.example"
    assert ensure_page().regulator_cc is None


def test_the_board_shows_the_sent_mails_hash_and_the_kept_copy_downloads(
    app: Flask, owner: Staff, smtp, queue
) -> None:
    mas = _mas()
    incident = create_incident(OpenIncident("Payments down", "Investigating."))
    author = make_staff(Role.comms, "author@example.com")
    obligations.set_reportable(incident, [mas.id], user=author, actor=T)
    obligations.record_trigger(
        incident, "discovery", utcnow() - timedelta(minutes=20), user=author, actor=T,
        now=utcnow(),
    )  # fmt: skip
    db.session.commit()
    board = f"/admin/incidents/{incident.id}/regulators"
    comms = Staff(app.test_client(), author)
    assert comms.login(author.email).status_code == 302
    (first, _) = db.session.scalars(select(Obligation).order_by(Obligation.id))
    assert comms.submit(f"{board}/notices", {"obligation_ids": [str(first.id)]}, page=board)
    notice = db.session.scalar(select(RegulatorNotice))
    legal = signed_in(app, Role.legal)
    approve = f"/admin/regulator-notices/{notice.id}/approve"
    assert legal.submit(approve, {}, page=board).status_code == 302
    send = f"/admin/regulator-notices/{notice.id}/send"
    assert comms.submit(send, {"send-ack_minutes": "60"}, page=board).status_code == 302
    drain(queue)

    (received,) = smtp.inbox.raw
    (copy,) = db.session.scalars(select(RegulatorMail))
    assert hashlib.sha256(received).hexdigest() == copy.sha256
    text = _text(legal.get(board))
    assert copy.sha256 in text
    download = f"/admin/regulator-notices/{notice.id}/mail/{copy.id}.eml"
    assert download in text
    response = legal.get(download)
    assert response.status_code == 200
    assert response.mimetype == "message/rfc822"
    assert response.get_data() == copy.mime
    assert "attachment" in response.headers["Content-Disposition"]
    # The kept mail holds the regulator's acknowledgement link: not for every role.
    viewer = signed_in(app, Role.viewer)
    assert viewer.get(download).status_code == 403
    assert download not in _text(viewer.get(board))
    assert (
        legal.get(f"/admin/regulator-notices/{notice.id}/mail/{copy.id + 1}.eml").status_code == 404
    )


def test_a_portal_filing_records_and_shows_the_text_filed(app: Flask, owner: Staff) -> None:
    mas = _mas()
    incident = create_incident(OpenIncident("Payments down", "Investigating."))
    obligations.set_reportable(incident, [mas.id], user=owner.user, actor=T)
    db.session.commit()
    board = f"/admin/incidents/{incident.id}/regulators"
    (first, _) = db.session.scalars(select(Obligation).order_by(Obligation.id))
    filed = "Card payments failed 08:00-08:40 SGT; 1,200 customers affected."
    response = owner.submit(
        f"/admin/obligations/{first.id}/portal",
        {
            f"portal-{first.id}-reference": "MAS-2026-0107",
            f"portal-{first.id}-submitted_at": utcnow().strftime("%Y-%m-%dT%H:%M"),
            f"portal-{first.id}-filed_text": filed,
        },
        page=board,
    )
    assert response.status_code == 302, _text(response)[:2000]
    db.session.expire_all()
    assert first.filed_text == filed
    text = _text(owner.get(board))
    assert "Text filed on the portal" in text
    assert filed in text
