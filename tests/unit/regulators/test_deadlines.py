"""The deadline engine (statuspage/regulators/deadlines.py): every unit, in its jurisdiction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from statuspage.models import Unit
from statuspage.regulators import deadlines
from statuspage.regulators.deadlines import Bound, Jurisdiction, State, add, due_at

UTC_ONLY = Jurisdiction()
LONDON = Jurisdiction("Europe/London", "GB", "ENG")
NEW_YORK = Jurisdiction("America/New_York", "US")
BRUSSELS = Jurisdiction("Europe/Brussels")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


def test_calendar_hours_cross_midnight() -> None:
    assert add(utc(2026, 3, 10, 22, 30), 6, Unit.hours, UTC_ONLY) == utc(2026, 3, 11, 4, 30)
    assert add(utc(2026, 12, 31, 23, 0), 72, Unit.hours, UTC_ONLY) == utc(2027, 1, 3, 23, 0)


def test_calendar_hours_are_absolute_across_a_dst_change() -> None:
    # London springs forward at 01:00 UTC on 29 March 2026: 24 hours later the wall clock
    # shows 25 hours on, yet exactly 24 hours have passed.
    start = local("Europe/London", 2026, 3, 28, 12, 0)  # GMT, 12:00 UTC
    due = add(start, 24, Unit.hours, LONDON)
    assert due == utc(2026, 3, 29, 12, 0)
    assert due.astimezone(ZoneInfo("Europe/London")).hour == 13
    assert due - start == timedelta(hours=24)
    # ... and falls back on 25 October 2026: 72 hours stay 72 hours.
    autumn = local("Europe/London", 2026, 10, 24, 9, 0)  # BST, 08:00 UTC
    assert add(autumn, 72, Unit.hours, LONDON) == utc(2026, 10, 27, 8, 0)


def test_calendar_days_keep_the_local_time_across_a_dst_change() -> None:
    start = local("Europe/London", 2026, 3, 28, 12, 0)
    due = add(start, 3, Unit.days, LONDON)
    assert due == local("Europe/London", 2026, 3, 31, 12, 0)  # BST by then
    assert due == utc(2026, 3, 31, 11, 0)  # 71 hours of absolute time


def test_a_wall_time_skipped_by_dst_resolves_forward() -> None:
    # 01:30 on 29 March 2026 does not exist in London.
    start = local("Europe/London", 2026, 3, 28, 1, 30)
    assert add(start, 1, Unit.days, LONDON) == utc(2026, 3, 29, 1, 30)


def test_business_days_skip_the_weekend() -> None:
    friday = local("America/New_York", 2026, 3, 13, 15, 0)
    due = add(friday, 4, Unit.business_days, NEW_YORK)
    assert due == local("America/New_York", 2026, 3, 19, 15, 0)  # Thursday


def test_business_days_counted_from_a_saturday_start_on_monday() -> None:
    saturday = local("America/New_York", 2026, 3, 14, 10, 0)
    assert add(saturday, 1, Unit.business_days, NEW_YORK) == local(
        "America/New_York", 2026, 3, 16, 10, 0
    )


def test_sec_business_days_skip_a_us_federal_holiday() -> None:
    # Thanksgiving, Thursday 26 November 2026, is a federal holiday: materiality determined
    # on Tuesday 24th, the 8-K is due four business days later on Tuesday 1 December.
    tuesday = local("America/New_York", 2026, 11, 24, 11, 0)
    due = add(tuesday, 4, Unit.business_days, NEW_YORK)
    assert due == local("America/New_York", 2026, 12, 1, 11, 0)
    # Without the holiday calendar it would be Monday 30th.
    assert add(tuesday, 4, Unit.business_days, Jurisdiction("America/New_York")) == local(
        "America/New_York", 2026, 11, 30, 11, 0
    )


def test_business_days_skip_a_uk_bank_holiday_and_easter() -> None:
    # Good Friday 3 April and Easter Monday 6 April 2026 are English bank holidays.
    thursday = local("Europe/London", 2026, 4, 2, 9, 0)
    assert add(thursday, 2, Unit.business_days, LONDON) == local("Europe/London", 2026, 4, 8, 9, 0)
    # The late-summer bank holiday, Monday 31 August 2026.
    friday = local("Europe/London", 2026, 8, 28, 16, 0)
    assert add(friday, 1, Unit.business_days, LONDON) == local("Europe/London", 2026, 9, 1, 16, 0)


def test_business_days_across_christmas_with_observed_holidays() -> None:
    # 2026: Christmas Friday 25th, Boxing Day Saturday 26th observed Monday 28th.
    thursday = local("Europe/London", 2026, 12, 24, 10, 0)
    assert add(thursday, 1, Unit.business_days, LONDON) == local(
        "Europe/London", 2026, 12, 29, 10, 0
    )


def test_hipaa_sixty_calendar_days() -> None:
    discovery = local("America/New_York", 2026, 1, 15, 9, 0)
    due = add(discovery, 60, Unit.days, NEW_YORK)
    assert due == local("America/New_York", 2026, 3, 16, 9, 0)  # EDT by then: still 09:00


def test_months_at_month_ends() -> None:
    assert add(utc(2026, 1, 31, 10, 0), 1, Unit.months, UTC_ONLY) == utc(2026, 2, 28, 10, 0)
    assert add(utc(2028, 1, 31, 10, 0), 1, Unit.months, UTC_ONLY) == utc(2028, 2, 29, 10, 0)
    assert add(utc(2026, 12, 15, 10, 0), 1, Unit.months, UTC_ONLY) == utc(2027, 1, 15, 10, 0)
    assert add(utc(2026, 3, 31, 10, 0), 1, Unit.months, UTC_ONLY) == utc(2026, 4, 30, 10, 0)


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        add(datetime(2026, 1, 1), 1, Unit.hours, UTC_ONLY)  # noqa: DTZ001 - the point


DORA_INITIAL = [
    Bound("classification", 4, Unit.hours),
    Bound("awareness", 24, Unit.hours),
]


def test_dora_initial_is_the_earlier_of_its_bounds() -> None:
    aware = utc(2026, 6, 1, 8, 0)
    # Classified soon after awareness: 4 h after classification is earlier.
    times = {"awareness": aware, "classification": utc(2026, 6, 1, 10, 0)}
    assert due_at(DORA_INITIAL, times, BRUSSELS) == utc(2026, 6, 1, 14, 0)
    # Classified late: the 24 h after awareness still binds.
    times = {"awareness": aware, "classification": utc(2026, 6, 2, 6, 0)}
    assert due_at(DORA_INITIAL, times, BRUSSELS) == utc(2026, 6, 2, 8, 0)


def test_a_bound_with_its_trigger_known_binds_while_the_other_waits() -> None:
    times = {"awareness": utc(2026, 6, 1, 8, 0)}
    assert due_at(DORA_INITIAL, times, BRUSSELS) == utc(2026, 6, 2, 8, 0)
    assert due_at(DORA_INITIAL, {}, BRUSSELS) is None


def test_dora_chained_deadlines_run_from_the_actual_submissions() -> None:
    intermediate = [Bound("report:initial", 72, Unit.hours)]
    final = [Bound("report:intermediate", 1, Unit.months)]
    times: dict[str, datetime | None] = {"report:initial": None, "report:intermediate": None}
    assert due_at(intermediate, times, BRUSSELS) is None  # initial not sent yet
    times["report:initial"] = utc(2026, 6, 1, 13, 30)  # sent 30 min before its deadline
    assert due_at(intermediate, times, BRUSSELS) == utc(2026, 6, 4, 13, 30)
    assert due_at(final, times, BRUSSELS) is None
    times["report:intermediate"] = utc(2026, 6, 3, 9, 0)  # 1 month, Brussels wall clock
    assert due_at(final, times, BRUSSELS) == utc(2026, 7, 3, 9, 0)


def test_states() -> None:
    now = utc(2026, 6, 1, 12, 0)
    assert deadlines.state(None, now) is State.waiting
    assert deadlines.state(utc(2026, 6, 1, 13, 0), now) is State.due
    assert deadlines.state(utc(2026, 6, 1, 12, 0), now) is State.overdue
    assert deadlines.state(utc(2026, 6, 1, 11, 0), now, sent_at=now) is State.sent
    acked = deadlines.state(None, now, sent_at=now, acknowledged_at=now)
    assert acked is State.acknowledged
    assert State.waiting.label == "waiting for trigger"


def test_a_trigger_recorded_late_is_overdue_at_once() -> None:
    # Awareness at 08:00, recorded by staff only at 14:00 the next day: the 24 hours run from
    # 08:00, so the obligation is overdue the moment it exists.
    aware = utc(2026, 6, 1, 8, 0)
    recorded = utc(2026, 6, 2, 14, 0)
    due = due_at([Bound("awareness", 24, Unit.hours)], {"awareness": aware}, BRUSSELS)
    assert due == utc(2026, 6, 2, 8, 0)
    assert deadlines.state(due, recorded) is State.overdue


def test_describe() -> None:
    assert deadlines.describe(timedelta(days=2, hours=3, minutes=5)) == "2 d 3 h"
    assert deadlines.describe(timedelta(hours=1, minutes=5)) == "1 h 5 min"
    assert deadlines.describe(-timedelta(minutes=45)) == "45 min"
    assert deadlines.is_late(utc(2026, 1, 1), utc(2026, 1, 1, 0, 1))
    assert not deadlines.is_late(None, utc(2026, 1, 1))
