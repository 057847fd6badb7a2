"""The incident page's crisis sections: the response team (assemble it, who was paged, who
acknowledged, when and how) and the executives (messaging guidelines, briefings)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from wtforms import SelectChoice

from admin.forms.confirm import ConfirmForm
from admin.forms.crisis_team import AssembleForm, BriefingForm, GuidelinesForm
from statuspage.crisis import assembly, escalation, executives, roster
from statuspage.crisis.reachability import only_unreachable
from statuspage.models import Incident

# The incident page holds a dozen forms: each section's fields get ids of their own.
TEAM_IDS = {"id_prefix": "team-"}
GUIDELINES_IDS = {"id_prefix": "guidelines-"}
BRIEFING_IDS = {"id_prefix": "briefing-"}


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(r.id, r.name) for r in roster.list_roles()]


def assemble_form(*, bound: bool) -> AssembleForm:
    form = AssembleForm(meta=TEAM_IDS) if bound else AssembleForm(formdata=None, meta=TEAM_IDS)
    form.roles.choices = role_choices()
    form.policy.choices = [SelectChoice(0, _("No policy: the roles ticked above"))] + [
        SelectChoice(p.id, p.name) for p in escalation.list_policies()
    ]
    return form


def guidelines_form(incident: Incident, *, bound: bool) -> GuidelinesForm:
    if bound:
        return GuidelinesForm(meta=GUIDELINES_IDS)
    return GuidelinesForm(
        formdata=None, obj=executives.guidelines_for(incident), meta=GUIDELINES_IDS
    )


def crisis_sections(incident: Incident) -> dict[str, Any]:
    """What the sections show, with blank forms (a submitted form replaces its blank), and
    the members a page or briefing could not reach (their only paths are SMS, unconfigured)."""
    members = roster.list_members()
    chief = executives.executives()
    return {
        "assemble_form": assemble_form(bound=False),
        "guidelines_form": guidelines_form(incident, bound=False),
        "briefing_form": BriefingForm(formdata=None, meta=BRIEFING_IDS),
        "team_callouts": assembly.callouts_for_incident(incident.id),
        "stand_down_form": ConfirmForm(formdata=None, meta=TEAM_IDS),
        "team_members": len(members),
        "team_stranded": only_unreachable(members),
        "executives": chief,
        "executives_stranded": only_unreachable(chief),
        "guidelines": executives.guidelines_for(incident),
        "briefings": executives.briefings_for(incident.id),
    }
