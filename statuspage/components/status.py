"""Page status: the overall indicator, and the overview the status page and summary.json show."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_percent as babel_percent
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from statuspage.audience.visibility import Viewer, visible
from statuspage.components.catalog import list_components, list_groups
from statuspage.components.uptime import stored_uptime
from statuspage.extensions import db
from statuspage.incidents import queries
from statuspage.models import (
    AffectedComponent,
    Component,
    ComponentGroup,
    ComponentStatus,
    Impact,
    Incident,
    IncidentUpdate,
    Page,
    Visibility,
)

UPTIME_DAYS = 90

_SEVERITY = ["none", "minor", "major", "critical"]
_DESCRIPTION = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major Service Outage",
}
_MAINTENANCE = "Service Under Maintenance"
# The same, for people: the pages print these in the reader's language; the JSON API and
# webhooks keep sending `description`, in English, as Statuspage does.
_DESCRIPTION_LABELS = {
    "All Systems Operational": _l("All Systems Operational"),
    "Minor Service Outage": _l("Minor Service Outage"),
    "Partial System Outage": _l("Partial System Outage"),
    "Major Service Outage": _l("Major Service Outage"),
    _MAINTENANCE: _l("Service Under Maintenance"),
}
_COMPONENT_SEVERITY = {
    ComponentStatus.operational: "none",
    ComponentStatus.under_maintenance: "none",
    ComponentStatus.degraded_performance: "minor",
    ComponentStatus.partial_outage: "major",
    ComponentStatus.major_outage: "critical",
}


@dataclass(frozen=True)
class PageStatus:
    indicator: str  # none | minor | major | critical, as Statuspage's status.json
    description: str

    @property
    def under_maintenance(self) -> bool:
        """Nothing is wrong, but maintenance is under way (the indicator alone says "none")."""
        return self.description == _MAINTENANCE

    @property
    def label(self) -> str:
        """The description in the language in force, for the pages, the widget and badges."""
        return str(_DESCRIPTION_LABELS.get(self.description, self.description))


def description_labels() -> dict[str, str]:
    """Each description (as summary.json sends it) in the language in force: the widget's
    script shows the JSON's English description in its reader's language."""
    return {english: str(label) for english, label in _DESCRIPTION_LABELS.items()}


def overall_status(
    components: Iterable[Component],
    unresolved: Iterable[Incident],
    active_maintenance: Sequence[Incident] = (),
    as_seen: Mapping[str, ComponentStatus] | None = None,
) -> PageStatus:
    """The one rule for the page's indicator.

    The worst of: each component's status (degraded -> minor, partial outage -> major,
    major outage -> critical) and each unresolved incident's impact. When nothing is wrong
    but maintenance is under way, the indicator stays "none" and the description says so.
    `as_seen` is each component's status as a private viewer sees it (`component_statuses`);
    without it, the stored (public) statuses count.
    """
    statuses = [as_seen[c.id] if as_seen else c.status for c in components]
    levels = [_COMPONENT_SEVERITY[s] for s in statuses]
    levels += [i.impact.value for i in unresolved if i.impact is not Impact.maintenance]
    worst = max(levels, key=_SEVERITY.index, default="none")
    if worst == "none" and (active_maintenance or ComponentStatus.under_maintenance in statuses):
        return PageStatus("none", _MAINTENANCE)
    return PageStatus(worst, _DESCRIPTION[worst])


# Worst last: how a private incident's component status combines with the public one.
_STATUS_ORDER = [
    ComponentStatus.operational,
    ComponentStatus.under_maintenance,
    ComponentStatus.degraded_performance,
    ComponentStatus.partial_outage,
    ComponentStatus.major_outage,
]


def component_statuses(
    viewer: Viewer, components: Iterable[Component]
) -> dict[str, ComponentStatus]:
    """Each component's status as `viewer` sees it.

    The stored status is the public one: private incidents never move it (nor uptime). For a
    private viewer, each open private incident they may see adds its latest status for each
    component it affects, and the worst wins. Anonymous viewers get the stored statuses.
    """
    statuses = {c.id: c.status for c in components}
    if viewer.is_public or not statuses:
        return statuses
    open_private = select(Incident.id).where(
        Incident.visibility == Visibility.segments,
        Incident.resolved_at.is_(None),
        visible(viewer),
    )
    rows = db.session.execute(
        select(
            IncidentUpdate.incident_id,
            AffectedComponent.component_id,
            AffectedComponent.new_status,
        )
        .join(IncidentUpdate, IncidentUpdate.id == AffectedComponent.update_id)
        .where(
            IncidentUpdate.incident_id.in_(open_private),
            AffectedComponent.component_id.in_(list(statuses)),
        )
        .order_by(IncidentUpdate.display_at, IncidentUpdate.created_at)
    ).all()
    latest: dict[tuple[str, str], ComponentStatus] = {}
    for incident_id, component_id, new_status in rows:
        latest[(incident_id, component_id)] = new_status  # later rows overwrite earlier
    for (_, component_id), status in latest.items():
        if _STATUS_ORDER.index(status) > _STATUS_ORDER.index(statuses[component_id]):
            statuses[component_id] = status
    return statuses


def current_status(viewer: Viewer) -> PageStatus:
    """The page's indicator now, as `viewer` may see it (status.json, badges, widget)."""
    components = list_components(viewer)
    return overall_status(
        components,
        queries.unresolved_incidents(viewer),
        queries.active_maintenances(viewer),
        component_statuses(viewer, components),
    )


@dataclass(frozen=True)
class DayBar:
    day: date
    uptime: float | None  # None: the component did not exist yet
    incidents: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        """The tooltip's text: date · uptime · incidents, in the language in force (built
        here: 1,080 bars a page, so the fixed words and the days are formatted once each)."""
        locale = get_locale()
        lang = locale.language if locale is not None else "en"
        words = _bar_words(lang)
        if self.uptime is None:
            uptime = words[0]
        else:
            uptime = words[1].replace("\0", format_percent(self.uptime, lang))
        incidents = "; ".join(self.incidents) if self.incidents else words[2]
        return f"{_bar_day(self.day, lang)} · {uptime} · {incidents}"

    @property
    def compact(self) -> bool:
        """Whether the page may leave this bar's text out: a day at 100% (or with no data)
        and no incident reads like every other such day, from the dates and words said
        once for the page (`bar_defaults`); herald.js puts them back on the bar."""
        if self.incidents:
            return False
        if self.uptime is None:
            return True
        locale = get_locale()
        lang = locale.language if locale is not None else "en"
        return format_percent(self.uptime, lang) == format_percent(1.0, lang)

    @property
    def level(self) -> str:
        """A colour class for the bar: how bad the day was."""
        if self.uptime is None:
            return "nodata"
        if self.uptime >= 0.9995 and not self.incidents:
            return "ok"
        if self.uptime >= 0.99:
            return "minor"
        if self.uptime >= 0.95:
            return "major"
        return "critical"


@dataclass
class ComponentRow:
    component: Component
    bars: list[DayBar]
    uptime: float
    status: ComponentStatus  # as the viewer sees it (component_statuses)


@dataclass
class GroupBlock:
    group: ComponentGroup | None
    rows: list[ComponentRow] = field(default_factory=list)

    @property
    def worst_status(self) -> ComponentStatus:
        order = list(_COMPONENT_SEVERITY)
        return max((r.status for r in self.rows), key=order.index)


@dataclass
class Overview:
    """Everything the status page shows, read once per page version."""

    status: PageStatus
    components: list[Component]
    groups: list[ComponentGroup]
    blocks: list[GroupBlock]
    unresolved: list[Incident]
    active_maintenance: list[Incident]
    upcoming_maintenance: list[Incident]
    first_day: date
    today: date
    statuses: dict[str, ComponentStatus]  # each component's status as the viewer sees it


def shown_on_page(component: Component, status: ComponentStatus | None = None) -> bool:
    """`only_show_if_degraded` hides a component while it is operational (its stored status,
    or `status`: as the viewer sees it)."""
    return not component.only_show_if_degraded or (
        (status or component.status) is not ComponentStatus.operational
    )


@functools.lru_cache(maxsize=4096)
def format_percent(value: float, lang: str = "en") -> str:
    """99.95%, 100% (99,95 % in German, ٪ in Arabic): two decimals at most, no trailing
    zeros, in `lang`'s notation. Cached: the same few values fill a page's 1,080 bars."""
    rounded = Decimal(f"{value * 100:.2f}") / 100  # rounded as before: 12.345 → 12.35
    return babel_percent(rounded, _percent_pattern(lang), locale=lang)


@functools.lru_cache(maxsize=64)
def _percent_pattern(lang: str) -> str:
    """`lang`'s own percent pattern ("#,##0 %" in German) with up to two decimals."""
    pattern = Locale.parse(lang).percent_formats[None].pattern
    last_zero = pattern.rfind("0")
    if last_zero < 0 or ";" in pattern:
        return "#,##0.##%"
    return f"{pattern[: last_zero + 1]}.##{pattern[last_zero + 1 :]}"


@functools.lru_cache(maxsize=64)
def _bar_words(lang: str) -> tuple[str, str, str]:
    """A bar tooltip's fixed words in `lang` (catalogs are fixed for the process's life)."""
    uptime = gettext("%(percent)s uptime", percent="\0")
    return (gettext("No data"), uptime, gettext("No incidents"))


@dataclass(frozen=True)
class BarDefaults:
    """What compact bars (DayBar.compact) leave out, said once on the page: each day's date,
    oldest first, and the rest of the text of a day at 100% and of a day with no data."""

    days: str  # the dates joined by "|"
    full: str  # "100% uptime · No incidents"
    nodata: str  # "No data · No incidents"


def bar_defaults(first_day: date, count: int = UPTIME_DAYS) -> BarDefaults:
    locale = get_locale()
    lang = locale.language if locale is not None else "en"
    no_data, uptime, no_incidents = _bar_words(lang)
    days = "|".join(_bar_day(first_day + timedelta(days=n), lang) for n in range(count))
    full = uptime.replace("\0", format_percent(1.0, lang))
    return BarDefaults(days, f"{full} · {no_incidents}", f"{no_data} · {no_incidents}")


@functools.lru_cache(maxsize=1024)
def _bar_day(day: date, lang: str) -> str:
    return format_date(day, "medium", locale=lang)


def _incident_days(
    spans: Iterable[queries.IncidentSpan], now: datetime
) -> dict[tuple[str, date], list[str]]:
    names: dict[tuple[str, date], list[str]] = defaultdict(list)
    for span in spans:
        last = (span.resolved_at or now).date()
        day = span.started_at.date()
        while day <= last:
            for component_id in span.component_ids:
                names[(component_id, day)].append(span.name)
            day += timedelta(days=1)
    return names


def overview(viewer: Viewer, now: datetime) -> Overview:
    components = list_components(viewer)
    statuses = component_statuses(viewer, components)
    groups = list_groups()
    unresolved = queries.unresolved_incidents(viewer)
    active = queries.active_maintenances(viewer)
    upcoming = queries.upcoming_maintenances(viewer)

    today = now.date()
    first_day = today - timedelta(days=UPTIME_DAYS - 1)
    ids = [c.id for c in components]
    daily, totals = stored_uptime(ids, first_day)
    window_start = datetime.combine(first_day, datetime.min.time(), now.tzinfo)
    per_day = _incident_days(queries.incident_spans(viewer, window_start, now), now)

    blocks: dict[str | None, GroupBlock] = {None: GroupBlock(None)}
    for group in groups:
        blocks[group.id] = GroupBlock(group)
    for component in components:
        if not shown_on_page(component, statuses[component.id]):
            continue
        bars = []
        for offset in range(UPTIME_DAYS):
            day = first_day + timedelta(days=offset)
            bars.append(
                DayBar(
                    day, daily.get((component.id, day)), tuple(per_day.get((component.id, day), ()))
                )
            )
        blocks[component.group_id].rows.append(
            ComponentRow(component, bars, totals.get(component.id, 1.0), statuses[component.id])
        )
    return Overview(
        status=overall_status(components, unresolved, active, statuses),
        components=components,
        groups=groups,
        blocks=[b for b in blocks.values() if b.rows],
        unresolved=unresolved,
        active_maintenance=active,
        upcoming_maintenance=upcoming,
        first_day=first_day,
        today=today,
        statuses=statuses,
    )


__all__ = ["Overview", "Page", "PageStatus", "current_status", "overall_status", "overview"]
