"""Playbooks in the admin, through real forms with CSRF on: an owner writes one (a wrong
field is a 422 that says why), comms runs it on an incident once, and the incident shows it."""

from __future__ import annotations

from sqlalchemy import select

from statuspage.audit.trail import SYSTEM
from statuspage.crisis.escalation import TierSpec, save_policy
from statuspage.crisis.roster import ContactLine, ensure_default_roles
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import CrisisRole, Playbook, PlaybookRun, Role, TeamCallout
from tests.admin.staff_client import signed_in
from tests.factories import team_member


def comms_lead() -> int:
    ensure_default_roles()
    return db.session.scalars(select(CrisisRole.id).where(CrisisRole.name == "Comms lead")).one()


def form(**changes: object) -> dict[str, object]:
    return {
        "name": "SEV1 payments",
        "auto_run": "y",
        "impacts": ["critical"],
        "roles": [str(comms_lead())],
        "mode": "all",
        "bridge_phone": "+65 6123 4567",
        "bridge_pin": "424242",
        "repage_minutes": "5",
        "max_rounds": "3",
        "cadence_minutes": "15",
        "briefing_body": "Payments are down.",
        "do_not_say": "No guesses.",
    } | changes


def test_an_owner_writes_a_playbook_and_a_wrong_bridge_is_refused_with_its_reason(owner):
    page = "/admin/playbooks/new"
    response = owner.submit(page, form(bridge_phone="", meeting_url=""), page=page)
    assert response.status_code == 422
    assert "dial-in number or a meeting URL" in response.get_data(as_text=True)
    response = owner.submit(page, form(meeting_url="ftp://bridge"), page=page)
    assert response.status_code == 422
    assert db.session.scalars(select(Playbook)).all() == []

    assert owner.submit(page, form(), page=page).status_code == 302
    [playbook] = db.session.scalars(select(Playbook))
    assert (playbook.bridge_phone, playbook.impacts) == ("+6561234567", ["critical"])
    listing = owner.get("/admin/playbooks").get_data(as_text=True)
    assert "SEV1 payments" in listing
    assert "an incident opens with impact Critical" in listing
    edit = f"/admin/playbooks/{playbook.id}/edit"
    assert owner.get(edit).status_code == 200
    assert owner.submit(edit, form(name="SEV1 cards"), page=edit).status_code == 302
    db.session.refresh(playbook)
    assert playbook.name == "SEV1 cards"


def test_comms_runs_a_chosen_playbook_once_and_the_incident_shows_it(app, owner):
    team_member("Ana", ["Comms lead"], ContactLine("email", "ana@bank.example"))
    owner.submit("/admin/playbooks/new", form(auto_run=""), page="/admin/playbooks/new")
    playbook = db.session.scalars(select(Playbook)).one()
    incident = create_incident(OpenIncident("Payments", "Down.", deliver_notifications=False))
    db.session.commit()
    assert db.session.scalars(select(PlaybookRun)).all() == []  # chosen only

    comms = signed_in(app, Role.comms)
    url = f"/admin/incidents/{incident.id}"
    shown = comms.get(url).get_data(as_text=True)
    assert "Run playbook" in shown
    run = {"playbook_id": str(playbook.id)}
    response = comms.submit(f"{url}/playbooks", run, page=url)
    assert response.status_code == 302
    assert comms.submit(f"{url}/playbooks", run, page=url).status_code == 302
    assert len(db.session.scalars(select(TeamCallout)).all()) == 1  # paged once
    shown = comms.get(url).get_data(as_text=True)
    assert "already ran on this incident" in shown
    assert "“SEV1 payments” ran" in shown
    assert "chosen by staff" in shown

    # an unknown playbook is a 422, not a 500
    response = comms.submit(f"{url}/playbooks", {"playbook_id": "999"}, page=url)
    assert response.status_code == 422
    # a viewer reads which playbook ran but is not offered to run one
    viewer = signed_in(app, Role.viewer).get(url).get_data(as_text=True)
    assert "“SEV1 payments” ran" in viewer
    assert "Run playbook" not in viewer


def test_an_owner_chooses_an_escalation_policy_instead_of_roles(owner):
    policy = save_policy(None, name="Payments on-call", tiers=[TierSpec([comms_lead()], [], 5)],
                         actor=SYSTEM)  # fmt: skip
    db.session.commit()
    page = "/admin/playbooks/new"
    assert "Payments on-call" in owner.get(page).get_data(as_text=True)
    both = form(escalation_policy=str(policy.id))
    response = owner.submit(page, both, page=page)
    assert response.status_code == 422
    assert "not both" in response.get_data(as_text=True)
    response = owner.submit(page, form(roles=[], escalation_policy="999"), page=page)
    assert response.status_code == 422  # not a choice: refused, not a 500
    chosen = form(roles=[], escalation_policy=str(policy.id))
    assert owner.submit(page, chosen, page=page).status_code == 302
    [playbook] = db.session.scalars(select(Playbook))
    assert (playbook.policy_id, playbook.roles) == (policy.id, [])
    listing = owner.get("/admin/playbooks").get_data(as_text=True)
    assert "Escalation policy: Payments on-call" in listing
    edit = f"/admin/playbooks/{playbook.id}/edit"
    assert f'<option selected value="{policy.id}">' in owner.get(edit).get_data(as_text=True)
    back = form(name="SEV1 roles", escalation_policy="0")
    assert owner.submit(edit, back, page=edit).status_code == 302
    db.session.refresh(playbook)
    assert playbook.policy_id is None
