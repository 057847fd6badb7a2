"""Escalation policies in the admin, through real forms with CSRF on: add, edit and delete a
policy (bad input answered 422 with the reason), call the team out by one from the incident,
and the incident showing the policy, the tier and who is still unreached."""

from __future__ import annotations

from sqlalchemy import select

from statuspage.crisis.roster import ContactLine, ensure_default_roles
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import AuditEvent, CrisisRole, EscalationPolicy, TeamCallout
from tests.factories import team_member

NEW = "/admin/team/policies/new"


def role_id(name: str) -> str:
    ensure_default_roles()
    return str(db.session.scalar(select(CrisisRole.id).where(CrisisRole.name == name)))


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_staff_add_edit_and_delete_a_policy(owner):
    bob = team_member("Bob", ["Technical liaison"], ContactLine("email", "bob@acme.example"))
    db.session.commit()
    form = {
        "name": "SEV1 payments",
        "tier1_roles": [role_id("Comms lead")],
        "tier1_window": "5",
        "tier2_members": [str(bob.id)],
        "tier2_window": "10",
    }
    response = owner.submit(NEW, form, page=NEW)
    assert response.status_code == 302, response.get_data(as_text=True)
    policy = db.session.scalars(select(EscalationPolicy)).one()
    assert [(t.position, t.window_minutes) for t in policy.tiers] == [(1, 5), (2, 10)]
    assert [m.name for m in policy.tiers[1].members] == ["Bob"]
    listing = owner.get("/admin/team/policies").get_data(as_text=True)
    assert "SEV1 payments" in listing
    assert "Bob" in listing

    edit = f"/admin/team/policies/{policy.id}"
    assert 'value="SEV1 payments"' in owner.get(edit).get_data(as_text=True)
    response = owner.submit(edit, form | {"tier2_window": "", "tier2_members": []}, page=edit)
    assert response.status_code == 302
    db.session.expire_all()
    assert [t.position for t in policy.tiers] == [1]

    response = owner.submit(f"{edit}/delete", page="/admin/team/policies")
    assert response.status_code == 302
    assert db.session.scalars(select(EscalationPolicy)).all() == []
    assert actions()[-3:] == ["team.policy_add", "team.policy_update", "team.policy_delete"]


def test_a_policy_that_pages_nobody_or_has_no_window_is_refused_with_the_reason(owner):
    for form, reason in (
        ({"name": "Empty"}, "at least one tier"),
        ({"name": "No window", "tier1_roles": [role_id("Comms lead")]}, "a window of 1 to"),
        ({"name": "Long", "tier1_roles": [role_id("Comms lead")], "tier1_window": "9999"}, ""),
        ({"name": "Stranger", "tier1_roles": ["999"], "tier1_window": "5"}, ""),
    ):
        response = owner.submit(NEW, form, page=NEW)
        assert response.status_code == 422, form
        assert reason in response.get_data(as_text=True)
    assert db.session.scalars(select(EscalationPolicy)).all() == []
    assert owner.get("/admin/team/policies/999").status_code == 404


def test_the_team_is_called_out_by_a_policy_and_the_incident_shows_who_is_unreached(owner):
    team_member("Ana", ["Comms lead"], ContactLine("email", "ana@acme.example"))
    team_member("Bob", ["Technical liaison"], ContactLine("email", "bob@acme.example"))
    owner.submit(
        NEW,
        {"name": "SEV1", "tier1_roles": [role_id("Comms lead")], "tier1_window": "5",
         "tier2_roles": [role_id("Technical liaison")], "tier2_window": "10"},
        page=NEW,
    )  # fmt: skip
    policy = db.session.scalars(select(EscalationPolicy)).one()
    incident = create_incident(OpenIncident("Payments down", "Investigating."))
    db.session.commit()
    page = f"/admin/incidents/{incident.id}"
    assert "SEV1" in owner.get(page).get_data(as_text=True)  # the policy choice
    call_out = {"policy": str(policy.id), "mode": "all", "bridge_phone": "+15551234567",
                "repage_minutes": "5", "max_rounds": "3"}  # fmt: skip

    both = owner.submit(f"{page}/team", call_out | {"roles": [role_id("Comms lead")]}, page=page)
    assert both.status_code == 422
    assert "not both" in both.get_data(as_text=True)

    response = owner.submit(f"{page}/team", call_out, page=page)
    assert response.status_code == 302, response.get_data(as_text=True)
    callout = db.session.scalars(select(TeamCallout)).one()
    assert (callout.policy_id, callout.tier) == (policy.id, 1)
    html = owner.get(page).get_data(as_text=True)
    assert "Escalation policy: SEV1" in html
    assert "tier 1 of 2" in html
    unreached = html.split(f'id="team-page-{callout.id}-unreached"')[1].split("</p>")[0]
    assert "Ana" in unreached
    assert "Bob" not in unreached  # tier 2 is not paged yet
