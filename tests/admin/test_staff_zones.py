"""The admin on each staff member's own clock: times typed and shown in their zone (named),
stored in UTC; regulator trigger times typed on their clock or the regulator's and shown on
both; their profile; the reach preview's plurals and numbers through Babel."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import time_machine
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from admin.views.audience import reach_sentence
from statuspage.audience.reach import Reach
from statuspage.audit.trail import Actor
from statuspage.extensions import db
from statuspage.i18n import zones
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import AuditEvent, Incident, Regulator, StaffUser, TriggerKind
from statuspage.regulators import library, obligations
from tests.admin.staff_client import Staff, make_staff

NOW = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)  # New York springs forward on 8 March 2026


@pytest.fixture
def noon() -> Iterator[datetime]:
    """A fixed clock, started before anyone signs in (a session signed in the future fails)."""
    with time_machine.travel(NOW, tick=True):
        yield NOW


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _staff(app: Flask, email: str, zone: str | None, role: str = "comms") -> Staff:
    user = make_staff(role, email)
    user.time_zone = zone
    db.session.commit()
    staff = Staff(app.test_client(), user)
    assert staff.login(email).status_code == 302
    return staff


def _window(name: str) -> Incident:
    db.session.commit()
    return db.session.scalars(select(Incident).where(Incident.name == name)).one()


def test_a_window_typed_in_tokyo_is_stored_in_utc_and_read_in_each_zone(app: Flask, noon):
    kenji = _staff(app, "kenji@acme.example", None)
    # Kenji sets his zone on his profile (every role may): audited like any staff change.
    saved = kenji.submit(
        "/admin/profile", {"time_zone": "Asia/Tokyo", "language": "en"}, page="/admin/profile"
    )
    assert saved.status_code == 302
    assert db.session.get(StaffUser, kenji.user.id).time_zone == "Asia/Tokyo"
    assert db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "staff.preferences")
    ).one()

    page = "/admin/maintenance/new"
    form = _text(kenji.get(page))
    assert "Starts (Asia/Tokyo)" in form  # the label names the zone the field is typed in
    assert 'value="2026-03-07T21:00"' in form  # the default window (12:00 UTC) on his clock
    data = {"name": "Tokyo upgrade", "body": "Planned.", "scheduled_for": "2026-03-08T10:00",
            "scheduled_until": "2026-03-08T12:00"}  # fmt: skip
    assert kenji.submit(page, data, page=page).status_code == 302
    window = _window("Tokyo upgrade")
    assert window.scheduled_for == datetime(2026, 3, 8, 1, 0, tzinfo=UTC)
    assert window.scheduled_until == datetime(2026, 3, 8, 3, 0, tzinfo=UTC)

    shown = _text(kenji.get(f"/admin/incidents/{window.id}"))
    assert zones.when(window.scheduled_for, "Asia/Tokyo") in shown  # "Mar 8, 2026, 10:00 AM …"
    assert "10:00" in zones.when(window.scheduled_for, "Asia/Tokyo")  # zone named: GMT+09:00
    assert 'value="2026-03-08T10:00"' in shown  # the edit form, prefilled on his clock

    # Nia in New York reads the same window on her clock: 20:00 the evening before (EST).
    nia = _staff(app, "nia@acme.example", "America/New_York")
    hers = _text(nia.get(f"/admin/incidents/{window.id}"))
    assert zones.when(window.scheduled_for, "America/New_York") in hers
    assert 'value="2026-03-07T20:00"' in hers
    assert "Times are in America/New_York" in hers
    assert zones.when(window.scheduled_for, "America/New_York") in _text(
        nia.get("/admin/maintenance")
    )

    # 02:30 does not happen in New York on 8 March (clocks jump 02:00 → 03:00): it resolves
    # forward, to 03:30 EDT, 07:30 UTC.
    data = {"name": "Gap", "body": "Planned.", "scheduled_for": "2026-03-08T02:30",
            "scheduled_until": "2026-03-08T04:00"}  # fmt: skip
    assert nia.submit(page, data, page=page).status_code == 302
    gap = _window("Gap")
    assert gap.scheduled_for == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert gap.scheduled_until == datetime(2026, 3, 8, 8, 0, tzinfo=UTC)  # 04:00 EDT


def test_a_trigger_time_typed_on_the_regulators_clock_or_mine(app: Flask, noon):
    library.add_from_library("mas", actor=Actor("test"))  # Asia/Singapore; 1 h from discovery
    incident = create_incident(OpenIncident("Card payments failing", "Investigating."))
    db.session.commit()
    mas = db.session.scalars(select(Regulator).where(Regulator.library_key == "mas")).one()
    greta = _staff(app, "greta@acme.example", "Europe/Berlin")
    board = f"/admin/incidents/{incident.id}/regulators"
    response = greta.submit(f"{board}/reportable", {"regulator_ids": [str(mas.id)]}, page=board)
    assert response.status_code == 302

    form = _text(greta.get(board))
    assert "in my zone (Europe/Berlin)" in form
    assert f"in the regulator's zone: {mas.name} (Asia/Singapore)" in form
    # Discovery typed on Singapore's clock, awareness on hers: the same instant, 05:18 UTC.
    sent = {"kind": "discovery", "occurred_at": "2026-03-06T13:18", "zone": "Asia/Singapore"}
    assert greta.submit(f"{board}/triggers", sent, page=board).status_code == 302
    sent = {"kind": "awareness", "occurred_at": "2026-03-06T06:18"}  # no choice sent: hers
    assert greta.submit(f"{board}/triggers", sent, page=board).status_code == 302
    db.session.commit()
    triggers = obligations.triggers_of(incident)
    at = datetime(2026, 3, 6, 5, 18, tzinfo=UTC)
    assert triggers[TriggerKind.discovery].occurred_at == at
    assert triggers[TriggerKind.awareness].occurred_at == at

    shown = _text(greta.get(board))
    # the trigger on her clock and on the regulator's
    assert zones.when(at, "Europe/Berlin") in shown
    assert f"{zones.when(at, 'Asia/Singapore')} for {mas.name}" in shown
    # the notification is due an hour after discovery: on MAS's clock, then on hers
    due = at + timedelta(hours=1)
    both = (
        f"{zones.when(due, 'Asia/Singapore')} ({zones.clock_time(due, 'Europe/Berlin')} your time)"
    )
    assert both in shown
    # a zone that is not offered is refused on the form, not stored
    sent = {"kind": "classification", "occurred_at": "2026-03-06T06:18", "zone": "Mars/Base"}
    assert greta.submit(f"{board}/triggers", sent, page=board).status_code == 422
    assert TriggerKind.classification not in obligations.triggers_of(incident)


def test_the_profile_refuses_an_unknown_zone_and_sets_the_language(app: Flask):
    remi = _staff(app, "remi@acme.example", None, role="viewer")
    page = "/admin/profile"
    refused = remi.submit(page, {"time_zone": "Mars/Olympus_Mons", "language": "fr"}, page=page)
    assert refused.status_code == 422
    assert "Unknown time zone" in _text(refused)
    user = db.session.get(StaffUser, remi.user.id)
    db.session.refresh(user)
    assert (user.time_zone, user.language) == (None, None)

    saved = remi.submit(page, {"time_zone": "Europe/Paris", "language": "fr"}, page=page)
    assert saved.status_code == 302
    assert '<html lang="fr" dir="ltr">' in _text(remi.get(page))  # the admin in French


def test_the_reach_preview_counts_in_words_through_babel(app: Flask):
    with app.test_request_context("/admin/"):
        one = reach_sentence(Reach(1, 1, 1, ("EU",)))
        assert one == "Reaches 1 person in 1 organization through 1 contact point: EU."
        many = reach_sentence(Reach(1234, 3, 1200, ("EU", "US")))
        assert (
            many == "Reaches 1,234 people in 3 organizations through 1,200 contact points: EU, US."
        )
        assert (
            reach_sentence(Reach(0, 0, 0, ()))
            == "Public: reaches 0 people through 0 contact points."
        )
        with force_locale("de"):  # numbers in the reader's language
            assert "1.234" in reach_sentence(Reach(1234, 3, 1200, ("EU",)))
