"""The uptime rule on a frozen clock: major is down, partial 30 % down, the rest up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from statuspage.components.catalog import create_component, set_component_status
from statuspage.components.uptime import rollup_all, stored_uptime
from statuspage.extensions import db
from statuspage.models import ComponentStatus, DailyUptime

DAY = date(2026, 3, 10)
MIDNIGHT = datetime(2026, 3, 10, tzinfo=UTC)


def _row(component_id: str, day: date) -> DailyUptime:
    row = db.session.get(DailyUptime, (component_id, day))
    assert row is not None
    return row


@pytest.mark.parametrize(
    ("status", "hours", "expected"),
    [
        (ComponentStatus.major_outage, 6, 1 - 6 / 24),
        (ComponentStatus.partial_outage, 10, 1 - 0.3 * 10 / 24),
        (ComponentStatus.degraded_performance, 22, 1.0),
        (ComponentStatus.under_maintenance, 8, 1.0),
    ],
)
def test_a_day_counts_each_status_by_the_rule(status, hours, expected):
    with time_machine.travel(MIDNIGHT + timedelta(days=1, hours=1), tick=False):
        api = create_component("API", at=MIDNIGHT)
        set_component_status(api, status, at=MIDNIGHT + timedelta(hours=2))
        set_component_status(
            api, ComponentStatus.operational, at=MIDNIGHT + timedelta(hours=2 + hours)
        )
        row = _row(api.id, DAY)
        assert row.observed_seconds == 24 * 3600
        assert row.uptime == pytest.approx(expected)


def test_an_outage_across_midnight_is_split_between_the_two_days():
    with time_machine.travel(MIDNIGHT + timedelta(days=2), tick=False):
        api = create_component("API", at=MIDNIGHT)
        set_component_status(api, "major_outage", at=MIDNIGHT + timedelta(hours=22))
        set_component_status(api, "operational", at=MIDNIGHT + timedelta(days=1, hours=3))
        assert _row(api.id, DAY).major_seconds == 2 * 3600
        assert _row(api.id, DAY + timedelta(days=1)).major_seconds == 3 * 3600
        assert _row(api.id, DAY + timedelta(days=1)).uptime == pytest.approx(1 - 3 / 24)


def test_today_counts_the_time_elapsed_so_far_and_an_ongoing_outage_keeps_accruing():
    with time_machine.travel(MIDNIGHT + timedelta(hours=12), tick=False):
        api = create_component("API", at=MIDNIGHT)
        set_component_status(api, "major_outage", at=MIDNIGHT + timedelta(hours=6))
        row = _row(api.id, DAY)
        assert row.observed_seconds == 12 * 3600
        assert row.uptime == pytest.approx(0.5)
    with time_machine.travel(MIDNIGHT + timedelta(hours=18), tick=False):
        rollup_all(DAY, MIDNIGHT + timedelta(hours=18))
        row = _row(api.id, DAY)
        assert row.observed_seconds == 18 * 3600
        assert row.uptime == pytest.approx(1 - 12 / 18)


def test_days_before_a_component_existed_have_no_row():
    with time_machine.travel(MIDNIGHT + timedelta(days=1), tick=False):
        api = create_component("API", at=MIDNIGHT + timedelta(hours=12))
        stored, _ = stored_uptime([api.id], DAY - timedelta(days=5))
        assert set(stored) == {(api.id, DAY)}
        assert _row(api.id, DAY).observed_seconds == 12 * 3600


def test_rollup_is_stored_not_recomputed_and_rewrites_only_the_days_it_covers():
    with time_machine.travel(MIDNIGHT + timedelta(days=3), tick=False):
        api = create_component("API", at=MIDNIGHT)
        rows_before = db.session.scalars(select(DailyUptime).order_by(DailyUptime.day)).all()
        assert [r.day for r in rows_before] == [DAY + timedelta(days=i) for i in range(3)]
        set_component_status(api, "major_outage", at=MIDNIGHT + timedelta(days=2, hours=12))
        set_component_status(api, "operational", at=MIDNIGHT + timedelta(days=2, hours=18))
        assert _row(api.id, DAY).uptime == 1.0
        assert _row(api.id, DAY + timedelta(days=2)).uptime == pytest.approx(0.75)


def test_period_uptime_weights_days_by_the_time_observed():
    with time_machine.travel(MIDNIGHT + timedelta(days=2), tick=False):
        api = create_component("API", at=MIDNIGHT + timedelta(hours=18))  # 6 h on day one
        set_component_status(api, "major_outage", at=MIDNIGHT + timedelta(hours=21))
        set_component_status(api, "operational", at=MIDNIGHT + timedelta(hours=24))
        # 3 h down in 30 h observed
        _, period = stored_uptime([api.id], DAY)
        assert period[api.id] == pytest.approx(1 - 3 / 30)
