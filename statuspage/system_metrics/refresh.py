"""Charts brought up to date by the minute's sweep, not by each data point.

The status page is a snapshot rendered once per page version, so pushing a point must not
render the page: at 100 points a second that would be 100 renders a second. Instead the
sweep compares the displayed metrics' newest data (`Metric.most_recent_data_at`) with the
newest the published charts hold (`Page.charts_data_at`) and bumps the version once when
it moved: the charts are at most a minute (plus a render) behind, and a page whose metrics
get no new data is never re-rendered for them. Data backfilled behind the newest point
moves no mark: it shows at the next bump, whatever makes it.
"""

from __future__ import annotations

from datetime import datetime

from statuspage.extensions import db
from statuspage.page.state import bump_version, get_page
from statuspage.system_metrics.series import newest_data_at


def publish_new_data(now: datetime) -> bool:
    """Bump the page version when a displayed metric has data newer than the published
    charts; returns whether it did. Flushes; the sweep's job commits."""
    page = get_page()
    if page is None:
        return False
    newest = newest_data_at(page.id)
    if newest is None or (page.charts_data_at is not None and newest <= page.charts_data_at):
        return False
    bump_version(now)
    page.charts_data_at = newest
    db.session.flush()
    return True
