"""Daily uptime, rolled up from the status change log and stored.

The rule (shown on the status page too): a second in major outage counts as down, a
second in partial outage counts 30 % down, and degraded performance and maintenance
count as up. Degraded service is still service, and announced maintenance is a
promise kept, not a failure: that is how Statuspage counts, and what customers expect.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import format_percent, gettext
from sqlalchemy import select

from statuspage.extensions import db
from statuspage.models import Component, ComponentStatus, ComponentStatusChange, DailyUptime
from statuspage.page.state import bump_version

DOWN_WEIGHT: dict[ComponentStatus, float] = {
    ComponentStatus.major_outage: 1.0,
    ComponentStatus.partial_outage: 0.3,
}


def uptime_rule() -> str:
    """How uptime is counted, in the language in force (the status page prints it); the
    share as the language writes a percentage ("30%", "30 %")."""
    return gettext(
        "Major outage counts as down, partial outage as %(share)s down; "
        "degraded performance and maintenance count as up.",
        share=format_percent(DOWN_WEIGHT[ComponentStatus.partial_outage]),
    )


_FIELD_FOR_STATUS = {
    ComponentStatus.degraded_performance: "degraded_seconds",
    ComponentStatus.partial_outage: "partial_seconds",
    ComponentStatus.major_outage: "major_seconds",
    ComponentStatus.under_maintenance: "maintenance_seconds",
}


def uptime_fraction(observed: float, seconds_by_status: dict[ComponentStatus, float]) -> float:
    """Apply the rule to one span: 1.0 is fully up."""
    if observed <= 0:
        return 1.0
    down = sum(DOWN_WEIGHT.get(status, 0.0) * s for status, s in seconds_by_status.items())
    return max(0.0, 1.0 - down / observed)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _spread(
    totals: dict[date, dict[ComponentStatus, float]],
    start: datetime,
    end: datetime,
    status: ComponentStatus,
) -> None:
    """Add the seconds from start to end, cut at UTC midnights, to each day's totals."""
    while start < end:
        next_midnight = _midnight(start.date() + timedelta(days=1))
        stop = min(end, next_midnight)
        totals[start.date()][status] += (stop - start).total_seconds()
        start = stop


def rollup_uptime(component_id: str, first_day: date, now: datetime) -> None:
    """Recompute the stored daily rows of one component from `first_day` through `now`'s day.

    Reads only the changes in that span (plus the one in force at its start), so a status
    change today touches today's row alone.
    """
    start = _midnight(first_day)
    in_force = db.session.scalar(
        select(ComponentStatusChange.new_status)
        .where(
            ComponentStatusChange.component_id == component_id,
            ComponentStatusChange.changed_at < start,
        )
        .order_by(ComponentStatusChange.changed_at.desc(), ComponentStatusChange.id.desc())
        .limit(1)
    )
    changes = db.session.execute(
        select(ComponentStatusChange.changed_at, ComponentStatusChange.new_status)
        .where(
            ComponentStatusChange.component_id == component_id,
            ComponentStatusChange.changed_at >= start,
            ComponentStatusChange.changed_at <= now,
        )
        .order_by(ComponentStatusChange.changed_at, ComponentStatusChange.id)
    ).all()

    totals: dict[date, dict[ComponentStatus, float]] = defaultdict(lambda: defaultdict(float))
    cursor, current = start, in_force
    for changed_at, new_status in changes:
        if current is not None:
            _spread(totals, cursor, changed_at, current)
        cursor, current = changed_at, new_status
    if current is not None:
        _spread(totals, cursor, now, current)

    for day, by_status in totals.items():
        observed = sum(by_status.values())
        row = db.session.get(DailyUptime, (component_id, day))
        if row is None:
            row = DailyUptime(component_id=component_id, day=day)
            db.session.add(row)
        row.observed_seconds = round(observed)
        for field in _FIELD_FOR_STATUS.values():
            setattr(row, field, 0)
        for status, seconds in by_status.items():
            if status in _FIELD_FOR_STATUS:
                setattr(row, _FIELD_FOR_STATUS[status], round(seconds))
        row.uptime = uptime_fraction(observed, by_status)
    db.session.flush()


def stored_uptime(
    component_ids: list[str], first_day: date
) -> tuple[dict[tuple[str, date], float], dict[str, float]]:
    """From `first_day` on, in one query: each (component, day)'s stored uptime, and each
    component's uptime over the whole period, weighted by the seconds observed each day."""
    daily: dict[tuple[str, date], float] = {}
    if not component_ids:
        return daily, {}
    rows = db.session.execute(
        select(
            DailyUptime.component_id,
            DailyUptime.day,
            DailyUptime.uptime,
            DailyUptime.observed_seconds,
            DailyUptime.partial_seconds,
            DailyUptime.major_seconds,
        ).where(DailyUptime.component_id.in_(component_ids), DailyUptime.day >= first_day)
    )
    observed: dict[str, float] = defaultdict(float)
    down: dict[str, float] = defaultdict(float)
    major, partial = (
        DOWN_WEIGHT[ComponentStatus.major_outage],
        DOWN_WEIGHT[ComponentStatus.partial_outage],
    )
    for row in rows:
        daily[(row.component_id, row.day)] = row.uptime
        observed[row.component_id] += row.observed_seconds
        down[row.component_id] += major * row.major_seconds + partial * row.partial_seconds
    period = {
        cid: (1.0 - down[cid] / observed[cid]) if observed[cid] else 1.0 for cid in component_ids
    }
    return daily, period


def rollup_all(first_day: date, now: datetime) -> None:
    """Roll up every component from `first_day`, so ongoing outages keep counting."""
    for component_id in db.session.scalars(select(Component.id)):
        rollup_uptime(component_id, first_day, now)
    bump_version(now)
