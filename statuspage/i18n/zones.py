"""Time zones and times as a reader reads them: in their language, in their zone, zone named.

Herald stores UTC. A time shown to a person goes through `when` (or `clock_time` for a time
of day), which formats it with Babel in the reader's language and zone and always names the
zone: "Dec 6, 2026, 1:18 PM GMT+8", "2026/12/06 14:18 JST". Flask-free.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_date, format_datetime, format_time, get_datetime_format

from statuspage.i18n import DEFAULT_LANGUAGE

DEFAULT_ZONE = "Etc/UTC"


@functools.cache
def zone_names() -> frozenset[str]:
    """Every IANA zone name this machine (or the tzdata package) knows."""
    return frozenset(available_timezones())


def is_zone(name: object) -> bool:
    return isinstance(name, str) and name in zone_names()


@functools.lru_cache(maxsize=256)
def zone(name: str | None) -> ZoneInfo:
    """The zone `name`, or UTC for an empty or unknown name (a stored zone is checked when
    it is stored; this only keeps a stale one from breaking a page or a message)."""
    try:
        return ZoneInfo(name) if name and is_zone(name) else ZoneInfo(DEFAULT_ZONE)
    except ZoneInfoNotFoundError:
        return ZoneInfo(DEFAULT_ZONE)


def zone_label(at: datetime, zone_name: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The zone's short name at `at` as a reader of `lang` knows it: the language's own
    abbreviation where CLDR has one ("MEZ" in German), else the zone's usual one ("JST",
    "CET", "EST", "UTC"), else the localized offset ("GMT+08:00": Singapore has no letters)."""
    tz = zone(zone_name)
    label = format_datetime(at, "z", tzinfo=tz, locale=lang)
    if label[:1] not in "+-":
        return label
    usual = at.astimezone(tz).tzname() or ""
    if usual.isalpha() and usual.isupper():
        return usual
    return format_datetime(at, "OOOO", tzinfo=tz, locale=lang)


def when(
    at: datetime | None, zone_name: str | None, lang: str = DEFAULT_LANGUAGE, *, named: bool = True
) -> str:
    """`at` as a date and time of day in `zone_name`, in `lang`, the zone named."""
    if at is None:
        return ""
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    tz = zone(zone_name)
    local = at.astimezone(tz)
    day = format_date(local, "medium", locale=lang)
    clock = format_time(local, "short", tzinfo=tz, locale=lang)
    text = get_datetime_format("medium", locale=lang).format(clock, day)
    return f"{text} {zone_label(at, zone_name, lang)}" if named else text


def clock_time(at: datetime | None, zone_name: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """`at` as a time of day in `zone_name`, in `lang`, the zone named: "1:18 PM GMT+8"."""
    if at is None:
        return ""
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    tz = zone(zone_name)
    return f"{format_time(at, 'short', tzinfo=tz, locale=lang)} {zone_label(at, zone_name, lang)}"


def day(at: datetime | None, zone_name: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """`at`'s date in `zone_name`, in `lang`: "Dec 6, 2026"."""
    if at is None:
        return ""
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return format_date(at.astimezone(zone(zone_name)), "medium", locale=lang)


def local_to_utc(naive: datetime, zone_name: str | None) -> datetime:
    """A wall-clock time typed in `zone_name` as UTC. A time skipped by a DST change
    resolves forward, an ambiguous one to its first occurrence (fold=0), as zoneinfo does."""
    return naive.replace(tzinfo=zone(zone_name)).astimezone(UTC)


def utc_to_local(at: datetime, zone_name: str | None) -> datetime:
    """`at` on `zone_name`'s wall clock, without tzinfo: what a datetime-local field shows."""
    return at.astimezone(zone(zone_name)).replace(tzinfo=None)
