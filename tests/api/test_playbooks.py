"""An incident opened through the v1 API runs the matching playbook like one opened in the
admin: create_incident is the one way in."""

from __future__ import annotations

from statuspage.audit.trail import Actor
from statuspage.clock import utcnow
from statuspage.crisis import playbooks
from statuspage.crisis.roster import ContactLine
from statuspage.extensions import db
from statuspage.models import Incident
from tests.factories import crisis_role, team_member


def test_a_critical_incident_from_the_api_runs_the_sev1_playbook(client, owner, base):
    team_member("Ana", ["Comms lead"], ContactLine("email", "ana@bank.example"))
    playbooks.save_playbook(
        None,
        playbooks.PlaybookFields(
            name="SEV1", impacts=("critical",), role_ids=(crisis_role("Comms lead").id,),
            meeting_url="https://meet.example.com/sev1", cadence_minutes=15,
        ),
        actor=Actor("cli:test"),
        now=utcnow(),
    )  # fmt: skip
    db.session.commit()
    for impact, runs in (("minor", 0), ("critical", 1)):
        response = client.post(
            f"{base}/incidents",
            headers=owner.headers,
            json={"incident": {"name": "Payments", "body": "Down.", "impact_override": impact}},
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        incident = db.session.get(Incident, response.get_json()["id"])
        assert len(playbooks.runs_for(incident.id)) == runs
    assert incident.update_cadence_minutes == 15
