"""SMS paths while Twilio is not configured: saved, but flagged "SMS is not configured: this
path cannot be reached" on the roster, regulator and executive screens, and the call-out and
briefing forms warn before paging of members they cannot reach. Real forms, CSRF on."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from statuspage.audit.trail import SYSTEM
from statuspage.crisis.roster import ContactLine, ensure_default_roles
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import CrisisRole, Notice, Regulator, TeamMember
from statuspage.regulators import registry
from tests.admin.staff_client import Staff
from tests.factories import team_member
from tests.fakes.twilio import configured

FLAG = "SMS is not configured: this path cannot be reached"


def _roles() -> dict[str, int]:
    ensure_default_roles()
    return dict(db.session.execute(select(CrisisRole.name, CrisisRole.id)).all())


def _incident() -> str:
    incident = create_incident(
        OpenIncident("Payments down", "Investigating.", deliver_notifications=False)
    )
    db.session.commit()
    return incident.id


def _save_member(owner: Staff, contacts: str, *, executive: bool = False):
    data = {
        "name": "Raj",
        "roles": [str(_roles()["Comms lead"])],
        "contacts": contacts,
        "staff_user_id": "0",
        "timezone": "Asia/Singapore",
    }
    if executive:
        data["executive"] = "y"
    return owner.submit("/admin/team/members/new", data, page="/admin/team/members/new")


def test_an_sms_path_is_saved_with_a_warning_while_twilio_is_not_configured(owner: Staff):
    response = _save_member(owner, "sms +65 8123 4567\nemail raj@bank.example", executive=True)
    assert response.status_code == 302
    raj = db.session.scalars(select(TeamMember)).one()
    assert raj.executive
    assert [p.channel.value for p in raj.subscriber.contact_points] == ["sms", "email"]
    shown = owner.get(response.location).get_data(as_text=True)
    warning = shown[shown.index('data-flash="warning"') :]
    assert f"{FLAG} (+6581234567)" in warning[: warning.index("</div>")]
    assert "Raj added to the team." in shown
    # The roster flags the path for as long as SMS is not configured.
    assert shown.count("data-unreachable") == 1


def test_no_warning_once_twilio_is_configured(app: Flask, owner: Staff):
    with configured(app):
        response = _save_member(owner, "sms +65 8123 4567")
        assert response.status_code == 302
        shown = owner.get(response.location).get_data(as_text=True)
    assert FLAG not in shown
    assert 'data-flash="warning"' not in shown


def test_a_regulator_sms_contact_is_flagged(owner: Staff):
    regulator = registry.create_regulator(
        name="MAS", jurisdiction="Singapore", country_code="SG", actor=SYSTEM
    )
    db.session.commit()
    detail = f"/admin/regulators/{regulator.id}"
    response = owner.submit(
        f"{detail}/contacts", {"contacts": "email trm@mas.example\nsms +6562255577"}, page=detail
    )
    assert response.status_code == 302
    assert [
        c.channel.value for c in registry.contacts_of(db.session.get(Regulator, regulator.id))
    ] == [
        "email",
        "sms",
    ]
    shown = owner.get(response.location).get_data(as_text=True)
    assert f"{FLAG} (+6562255577)" in shown
    assert shown.count("data-unreachable") == 1


def test_the_call_out_form_warns_before_paging_members_it_cannot_reach(owner: Staff):
    team_member("Ana", ["Comms lead"], ContactLine("email", "ana@bank.example"))
    team_member("Raj", ["Comms lead"], ContactLine("sms", "+6581234567"))
    team_member("Lee", ["Legal adviser"], ContactLine("sms", "+6581234568"))
    db.session.commit()
    page = f"/admin/incidents/{_incident()}"
    before = owner.get(page).get_data(as_text=True)
    warning = before[before.index('data-warning="unreachable-members"') :]
    assert "2 members have only unreachable paths (SMS is not configured): Lee, Raj." in warning
    response = owner.submit(
        f"{page}/team",
        {"roles": [str(_roles()["Comms lead"])], "mode": "all", "bridge_phone": "+6561234567",
         "repage_minutes": "5", "max_rounds": "3"},
        page=page,
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.scalars(select(Notice)).one()  # paged all the same: Ana is reachable
    after = owner.get(response.location).get_data(as_text=True)
    flashed = after[after.index('data-flash="warning"') :]
    assert (
        "1 member has only unreachable paths (SMS is not configured) and was not reached: Raj."
        in flashed
    )


def test_the_briefing_form_warns_of_executives_it_cannot_reach(owner: Staff):
    team_member("Eve", ["Executive sponsor"], ContactLine("sms", "+6581234569"), executive=True)
    team_member(
        "Bo", ["Executive sponsor"], ContactLine("email", "bo@bank.example"), executive=True
    )
    db.session.commit()
    page = f"/admin/incidents/{_incident()}"
    before = owner.get(page).get_data(as_text=True)
    assert "1 executive has only unreachable paths (SMS is not configured): Eve." in before
    response = owner.submit(
        f"{page}/briefings", {"subject": "First hour", "body": "Contained.", "ack_minutes": "30"},
        page=page,
    )  # fmt: skip
    assert response.status_code == 302
    after = owner.get(response.location).get_data(as_text=True)
    assert "and was not reached: Eve." in after
