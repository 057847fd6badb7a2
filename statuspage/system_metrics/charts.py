"""A metric's series drawn as inline SVG on the server, and the rows of its table fallback.

No JavaScript and no client library: the chart is markup in the page, so it works in the
static export and in a snapshot. It is an image to assistive technology (`role="img"`) whose
`<title>` names the metric and the window and whose `<desc>` gives the figures (latest,
minimum, average, maximum), and it comes with a data table. Every text in it is escaped:
metric names and suffixes are typed by users. A bucket with no data is a gap in the line,
never a line drawn through it. Times are labelled in the page's zone and the reader's
language; numbers carry the metric's suffix and decimal places. Right-to-left readers get
the chart mirrored: time runs from right to left and the value axis stands on the right.

Pure: nothing here reads the database; the words go through gettext, so call it inside the
language the page is rendered in.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from babel.dates import format_skeleton, format_time
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol
from flask_babel import gettext
from markupsafe import Markup, escape

from statuspage.i18n import zones
from statuspage.models import Metric
from statuspage.system_metrics.series import Point, Series, Window, merged

WIDTH, HEIGHT = 600, 180
MIN_UNITS_PER_POINT = 1.5  # a line's points closer than this are merged (charts._line)
TOP, BOTTOM = 12, 28  # room above the plot, and below it for the time labels
# Room beside the plot for the value labels: per character of the longest, at the largest
# font the stylesheet gives them (19 units on a phone, where the chart is drawn smallest).
CHAR = 11
EDGE = 8  # the other side's margin
MAX_DECIMALS = 6


def window_title(window: Window) -> str:
    """The window as a heading says it."""
    return {
        Window.day: gettext("Past 24 hours"),
        Window.week: gettext("Past 7 days"),
        Window.month: gettext("Past 30 days"),
    }[window]


def window_label(window: Window) -> str:
    """The window as the switch names it."""
    return {
        Window.day: gettext("Day"),
        Window.week: gettext("Week"),
        Window.month: gettext("Month"),
    }[window]


@functools.lru_cache(maxsize=32)
def _number_symbols(lang: str) -> tuple[str, str, str]:
    """The group separator, the decimal sign and what precedes a negative number in `lang`,
    as Babel writes them (CLDR's Latin-digit symbols; the six shipped languages group by
    thousands)."""
    minus = format_decimal(-1, format="0", locale=lang)[:-1]
    return get_group_symbol(locale=lang), get_decimal_symbol(locale=lang), minus


def format_value(value: float, metric: Metric, lang: str) -> str:
    """`value` in `lang` with the metric's decimal places and suffix: "1,234.5 ms". Babel's
    symbols on Python's formatting, which is an order of magnitude faster than Babel's own
    and a render formats a few thousand figures (axes and tables)."""
    places = min(max(metric.decimal_places or 0, 0), MAX_DECIMALS)
    group, decimal, minus = _number_symbols(lang)
    digits = f"{abs(value):,.{places}f}"
    negative = value < 0 and digits.strip("0.,") != ""
    number = (minus if negative else "") + digits.translate({44: group, 46: decimal})
    suffix = metric.suffix or ""
    return f"{number}{suffix}" if suffix[:1] in ("", " ", "%") else f"{number} {suffix}"


@dataclass(frozen=True)
class Scale:
    """The value axis: its bottom, its top and the ticks between them."""

    low: float
    high: float
    ticks: tuple[float, ...]

    def y(self, value: float) -> float:
        """The SVG y of `value`, clamped to the plot (y_axis_min/max may cut a series)."""
        share = (value - self.low) / (self.high - self.low)
        share = min(max(share, 0.0), 1.0)
        return HEIGHT - BOTTOM - share * (HEIGHT - BOTTOM - TOP)


def _nice_step(span: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about four intervals."""
    raw = span / 4
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power  # pragma: no cover - the loop ends at 10


def value_scale(series: Series, metric: Metric) -> Scale:
    """The axis for `series`: from the metric's y_axis_min/max where set, else from the data
    (down to zero for positive data, so a small wobble does not look like a cliff)."""
    values = [p.minimum for p in series.points] + [p.maximum for p in series.points]
    low = metric.y_axis_min if metric.y_axis_min is not None else min([0.0, *values])
    high = metric.y_axis_max if metric.y_axis_max is not None else max([*values, low])
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    if high <= low:
        high = low + (abs(low) or 1.0)
    step = _nice_step(high - low)
    if metric.y_axis_min is None:
        low = math.floor(low / step) * step
    if metric.y_axis_max is None:
        high = math.ceil(high / step) * step
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    tick = first
    while tick <= high + step * 1e-9 and len(ticks) < 12:
        ticks.append(0.0 if abs(tick) < step * 1e-9 else tick)
        tick += step
    return Scale(low, high, tuple(ticks))


def time_ticks(
    window: Window, start: int, end: int, zone_name: str, lang: str
) -> list[tuple[int, str]]:
    """(epoch seconds, label) for the time axis, on round local times of the page's zone:
    every six hours for the day, each midnight for the week, every fifth day for the month."""
    tz = zones.zone(zone_name)
    ticks: list[tuple[int, str]] = []
    if window is Window.day:
        for at in range(start - start % 900, end, 900):  # local hours may be half-hour offsets
            local = datetime.fromtimestamp(at, UTC).astimezone(tz)
            if at >= start and local.minute == 0 and local.hour % 6 == 0:
                ticks.append((at, format_time(local, "short", tzinfo=tz, locale=lang)))
        return ticks
    first = datetime.fromtimestamp(start, UTC).astimezone(tz).date()
    last = datetime.fromtimestamp(end, UTC).astimezone(tz).date()
    every = 1 if window is Window.week else 5
    day = first
    while day <= last:
        midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
        at = int(midnight.timestamp())
        if start <= at < end and day.toordinal() % every == 0:
            ticks.append((at, format_skeleton("MMMd", midnight, locale=lang)))
        day += timedelta(days=1)
    return ticks


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def gap_limit(series: Series) -> float:
    return _gap_limit(series.points, series.step)


def _gap_limit(points: tuple[Point, ...] | list[Point], step: int) -> float:
    """The widest step the line is drawn across. Data sent every 5 minutes fills every
    5-minute bucket, and a missing one is a gap; data sent every 10 minutes fills every other
    one, and that is its rhythm, not a gap. So: half as much again as the series' usual
    spacing (its median), and never less than one bucket."""
    spacings = sorted(b.bucket - a.bucket for a, b in pairwise(points))
    usual = spacings[len(spacings) // 2] if spacings else step
    return max(step, 1.5 * usual)


def _line(series: Series, left: float, right: float, rtl: bool, scale: Scale) -> str:
    """The averages as path data: a new subpath after every gap (`gap_limit`), so the line
    is never drawn through nothing; a lone point is a zero-length subpath, which a round cap
    draws as a dot. Each subpath starts at an absolute point and goes on by relative steps
    in whole units (a unit is about a pixel of the 600-wide chart at its widest, under the
    line's 2.5-pixel stroke; a month's chart has 720 points: tenths cost a third more of the
    page); the steps are differences of rounded positions, so no rounding error adds up. A
    series denser than two units a point is merged into coarser buckets first (MAX_POINTS)."""
    parts: list[str] = []
    span = series.end - series.start
    # A month of hourly buckets is 720 points on a 514-unit plot: merged by three hours.
    step, points = series.step, list(series.points)
    factor = max(1, math.ceil(MIN_UNITS_PER_POINT * span / step / abs(right - left)))
    if factor > 1:
        step, points = step * factor, merged(points, step * factor)
    limit = _gap_limit(points, step)
    x_per_second = (right - left) / span
    x_origin, x_per_second = (right, -x_per_second) if rtl else (left, x_per_second)
    x_low, x_high = min(left, right), max(left, right)
    floor, plot = HEIGHT - BOTTOM, HEIGHT - BOTTOM - TOP
    y_per_unit = plot / (scale.high - scale.low)
    offset = step / 2 - series.start
    previous = None
    at = (0, 0)  # the last point drawn, in tenths
    for bucket, total, count, _, _ in points:
        px = min(max(x_origin + (bucket + offset) * x_per_second, x_low), x_high)
        py = floor - min(max((total / count - scale.low) * y_per_unit, 0.0), plot)
        here = (round(px), round(py))
        if previous is not None and bucket - previous <= limit:
            dx, dy = here[0] - at[0], here[1] - at[1]
            parts.append(f"l{dx}{'' if dy < 0 else ' '}{dy}")
        else:
            parts.append(f"M{here[0]} {here[1]}h0")
        previous, at = bucket, here
    return "".join(parts)


def summary_text(series: Series, metric: Metric, zone_name: str, lang: str) -> str:
    """What a screen reader hears after the title: the figures of the window."""
    summary = series.summary()
    if summary is None:
        return gettext("No data yet")
    return gettext(
        "Latest: %(latest)s at %(time)s. %(window)s: minimum %(minimum)s, "
        "average %(average)s, maximum %(maximum)s.",
        latest=format_value(summary.latest.average, metric, lang),
        time=zones.when(summary.latest.at, zone_name, lang),
        window=window_title(series.window),
        minimum=format_value(summary.minimum, metric, lang),
        average=format_value(summary.average, metric, lang),
        maximum=format_value(summary.maximum, metric, lang),
    )


def render_chart(
    metric: Metric, series: Series, *, zone_name: str, lang: str, rtl: bool = False
) -> Markup:
    """`series` of `metric` as one inline `<svg>`, its texts escaped."""
    ident = escape(f"chart-{metric.id}-{series.window.key}")
    title = gettext("%(name)s, %(window)s", name=metric.name, window=window_title(series.window))
    desc = summary_text(series, metric, zone_name, lang)
    scale = value_scale(series, metric) if series.points else None
    labels = [format_value(t, metric, lang) for t in scale.ticks] if scale else []
    axis = 0 if metric.y_axis_hidden or not labels else 12 + CHAR * max(map(len, labels))
    axis = min(axis, WIDTH // 3)  # a label of absurd figures may overflow, the plot stays
    left, right = (EDGE, WIDTH - axis) if rtl else (axis, WIDTH - EDGE)
    direction = "rtl" if rtl else "ltr"  # the chart's text, whatever the page around it
    span = series.end - series.start

    def x(at: float) -> float:
        share = min(max((at - series.start) / span, 0.0), 1.0)
        return right - share * (right - left) if rtl else left + share * (right - left)

    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" direction="{direction}" '
        f'aria-labelledby="{ident}-title {ident}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
    ]
    if not series.points:
        out.append(
            f'<text class="chart-empty" x="{WIDTH // 2}" y="{HEIGHT // 2}" '
            f'text-anchor="middle">{escape(gettext("No data yet"))}</text></svg>'
        )
        return Markup("".join(out))  # noqa: S704 - every text in it passed escape()
    if scale is None:  # pragma: no cover - series.points is not empty here
        raise AssertionError("a scale for a series with points")
    out.append('<g class="chart-grid" aria-hidden="true">')
    for tick in scale.ticks:
        ty = _num(scale.y(tick))
        out.append(f'<line x1="{left}" x2="{right}" y1="{ty}" y2="{ty}"/>')
    out.append("</g>")
    if not metric.y_axis_hidden:
        # "end" is where a line of text ends: its right in left-to-right text, its left in
        # right-to-left text (SVG 2, text-anchor), so each label ends at the plot's edge.
        lx = right + 6 if rtl else left - 6
        out.append('<g class="chart-axis" aria-hidden="true" text-anchor="end">')
        for tick, label in zip(scale.ticks, labels, strict=True):
            out.append(f'<text x="{lx}" y="{_num(scale.y(tick) + 4)}">{escape(label)}</text>')
        out.append("</g>")
    out.append('<g class="chart-axis" aria-hidden="true" text-anchor="middle">')
    for at, label in time_ticks(series.window, series.start, series.end, zone_name, lang):
        tx = x(at)
        # A label at the very edge is anchored inside it, so it is never cut off: it ends at
        # the edge on the side the text runs towards.
        anchor = "middle"
        if tx > WIDTH - 40:
            anchor = "start" if rtl else "end"
        elif tx < 40:
            anchor = "end" if rtl else "start"
        out.append(
            f'<line class="chart-tick" x1="{_num(tx)}" x2="{_num(tx)}" y1="{HEIGHT - BOTTOM}" '
            f'y2="{HEIGHT - BOTTOM + 4}"/><text x="{_num(tx)}" y="{HEIGHT - 8}" '
            f'text-anchor="{anchor}">{escape(label)}</text>'
        )
    out.append("</g>")
    out.append(
        # How the line is stroked is in herald.css (.chart-line): said once, not per chart.
        f'<path class="chart-line" d="{_line(series, left, right, rtl, scale)}"/></svg>'
    )
    return Markup("".join(out))  # noqa: S704 - every text in it passed escape()


def table_rows(series: Series) -> list[Point]:
    """The table fallback's rows: the series merged into the window's coarser table step
    (hours for the day, six hours for the week, days for the month), newest first."""
    return list(reversed(merged(series.points, series.window.table_step)))
