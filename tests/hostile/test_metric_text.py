"""Metric names, suffixes and descriptions are typed by users (the metrics API, the admin):
whatever a row holds, the status page, its charts and the export answer, and nothing in
them becomes markup. Rows are written by hand, so text the rule refuses is here too."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

from flask import Flask

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.page.state import ensure_page
from statuspage.public.export import export_site
from tests.hostile.control_corpus import COMPACT, INJECTION
from tests.unit.system_metrics.metric_rows import make_metric, push

MARKUP = "</svg></desc><script>alert(1)</script><img src=x onerror=alert(2)>"
# NUL is left out: PostgreSQL never keeps one, and the rule refuses it at every entry point.
NAMES = [MARKUP, INJECTION, *(s.value for s in COMPACT if "\x00" not in s.value)]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def _tags(html: str) -> list[str]:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def test_any_metric_text_renders_escaped_on_the_page_and_in_the_export(
    app: Flask, client, tmp_path: Path
):
    ensure_page("Acme Status")
    now = utcnow()
    for position, name in enumerate(NAMES):
        metric = make_metric(name, suffix=MARKUP[:40], tooltip_description=name, position=position)
        push(metric, [(now - timedelta(minutes=m), float(m)) for m in range(0, 30, 5)])
    db.session.commit()
    for lang in ("en", "ar"):
        response = client.get(f"/?lang={lang}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        tags = _tags(html)
        assert tags.count("script") == 1  # herald.js, the page's one script
        assert "img" not in tags
        assert "<script>alert" not in html
        assert len(re.findall(r'<svg class="chart"', html)) == 3 * len(NAMES)
    export_site(app, tmp_path / "site")
    exported = (tmp_path / "site" / "index.html").read_text()
    assert "<script>alert" not in exported
    assert len(re.findall(r'<svg class="chart"', exported)) == 3 * len(NAMES)
