"""HTML pages of the public site, rendered from services and served from snapshots.

The status page, incident pages, history and maintenance are `viewer_aware`: a signed-in
private viewer gets them rendered for them alone, with their segments' private notices.
The history's filter and search reads the query string, so it is never a snapshot: it is
rendered per request, for whoever asks, and kept by no shared cache.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import Response, abort, g, make_response, render_template, request

from statuspage.audience.visibility import PUBLIC, Viewer
from statuspage.clock import utcnow
from statuspage.components.catalog import list_components
from statuspage.components.status import bar_defaults, overview
from statuspage.components.uptime import uptime_rule
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.core.validation import storable
from statuspage.i18n import direction
from statuspage.i18n.web import current_language, current_zone
from statuspage.incidents import queries
from statuspage.models.enums import Impact
from statuspage.public.caching import snapshotted
from statuspage.public.context import current_page, public_viewer
from statuspage.public.viewing import signed_in_viewer, viewer_aware
from statuspage.system_metrics.page_charts import page_charts, window_switch

HTML = "text/html; charset=utf-8"
HISTORY_MONTHS = 3
SEARCH_MAX = 200  # characters of search words kept
SEARCH_LIMIT = 100  # incidents a search shows
PAST_DAYS = 15  # "Past incidents" on the status page, as Statuspage shows them
# The history filter's impacts, worst first (template global `history_impacts`).
HISTORY_IMPACTS = (Impact.critical, Impact.major, Impact.minor, Impact.none, Impact.maintenance)


@viewer_aware
def index() -> tuple[str, str]:
    now = utcnow()
    viewer = public_viewer()
    view = overview(viewer, now)
    page = current_page()
    lang = current_language()
    return (
        render_template(
            "public/status.html",
            page=page,
            view=view,
            bars=bar_defaults(view.first_day),
            uptime_rule=uptime_rule(),
            past_days=past_days(viewer, now.date()),
            # Metrics are page-wide: a private viewer gets the same section.
            metrics=page_charts(
                page.id, now, zone_name=current_zone(), lang=lang, rtl=direction(lang) == "rtl"
            ),
            metric_windows=window_switch(),
        ),
        HTML,
    )


def past_days(viewer: Viewer, today: date, count: int = PAST_DAYS) -> list[tuple[date, list]]:
    """The last `count` UTC days, newest first, each with what began that day (maybe nothing).
    The day is UTC, as every snapshot is kept per UTC day: the page turns at midnight UTC."""
    first = today - timedelta(days=count - 1)
    start = datetime.combine(first, time(), tzinfo=UTC)
    found = queries.started_between(viewer, start, start + timedelta(days=count))
    by_day: dict[date, list] = {}
    for incident in found:
        by_day.setdefault(incident.started_at.astimezone(UTC).date(), []).append(incident)
    return [(day, by_day.get(day, [])) for day in (today - timedelta(days=n) for n in range(count))]


@viewer_aware
def incident(incident_id: str) -> tuple[str, str]:
    try:
        found = queries.get_incident(public_viewer(), incident_id)
    except NotFound:
        abort(404)
    return render_template("public/incident.html", page=current_page(), incident=found), HTML


def recent_months(today: date, count: int = HISTORY_MONTHS) -> list[date]:
    """The first days of this month and the `count - 1` before it, newest first."""
    months, year, month = [], today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


@viewer_aware
def history() -> tuple[str, str]:
    """The last three months in full, then a link to every earlier month with incidents."""
    viewer = public_viewer()
    recent = recent_months(utcnow().date())
    months = [(m, queries.started_in_month(viewer, m.year, m.month)) for m in recent]
    older = [m for m in queries.months_with_incidents(viewer) if m < recent[-1]]
    return (
        render_template(
            "public/history.html",
            page=current_page(),
            months=months,
            older=older,
            components=list_components(viewer),  # the filter's choices
        ),
        HTML,
    )


@viewer_aware
def history_month(year: int, month: int) -> tuple[str, str]:
    # Only real past months: every distinct URL is a snapshot held in memory.
    today = utcnow().date()
    if not (1 <= month <= 12 and 1970 <= year <= today.year) or date(year, month, 1) > today:
        abort(404)
    first = date(year, month, 1)
    found = queries.started_in_month(public_viewer(), year, month)
    return (
        render_template("public/month.html", page=current_page(), month=first, incidents=found),
        HTML,
    )


@dataclass(frozen=True)
class HistoryFilter:
    """What /history/search was asked for, each part checked: an unknown impact or a
    component the reader may not see is no filter, and the words pass the text rule."""

    words: str = ""
    impact: Impact | None = None
    component_id: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str], components: list) -> HistoryFilter:
        words = storable(args.get("q", "").strip()[:SEARCH_MAX], "The search", one_line=True)
        impact = args.get("impact", "")
        component = args.get("component", "")
        return cls(
            words,
            Impact(impact) if impact in Impact.__members__ else None,
            component if component in {c.id for c in components} else None,
        )


def history_search() -> Response:
    """The history filtered by component and impact and searched for words. The answer
    depends on the query string, so it is never a snapshot (their views depend on the path
    alone): rendered per request and private, so no shared cache keeps it either."""
    viewer = signed_in_viewer()
    if viewer is not None:
        g.viewer = viewer  # public.viewing.keep_private marks the answer theirs alone
    reader = viewer or PUBLIC
    components = list_components(reader)
    status, problem = 200, None
    try:
        wanted = HistoryFilter.from_args(request.args, components)
    except InvalidInput as exc:
        wanted, status, problem = HistoryFilter(), 400, str(exc)
    found = queries.search_incidents(
        reader,
        words=wanted.words,
        impact=wanted.impact,
        component_id=wanted.component_id,
        limit=SEARCH_LIMIT,
    )
    body = render_template(
        "public/history_search.html",
        page=current_page(),
        components=components,
        wanted=wanted,
        incidents=found,
        problem=problem,
        limit=SEARCH_LIMIT,
    )
    response = make_response(body, status)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@snapshotted
def brand_css() -> tuple[str, str]:
    """The page's brand colour as a stylesheet: no inline style, so a strict CSP holds."""
    colour = current_page().brand_color or "#1e7b34"
    return f":root {{ --brand: {colour}; }}\n", "text/css; charset=utf-8"


@viewer_aware
def maintenance() -> tuple[str, str]:
    viewer = public_viewer()
    return (
        render_template(
            "public/maintenance.html",
            page=current_page(),
            active=queries.active_maintenances(viewer),
            upcoming=queries.upcoming_maintenances(viewer),
            recent=queries.recent_maintenances(viewer, utcnow()),
        ),
        HTML,
    )
