"""The embeddable widget: a script and its stylesheet for other sites, and an iframe page.

All three are public snapshots. The script reads `summary.json` beside it (CORS) and finds
everything relative to its own URL, so it works from the live app and from a static export.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import render_template
from flask_babel import gettext as _

from statuspage.audience.visibility import PUBLIC
from statuspage.components.catalog import list_components
from statuspage.components.status import description_labels, overall_status
from statuspage.i18n import direction
from statuspage.i18n.web import current_language
from statuspage.incidents import queries
from statuspage.models import IncidentStatus
from statuspage.public.caching import snapshotted
from statuspage.public.context import current_page, public_viewer
from statuspage.public.cors import CORS

ASSETS = Path(__file__).parent / "embed_assets"
HTML = "text/html; charset=utf-8"


WORDS_SLOT = b"/*WORDS*/{}"


def widget_words() -> dict[str, object]:
    """The script's fixed words in the language in force (the URL's `?lang=`, else the
    page's), so the script itself holds no English the reader cannot read."""
    lang = current_language()
    return {
        "lang": lang,
        "dir": direction(lang),
        "descriptions": description_labels(),
        "statuses": {status.value: status.label for status in IncidentStatus},
        "unknown": _("Status unknown"),
        "unavailable": _("Status unavailable: open the status page"),
    }


@snapshotted(headers=CORS)  # CORS too, so a host page may pin it with integrity="..."
def script() -> tuple[bytes, str]:
    # ASCII JSON: no character that could end a JS string or line (U+2028) reaches the source.
    words = json.dumps(widget_words(), ensure_ascii=True).encode()
    source = (ASSETS / "status.js").read_bytes().replace(WORDS_SLOT, words, 1)
    return source, "text/javascript; charset=utf-8"


@snapshotted(headers=CORS)
def stylesheet() -> tuple[bytes, str]:
    return (ASSETS / "status.css").read_bytes(), "text/css; charset=utf-8"


@snapshotted
def frame() -> tuple[str, str]:
    """The widget as a page of its own, for sites that frame it instead of running a script."""
    viewer = public_viewer()
    unresolved = queries.unresolved_incidents(viewer)
    active = queries.active_maintenances(viewer)
    status = overall_status(list_components(PUBLIC), unresolved, active)
    return (
        render_template(
            "public/embed.html",
            page=current_page(),
            status=status,
            indicator="maintenance" if status.under_maintenance else status.indicator,
            current=unresolved + active,
        ),
        HTML,
    )
