"""sitemap.xml: the public pages a search engine may index, from the public snapshot.

Built for the anonymous public (audience.PUBLIC) whoever asks: a private incident's page
is never listed, and its existence is not hinted at.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from statuspage.audience.visibility import PUBLIC
from statuspage.clock import utcnow
from statuspage.incidents import queries
from statuspage.public.caching import snapshotted
from statuspage.public.context import base_url
from statuspage.public.pages import recent_months

XML = "application/xml; charset=utf-8"


def page_paths() -> list[str]:
    """The public HTML pages: the status page, history, maintenance, each month, each incident."""
    paths = ["/", "/history", "/maintenance"]
    months = {*recent_months(utcnow().date()), *queries.months_with_incidents(PUBLIC)}
    paths += [f"/history/{m.year}/{m.month}" for m in sorted(months, reverse=True)]
    paths += [f"/incidents/{i}" for i in sorted(queries.visible_ids(PUBLIC))]
    return paths


@snapshotted
def sitemap() -> tuple[str, str]:
    url = base_url()
    entries = "".join(f"<url><loc>{escape(url + path)}</loc></url>" for path in page_paths())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>\n',
        XML,
    )
