"""Every mail of an incident lands in one conversation, by the rules the clients document.

- Gmail (Gmail API guide "Managing threads"): a message joins a thread when its References
  and In-Reply-To name a message of the thread (RFC 2822) and its Subject matches.
- Thunderbird threads by References (RFC 5322 §3.6.4, the jwz algorithm): a reply's parent
  must be an id a message in the mailbox carries, not an id no mail has.
- Outlook's conversations follow the topic (Thread-Topic, else the subject without prefixes).
- RFC 5322 §3.6.4: a Message-ID is unique to one message; Gmail drops a second one.

Read from what the real SMTP server (aiosmtpd) accepted, parsed by the stdlib.
"""

from __future__ import annotations

from datetime import timedelta

import time_machine

from statuspage.audit.trail import SYSTEM
from statuspage.clock import utcnow
from statuspage.crisis.notices import internal_subscriber, send_internal, set_contacts
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.models import Audience, CrisisKind
from statuspage.page.state import get_page
from tests.factories import subscriber
from tests.queue import drain


def _publish(queue, action) -> None:
    action()
    db.session.commit()
    drain(queue)


def test_each_recipient_gets_one_thread_rooted_at_their_first_mail(smtp, queue):
    subscriber("ann@example.com")
    subscriber("bob@example.com")
    db.session.commit()
    incident = create_incident(OpenIncident("Slow", "Pages are slow."))
    _publish(queue, lambda: None)
    _publish(queue, lambda: post_update(incident, PostUpdate("Found it.", status="identified")))
    with time_machine.travel(utcnow() + timedelta(seconds=5), tick=False):
        subscriber("cat@example.com")  # joins mid-incident
        db.session.commit()
        _publish(queue, lambda: post_update(incident, PostUpdate("Fixed.", status="resolved")))

    mails = smtp.inbox.messages
    assert len(mails) == 7  # ann and bob three each, cat the last one
    ids = [m["Message-ID"] for m in mails]
    assert len(set(ids)) == len(ids)  # no two mails share a Message-ID, across recipients too
    for address, count in (("ann@example.com", 3), ("bob@example.com", 3), ("cat@example.com", 1)):
        own = [m for m in mails if m["To"] == address]
        assert len(own) == count
        root, *replies = own
        assert root["In-Reply-To"] is None
        assert root["References"] is None
        for reply in replies:  # Gmail and Thunderbird: the parent is a mail they hold
            assert reply["In-Reply-To"] == root["Message-ID"]
            assert reply["References"] == root["Message-ID"]
        # Gmail: the same subject; Outlook: the same topic.
        subject = f"[{get_page().name}] Slow"
        assert {m["Subject"] for m in own} == {subject}
        assert {m["Thread-Topic"] for m in own} == {subject}
    # The status leads the body, and the preheader (what the inbox list shows) of each.
    statuses = [
        m.get_body(("plain",)).get_content().splitlines()[1].split(" · ")[0]
        for m in mails
        if m["To"] == "ann@example.com"
    ]
    assert statuses == ["Investigating", "Identified", "Resolved"]
    html = [m.get_body(("html",)).get_content() for m in mails if m["To"] == "ann@example.com"]
    assert 'overflow: hidden; mso-hide: all;">Resolved: Fixed.' in html[-1]


def test_two_incidents_make_two_threads(smtp, queue):
    subscriber("ann@example.com")
    db.session.commit()
    create_incident(OpenIncident("Slow", "Slow."))
    create_incident(OpenIncident("Down", "Down."))
    _publish(queue, lambda: None)
    first, second = smtp.inbox.messages
    assert first["Message-ID"] != second["Message-ID"]
    assert first["In-Reply-To"] is None
    assert second["In-Reply-To"] is None


def _internal(incident, subject: str, *people) -> None:
    send_internal(
        incident, audience=Audience.team, kind=CrisisKind.team_page, subject=subject,
        body="Join the bridge.", subscriber_ids=[p.id for p in people], actor=SYSTEM,
        ack_window=None,
    )  # fmt: skip


def test_internal_mails_make_a_thread_of_their_own_per_recipient(smtp, queue):
    """The crisis team's mails thread as the public ones do: the first is the root, later
    ones name it, never an id no mail carries; and one subject for the whole incident."""
    ana = internal_subscriber("Ana")
    set_contacts(ana, [("email", "ana@acme.example")])
    bob = internal_subscriber("Bob")
    set_contacts(bob, [("email", "bob@acme.example")])
    subscriber("ann@example.com")  # a customer: the public thread stays apart
    db.session.commit()
    incident = create_incident(OpenIncident("Breach", "Investigating."))
    _publish(queue, lambda: _internal(incident, "Assemble", ana))
    _publish(queue, lambda: _internal(incident, "Status call at 15:00", ana, bob))
    _publish(queue, lambda: _internal(incident, "Stand down", ana, bob))

    mails = smtp.inbox.messages
    ids = [m["Message-ID"] for m in mails]
    assert len(set(ids)) == len(ids)
    public = [m for m in mails if m["To"] == "ann@example.com"]
    assert len(public) == 1
    topic = f"[{get_page().name} · CONFIDENTIAL] Breach"
    for address, count in (("ana@acme.example", 3), ("bob@acme.example", 2)):
        own = [m for m in mails if m["To"] == address]
        assert len(own) == count
        root, *replies = own
        assert root["In-Reply-To"] is None
        assert root["References"] is None
        assert root["Message-ID"] != public[0]["Message-ID"]
        for reply in replies:
            assert reply["In-Reply-To"] == root["Message-ID"]
            assert reply["References"] == root["Message-ID"]
        assert {m["Subject"] for m in own} == {topic}
        assert {m["Thread-Topic"] for m in own} == {topic}
    # Each message's own subject leads its body.
    firsts = [
        m.get_body(("plain",)).get_content().splitlines()[2]
        for m in mails
        if m["To"] == "ana@acme.example"
    ]
    assert firsts == ["Assemble", "Status call at 15:00", "Stand down"]
