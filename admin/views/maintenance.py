"""Scheduled maintenance: the list and the scheduling form (updates live on the incident page)."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, render_template
from flask_babel import gettext as _

from admin.access import STAFF_VIEWER, actor
from admin.forms.components import component_choices
from admin.forms.incidents import MaintenanceForm
from admin.outcome import attempt, done, form_status
from admin.views.audience import form_preview, segment_choices
from admin.views.incidents import NEW_TITLE_HINT, translated
from statuspage.audience.visibility import STAFF
from statuspage.clock import utcnow
from statuspage.components.catalog import list_components
from statuspage.incidents import maintenance, queries
from statuspage.incidents.commands import ScheduleMaintenance
from statuspage.models import IncidentKind

DEFAULT_LENGTH = timedelta(hours=2)


def index() -> str:
    return render_template(
        "admin/maintenance/index.html",
        active=queries.active_maintenances(STAFF_VIEWER),
        upcoming=queries.upcoming_maintenances(STAFF_VIEWER),
        recent=queries.all_maintenances(STAFF_VIEWER, limit=50),
    )


def _scheduling(form: MaintenanceForm) -> ScheduleMaintenance:
    """The scheduling form's fields as the command `maintenance.schedule_maintenance` takes."""
    return ScheduleMaintenance(
        form.name.data,
        form.body.data,
        scheduled_for=form.scheduled_for.data,
        scheduled_until=form.scheduled_until.data,
        components=form.components.data,
        deliver_notifications=form.notify.data,
        auto_start=form.auto_start.data,
        auto_complete=form.auto_complete.data,
        remind_prior=form.remind_prior.data,
        segments=form.chosen_segments(),
        translations=form.translations(),
    )


def new() -> str | tuple[str, int] | Response:
    # A window starting at the top of an hour a day ahead: most maintenance is announced early.
    start = (utcnow() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    form_cls = translated(MaintenanceForm, title_hint=NEW_TITLE_HINT)
    form = form_cls(scheduled_for=start, scheduled_until=start + DEFAULT_LENGTH)
    form.components.choices = component_choices(list_components(STAFF))
    form.segment_ids.choices = segment_choices()
    if form.validate_on_submit():
        with attempt(form):
            window = maintenance.schedule_maintenance(_scheduling(form), actor=actor())
            return done(
                _("Maintenance “%(name)s” scheduled.", name=window.name),
                "admin.incident",
                incident_id=window.id,
            )
    reach = form_preview(IncidentKind.maintenance, form, form.components.data or [])
    return render_template("admin/maintenance/new.html", form=form, reach=reach), form_status()
