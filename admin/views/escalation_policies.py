"""The crisis team's escalation policies: the list, the form that adds or edits one (its
tiers in order), and delete."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from wtforms import SelectChoice

from admin.access import actor
from admin.forms.confirm import ConfirmForm
from admin.forms.escalation import FORM_TIERS, PolicyForm
from admin.outcome import ViewResult, attempt, done, form_status
from admin.views.crisis_team_sections import role_choices
from statuspage.crisis import escalation, roster
from statuspage.models import EscalationPolicy


def _form(policy: EscalationPolicy | None, *, bound: bool) -> PolicyForm:
    if bound:
        form = PolicyForm()
    elif policy is None:
        form = PolicyForm(formdata=None, data={"tier1_window": 5})
    else:
        data: dict[str, object] = {"name": policy.name}
        for number, tier in enumerate(policy.tiers, start=1):
            data[f"tier{number}_roles"] = [r.id for r in tier.roles]
            data[f"tier{number}_members"] = [m.id for m in tier.members]
            data[f"tier{number}_window"] = tier.window_minutes
        form = PolicyForm(formdata=None, data=data)
    form.set_choices(role_choices(), [SelectChoice(m.id, m.name) for m in roster.list_members()])
    return form


def _render(form: PolicyForm, policy: EscalationPolicy | None) -> ViewResult:
    return render_template(
        "admin/team/policy.html", form=form, policy=policy, tiers=range(1, FORM_TIERS + 1)
    ), form_status()


def policies_screen() -> ViewResult:
    return render_template(
        "admin/team/policies.html",
        policies=escalation.list_policies(),
        delete_form=ConfirmForm(formdata=None),
        members_of=escalation.tier_members,
    )


def policy_new() -> ViewResult:
    form = _form(None, bound=request.method == "POST")
    if form.validate_on_submit():
        with attempt(form):
            policy = escalation.save_policy(
                None, name=form.name.data, tiers=form.tiers(), actor=actor()
            )
            return done(_("Policy “%(name)s” saved.", name=policy.name), "admin.team_policies")
    return _render(form, None)


def policy_edit(policy_id: int) -> ViewResult:
    policy = escalation.get_policy(policy_id)
    form = _form(policy, bound=request.method == "POST")
    if form.validate_on_submit():
        with attempt(form):
            escalation.save_policy(policy, name=form.name.data, tiers=form.tiers(), actor=actor())
            return done(_("Policy “%(name)s” saved.", name=policy.name), "admin.team_policies")
    return _render(form, policy)


def policy_delete(policy_id: int) -> ViewResult:
    escalation.delete_policy(policy_id, actor=actor())
    return done(_("Policy deleted."), "admin.team_policies")
