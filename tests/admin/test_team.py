"""The crisis team in the admin, through real forms with CSRF on: the roster, assembling the
team on an incident, messaging guidelines and executive briefings, and who may do each."""

from __future__ import annotations

from sqlalchemy import select

from statuspage.audience.recipients import recipients
from statuspage.crisis.roster import ContactLine, ensure_default_roles
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import (
    Audience,
    AuditEvent,
    CrisisKind,
    CrisisMessage,
    CrisisRole,
    Incident,
    Notice,
    Role,
    TeamCallout,
    TeamMember,
)
from tests.admin.staff_client import signed_in
from tests.factories import team_member


def roles() -> dict[str, int]:
    ensure_default_roles()
    return dict(db.session.execute(select(CrisisRole.name, CrisisRole.id)).all())


def incident_id() -> str:
    incident = create_incident(
        OpenIncident("Data breach", "Investigating.", deliver_notifications=False)
    )
    db.session.commit()
    return incident.id


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_the_roster_screen_seeds_the_default_roles_and_is_in_the_navigation(owner):
    page = owner.get("/admin/team").get_data(as_text=True)
    for name in ("Comms lead", "Technical liaison", "Legal adviser", "Executive sponsor"):
        assert name in page
    assert 'href="/admin/team"' in owner.get("/admin/").get_data(as_text=True)


def test_staff_add_a_role_and_a_member_with_ordered_contacts_and_quiet_hours(owner):
    response = owner.submit("/admin/team/roles", {"name": "Customer liaison"}, page="/admin/team")
    assert response.status_code == 302
    ids = roles()
    response = owner.submit(
        "/admin/team/members/new",
        {
            "name": "Ana Ops",
            "roles": [str(ids["Comms lead"]), str(ids["Customer liaison"])],
            "contacts": "email ana@acme.example\nsms +1 555 123 0001 quiet",
            "staff_user_id": "0",
            "timezone": "Europe/London",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
        },
        page="/admin/team/members/new",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    ana = db.session.scalars(select(TeamMember)).one()
    assert sorted(r.name for r in ana.roles) == ["Comms lead", "Customer liaison"]
    points = ana.subscriber.contact_points
    assert [(p.channel.value, p.address) for p in points] == [
        ("email", "ana@acme.example"),
        ("sms", "+15551230001"),
    ]
    assert points[1].meta == {"quiet_hours": True}
    assert ana.timezone == "Europe/London"
    assert "team.member_add" in actions()
    roster = owner.get("/admin/team").get_data(as_text=True)
    assert "Ana Ops" in roster
    assert "held in quiet hours" in roster
    # internal: not a subscriber
    assert "ana@acme.example" not in owner.get("/admin/subscribers").get_data(as_text=True)


def test_bad_roster_input_is_a_clear_422_not_a_500(owner):
    ids = roles()
    for contacts, zone in (
        ("pigeon coop", "UTC"),
        ("sms 12", "UTC"),
        ("email a@b.example", "Nowhere"),
    ):
        response = owner.submit(
            "/admin/team/members/new",
            {"name": "Ana", "roles": [str(ids["Comms lead"])], "contacts": contacts,
             "staff_user_id": "0", "timezone": zone},
            page="/admin/team/members/new",
        )  # fmt: skip
        assert response.status_code == 422
    assert db.session.scalars(select(TeamMember)).all() == []


def test_assembling_the_team_from_the_incident_page(owner):
    team_member("Ana", ["Comms lead"], ContactLine("email", "ana@acme.example"))
    team_member("Cy", ["Legal adviser"], ContactLine("email", "cy@acme.example"))
    ident = incident_id()
    page = f"/admin/incidents/{ident}"
    assert "Assemble the team" in owner.get(page).get_data(as_text=True)
    response = owner.submit(
        f"{page}/team",
        {
            "roles": [str(roles()["Comms lead"])],
            "mode": "sequential",
            "bridge_phone": "+15551234567",
            "bridge_pin": "123456",
            "meeting_url": "https://meet.example.com/war-room",
            "repage_minutes": "5",
            "max_rounds": "3",
        },
        page=page,
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    team_page = db.session.scalars(select(TeamCallout)).one()
    assert not team_page.all_paths
    message = db.session.get(CrisisMessage, team_page.crisis_message_id)
    assert "tel:+15551234567,,123456#" in message.body
    notice = db.session.scalars(select(Notice)).one()
    assert notice.audience is Audience.team
    assert notice.requires_ack
    assert "team.assemble" in actions()
    shown = owner.get(page).get_data(as_text=True)
    assert "Ana" in shown
    assert "0 of 1 acknowledged" in shown


def test_an_assembly_without_a_bridge_or_roles_is_refused(owner):
    team_member("Ana", ["Comms lead"], ContactLine("email", "ana@acme.example"))
    ident = incident_id()
    page = f"/admin/incidents/{ident}"
    comms = [str(roles()["Comms lead"])]
    rest = {"mode": "all", "max_rounds": "3"}
    for data in (
        {"roles": comms, "repage_minutes": "5", **rest},  # no bridge
        {"bridge_phone": "+15551234567", "repage_minutes": "5", **rest},  # no role
        {"roles": comms, "bridge_phone": "+15551234567", "repage_minutes": "0", **rest},
    ):
        assert owner.submit(f"{page}/team", data, page=page).status_code == 422
    assert db.session.scalars(select(TeamCallout)).all() == []


def test_a_forged_form_changes_nothing(owner):
    team_member("Ana", ["Comms lead"], ContactLine("email", "ana@acme.example"))
    ident = incident_id()
    response = owner.post(
        f"/admin/incidents/{ident}/team",
        {"roles": [str(roles()["Comms lead"])], "mode": "all", "bridge_phone": "+15551234567",
         "repage_minutes": "5", "max_rounds": "3"},
    )  # fmt: skip
    assert response.status_code == 400
    assert db.session.scalars(select(TeamCallout)).all() == []


def test_guidelines_and_a_briefing_reach_the_executives_only(owner):
    team_member("Ana", ["Comms lead"], ContactLine("email", "ana@acme.example"))
    boss = team_member(
        "Eve", ["Executive sponsor"], ContactLine("email", "eve@acme.example"), executive=True
    )
    ident = incident_id()
    page = f"/admin/incidents/{ident}"
    response = owner.submit(
        f"{page}/guidelines",
        {"holding_statement": "We are investigating.", "approved_qa": "Q: Data? A: Unknown.",
         "do_not_say": "Never guess the cause."},
        page=page,
    )  # fmt: skip
    assert response.status_code == 302
    response = owner.submit(
        f"{page}/briefings",
        {"subject": "First hour", "body": "Breach contained.", "ack_minutes": "30"},
        page=page,
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    notice = db.session.scalars(select(Notice)).one()
    assert notice.audience is Audience.executives
    assert notice.requires_ack
    message = db.session.get(CrisisMessage, notice.crisis_message_id)
    assert message.kind is CrisisKind.briefing
    assert "We are investigating." in message.body
    assert "Never guess the cause." in message.body
    assert [r.subscriber_id for r in recipients(notice)] == [boss.subscriber_id]
    assert {"guidelines.update", "notice.briefing"} <= set(actions())
    assert "Executive briefing: First hour" in owner.get(page).get_data(as_text=True)


def test_who_may_do_what(app):
    team_member("Ana", ["Comms lead"], ContactLine("email", "ana@acme.example"))
    ident = incident_id()
    page = f"/admin/incidents/{ident}"
    viewer = signed_in(app, Role.viewer)
    assert viewer.get("/admin/team").status_code == 200
    assert "ana@acme.example" not in viewer.get("/admin/team").get_data(as_text=True)
    assert viewer.get("/admin/team/members/new").status_code == 403
    token = viewer.token(page)
    data = {"csrf_token": token, "roles": [str(roles()["Comms lead"])], "mode": "all",
            "bridge_phone": "+15551234567", "repage_minutes": "5", "max_rounds": "3"}  # fmt: skip
    assert viewer.post(f"{page}/team", data).status_code == 403
    assert viewer.post(f"{page}/briefings", {"csrf_token": token}).status_code == 403
    responder = signed_in(app, Role.responder)
    answer = responder.post(f"{page}/team", data | {"csrf_token": responder.token(page)})
    assert answer.status_code == 302
    assert responder.get("/admin/team/members/new").status_code == 403


def test_editing_a_member_reorders_their_paths_and_keeps_the_record(owner):
    ana = team_member("Ana", ["Comms lead"], ContactLine("email", "ana@acme.example"))
    first_point = ana.subscriber.contact_points[0].id
    url = f"/admin/team/members/{ana.id}"
    form = owner.get(url).get_data(as_text=True)
    assert "email ana@acme.example" in form  # the form shows her paths as she wrote them
    response = owner.submit(
        url,
        {"name": "Ana Ops", "roles": [str(roles()["Legal adviser"])], "staff_user_id": "0",
         "contacts": "sms +15551230001\nemail ana@acme.example", "timezone": "UTC"},
        page=url,
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    ana = db.session.get(TeamMember, ana.id)
    assert ana.name == "Ana Ops"
    assert [r.name for r in ana.roles] == ["Legal adviser"]
    points = ana.subscriber.contact_points
    assert [p.channel.value for p in points] == ["sms", "email"]
    assert points[1].id == first_point  # the same row: its deliveries stay with it
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "team.member_update")
    )
    assert event.before["contacts"] == ["email ana@acme.example"]
    assert event.after["contacts"] == ["sms +15551230001", "email ana@acme.example"]


def test_standing_the_team_down_from_the_incident_page_tells_them_once(app, owner):
    team_member("Ana", ["Comms lead"], ContactLine("email", "ana@acme.example"))
    ident = incident_id()
    page = f"/admin/incidents/{ident}"
    data = {"roles": [str(roles()["Comms lead"])], "mode": "all",
            "bridge_phone": "+15551234567", "repage_minutes": "1", "max_rounds": "5"}  # fmt: skip
    assert owner.submit(f"{page}/team", data, page=page).status_code == 302
    callout = db.session.scalars(select(TeamCallout)).one()
    assert "Stand down" in owner.get(page).get_data(as_text=True)
    stand_down = f"{page}/team/{callout.id}/stand-down"
    viewer = signed_in(app, Role.viewer)
    assert viewer.post(stand_down, {"csrf_token": viewer.token(page)}).status_code == 403
    assert owner.post(stand_down, {}).status_code == 400  # no token: nothing happens
    db.session.refresh(callout)
    assert callout.stood_down_at is None
    responder = signed_in(app, Role.responder)
    assert responder.submit(stand_down, page=page).status_code == 302
    db.session.refresh(callout)
    assert callout.stood_down_at is not None
    assert callout.next_repage_at is None  # the sweep pages nobody again
    told = db.session.scalars(select(Notice).where(Notice.requires_ack.is_(False))).one()
    assert told.audience is Audience.team
    assert "team.stand_down" in actions()
    # pressed again (or the incident resolved after): nobody is told twice
    assert owner.submit(stand_down, page=page).status_code == 302
    resolved = owner.submit(f"{page}/updates", {"status": "resolved", "body": "Fixed."}, page=page)
    assert resolved.status_code == 302, resolved.get_data(as_text=True)
    assert db.session.get(Incident, ident).resolved_at is not None
    assert len(db.session.scalars(select(Notice).where(Notice.requires_ack.is_(False))).all()) == 1
    assert actions().count("team.stand_down") == 1
    shown = owner.get(page).get_data(as_text=True)
    assert "Stood down" in shown
