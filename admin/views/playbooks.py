"""Playbooks: the list, writing one (owners), and running one on an incident (the incident
page's "Run playbook"; the page also shows which playbooks ran and what they did)."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from admin.access import STAFF_VIEWER, actor
from admin.forms.components import component_choices
from admin.forms.confirm import ConfirmForm
from admin.forms.playbooks import PlaybookForm
from admin.outcome import ViewResult, attempt, done, form_status
from admin.views.crisis_team_sections import role_choices
from admin.views.incidents import _page as incident_page
from admin.views.playbook_sections import run_form
from statuspage.audience.visibility import STAFF
from statuspage.clock import utcnow
from statuspage.components.catalog import list_components
from statuspage.crisis import escalation, playbooks
from statuspage.crisis.playbooks import MATCHABLE_IMPACTS, PlaybookFields
from statuspage.incidents import queries
from statuspage.models import Playbook
from statuspage.regulators import registry


def index() -> str:
    return render_template(
        "admin/playbooks/index.html", playbooks=playbooks.list_playbooks(), impacts=_impacts()
    )


def _impacts() -> dict[str, str]:
    return {i.value: i.label for i in MATCHABLE_IMPACTS}


def _form(playbook: Playbook | None) -> PlaybookForm:
    if playbook is None:
        form = PlaybookForm()
    else:
        form = PlaybookForm(
            obj=playbook,
            impacts=list(playbook.impacts),
            components=[c.id for c in playbook.components],
            roles=[r.id for r in playbook.roles],
            escalation_policy=playbook.policy_id or 0,
            regulators=[r.id for r in playbook.regulators],
            mode="all" if playbook.all_paths else "sequential",
        )
    form.impacts.choices = [SelectChoice(v, label) for v, label in _impacts().items()]
    form.components.choices = component_choices(list_components(STAFF))
    form.roles.choices = role_choices()
    form.escalation_policy.choices = [SelectChoice(0, _("No policy: the roles ticked above"))] + [
        SelectChoice(p.id, p.name) for p in escalation.list_policies()
    ]
    form.regulators.choices = [SelectChoice(r.id, r.name) for r in registry.list_regulators()]
    return form


def _fields(form: PlaybookForm) -> PlaybookFields:
    return PlaybookFields(
        name=form.name.data,
        auto_run=form.auto_run.data,
        impacts=tuple(form.impacts.data or ()),
        component_ids=tuple(form.components.data or ()),
        role_ids=tuple(form.roles.data or ()),
        all_paths=form.mode.data == "all",
        repage_minutes=form.repage_minutes.data,
        max_rounds=form.max_rounds.data,
        bridge_phone=form.bridge_phone.data or "",
        bridge_pin=form.bridge_pin.data or "",
        meeting_url=form.meeting_url.data or "",
        page_note=form.page_note.data or "",
        policy_id=form.escalation_policy.data or None,
        cadence_minutes=form.cadence_minutes.data,
        briefing_subject=form.briefing_subject.data or "",
        briefing_body=form.briefing_body.data or "",
        holding_statement=form.holding_statement.data or "",
        approved_qa=form.approved_qa.data or "",
        do_not_say=form.do_not_say.data or "",
        regulator_ids=tuple(form.regulators.data or ()),
    )


def _screen(form: PlaybookForm, playbook: Playbook | None) -> ViewResult:
    return render_template("admin/playbooks/form.html", form=form, playbook=playbook), form_status()


def new() -> ViewResult:
    form = _form(None)
    if form.validate_on_submit():
        with attempt(form):
            playbook = playbooks.save_playbook(None, _fields(form), actor=actor(), now=utcnow())
            return done(_("Playbook “%(name)s” created.", name=playbook.name), "admin.playbooks")
    return _screen(form, None)


def edit(playbook_id: int) -> ViewResult:
    playbook = playbooks.get_playbook(playbook_id)
    form = _form(playbook)
    if form.validate_on_submit():
        with attempt(form):
            playbooks.save_playbook(playbook, _fields(form), actor=actor(), now=utcnow())
            return done(_("Playbook “%(name)s” saved.", name=playbook.name), "admin.playbooks")
    return _screen(form, playbook)


def delete(playbook_id: int) -> ViewResult:
    playbook = playbooks.get_playbook(playbook_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = playbook.name
        playbooks.delete_playbook(playbook, actor=actor())
        return done(_("Playbook “%(name)s” deleted.", name=name), "admin.playbooks")
    return render_template(
        "admin/confirm.html",
        form=form,
        title=_("Delete the playbook “%(name)s”?", name=playbook.name),
        message=_("Incidents it already ran on keep what it did."),
        confirm_label=_("Delete"),
        cancel_url=url_for("admin.playbooks"),
    )


# --- on the incident page --------------------------------------------------------------------


def run(incident_id: str) -> ViewResult:
    incident = queries.get_incident(STAFF_VIEWER, incident_id)
    form = run_form(bound=True)
    if form.validate_on_submit():
        with attempt(form):
            playbook = playbooks.get_playbook(form.playbook_id.data)
            ran_before = playbooks.run_of(incident, playbook) is not None
            playbooks.run_playbook(incident, playbook, actor=actor(), now=utcnow())
            message = (
                _("“%(name)s” already ran on this incident: nothing was sent again.",
                  name=playbook.name)
                if ran_before
                else _("Playbook “%(name)s” run.", name=playbook.name)
            )  # fmt: skip
            return done(message, "admin.incident", incident_id=incident.id, _anchor="playbooks")
    return incident_page(incident, run_playbook_form=form)
