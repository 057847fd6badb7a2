"""The zone and language each admin request is read in: the signed-in staff member's own
(their profile), else the page's zone and English.

Set before every admin view, so the `when`/`clock_time`/`day` filters, the time fields
(admin/forms/fields.py) and gettext all answer for the person reading, with no view passing
a zone along.
"""

from __future__ import annotations

from datetime import datetime

from flask import g
from flask_babel import gettext as _
from flask_login import current_user

from statuspage.i18n import DEFAULT_LANGUAGE, LANGUAGES, zones
from statuspage.i18n.web import current_language, current_zone
from statuspage.i18n.zones import is_zone

# Names of UTC itself: labels say "UTC" rather than "Etc/UTC".
UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "Etc/Zulu", "Etc/GMT", "GMT", "Zulu", "UCT"})


def read_as_staff() -> None:
    """Before every admin request: the signed-in staff member's zone (None: the page's, as
    `current_zone` falls back) and language (else English: the admin's catalog is complete
    in English only)."""
    user = current_user if current_user.is_authenticated else None
    zone = getattr(user, "time_zone", None)
    language = getattr(user, "language", None)
    g.herald_zone = zone if is_zone(zone) else None
    g.herald_lang = language if language in LANGUAGES else DEFAULT_LANGUAGE


def zone_title(name: str | None = None) -> str:
    """How a label names a zone (the one in force by default): its IANA name, "UTC" for UTC."""
    name = name or current_zone()
    return "UTC" if name in UTC_NAMES else name


def in_two_zones(at: datetime | None, zone_name: str | None) -> str:
    """`at` on another clock (a regulator's), then on the reader's when it reads differently:
    "6 Dec 2026, 13:18 GMT+8 (06:18 CET your time)"; the reader's date too when it differs."""
    if at is None:
        return ""
    lang = current_language()
    there = zones.when(at, zone_name, lang)
    mine = current_zone()
    here_local, there_local = zones.utc_to_local(at, mine), zones.utc_to_local(at, zone_name)
    if here_local == there_local:
        return there
    if here_local.date() == there_local.date():
        here = zones.clock_time(at, mine, lang)
    else:
        here = zones.when(at, mine, lang)
    return _("%(time)s (%(local)s your time)", time=there, local=here)
