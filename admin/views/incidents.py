"""Incidents: the composer, an incident's own page (updates, resolve, edit, postmortem), delete,
and the responders' drafts and internal notes on that page.

Scheduled maintenance shares the incident page: its updates, completion and edits are the
same actions with maintenance statuses.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, render_template, request, url_for
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from admin.access import STAFF_VIEWER, actor
from admin.forms.cadence import cadence_context
from admin.forms.confirm import ConfirmForm
from admin.forms.incidents import (
    COMPONENT_PREFIX,
    INCIDENT_STATUS_CHOICES,
    MAINTENANCE_STATUS_CHOICES,
    TEMPLATE_COMPONENT_STATUS,
    DraftForm,
    EditIncidentForm,
    EditMaintenanceForm,
    IncidentForm,
    NoteForm,
    PostmortemForm,
    PreviewForm,
    PublishDraftForm,
    ResolveForm,
    TranslationsForm,
    UpdateForm,
    translation_data,
    with_component_fields,
    with_translation_fields,
)
from admin.outcome import ViewResult, attempt, done, form_status
from admin.views.audience import form_preview, segment_choices
from admin.views.crisis_team_sections import crisis_sections
from admin.views.playbook_sections import playbook_section
from statuspage.audience.visibility import STAFF
from statuspage.clock import utcnow
from statuspage.components.catalog import list_components
from statuspage.core.errors import NotFound
from statuspage.delivery.progress import notices_for_incident
from statuspage.incidents import drafts, publishing, queries
from statuspage.incidents.commands import EditIncident, OpenIncident, PostUpdate
from statuspage.incidents.richtext import render_markdown
from statuspage.incidents.templates import get_template
from statuspage.models import (
    Component,
    ComponentStatus,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentTemplate,
    UpdateDraft,
)
from statuspage.page.languages import default_language, translation_languages
from statuspage.page.state import ensure_page

RESOLVED_BODY = "This incident has been resolved."
COMPLETED_BODY = "The scheduled maintenance has been completed."
# The incident page holds a dozen forms: each one's fields get ids of their own, so a label
# focuses its own form's field (the composer keeps the plain ids).
RESOLVE_IDS = {"id_prefix": "resolve-"}
EDIT_IDS = {"id_prefix": "edit-"}
POSTMORTEM_IDS = {"id_prefix": "postmortem-"}
RETRANSLATE_IDS = {"id_prefix": "retranslate-"}
NEW_TITLE_HINT = _l("Optional: without it, readers in this language see the default title.")
LATER_TITLE_HINT = _l("Optional: without it, the title given before in this language stays.")


def translated(form_cls: type[Any], *, title_hint: LazyString) -> type[Any]:
    """`form_cls` with a tab for each language the page translates updates into."""
    page = ensure_page()
    return with_translation_fields(
        form_cls, default_language(page), translation_languages(page), title_hint=title_hint
    )


def index() -> str:
    return render_template(
        "admin/incidents/index.html",
        now=utcnow(),
        open_incidents=queries.unresolved_incidents(STAFF_VIEWER),
        recent=queries.recent_incidents(STAFF_VIEWER, limit=50),
    )


def _template_prefill(template: IncidentTemplate) -> dict[str, Any]:
    """What applying a template puts in the composer; staff review it before publishing."""
    data: dict[str, Any] = {
        "name": template.title,
        "body": template.body,
        "status": template.update_status.value,
        "notify": template.should_send_notifications,
    }
    for component_id in template.component_ids:
        data[COMPONENT_PREFIX + component_id] = TEMPLATE_COMPONENT_STATUS
    return data


def new() -> ViewResult:
    """The composer; `?template=<id>` applies a template to it."""
    composer = translated(
        with_component_fields(IncidentForm, list_components(STAFF)), title_hint=NEW_TITLE_HINT
    )
    template = None
    if request.method == "GET" and request.args.get("template"):
        template = get_template(request.args["template"])
    form = composer(data=_template_prefill(template) if template else None)
    form.segment_ids.choices = segment_choices()
    if form.validate_on_submit():
        with attempt(form):
            incident = publishing.create_incident(_opening(form), actor=actor())
            message = _("Incident “%(name)s” published.", name=incident.name)
            return done(message, "admin.incident", incident_id=incident.id)
    reach = form_preview(IncidentKind.incident, form, form.component_statuses())
    return render_template(
        "admin/incidents/new.html", form=form, template=template, reach=reach
    ), form_status()


def _opening(form: IncidentForm) -> OpenIncident:
    """The composer's fields as the command `publishing.create_incident` takes."""
    return OpenIncident(
        form.name.data,
        form.body.data,
        status=form.status.data,
        impact=form.impact.data or None,
        components=form.component_statuses(),
        at=form.happened_at.data,
        display_at=form.display_at.data,
        deliver_notifications=form.notify.data,
        custom_tweet=form.social_text.data or None,
        ack_window=form.ack_window(),
        segments=form.chosen_segments(),
        translations=form.translations(),
    )


def _incident(incident_id: str) -> Incident:
    return queries.get_incident(STAFF_VIEWER, incident_id)


def _update_form(incident: Incident, *, bound: bool, draft: bool = False) -> UpdateForm | DraftForm:
    """The update form, or (`draft`) the same choices as a draft for a publisher to review."""
    base, id_prefix = (DraftForm, "draft-") if draft else (UpdateForm, "")
    form_cls = with_component_fields(
        base, list_components(STAFF), blank=_("No change"), id_prefix=id_prefix
    )
    if not draft:
        form_cls = translated(form_cls, title_hint=LATER_TITLE_HINT)
    # After a postmortem an update keeps the incident resolved, unless staff choose otherwise.
    status = "resolved" if incident.status is IncidentStatus.postmortem else incident.status.value
    form = form_cls() if bound else form_cls(formdata=None, status=status)
    form.status.choices = (
        MAINTENANCE_STATUS_CHOICES if incident.is_maintenance else INCIDENT_STATUS_CHOICES
    )
    return form


def _edit_form(incident: Incident, *, bound: bool) -> EditIncidentForm | EditMaintenanceForm:
    form_cls = EditMaintenanceForm if incident.is_maintenance else EditIncidentForm
    if bound:
        return form_cls(obj=incident, meta=EDIT_IDS)
    return form_cls(formdata=None, obj=incident, meta=EDIT_IDS)


def _resolve_form(incident: Incident, *, bound: bool) -> ResolveForm:
    if bound:
        return ResolveForm(meta=RESOLVE_IDS)
    body = COMPLETED_BODY if incident.is_maintenance else RESOLVED_BODY
    return ResolveForm(formdata=None, body=body, meta=RESOLVE_IDS)


def _translations_form(incident: Incident, *, bound: bool) -> TranslationsForm:
    """The newest update's translations, one tab per language, to correct or complete."""
    form_cls = translated(TranslationsForm, title_hint=LATER_TITLE_HINT)
    if bound:
        return form_cls(meta=RETRANSLATE_IDS)
    data = translation_data(publishing.newest_update(incident).translations)
    return form_cls(formdata=None, data=data, meta=RETRANSLATE_IDS)


def _page(incident: Incident, **submitted: Any) -> tuple[str, int]:
    """The incident page; the one form just submitted (with its errors) replaces its blank."""
    forms = {
        "update_form": _update_form(incident, bound=False),
        "resolve_form": _resolve_form(incident, bound=False),
        "edit_form": _edit_form(incident, bound=False),
        "postmortem_form": PostmortemForm(
            formdata=None, body=incident.postmortem_body, meta=POSTMORTEM_IDS
        ),
        "draft_form": _update_form(incident, bound=False, draft=True),
        "note_form": NoteForm(formdata=None),
        "translations_form": _translations_form(incident, bound=False),
    } | submitted
    forms = cadence_context(incident) | forms  # the update cadence panel (incidents.cadence)
    forms = crisis_sections(incident) | forms  # the response team and executives sections
    forms = playbook_section(incident) | forms  # which playbooks ran; run one
    open_drafts = drafts.open_drafts(incident)
    publish_forms = {
        draft.id: PublishDraftForm(formdata=None, body=draft.body) for draft in open_drafts
    } | forms.pop("publish_forms", {})
    return render_template(
        "admin/incidents/show.html",
        incident=incident,
        now=utcnow(),
        notices=notices_for_incident(incident.id),
        drafts=open_drafts,
        draft_changes=_draft_changes(open_drafts),
        publish_forms=publish_forms,
        discard_form=ConfirmForm(formdata=None),
        notes=drafts.notes(incident),
        **forms,
    ), form_status()


def _draft_changes(drafts: list[UpdateDraft]) -> dict[int, list[tuple[Component, ComponentStatus]]]:
    """Each draft's component changes, as the reviewer reads them: (component, new status)."""
    by_id = {component.id: component for component in list_components(STAFF)} if drafts else {}
    return {
        draft.id: [
            (by_id[component_id], ComponentStatus(new_status))
            for component_id, new_status in draft.components.items()
            if component_id in by_id  # a component deleted since is simply not shown
        ]
        for draft in drafts
    }


def show(incident_id: str) -> tuple[str, int]:
    return _page(_incident(incident_id))


def _update(form: UpdateForm) -> PostUpdate:
    """The update form's fields as the command `publishing.post_update` takes."""
    return PostUpdate(
        form.body.data,
        status=form.status.data,
        components=form.component_statuses(),
        display_at=form.display_at.data,
        deliver_notifications=form.notify.data,
        custom_tweet=form.social_text.data or None,
        ack_window=form.ack_window(),
        translations=form.translations(),
    )


def post_update(incident_id: str) -> ViewResult:
    incident = _incident(incident_id)
    form = _update_form(incident, bound=True)
    if form.validate_on_submit():
        with attempt(form):
            publishing.post_update(incident, _update(form), actor=actor())
            return done(_("Update posted."), "admin.incident", incident_id=incident.id)
    return _page(incident, update_form=form)


def edit_translations(incident_id: str) -> ViewResult:
    """Correct or complete the newest update's translations; nobody is notified again."""
    incident = _incident(incident_id)
    form = _translations_form(incident, bound=True)
    if form.validate_on_submit():
        with attempt(form):
            update = publishing.newest_update(incident)
            publishing.edit_translations(update, form.every_translation(), actor=actor())
            return done(_("Translations saved."), "admin.incident", incident_id=incident.id)
    return _page(incident, translations_form=form)


def resolve(incident_id: str) -> ViewResult:
    """Resolve an incident (or complete maintenance), by default restoring its components."""
    incident = _incident(incident_id)
    form = _resolve_form(incident, bound=True)
    if form.validate_on_submit():
        closing = IncidentStatus.completed if incident.is_maintenance else IncidentStatus.resolved
        restored = {
            c.id: ComponentStatus.operational
            for c in incident.components
            if form.restore.data and c.status is not ComponentStatus.operational
        }
        closing_update = PostUpdate(
            form.body.data,
            status=closing,
            components=restored,
            deliver_notifications=form.notify.data,
        )
        with attempt(form):
            publishing.post_update(incident, closing_update, actor=actor())
            message = _(
                "“%(name)s” is %(status)s.", name=incident.name, status=closing.label.lower()
            )
            return done(message, "admin.incident", incident_id=incident.id)
    return _page(incident, resolve_form=form)


def _edits(form: EditIncidentForm | EditMaintenanceForm) -> EditIncident:
    """The edit form's fields as the command `publishing.edit_incident` takes: a window's
    times and automation for maintenance, the impact for an incident."""
    if isinstance(form, EditMaintenanceForm):
        return EditIncident(
            name=form.name.data,
            scheduled_for=form.scheduled_for.data,
            scheduled_until=form.scheduled_until.data,
            auto_start=form.auto_start.data,
            auto_complete=form.auto_complete.data,
            remind_prior=form.remind_prior.data,
        )
    return EditIncident(name=form.name.data, impact=form.impact.data)


def edit(incident_id: str) -> ViewResult:
    """Fix the title, impact or maintenance window without posting an update."""
    incident = _incident(incident_id)
    form = _edit_form(incident, bound=True)
    if form.validate_on_submit():
        with attempt(form):
            publishing.edit_incident(incident, _edits(form), actor=actor())
            return done(_("Changes saved."), "admin.incident", incident_id=incident.id)
    return _page(incident, edit_form=form)


def postmortem(incident_id: str) -> ViewResult:
    incident = _incident(incident_id)
    form = PostmortemForm(meta=POSTMORTEM_IDS)
    if form.validate_on_submit():
        with attempt(form):
            publishing.add_postmortem(incident, form.body.data, actor=actor())
            return done(_("Postmortem published."), "admin.incident", incident_id=incident.id)
    return _page(incident, postmortem_form=form)


def delete(incident_id: str) -> ViewResult:
    incident = _incident(incident_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name, maintenance = incident.name, incident.is_maintenance
        publishing.delete_incident(incident, actor=actor())
        return done(
            _("“%(name)s” deleted.", name=name),
            "admin.maintenance" if maintenance else "admin.incidents",
        )
    return render_template(
        "admin/confirm.html",
        form=form,
        title=_("Delete “%(name)s”?", name=incident.name),
        message=_(
            "It disappears from the status page, the feeds and the API, with all its "
            "updates. The audit trail keeps a record of it."
        ),
        confirm_label=_("Delete"),
        cancel_url=url_for("admin.incident", incident_id=incident.id),
    )


def preview() -> Response:
    """The composer's live preview: the same sanitised HTML the public page will show."""
    form = PreviewForm()
    if not form.validate_on_submit():
        abort(400)
    return Response(render_markdown(form.body.data or ""), mimetype="text/html")


# Drafts and internal notes: responders propose, comms and owners publish or discard.


def save_draft(incident_id: str) -> ViewResult:
    incident = _incident(incident_id)
    form = _update_form(incident, bound=True, draft=True)
    if form.validate_on_submit():
        with attempt(form):
            drafts.save_draft(
                incident,
                form.body.data,
                status=form.status.data,
                components=form.component_statuses(),
                actor=actor(),
            )
            message = _("Draft saved; a comms colleague or an owner can now review and publish it.")
            return done(message, "admin.incident", incident_id=incident.id)
    return _page(incident, draft_form=form)


def add_note(incident_id: str) -> ViewResult:
    incident = _incident(incident_id)
    form = NoteForm()
    if form.validate_on_submit():
        with attempt(form):
            drafts.add_note(incident, form.body.data, actor=actor())
            return done(_("Internal note added."), "admin.incident", incident_id=incident.id)
    return _page(incident, note_form=form)


def _open_draft(incident: Incident, draft_id: int) -> UpdateDraft:
    """An open draft of this incident; another incident's draft is not found here."""
    draft = drafts.get_draft(draft_id)
    if draft.incident_id != incident.id:
        raise NotFound(f"no open draft {draft_id} on this incident")
    return draft


def publish_draft(incident_id: str, draft_id: int) -> ViewResult:
    """Publish a draft as an update, with the words the publisher settled on."""
    incident = _incident(incident_id)
    draft = _open_draft(incident, draft_id)
    form = PublishDraftForm()
    if form.validate_on_submit():
        with attempt(form):
            drafts.publish_draft(draft, body=form.body.data, notify=form.notify.data, actor=actor())
            return done(
                _("Draft published as an update."), "admin.incident", incident_id=incident.id
            )
    return _page(incident, publish_forms={draft.id: form})


def discard_draft(incident_id: str, draft_id: int) -> ViewResult:
    incident = _incident(incident_id)
    draft = _open_draft(incident, draft_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    drafts.discard_draft(draft, actor=actor())
    return done(_("Draft discarded."), "admin.incident", incident_id=incident.id)
