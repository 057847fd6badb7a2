"""The review of incidents automation drafted: each with the alert behind it, published
with the reviewer's edits (as an incident like any other) or discarded."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from admin.access import actor
from admin.forms.confirm import ConfirmForm
from admin.forms.incident_drafts import PublishIncidentDraftForm
from admin.outcome import ViewResult, attempt, done, form_status
from statuspage.extensions import db
from statuspage.models import Alert, Component, IncidentDraft, Integration
from statuspage.monitoring import drafts


def _form(draft: IncidentDraft, *, submitted: bool = False) -> PublishIncidentDraftForm:
    meta = {"id_prefix": f"draft-{draft.id}-"}
    if submitted:
        return PublishIncidentDraftForm(meta=meta)
    return PublishIncidentDraftForm(
        formdata=None, meta=meta, title=draft.title, body=draft.body, status=draft.status.value
    )


def _page(forms: dict[int, PublishIncidentDraftForm] | None = None) -> tuple[str, int]:
    rows = []
    for draft in drafts.open_drafts():
        alert = db.session.get(Alert, draft.alert_id) if draft.alert_id else None
        rows.append(
            {
                "draft": draft,
                "alert": alert,
                "integration": db.session.get(Integration, alert.integration_id) if alert else None,
                "components": [
                    (db.session.get(Component, component_id), status)
                    for component_id, status in (draft.components or {}).items()
                ],
                "form": (forms or {}).get(draft.id) or _form(draft),
                "discard": ConfirmForm(meta={"id_prefix": f"discard-{draft.id}-"}),
            }
        )
    return render_template("admin/incident_drafts/index.html", rows=rows), form_status()


def index() -> tuple[str, int]:
    return _page()


def _open(draft_id: int) -> IncidentDraft:
    return drafts.get_open_draft(draft_id)  # NotFound: the app's 404 page


def publish(draft_id: int) -> ViewResult:
    draft = _open(draft_id)
    form = _form(draft, submitted=True)
    if form.validate_on_submit():
        with attempt(form):
            incident = drafts.publish_draft(
                draft,
                drafts.DraftEdits(
                    form.title.data, form.body.data, form.status.data, bool(form.notify.data)
                ),
                actor=actor(),
            )
            return done(_("Draft published as an incident."), "admin.incident",
                        incident_id=incident.id)  # fmt: skip
    return _page({draft.id: form})


def discard(draft_id: int) -> ViewResult:
    draft = _open(draft_id)
    if not ConfirmForm().validate_on_submit():
        raise BadRequest(_("The form expired; try again."))
    drafts.discard_draft(draft, actor=actor())
    return done(_("Draft discarded."), "admin.incident_drafts")
