"""The regulator screens: the registry, an incident's board, and notices approved by a second
person. Real forms with CSRF on."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import time_machine
from flask import Flask
from sqlalchemy import select

from statuspage.audit.trail import Actor
from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.i18n import zones
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import (
    AuditEvent,
    Incident,
    Obligation,
    Regulator,
    RegulatorNotice,
    RegulatorNoticeState,
    Role,
)
from statuspage.regulators import library, obligations, registry
from tests.admin.staff_client import Staff, make_staff, signed_in


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _regulator(key: str) -> Regulator:
    return db.session.scalar(select(Regulator).where(Regulator.library_key == key))


def test_owner_adds_regimes_from_the_library_and_its_own(owner: Staff) -> None:
    page = "/admin/regulators"
    response = owner.submit("/admin/regulators/library", {"key": "dora"}, page=page)
    assert response.status_code == 302
    dora = _regulator("dora")
    assert [r.stage for r in dora.rules] == [
        "initial notification",
        "intermediate report",
        "final report",
    ]
    listing = _text(owner.get(page))
    assert "4 hours after classification, or 24 hours after awareness if earlier" in listing
    # Twice: refused clearly.
    response = owner.submit("/admin/regulators/library", {"key": "dora"}, page=page)
    assert response.status_code == 422
    assert "already in the registry" in _text(response)

    response = owner.submit(
        "/admin/regulators/new",
        {"name": "Acme Banking Board", "timezone": "Europe/Paris", "country_code": "fr"},
        page=page,
    )
    assert response.status_code == 302
    own = db.session.scalar(select(Regulator).where(Regulator.name == "Acme Banking Board"))
    assert own.country_code == "FR"
    detail = f"/admin/regulators/{own.id}"
    response = owner.submit(
        f"{detail}/rules",
        {
            "stage": "initial",
            "what_to_send": "What happened to {incident_name}.",
            "trigger": "awareness",
            "amount": "2",
            "unit": "business_days",
            "trigger2": "discovery",
            "amount2": "12",
            "unit2": "hours",
        },
        page=detail,
    )
    assert response.status_code == 302, _text(response)
    assert "2 business days after awareness, or 12 hours after discovery if earlier" in _text(
        owner.get(detail)
    )
    response = owner.submit(
        f"{detail}/contacts",
        {"contacts": "email incidents@board.example\nsms +15551234567"},
        page=detail,
    )
    assert response.status_code == 302
    assert [(c.channel.value, c.address) for c in registry.contacts_of(own)] == [
        ("email", "incidents@board.example"),
        ("sms", "+15551234567"),
    ]
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"regulator.create", "regulator.rule.add", "regulator.contacts"} <= actions


def test_bad_registry_input_gets_a_clear_4xx(owner: Staff) -> None:
    page = "/admin/regulators"
    response = owner.submit(
        "/admin/regulators/new", {"name": "X", "timezone": "UTC", "country_code": "ZZ"}, page=page
    )
    assert response.status_code == 422
    assert "holiday calendar for country code" in _text(response)
    response = owner.submit(
        "/admin/regulators/new", {"name": "X", "timezone": "Nowhere"}, page=page
    )
    assert response.status_code == 422
    response = owner.submit("/admin/regulators/library", {"key": "nope"}, page=page)
    assert response.status_code == 422
    own = registry.create_regulator(name="Y", actor=Actor("test"))
    detail = f"/admin/regulators/{own.id}"
    response = owner.submit(
        f"{detail}/rules",
        {
            "stage": "final",
            "trigger": "report",
            "after": "initial",
            "amount": "1",
            "unit": "months",
            "trigger2": "",  # the selects as a browser submits them
            "unit2": "hours",
        },
        page=detail,
    )
    assert response.status_code == 422
    assert "earlier stage" in _text(response)
    response = owner.submit(f"{detail}/contacts", {"contacts": "pigeon coop 4"}, page=detail)
    assert response.status_code == 422
    assert owner.get("/admin/regulators/999999").status_code == 404


def test_forms_need_their_csrf_token_and_the_right_role(app: Flask, owner: Staff) -> None:
    assert owner.post("/admin/regulators/library", {"key": "gdpr"}).status_code == 400
    comms = signed_in(app, Role.comms)
    response = comms.submit("/admin/regulators/library", {"key": "gdpr"}, page="/admin/regulators")
    assert response.status_code == 403
    legal = signed_in(app, Role.legal)
    response = legal.submit("/admin/regulators/library", {"key": "gdpr"}, page="/admin/regulators")
    assert response.status_code == 302
    viewer = signed_in(app, Role.viewer)
    incident = create_incident(OpenIncident("x", "y"))
    db.session.commit()
    board = f"/admin/incidents/{incident.id}/regulators"
    assert viewer.get(board).status_code == 200
    response = viewer.submit(f"{board}/reportable", {"regulator_ids": "1"}, page=board)
    assert response.status_code == 403


def _world_with_three(owner: Staff) -> tuple[Incident, list[Regulator]]:
    for key in ("gdpr", "nydfs", "cert-in"):
        library.add_from_library(key, actor=Actor("test"))
    incident = create_incident(OpenIncident("Customer data exposed", "Investigating."))
    db.session.commit()
    return incident, [_regulator(k) for k in ("gdpr", "nydfs", "cert-in")]


def test_marking_reportable_and_recording_triggers_fills_the_board(owner: Staff) -> None:
    incident, regs = _world_with_three(owner)
    board = f"/admin/incidents/{incident.id}/regulators"
    response = owner.submit(
        f"{board}/reportable", {"regulator_ids": [str(r.id) for r in regs]}, page=board
    )
    assert response.status_code == 302
    text = _text(owner.get(board))
    assert text.count("waiting for trigger") == 3
    aware = (utcnow() - timedelta(hours=7)).replace(second=0, microsecond=0)
    response = owner.submit(
        f"{board}/triggers",
        {"kind": "awareness", "occurred_at": aware.strftime("%Y-%m-%dT%H:%M")},
        page=board,
    )
    assert response.status_code == 302
    text = _text(owner.get(board))
    # CERT-In's 6 hours ran out before anyone recorded the awareness: overdue at once.
    assert "overdue" in text
    due = aware + timedelta(hours=72)  # GDPR: on its own clock, then on the staff member's
    assert f"{zones.when(due, regs[0].timezone)} (" in text
    assert f"{zones.clock_time(due, 'UTC')} your time)" in text  # its date too when it differs
    assert text.count("waiting for trigger") == 1  # NYDFS counts from determination
    # A trigger in the future, or no time at all: refused with the reason.
    future = (utcnow() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = owner.submit(
        f"{board}/triggers", {"kind": "determination", "occurred_at": future}, page=board
    )
    assert response.status_code == 422
    assert "cannot be in the future" in _text(response)
    response = owner.submit(f"{board}/triggers", {"kind": "awareness"}, page=board)
    assert response.status_code == 422


def test_a_notice_is_approved_by_a_second_person_then_sent(app: Flask, owner: Staff) -> None:
    incident, (gdpr, nydfs, _) = _world_with_three(owner)
    for regulator in (gdpr, nydfs):
        registry.set_regulator_contacts(
            regulator, [("email", f"{regulator.library_key}@regulator.example")], actor=Actor("t")
        )
    author = make_staff(Role.comms, "author@example.com")
    obligations.set_reportable(incident, [gdpr.id, nydfs.id], user=author, actor=Actor("t"))
    db.session.commit()
    board = f"/admin/incidents/{incident.id}/regulators"
    comms = Staff(app.test_client(), author)
    assert comms.login(author.email).status_code == 302
    ids = [str(o.id) for o in db.session.scalars(select(Obligation).order_by(Obligation.id))]
    response = comms.submit(f"{board}/notices", {"obligation_ids": ids}, page=board)
    assert response.status_code == 302
    notice = db.session.scalar(select(RegulatorNotice))
    # The author's role cannot approve; a comms user is refused by the role table.
    approve = f"/admin/regulator-notices/{notice.id}/approve"
    assert comms.submit(approve, {}, page=board).status_code == 403
    send = f"/admin/regulator-notices/{notice.id}/send"
    response = comms.submit(send, {"send-ack_minutes": "60"}, page=board)
    assert response.status_code == 422
    assert "only once legal has approved" in _text(response)

    legal = signed_in(app, Role.legal)
    assert legal.submit(approve, {}, page=board).status_code == 302
    db.session.expire_all()
    assert notice.state is RegulatorNoticeState.approved
    response = comms.submit(send, {"send-ack_minutes": "30"}, page=board)
    assert response.status_code == 302
    db.session.expire_all()
    assert notice.state is RegulatorNoticeState.sent
    text = _text(comms.get(board))
    assert text.count('class="obligation-state">sent<') == 2


def test_legal_cannot_approve_its_own_notice(app: Flask, owner: Staff) -> None:
    incident, (gdpr, _, _) = _world_with_three(owner)
    legal = signed_in(app, Role.legal)
    obligations.set_reportable(incident, [gdpr.id], user=legal.user, actor=Actor("t"))
    db.session.commit()
    board = f"/admin/incidents/{incident.id}/regulators"
    (obligation,) = db.session.scalars(select(Obligation))
    legal.submit(f"{board}/notices", {"obligation_ids": [str(obligation.id)]}, page=board)
    notice = db.session.scalar(select(RegulatorNotice))
    response = legal.submit(f"/admin/regulator-notices/{notice.id}/approve", {}, page=board)
    assert response.status_code == 422
    assert "cannot approve it" in _text(response)


def test_a_late_portal_submission_needs_its_reason(owner: Staff) -> None:
    incident, (_, _, cert_in) = _world_with_three(owner)
    actor = Actor("t")
    user = owner.user
    obligations.set_reportable(incident, [cert_in.id], user=user, actor=actor)
    now = utcnow()
    obligations.record_trigger(
        incident, "awareness", now - timedelta(hours=8), user=user, actor=actor, now=now
    )
    db.session.commit()
    board = f"/admin/incidents/{incident.id}/regulators"
    (obligation,) = db.session.scalars(select(Obligation))
    url = f"/admin/obligations/{obligation.id}/portal"
    prefix = f"portal-{obligation.id}-"
    data = {
        prefix + "reference": "CERTIN-77",
        prefix + "submitted_at": now.strftime("%Y-%m-%dT%H:%M"),
    }
    response = owner.submit(url, data, page=board)
    assert response.status_code == 422
    assert "a late submission needs its reason" in _text(response)
    response = owner.submit(url, {**data, prefix + "late_reason": "Scope unclear"}, page=board)
    assert response.status_code == 302
    text = _text(owner.get(board))
    assert "portal ref. CERTIN-77" in text
    assert "Late: Scope unclear" in text


def test_a_notice_whose_facts_changed_is_refused_until_refreshed(app: Flask, owner: Staff) -> None:
    """The GDPR notice composed with "Awareness 04:55" cannot be approved or sent once
    awareness was revised to the day before; a refresh takes the current facts."""
    incident, (gdpr, _, _) = _world_with_three(owner)
    registry.set_regulator_contacts(gdpr, [("email", "dpa@regulator.example")], actor=Actor("t"))
    author = make_staff(Role.comms, "author@example.com")
    obligations.set_reportable(incident, [gdpr.id], user=author, actor=Actor("t"))
    db.session.commit()
    board = f"/admin/incidents/{incident.id}/regulators"
    comms = Staff(app.test_client(), author)
    assert comms.login(author.email).status_code == 302
    legal = signed_in(app, Role.legal)
    start = (utcnow() + timedelta(minutes=1)).replace(second=0, microsecond=0)
    aware = start.replace(hour=4, minute=55)
    if aware > start:  # before 04:55 UTC: yesterday's 04:55
        aware -= timedelta(days=1)
    earlier = aware - timedelta(days=1)

    with time_machine.travel(start, tick=False):
        response = comms.submit(
            f"{board}/triggers",
            {"kind": "awareness", "occurred_at": aware.strftime("%Y-%m-%dT%H:%M")},
            page=board,
        )
        assert response.status_code == 302
        (obligation,) = db.session.scalars(select(Obligation))
        response = comms.submit(
            f"{board}/notices", {"obligation_ids": [str(obligation.id)]}, page=board
        )
        assert response.status_code == 302
        notice = db.session.scalar(select(RegulatorNotice))
        assert f"Awareness: {aware:%Y-%m-%d %H:%M} UTC" in notice.body
        # Facts unchanged: approved as before.
        approve = f"/admin/regulator-notices/{notice.id}/approve"
        assert legal.submit(approve, {}, page=board).status_code == 302

    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        response = comms.submit(
            f"{board}/triggers",
            {"kind": "awareness", "occurred_at": earlier.strftime("%Y-%m-%dT%H:%M")},
            page=board,
        )
        assert response.status_code == 302
        text = _text(comms.get(board))
        assert "Outdated: the incident's facts changed" in text
        assert f"awareness: {aware:%Y-%m-%d %H:%M} UTC → {earlier:%Y-%m-%d %H:%M} UTC" in text
        send = f"/admin/regulator-notices/{notice.id}/send"
        response = comms.submit(send, {"send-ack_minutes": "60"}, page=board)
        assert response.status_code == 422
        assert "This notice is outdated" in _text(response)
        db.session.expire_all()
        assert notice.state is RegulatorNoticeState.approved
        assert notice.sent_at is None
        # An edit does not make it current: approval is still refused.
        edit = f"/admin/regulator-notices/{notice.id}/edit"
        fields = {f"notice-{notice.id}-subject": notice.subject, f"notice-{notice.id}-body": "x"}
        assert comms.submit(edit, fields, page=board).status_code == 302
        response = legal.submit(approve, {}, page=board)
        assert response.status_code == 422
        assert "This notice is outdated" in _text(response)
        assert f"awareness {aware:%Y-%m-%d %H:%M} UTC → {earlier:%Y-%m-%d %H:%M} UTC" in (
            _text(response)
        )

    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        refresh = f"/admin/regulator-notices/{notice.id}/refresh"
        assert comms.submit(refresh, {}, page=board).status_code == 302
        db.session.expire_all()
        assert notice.state is RegulatorNoticeState.draft
        assert notice.facts["awareness"] == f"{earlier:%Y-%m-%d %H:%M} UTC"
        assert f"Awareness: {earlier:%Y-%m-%d %H:%M} UTC" in notice.body
        assert "Outdated" not in _text(comms.get(board))
        assert legal.submit(approve, {}, page=board).status_code == 302
        assert comms.submit(send, {"send-ack_minutes": "60"}, page=board).status_code == 302
        db.session.expire_all()
        assert notice.state is RegulatorNoticeState.sent
        refreshed = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "regulator_notice.refresh")
        )
        assert refreshed.before["facts"]["awareness"] == f"{aware:%Y-%m-%d %H:%M} UTC"


def test_affected_counts_are_recorded_and_bad_ones_refused_with_the_reason(
    app: Flask, owner: Staff
) -> None:
    incident, (gdpr, _, _) = _world_with_three(owner)
    registry.set_regulator_contacts(gdpr, [("email", "dpa@regulator.example")], actor=Actor("t"))
    author = make_staff(Role.comms, "author@example.com")
    obligations.set_reportable(incident, [gdpr.id], user=author, actor=Actor("t"))
    db.session.commit()
    board = f"/admin/incidents/{incident.id}/regulators"
    comms = Staff(app.test_client(), author)
    assert comms.login(author.email).status_code == 302
    legal = signed_in(app, Role.legal)
    affected = f"{board}/affected"
    start = (utcnow() + timedelta(minutes=1)).replace(second=0, microsecond=0)
    aware = start - timedelta(hours=1)

    with time_machine.travel(start, tick=False):
        assert "<strong>Affected customers</strong>: not known yet" in _text(comms.get(board))
        for bad, reason in [
            ("-5", "Affected customers: Number must be between 0 and 10000000000."),
            ("abc", "Affected customers: Not a valid integer value."),
            ("99999999999", "Affected customers: Number must be between 0 and 10000000000."),
        ]:
            response = comms.submit(
                affected, {"affected_customers": bad, "affected_records": ""}, page=board
            )
            assert response.status_code == 422
            assert reason in _text(response)
        db.session.expire_all()
        assert incident.affected_customers is None
        response = comms.submit(
            affected, {"affected_customers": "1200", "affected_records": ""}, page=board
        )
        assert response.status_code == 302
        comms.submit(
            f"{board}/triggers",
            {"kind": "awareness", "occurred_at": aware.strftime("%Y-%m-%dT%H:%M")},
            page=board,
        )
        (obligation,) = db.session.scalars(select(Obligation))
        response = comms.submit(
            f"{board}/notices", {"obligation_ids": [str(obligation.id)]}, page=board
        )
        assert response.status_code == 302
        notice = db.session.scalar(select(RegulatorNotice))
        assert "Affected customers: 1,200" in notice.body
        # The form is prefilled with the counts recorded.
        assert 'value="1200"' in comms.get(board).get_data(as_text=True)

    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        response = comms.submit(
            affected, {"affected_customers": "1500", "affected_records": "40000"}, page=board
        )
        assert response.status_code == 302
        text = _text(comms.get(board))
        assert "Outdated: the incident's facts changed" in text
        assert "affected_customers: 1,200 → 1,500" in text
        assert "affected_records: not known yet → 40,000" in text
        approve = f"/admin/regulator-notices/{notice.id}/approve"
        response = legal.submit(approve, {}, page=board)
        assert response.status_code == 422
        assert "affected_customers 1,200 → 1,500" in _text(response)
        refresh = f"/admin/regulator-notices/{notice.id}/refresh"
        assert comms.submit(refresh, {}, page=board).status_code == 302
        db.session.expire_all()
        assert "Affected customers: 1,500" in notice.body
        assert "Affected records: 40,000" in notice.body
        assert legal.submit(approve, {}, page=board).status_code == 302


def _staff(app: Flask, role: Role, email: str) -> Staff:
    staff = Staff(app.test_client(), make_staff(role, email))
    assert staff.login(email).status_code == 302
    return staff


def test_an_editor_cannot_approve_and_the_approver_sees_the_diff(app: Flask, owner: Staff) -> None:
    """Four-eyes over edits: legal edits comms' draft, so a third person approves it, on a
    screen that shows what changed since the last approved text."""
    incident, (gdpr, _, _) = _world_with_three(owner)
    comms = _staff(app, Role.comms, "comms@example.com")
    legal = _staff(app, Role.legal, "legal@example.com")
    legal2 = _staff(app, Role.legal, "legal2@example.com")
    obligations.set_reportable(incident, [gdpr.id], user=comms.user, actor=Actor("t"))
    db.session.commit()
    board = f"/admin/incidents/{incident.id}/regulators"
    (obligation,) = db.session.scalars(select(Obligation))
    comms.submit(f"{board}/notices", {"obligation_ids": [str(obligation.id)]}, page=board)
    notice = db.session.scalar(select(RegulatorNotice))
    edit = f"/admin/regulator-notices/{notice.id}/edit"
    approve = f"/admin/regulator-notices/{notice.id}/approve"
    prefix = f"notice-{notice.id}-"
    words = {prefix + "subject": "GDPR notification", prefix + "body": "Comms' words."}
    assert comms.submit(edit, words, page=board).status_code == 302
    words[prefix + "body"] = "Legal's words."
    assert legal.submit(edit, words, page=board).status_code == 302

    # legal edited it: its approval is refused with the reason, not a 500.
    response = legal.submit(approve, {}, page=board)
    assert response.status_code == 422
    assert "edited this notice" in _text(response)
    db.session.expire_all()
    assert notice.state is RegulatorNoticeState.draft
    # The board offers legal no approve button; a third person sees the changes in words.
    assert approve not in _text(legal.get(board))
    page = _text(legal2.get(board))
    assert approve in page
    assert "Removed: Comms' words." not in page  # only the composed draft is the baseline
    assert "Added: Legal's words." in page
    assert legal2.submit(approve, {}, page=board).status_code == 302
    db.session.expire_all()
    assert notice.state is RegulatorNoticeState.approved

    # An edit after approval: legal2 edited it, so legal2 cannot approve it again.
    words[prefix + "body"] = "Legal2's words."
    assert legal2.submit(edit, words, page=board).status_code == 302
    assert legal2.submit(approve, {}, page=board).status_code == 422
    page = _text(legal.get(board))
    assert "Removed: Legal's words." in page
    assert "Added: Legal2's words." in page
    assert legal.submit(approve, {}, page=board).status_code == 302
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.target_type == "regulator_notice")
        .order_by(AuditEvent.id)
    ).all()
    assert actions.count("regulator_notice.edit") == 3
    assert actions.count("regulator_notice.approve") == 2
