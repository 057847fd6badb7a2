"""Update cadence in the admin: an incident's cadence, its one-click "no new information"
update, and the page's default (settings)."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from admin.access import STAFF_VIEWER, actor
from admin.forms.cadence import CADENCE_IDS, IncidentCadenceForm, PageCadenceForm
from admin.forms.confirm import ConfirmForm
from admin.outcome import ViewResult, attempt, done, form_status
from admin.views.incidents import _page as incident_page
from statuspage.incidents import cadence, queries
from statuspage.page.state import ensure_page


def set_cadence(incident_id: str) -> ViewResult:
    incident = queries.get_incident(STAFF_VIEWER, incident_id)
    form = IncidentCadenceForm(meta=CADENCE_IDS)
    if form.validate_on_submit():
        with attempt(form):
            cadence.set_incident_cadence(incident, form.minutes.data, actor=actor())
            return done(_("Update cadence saved."), "admin.incident", incident_id=incident.id)
    return incident_page(incident, cadence_form=form)


def post_no_news(incident_id: str) -> ViewResult:
    """One click: the "no new information" template, posted as an update to every channel."""
    incident = queries.get_incident(STAFF_VIEWER, incident_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        with attempt(form):
            cadence.post_no_news(incident, actor=actor())
            message = _("“No new information” update posted.")
            return done(message, "admin.incident", incident_id=incident.id)
    return incident_page(incident, no_news_form=form)


def settings() -> ViewResult:
    """The page's default cadence, the public "next update by" switch, the reminder's lead
    and the escalation's grace (owners)."""
    page = ensure_page()
    form = PageCadenceForm(
        data={
            "minutes": page.update_cadence_minutes,
            "public_next_update": page.public_next_update,
            "reminder_lead_minutes": page.cadence_reminder_lead_minutes,
            "escalation_grace_minutes": page.cadence_escalation_grace_minutes,
        }
    )
    if form.validate_on_submit():
        with attempt(form):
            cadence.update_page_cadence(
                minutes=form.minutes.data,
                public_next_update=form.public_next_update.data,
                reminder_lead_minutes=form.reminder_lead_minutes.data,
                escalation_grace_minutes=form.escalation_grace_minutes.data,
                actor=actor(),
            )
            return done(_("Update cadence saved."), "admin.settings_cadence")
    return render_template(
        "admin/cadence_settings.html", form=form, no_news=cadence.NO_NEWS_TEMPLATE
    ), form_status()
