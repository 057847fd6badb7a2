"""The incident page's playbook panel: which playbooks ran and what they did, and "Run
playbook" (kept apart from views.playbooks, which imports the incident page)."""

from __future__ import annotations

from typing import Any

from wtforms import SelectChoice

from admin.forms.playbooks import RunPlaybookForm
from statuspage.crisis import playbooks
from statuspage.models import Incident

RUN_IDS = {"id_prefix": "playbook-"}


def run_form(*, bound: bool) -> RunPlaybookForm:
    form = RunPlaybookForm(meta=RUN_IDS) if bound else RunPlaybookForm(formdata=None, meta=RUN_IDS)
    form.playbook_id.choices = [SelectChoice(p.id, p.name) for p in playbooks.list_playbooks()]
    return form


def playbook_section(incident: Incident) -> dict[str, Any]:
    """What the incident page's playbook panel shows, with a blank "Run playbook" form."""
    return {
        "run_playbook_form": run_form(bound=False),
        "playbook_runs": playbooks.runs_for(incident.id),
    }
