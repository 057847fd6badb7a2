"""Shields-style SVG status badges, for the page and for each component, served from snapshots."""

from __future__ import annotations

import math
import unicodedata
from html import escape

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from statuspage.audience.visibility import PUBLIC
from statuspage.components.catalog import visible_component
from statuspage.components.status import PageStatus, current_status
from statuspage.models import ComponentStatus
from statuspage.public.caching import snapshotted
from statuspage.public.context import public_viewer
from statuspage.public.cors import CORS

SVG = "image/svg+xml; charset=utf-8"

# The status page's palette (static/css/herald.css): white text on each meets WCAG AA,
# which shields' bright green and yellow do not.
GREEN, YELLOW, ORANGE, RED, BLUE = "#1e7b34", "#8a6100", "#b34700", "#b3261e", "#1f5fbf"
LABEL_GREY = "#555"

# Lower case, as shields' badges read; lazy: in the badge URL's language (`?lang=`), else the
# page's.
_COMPONENT = {
    ComponentStatus.operational: (_l("operational"), GREEN),
    ComponentStatus.degraded_performance: (_l("degraded performance"), YELLOW),
    ComponentStatus.partial_outage: (_l("partial outage"), ORANGE),
    ComponentStatus.major_outage: (_l("major outage"), RED),
    ComponentStatus.under_maintenance: (_l("under maintenance"), BLUE),
}
# Worded like the page's own descriptions (Minor Service Outage, Partial System Outage, ...).
_INDICATOR = {
    "none": (_l("operational"), GREEN),
    "minor": (_l("minor outage"), YELLOW),
    "major": (_l("partial outage"), ORANGE),
    "critical": (_l("major outage"), RED),
}
_UNDER_MAINTENANCE = _l("under maintenance")

# Approximate advance widths of Verdana at 11px, as shields measures: the badge is sized from
# the text, and textLength makes any fallback font fit that size.
_WIDTHS = dict(
    zip(
        " !\"#$%&'()*+,-./0123456789:;<=>?@"
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
        [
            3.9, 4.3, 5.1, 9.0, 7.0, 11.8, 8.0, 3.0, 5.0, 5.0, 7.0, 9.0, 4.0, 5.0, 4.0, 5.0,
            7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 5.0, 5.0, 9.0, 9.0, 9.0, 6.0, 11.0,
            7.5, 7.5, 7.7, 8.5, 7.0, 6.3, 8.5, 8.3, 4.6, 5.0, 7.6, 6.1, 9.3, 8.2, 8.7, 6.6,
            8.7, 7.7, 7.5, 6.8, 8.1, 7.5, 10.9, 7.5, 6.8, 7.5, 5.0, 5.0, 5.0, 9.0, 7.0, 7.0,
            6.6, 6.8, 5.7, 6.8, 6.6, 3.9, 6.8, 7.0, 3.0, 3.8, 6.5, 3.0, 10.7, 7.0, 6.7, 6.8,
            6.8, 4.7, 5.7, 4.3, 7.0, 6.5, 9.0, 6.5, 6.5, 5.7, 7.0, 5.0, 7.0, 9.0,
        ],
        strict=True,
    )
)  # fmt: skip
_FULL_WIDTH = 11.0  # CJK and other wide characters: one em
_OTHER = 8.0  # any other letter, symbol or emoji: a little wider than the average
_PADDING = 10  # 5px either side of each text, as shields


def _char_width(char: str) -> float:
    known = _WIDTHS.get(char)
    if known is not None:
        return known
    base = unicodedata.normalize("NFD", char)[0]  # ü -> u, É -> E
    if base in _WIDTHS:
        return _WIDTHS[base]
    return _FULL_WIDTH if unicodedata.east_asian_width(char) in "WF" else _OTHER


def text_width(text: str) -> float:
    """The approximate rendered width of `text` in pixels (Verdana 11px)."""
    return sum(_char_width(char) for char in text)


def page_badge_text(status: PageStatus) -> tuple[str, str]:
    """(message, colour) for the page's overall status."""
    if status.under_maintenance:
        return str(_UNDER_MAINTENANCE), BLUE
    message, colour = _INDICATOR[status.indicator]
    return str(message), colour


def component_badge_text(status: ComponentStatus) -> tuple[str, str]:
    """(message, colour) for one component's status."""
    message, colour = _COMPONENT[status]
    return str(message), colour


def badge_svg(label: str, message: str, colour: str) -> str:
    """A flat shields-style badge: grey label on the left, coloured message on the right.

    Only presentation attributes, no style element or attribute: a strict CSP allows it.
    """
    label_width = math.ceil(text_width(label)) + _PADDING
    message_width = math.ceil(text_width(message)) + _PADDING
    width = label_width + message_width
    title = escape(f"{label}: {message}")
    label_text, message_text = escape(label), escape(message)
    # Text is drawn at 10x and scaled down, as shields does, for sub-pixel placement.
    label_x, message_x = label_width * 5, label_width * 10 + message_width * 5
    label_length = (label_width - _PADDING) * 10
    message_length = (message_width - _PADDING) * 10
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{title}"><title>{title}</title>'
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" '
        'stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{label_width}" height="20" fill="{LABEL_GREY}"/>'
        f'<rect x="{label_width}" width="{message_width}" height="20" fill="{colour}"/>'
        f'<rect width="{width}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" '
        'text-rendering="geometricPrecision" font-size="110">'
        f'<text aria-hidden="true" x="{label_x}" y="150" fill="#010101" fill-opacity=".3" '
        f'transform="scale(.1)" textLength="{label_length}">{label_text}</text>'
        f'<text x="{label_x}" y="140" transform="scale(.1)" fill="#fff" '
        f'textLength="{label_length}">{label_text}</text>'
        f'<text aria-hidden="true" x="{message_x}" y="150" fill="#010101" fill-opacity=".3" '
        f'transform="scale(.1)" textLength="{message_length}">{message_text}</text>'
        f'<text x="{message_x}" y="140" transform="scale(.1)" fill="#fff" '
        f'textLength="{message_length}">{message_text}</text></g></svg>'
    )


@snapshotted(headers=CORS)
def page_badge() -> tuple[str, str]:
    status = current_status(public_viewer())
    return badge_svg(_("status"), *page_badge_text(status)), SVG


@snapshotted(headers=CORS)
def component_badge(component_id: str) -> tuple[str, str]:
    component = visible_component(PUBLIC, component_id)
    if component is None:
        abort(404)  # badges are public: a private component has none, as a made-up id
    return badge_svg(component.name, *component_badge_text(component.status)), SVG
