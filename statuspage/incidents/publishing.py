"""Open incidents, post their updates and postmortems, edit and delete them.

Every write bumps the page version when the public may see it. Each function flushes and
returns; the caller (request, job, CLI) commits once. Scheduled maintenance is announced in
`maintenance`; what every update writes (components, lifecycle, notices) is in `recording`.
"""

from __future__ import annotations

from datetime import datetime

from statuspage.audit.changes import record_removed
from statuspage.audit.trail import SYSTEM, Actor
from statuspage.clock import utcnow
from statuspage.core.errors import InvalidInput
from statuspage.core.validation import choice, text
from statuspage.extensions import db
from statuspage.i18n import LANGUAGES
from statuspage.incidents.commands import (
    EditIncident,
    OpenIncident,
    PostUpdate,
    Translation,
    Translations,
)
from statuspage.incidents.recording import (
    AUDITED_FIELDS,
    audit_created,
    audited,
    bump_if_public,
    impact_of,
    queue_window_edges,
    record_update,
    resolve_components,
    scope_to,
    set_translations,
)
from statuspage.incidents.richtext import render_markdown
from statuspage.models import (
    Impact,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentUpdate,
    Visibility,
)
from statuspage.models.enums import INCIDENT_STATUSES, MAINTENANCE_STATUSES
from statuspage.page.languages import default_language, translation_languages
from statuspage.page.state import bump_version, ensure_page

MAX_NAME = 300
MAX_BODY = 20_000


def clean_name(name: str) -> str:
    """An incident's or a window's name, trimmed; or InvalidInput."""
    return text(name, "a name", MAX_NAME, one_line=True)


def clean_body(body: str) -> str:
    """An update's Markdown message, trimmed; or InvalidInput."""
    return text(body, "a message", MAX_BODY, missing="an update needs a message")


def clean_translations(translations: Translations) -> list[Translation]:
    """Translations checked like the default text, each in an enabled language other than
    the default and named once; or InvalidInput saying which and why."""
    page = ensure_page()
    allowed = translation_languages(page)
    cleaned: dict[str, Translation] = {}
    for language, title, body in translations:
        if language not in allowed:
            raise InvalidInput(_not_translatable(language, default_language(page), allowed))
        if language in cleaned:
            raise InvalidInput(f"the {language!r} translation is given twice")
        what = f"the {LANGUAGES[language]} ({language}) translation's"
        cleaned[language] = Translation(
            language,
            text(title, f"{what} title", MAX_NAME, required=False, one_line=True) or None,
            text(body, f"{what} message", MAX_BODY, missing=f"{what} message is required"),
        )
    return list(cleaned.values())


def _not_translatable(language: object, default: str, allowed: list[str]) -> str:
    if language == default:
        return (
            f"{language!r} is the page's default language: its text is the update's own "
            "name and message, not a translation"
        )
    if language in LANGUAGES:
        enabled = ", ".join(allowed) or "none"
        return f"{language!r} is not enabled for translations on this page (enabled: {enabled})"
    return f"{language!r} is not a language Herald ships; use one of {', '.join(LANGUAGES)}"


def create_incident(command: OpenIncident, *, actor: Actor = SYSTEM) -> Incident:
    """Open an incident with its first update; affected components take their new status.

    `command.at` backfills: the incident, its first update and the status changes all happen
    then. With `command.segments`, the incident is private to them: only their viewers see
    it, only their organizations' subscribers are notified, and the public status does not
    move. Returns the incident, flushed.
    """
    at = command.at or utcnow()
    status = choice(IncidentStatus, command.status, "an incident status")
    if status not in INCIDENT_STATUSES:
        raise InvalidInput(f"{status.value!r} is a maintenance status, not an incident status")
    if status is IncidentStatus.postmortem:
        raise InvalidInput("a new incident cannot start as a postmortem")
    resolved = resolve_components(command.components or {})
    if command.impact is None:
        impact = impact_of(resolved.values())
    else:
        impact = choice(Impact, command.impact, "impact")
    if impact is Impact.maintenance:
        raise InvalidInput("impact 'maintenance' is for scheduled maintenance")
    incident = Incident(
        page_id=ensure_page().id,
        kind=IncidentKind.incident,
        name=clean_name(command.name),
        status=status,
        impact=impact,
        created_at=at,
        updated_at=at,
        started_at=command.display_at or at,
        backfilled=command.at is not None,
    )
    scope_to(incident, command.segments)
    db.session.add(incident)
    db.session.flush()
    update = record_update(
        incident,
        status,
        clean_body(command.body),
        resolved,
        at=at,
        display_at=command.display_at,
        deliver_notifications=command.deliver_notifications,
        custom_tweet=command.custom_tweet,
        ack_window=command.ack_window,
        translations=clean_translations(command.translations),
    )
    audit_created(actor, "incident.create", incident, update)
    if command.at is None:  # opened now, not backfilled: the matching playbooks run
        _run_playbooks(incident, actor, at)
    return incident


def _run_playbooks(incident: Incident, actor: Actor, now: datetime) -> None:
    # Imported here: the playbook services (cadence among them) are built on this module.
    from statuspage.crisis.playbooks import run_matching

    run_matching(incident, actor=actor, now=now)


def post_update(
    incident: Incident, command: PostUpdate, *, actor: Actor = SYSTEM
) -> IncidentUpdate:
    """Add an update to an incident or maintenance; resolving or completing closes it.

    Returns the update, flushed, with its notices written beside it.
    """
    with audited(actor, "incident.update", incident) as change:
        update = _post_update(incident, command)
        change.extra = {"update_id": update.id, "body": update.body}
    return update


def _post_update(incident: Incident, command: PostUpdate) -> IncidentUpdate:
    at = command.at or utcnow()
    status = choice(IncidentStatus, command.status or incident.status, "a status")
    allowed = MAINTENANCE_STATUSES if incident.is_maintenance else INCIDENT_STATUSES
    if status not in allowed:
        kind = "maintenance" if incident.is_maintenance else "incident"
        raise InvalidInput(f"{status.value!r} is not a status of a {kind}")
    if status is IncidentStatus.postmortem:
        raise InvalidInput("publish a postmortem with add_postmortem")
    if command.impact is not None:
        if incident.is_maintenance:
            raise InvalidInput("maintenance impact is always 'maintenance'")
        incident.impact = choice(Impact, command.impact, "impact")
    update = record_update(
        incident,
        status,
        clean_body(command.body),
        resolve_components(command.components or {}),
        at=at,
        display_at=command.display_at,
        deliver_notifications=command.deliver_notifications,
        custom_tweet=command.custom_tweet,
        ack_window=command.ack_window,
        translations=clean_translations(command.translations),
    )
    return update


def newest_update(incident: Incident) -> IncidentUpdate:
    """The update written last (not the one shown first: `display_at` may backdate one)."""
    return max(incident.updates, key=lambda u: u.created_at)


def edit_translations(
    update: IncidentUpdate, translations: Translations, *, actor: Actor = SYSTEM
) -> IncidentUpdate:
    """Change an update's translations without posting another (a typo, a late translation).

    Each language given is replaced; one given with neither a title nor a message is removed;
    the others stay. Nobody is notified again. Returns the update, flushed.
    """
    incident = update.incident
    removed = {lang for lang, title, body in translations if not (title or "").strip()
               and not (body or "").strip()}  # fmt: skip
    for language in removed:
        if language not in LANGUAGES:
            raise InvalidInput(_not_translatable(language, "", []))
    kept = clean_translations([t for t in translations if t[0] not in removed])
    with audited(actor, "incident.translations", incident) as change:
        set_translations(update, kept, removing=removed)
        update.updated_at = incident.updated_at = utcnow()
        db.session.flush()
        bump_if_public(incident, update.updated_at)
        change.extra = {
            "update_id": update.id,
            "translations": {t.language: t.body for t in kept},
            "removed": sorted(removed),
        }
    return update


def add_postmortem(
    incident: Incident, body: str, *, at: datetime | None = None, actor: Actor = SYSTEM
) -> Incident:
    """Publish the postmortem of a resolved incident."""
    at = at or utcnow()
    if incident.is_maintenance:
        raise InvalidInput("maintenance has no postmortem")
    if incident.status not in (IncidentStatus.resolved, IncidentStatus.postmortem):
        raise InvalidInput("resolve the incident before publishing its postmortem")
    body = clean_body(body)
    incident.postmortem_body = body
    incident.postmortem_body_html = render_markdown(body)
    incident.postmortem_published_at = at
    with audited(actor, "incident.postmortem", incident) as change:
        incident.status = IncidentStatus.postmortem
        incident.updated_at = at
        db.session.flush()
        bump_if_public(incident, at)
        change.extra = {"postmortem": body}
    return incident


def edit_incident(incident: Incident, command: EditIncident, *, actor: Actor = SYSTEM) -> Incident:
    """Change an incident's own fields without posting an update (typos, impact, window)."""
    with audited(actor, "incident.edit", incident):
        _apply_edit(incident, command)
        incident.updated_at = utcnow()
        db.session.flush()
        bump_if_public(incident, incident.updated_at)
    queue_window_edges(incident)
    return incident


def _apply_edit(incident: Incident, command: EditIncident) -> None:
    if command.name is not None:
        incident.name = clean_name(command.name)
    if command.impact is not None:
        impact = choice(Impact, command.impact, "impact")
        if (impact is Impact.maintenance) != incident.is_maintenance:
            raise InvalidInput("impact 'maintenance' is for scheduled maintenance only")
        incident.impact = impact
    if command.scheduled_for is not None or command.scheduled_until is not None:
        if not incident.is_maintenance:
            raise InvalidInput("only maintenance has a scheduled window")
        start = command.scheduled_for or incident.scheduled_for
        end = command.scheduled_until or incident.scheduled_until
        if start is None or end is None or end <= start:
            raise InvalidInput("a maintenance window must end after it starts")
        incident.scheduled_for, incident.scheduled_until, incident.started_at = start, end, start
    for field, value in (
        ("auto_start", command.auto_start),
        ("auto_complete", command.auto_complete),
        ("remind_prior", command.remind_prior),
    ):
        if value is not None:
            setattr(incident, field, bool(value))


def delete_incident(incident: Incident, *, actor: Actor = SYSTEM) -> None:
    """Remove an incident and its updates from the page (the audit trail keeps the record)."""
    record_removed(
        actor, "incident.delete", incident, AUDITED_FIELDS, target_type="incident",
        incident_id=incident.id,
    )  # fmt: skip
    private = incident.visibility is Visibility.segments
    db.session.delete(incident)
    db.session.flush()
    if not private:
        bump_version()
