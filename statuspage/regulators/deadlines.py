"""The deadline engine: when a regulatory obligation falls due. Pure functions, no database.

Units, each counted the way the regulations count them:

- calendar hours: absolute time. 72 hours are 72 hours even when a DST change falls inside
  them (the wall clock may show 71 or 73 hours later).
- calendar days and months: on the regulator's wall clock, in its timezone, so "3 days after"
  keeps the local time of day across a DST change; a month after 31 January is the last day of
  February (the day is clamped to the month's end).
- business days: in the regulator's timezone, skipping Saturdays, Sundays and that
  jurisdiction's public holidays (the `holidays` package); a trigger on a weekend or holiday
  starts counting from the next business day. The deadline keeps the trigger's local time of
  day: conservative against "by the end of the Nth business day", and never later than it.

A rule may hold several bounds ("4 hours after classification and no later than 24 hours
after awareness"): the obligation is due at the earliest bound whose trigger is known. A bound
whose trigger has not been recorded yet cannot be counted, but the others still bind, so an
obligation waits for its trigger only when none of its bounds can be counted.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import holidays

from statuspage.models.regulators import Unit


class State(StrEnum):
    """Where an obligation stands at a moment."""

    waiting = "waiting"  # no trigger of its rule recorded yet
    due = "due"  # due in the future, not sent
    overdue = "overdue"  # past due, not sent
    sent = "sent"
    acknowledged = "acknowledged"

    @property
    def label(self) -> str:
        return "waiting for trigger" if self is State.waiting else self.value


@dataclass(frozen=True)
class Jurisdiction:
    """Where a regulator counts its days: its timezone and its holidays' country/subdivision."""

    timezone: str = "UTC"
    country: str | None = None  # ISO 3166-1 alpha-2, as the holidays package names it
    subdivision: str | None = None  # e.g. "ENG" for England's bank holidays

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_business_day(self, day: date) -> bool:
        if day.weekday() >= 5:
            return False
        return self.country is None or day not in _holidays(self.country, self.subdivision)


@functools.cache
def _holidays(country: str, subdivision: str | None) -> holidays.HolidayBase:
    # Years are filled in lazily by the package as dates are looked up.
    return holidays.country_holidays(country, subdiv=subdivision)


@dataclass(frozen=True)
class Bound:
    """One bound of a rule: `amount` `unit` after the time named `trigger`.

    `trigger` is a key of the times mapping given to `due_at`: a trigger kind ("awareness")
    or, for a chained deadline, the key of the earlier report whose submission starts it.
    """

    trigger: str
    amount: int
    unit: Unit


def _add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _add_business_days(local: datetime, days: int, where: Jurisdiction) -> datetime:
    day, counted = local.date(), 0
    while counted < days:
        day += timedelta(days=1)
        if where.is_business_day(day):
            counted += 1
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=local.tzinfo)


def add(start: datetime, amount: int, unit: Unit, where: Jurisdiction) -> datetime:
    """`start` + `amount` `unit`, counted in `where`; returned in UTC."""
    if start.tzinfo is None:
        raise ValueError("deadlines are counted from aware times only")
    if unit is Unit.hours:
        # In UTC: Python adds to an aware local time on its wall clock, which DST would skew.
        return start.astimezone(UTC) + timedelta(hours=amount)
    local = start.astimezone(where.zone).replace(tzinfo=None)  # wall clock, no fold games
    if unit is Unit.days:
        local += timedelta(days=amount)
    elif unit is Unit.months:
        local = _add_months(local, amount)
    else:
        local = _add_business_days(local, amount, where)
    # A wall time that does not exist (skipped by DST) resolves forward, as zoneinfo does.
    return local.replace(tzinfo=where.zone).astimezone(UTC)


def due_at(
    bounds: Iterable[Bound], times: Mapping[str, datetime | None], where: Jurisdiction
) -> datetime | None:
    """The earliest deadline among the bounds whose trigger time is known; None if none is."""
    dues = [
        add(start, bound.amount, bound.unit, where)
        for bound in bounds
        if (start := times.get(bound.trigger)) is not None
    ]
    return min(dues, default=None)


def state(
    due: datetime | None,
    now: datetime,
    *,
    sent_at: datetime | None = None,
    acknowledged_at: datetime | None = None,
) -> State:
    if acknowledged_at is not None:
        return State.acknowledged
    if sent_at is not None:
        return State.sent
    if due is None:
        return State.waiting
    return State.overdue if now >= due else State.due


def is_late(due: datetime | None, submitted_at: datetime) -> bool:
    """Whether a submission at `submitted_at` missed its deadline (one not yet known cannot be
    missed)."""
    return due is not None and submitted_at > due


def describe(delta: timedelta) -> str:
    """A countdown in words: "2 d 3 h", "45 min"; for the board."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"
