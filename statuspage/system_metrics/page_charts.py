"""The status page's "System metrics" section: each displayed metric with its windows drawn
and tabulated, in the language and zone the page is being rendered in.

Metrics are page-wide (no segment owns one), so every reader, signed in or not, gets the
same section. Built once per snapshot, so its cost is a render's, never a request's.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime

from markupsafe import Markup

from statuspage.i18n import zones
from statuspage.models import Metric
from statuspage.system_metrics.charts import (
    format_value,
    render_chart,
    table_rows,
    window_label,
    window_title,
)
from statuspage.system_metrics.series import WINDOWS, Window, displayed_metrics, read_series


@dataclass(frozen=True)
class WindowView:
    window: Window
    title: str  # "Past 24 hours"
    svg: Markup
    rows: list[tuple[str, str, str, str]]  # time, average, minimum, maximum: formatted


@dataclass(frozen=True)
class MetricView:
    metric: Metric
    windows: list[WindowView]


@functools.lru_cache(maxsize=8192)
def _row_time(bucket: int, zone_name: str, lang: str) -> str:
    """A table row's time. Kept: the same hours and days come back at every render, and
    Babel takes tens of microseconds for each of a page's thousand rows."""
    return zones.when(datetime.fromtimestamp(bucket, UTC), zone_name, lang, named=False)


def window_switch() -> list[tuple[str, str]]:
    """The switch's choices: (key, label) per window, the day first (checked)."""
    return [(window.key, window_label(window)) for window in WINDOWS]


def page_charts(
    page_id: str, now: datetime, *, zone_name: str, lang: str, rtl: bool
) -> list[MetricView]:
    """Every displayed metric, in order, with the day, week and month drawn."""
    metrics = displayed_metrics(page_id)
    found = read_series(metrics, now)
    views = []
    for metric in metrics:
        windows = []
        for window in WINDOWS:
            series = found[metric.id][window]
            rows = [
                (
                    _row_time(p.bucket, zone_name, lang),
                    format_value(p.average, metric, lang),
                    format_value(p.minimum, metric, lang),
                    format_value(p.maximum, metric, lang),
                )
                for p in table_rows(series)
            ]
            svg = render_chart(metric, series, zone_name=zone_name, lang=lang, rtl=rtl)
            windows.append(WindowView(window, window_title(window), svg, rows))
        views.append(MetricView(metric, windows))
    return views
