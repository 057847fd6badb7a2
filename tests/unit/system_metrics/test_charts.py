"""Charts drawn as SVG on the server: figures a screen reader gets, gaps left as gaps, axes
in the metric's units and the page's zone and language, mirrored for right-to-left, every
text escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from babel.numbers import format_decimal
from flask_babel import force_locale

from statuspage.models import Metric
from statuspage.system_metrics.charts import (
    format_value,
    gap_limit,
    render_chart,
    table_rows,
    time_ticks,
    value_scale,
)
from statuspage.system_metrics.series import Point, Series, Window
from tests.hostile.control_corpus import COMPACT, FULL

SVG = "{http://www.w3.org/2000/svg}"
NOW = datetime(2026, 12, 7, 12, 2, 30, tzinfo=UTC)


def _metric(**fields) -> Metric:
    values = {"id": "m1", "name": "API latency", "suffix": "ms", "decimal_places": 0}
    values.update(fields)
    return Metric(**values)


def _series(window: Window, values: dict[int, float]) -> Series:
    """`values` by bucket index back from the newest (0 = the bucket NOW is in)."""
    start, end = window.bounds(NOW)
    newest = end - 1 - (end - 1) % window.resolution
    points = [
        Point(newest - back * window.resolution, v, 1, v, v)
        for back, v in sorted(values.items(), reverse=True)
    ]
    return Series(window, start, end, tuple(points))


def _svg(chart: str) -> ET.Element:
    """The chart parsed as XML: well-formed, one root."""
    return ET.fromstring(chart)  # noqa: S314 - our own output


def _paths(root: ET.Element) -> list[str]:
    return [p.get("d") for p in root.iter(f"{SVG}path")]


def _runs(path: str) -> list[list[tuple[float, float]]]:
    """The path's subpaths as absolute points: "M x y h0" starts one, "l dx dy" goes on."""
    runs: list[list[tuple[float, float]]] = []
    for command, numbers in re.findall(r"([Mlh])([^Mlh]*)", path):
        values = [float(n) for n in re.findall(r"-?(?:\d+\.?\d*|\.\d+)", numbers)]
        if command == "M":
            runs.append([(values[0], values[1])])
        elif command == "l":
            x, y = runs[-1][-1]
            runs[-1].append((x + values[0], y + values[1]))
        else:
            assert values == [0.0]  # the zero-length step a lone point is drawn with
    return runs


def _texts(root: ET.Element, cls: str = "chart-axis") -> list[str]:
    return [
        t.text for g in root.iter(f"{SVG}g") if g.get("class") == cls for t in g.iter(f"{SVG}text")
    ]


def test_the_title_and_description_give_a_screen_reader_the_figures():
    series = _series(Window.day, {0: 120.0, 1: 80.0, 2: 100.0})
    root = _svg(render_chart(_metric(), series, zone_name="Etc/UTC", lang="en"))
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    # The accessible name and description come from the elements aria-labelledby names
    # (WAI-ARIA 1.2, "aria-labelledby"; SVG-AAM maps <title> and <desc> the same way).
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    assert title.text == "API latency, Past 24 hours"
    assert desc.text == (
        "Latest: 120 ms at Dec 7, 2026, 12:00\u202fPM UTC. Past 24 hours: minimum 80 ms, "
        "average 100 ms, maximum 120 ms."
    )


def test_a_missing_bucket_breaks_the_line():
    # Buckets 0-2 and 5-6 have data; 3 and 4 have none: two runs, two subpaths.
    series = _series(Window.day, {0: 1.0, 1: 2.0, 2: 3.0, 5: 4.0, 6: 5.0})
    (path,) = _paths(_svg(render_chart(_metric(), series, zone_name="Etc/UTC", lang="en")))
    assert [len(run) for run in _runs(path)] == [2, 3]  # oldest first; no step across the gap


def test_a_lone_point_is_drawn_as_a_dot():
    series = _series(Window.week, {0: 1.0, 1: 2.0, 2: 3.0, 3: 4.0, 6: 5.0})
    (path,) = _paths(_svg(render_chart(_metric(), series, zone_name="Etc/UTC", lang="en")))
    assert [len(run) for run in _runs(path)] == [1, 4]
    assert re.match(r"M[\d.]+ [\d.]+h0M", path)  # the lone point: a zero-length subpath


def test_data_sent_less_often_than_the_buckets_is_one_line():
    # Every other bucket (data every 10 minutes in 5-minute buckets) is the data's rhythm.
    series = _series(Window.day, {back: 1.0 for back in range(0, 40, 2)})
    assert gap_limit(series) == 900
    (path,) = _paths(_svg(render_chart(_metric(), series, zone_name="Etc/UTC", lang="en")))
    assert [len(run) for run in _runs(path)] == [20]
    # In that rhythm, a missing hour is a gap.
    series = _series(Window.day, {back: 1.0 for back in [*range(0, 20, 2), *range(32, 50, 2)]})
    (path,) = _paths(_svg(render_chart(_metric(), series, zone_name="Etc/UTC", lang="en")))
    assert [len(run) for run in _runs(path)] == [9, 10]


def test_an_empty_series_says_no_data_yet():
    series = _series(Window.month, {})
    root = _svg(render_chart(_metric(), series, zone_name="Etc/UTC", lang="en"))
    assert root.find(f"{SVG}desc").text == "No data yet"
    assert [t.text for t in root.iter(f"{SVG}text")] == ["No data yet"]
    assert _paths(root) == []
    assert table_rows(series) == []


def test_value_ticks_carry_the_suffix_and_decimal_places_in_the_readers_language():
    series = _series(Window.day, {0: 1234.5, 1: 200.0})
    metric = _metric(suffix="ms", decimal_places=1)
    root = _svg(render_chart(metric, series, zone_name="Etc/UTC", lang="en"))
    assert _texts(root)[:4] == ["0.0 ms", "500.0 ms", "1,000.0 ms", "1,500.0 ms"]
    with force_locale("de"):
        root = _svg(render_chart(metric, series, zone_name="Etc/UTC", lang="de"))
    assert _texts(root)[:4] == ["0,0 ms", "500,0 ms", "1.000,0 ms", "1.500,0 ms"]
    assert format_value(99.456, _metric(suffix="%", decimal_places=2), "en") == "99.46%"


def test_the_axis_respects_y_axis_min_and_max_and_clamps_what_falls_outside():
    series = _series(Window.day, {0: 150.0, 1: 50.0, 2: 95.0})
    metric = _metric(y_axis_min=90.0, y_axis_max=100.0, suffix="%")
    scale = value_scale(series, metric)
    assert (scale.low, scale.high) == (90.0, 100.0)
    assert scale.ticks == (90.0, 95.0, 100.0)  # a round step within the owner's bounds
    (path,) = _paths(_svg(render_chart(metric, series, zone_name="Etc/UTC", lang="en")))
    ys = [y for run in _runs(path) for _, y in run]
    assert min(ys) == pytest.approx(scale.y(100.0))
    assert max(ys) == pytest.approx(scale.y(90.0))


def test_a_hidden_y_axis_shows_no_value_labels():
    series = _series(Window.day, {0: 1.0, 1: 2.0})
    root = _svg(render_chart(_metric(y_axis_hidden=True), series, zone_name="Etc/UTC", lang="en"))
    labels = _texts(root)
    assert labels
    assert all("ms" not in text for text in labels)
    shown = _svg(render_chart(_metric(), series, zone_name="Etc/UTC", lang="en"))
    assert any(text.endswith(" ms") for text in _texts(shown))


def test_time_ticks_fall_on_round_hours_of_the_pages_zone_in_the_readers_language():
    start, end = Window.day.bounds(NOW)
    # India is UTC+5:30: its round hours are half past a UTC hour. The window runs from
    # 17:37 yesterday to 17:32 today, India's time.
    ticks = time_ticks(Window.day, start, end, "Asia/Kolkata", "de")
    assert [label for _, label in ticks] == ["18:00", "00:00", "06:00", "12:00"]
    assert all(datetime.fromtimestamp(at, UTC).minute == 30 for at, _ in ticks)
    week = time_ticks(Window.week, *Window.week.bounds(NOW), "Etc/UTC", "en")
    assert [label for _, label in week] == [f"Dec {d}" for d in range(1, 8)]
    month = time_ticks(Window.month, *Window.month.bounds(NOW), "Etc/UTC", "fr")
    assert len(month) == 6
    assert all(" nov." in lbl or " déc." in lbl for _, lbl in month)


def test_right_to_left_mirrors_time_and_moves_the_value_axis_to_the_right():
    series = _series(Window.day, {0: 1.0, 10: 2.0})

    def xs(rtl: bool) -> tuple[list[float], float]:
        root = _svg(render_chart(_metric(), series, zone_name="Etc/UTC", lang="ar", rtl=rtl))
        (path,) = _paths(root)
        axis = next(g for g in root.iter(f"{SVG}g") if g.get("text-anchor") in ("start", "end"))
        label_x = float(next(axis.iter(f"{SVG}text")).get("x"))
        return [x for run in _runs(path) for x, _ in run], label_x

    (older, newer), ltr_axis = xs(False)
    assert older < newer
    assert ltr_axis < 100
    (older, newer), rtl_axis = xs(True)
    assert older > newer
    assert rtl_axis > 500


def test_the_table_merges_into_coarser_rows_newest_first():
    series = _series(Window.day, {back: float(back) for back in range(0, 30)})
    rows = table_rows(series)
    assert len(rows) <= 4  # 30 five-minute buckets cover at most 4 clock hours
    assert rows[0].bucket > rows[-1].bucket
    assert sum(r.count for r in rows) == 30
    assert sum(r.total for r in rows) == sum(range(30))


@pytest.mark.parametrize(
    "name",
    ["</svg><script>alert(1)</script>", "a & b \" ' <title>", "]]><!--", *[s.value for s in FULL]],
)
def test_every_text_is_escaped(name):
    metric = _metric(name=name, suffix="<b>ms</b>")
    chart = str(render_chart(metric, _series(Window.day, {0: 1.0}), zone_name="Etc/UTC", lang="en"))
    elements = _Elements()
    elements.feed(chart)
    elements.close()
    assert elements.tags == {"svg", "title", "desc", "g", "line", "text", "path"}
    assert "<script" not in chart
    assert "<b>" not in chart
    assert elements.title == f"{name}, Past 24 hours"


@pytest.mark.parametrize("sample", [s for s in COMPACT if s.refused == "never"] + FULL[4:5])
def test_text_a_name_may_hold_stays_well_formed_svg(sample):
    chart = render_chart(
        _metric(name=sample.value), _series(Window.day, {0: 1.0}), zone_name="Etc/UTC", lang="en"
    )
    assert _svg(chart).find(f"{SVG}title").text == f"{sample.value}, Past 24 hours"


class _Elements(HTMLParser):
    """The tags a browser's HTML parser would build from the chart, and its title's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


@pytest.mark.parametrize("lang", ["en", "de", "fr", "es", "ja", "ar"])
def test_numbers_are_written_with_the_languages_symbols_as_babel_writes_them(lang):
    # Values that are no rounding tie, so the two ways of rounding agree.
    for value in (0.0, 3.0, 1234.56, -987654.321, 12.3456, 1e7 + 0.26):
        for places in (0, 2):
            pattern = "#,##0" + ("." + "0" * places if places else "")
            expected = format_decimal(value, format=pattern, locale=lang)
            assert format_value(value, _metric(suffix="", decimal_places=places), lang) == expected


def test_absurd_figures_still_leave_a_plot():
    series = _series(Window.day, {0: 1e300, 1: -1e300})
    root = _svg(render_chart(_metric(), series, zone_name="Etc/UTC", lang="en"))
    grid = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-grid")
    line = next(grid.iter(f"{SVG}line"))
    assert float(line.get("x2")) - float(line.get("x1")) >= 380  # two thirds of the width
    (path,) = _paths(root)
    assert [len(run) for run in _runs(path)] == [2]
