"""Reading incidents and maintenance, always through the viewer's audience filter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import selectinload

from statuspage.audience.visibility import Viewer, visible
from statuspage.core.errors import NotFound
from statuspage.extensions import db
from statuspage.models import (
    AffectedComponent,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentUpdate,
)
from statuspage.models.enums import CLOSED_STATUSES, Impact
from statuspage.models.incidents import incident_component


def _visible_incidents(viewer: Viewer) -> Select[tuple[Incident]]:
    """Every incident query starts here, so none forgets the audience."""
    return (
        select(Incident)
        .where(visible(viewer))
        .options(
            selectinload(Incident.updates)
            .selectinload(IncidentUpdate.affected_components)
            .selectinload(AffectedComponent.component),
            # every surface reads an update through its translations (incidents.translations)
            selectinload(Incident.updates).selectinload(IncidentUpdate.translations),
            selectinload(Incident.components),
        )
    )


def get_incident(viewer: Viewer, incident_id: str) -> Incident:
    incident = db.session.scalars(
        _visible_incidents(viewer).where(Incident.id == incident_id)
    ).first()
    if incident is None:
        raise NotFound(f"no incident {incident_id!r}")
    return incident


def recent_incidents(viewer: Viewer, limit: int = 50) -> list[Incident]:
    """The most recent incidents (not maintenance), newest first: incidents.json."""
    query = (
        _visible_incidents(viewer)
        .where(Incident.kind == IncidentKind.incident)
        .order_by(Incident.created_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def unresolved_incidents(viewer: Viewer) -> list[Incident]:
    query = (
        _visible_incidents(viewer)
        .where(Incident.kind == IncidentKind.incident, Incident.status.not_in(CLOSED_STATUSES))
        .order_by(Incident.created_at.desc())
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class IncidentSpan:
    """Just enough of an incident to mark the days it touched: no updates loaded."""

    name: str
    started_at: datetime
    resolved_at: datetime | None
    component_ids: tuple[str, ...]


def incident_spans(viewer: Viewer, start: datetime, end: datetime) -> list[IncidentSpan]:
    """Incidents (not maintenance) open at some moment in [start, end), as light spans with
    their component ids, in one query: what the uptime bars need and no more."""
    rows = db.session.execute(
        select(
            Incident.id,
            Incident.name,
            Incident.started_at,
            Incident.resolved_at,
            incident_component.c.component_id,
        )
        .join(incident_component, incident_component.c.incident_id == Incident.id)
        .where(
            visible(viewer),
            Incident.kind == IncidentKind.incident,
            Incident.started_at < end,
            or_(Incident.resolved_at.is_(None), Incident.resolved_at >= start),
        )
        .order_by(Incident.started_at.desc(), Incident.id)
    )
    spans: dict[str, IncidentSpan] = {}
    for row in rows:
        span = spans.get(row.id)
        ids = (*span.component_ids, row.component_id) if span else (row.component_id,)
        spans[row.id] = IncidentSpan(row.name, row.started_at, row.resolved_at, ids)
    return list(spans.values())


def started_in_month(viewer: Viewer, year: int, month: int) -> list[Incident]:
    """Incidents and maintenance that began in one calendar month (UTC), newest first."""
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    query = (
        _visible_incidents(viewer)
        .where(Incident.started_at >= start, Incident.started_at < end)
        .order_by(Incident.started_at.desc())
    )
    return list(db.session.scalars(query))


def started_between(viewer: Viewer, start: datetime, end: datetime) -> list[Incident]:
    """Incidents and maintenance that began in [start, end), newest first."""
    query = (
        _visible_incidents(viewer)
        .where(Incident.started_at >= start, Incident.started_at < end)
        .order_by(Incident.started_at.desc())
    )
    return list(db.session.scalars(query))


def search_incidents(
    viewer: Viewer,
    *,
    words: str = "",
    impact: Impact | None = None,
    component_id: str | None = None,
    limit: int = 100,
) -> list[Incident]:
    """The history's filter: incidents and maintenance the viewer may see whose name or any
    update holds `words` (case-insensitive, taken literally), of one impact and touching one
    component when given; newest first, at most `limit`."""
    query = _visible_incidents(viewer)
    if words:
        literal = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{literal}%"
        query = query.where(
            or_(
                Incident.name.ilike(pattern, escape="\\"),
                Incident.updates.any(IncidentUpdate.body.ilike(pattern, escape="\\")),
            )
        )
    if impact is not None:
        query = query.where(Incident.impact == impact)
    if component_id:
        touching = select(incident_component.c.incident_id).where(
            incident_component.c.component_id == component_id
        )
        query = query.where(Incident.id.in_(touching))
    return list(db.session.scalars(query.order_by(Incident.started_at.desc()).limit(limit)))


def months_with_incidents(viewer: Viewer) -> list[date]:
    """The first day of every month in which something visible began, newest first."""
    started = db.session.scalars(
        select(Incident.started_at).where(visible(viewer)).order_by(Incident.started_at.desc())
    )
    months: list[date] = []
    for at in started:
        first = date(at.year, at.month, 1)
        if not months or months[-1] != first:
            months.append(first)
    return months


def _maintenance(viewer: Viewer) -> Select[tuple[Incident]]:
    return _visible_incidents(viewer).where(Incident.kind == IncidentKind.maintenance)


def all_maintenances(viewer: Viewer, limit: int = 50) -> list[Incident]:
    """scheduled-maintenances.json: the most recent, newest scheduled first."""
    query = _maintenance(viewer).order_by(Incident.scheduled_for.desc()).limit(limit)
    return list(db.session.scalars(query))


def upcoming_maintenances(viewer: Viewer) -> list[Incident]:
    """Scheduled and not yet started, soonest first."""
    query = _maintenance(viewer).where(Incident.status == IncidentStatus.scheduled)
    return list(db.session.scalars(query.order_by(Incident.scheduled_for)))


def active_maintenances(viewer: Viewer) -> list[Incident]:
    """In progress or being verified, soonest first."""
    query = _maintenance(viewer).where(
        Incident.status.in_([IncidentStatus.in_progress, IncidentStatus.verifying])
    )
    return list(db.session.scalars(query.order_by(Incident.scheduled_for)))


def recent_maintenances(viewer: Viewer, now: datetime, days: int = 30) -> list[Incident]:
    """Completed maintenance whose window ended in the last `days` days."""
    query = _maintenance(viewer).where(
        and_(
            Incident.status == IncidentStatus.completed,
            Incident.scheduled_until >= now - timedelta(days=days),
        )
    )
    return list(db.session.scalars(query.order_by(Incident.scheduled_for.desc())))


def recently_updated(
    viewer: Viewer, *, component_id: str | None = None, limit: int = 25
) -> list[Incident]:
    """Incidents and maintenance by last update, newest first; optionally of one component."""
    query = _visible_incidents(viewer)
    if component_id is not None:
        query = query.where(Incident.components.any(id=component_id))
    return list(db.session.scalars(query.order_by(Incident.updated_at.desc()).limit(limit)))


def visible_ids(viewer: Viewer) -> list[str]:
    """Ids of every incident and maintenance the viewer may see (for the static export)."""
    return list(db.session.scalars(select(Incident.id).where(visible(viewer))))


REMINDER_LEAD = timedelta(hours=1)


@dataclass
class MaintenanceDue:
    to_start: list[Incident]
    to_complete: list[Incident]
    to_remind: list[Incident]


def maintenance_due(now: datetime) -> MaintenanceDue:
    """Automated maintenance whose start, end or reminder time has come (staff's view)."""
    maintenance = select(Incident).where(Incident.kind == IncidentKind.maintenance)
    to_start = maintenance.where(
        Incident.status == IncidentStatus.scheduled,
        Incident.auto_start.is_(True),
        Incident.scheduled_for <= now,
    )
    to_complete = maintenance.where(
        Incident.status.in_([IncidentStatus.in_progress, IncidentStatus.verifying]),
        Incident.auto_complete.is_(True),
        Incident.scheduled_until <= now,
    )
    to_remind = maintenance.where(
        Incident.status == IncidentStatus.scheduled,
        Incident.remind_prior.is_(True),
        Incident.reminder_recorded_at.is_(None),
        Incident.scheduled_for <= now + REMINDER_LEAD,
        Incident.scheduled_for > now,
    )
    return MaintenanceDue(
        list(db.session.scalars(to_start)),
        list(db.session.scalars(to_complete)),
        list(db.session.scalars(to_remind)),
    )


def list_incidents(
    viewer: Viewer, *, limit: int = 100, offset: int = 0, name_contains: str | None = None
) -> list[Incident]:
    """Incidents and maintenance, newest first, a page at a time; optionally searched by name."""
    query = _visible_incidents(viewer)
    if name_contains:
        escaped = name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Incident.name.ilike(f"%{escaped}%", escape="\\"))
    query = query.order_by(Incident.created_at.desc(), Incident.id).limit(limit).offset(offset)
    return list(db.session.scalars(query))
