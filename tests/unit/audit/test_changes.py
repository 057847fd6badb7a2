"""Entries for a record's own fields: read before and after the change, written once."""

from __future__ import annotations

import pytest

from statuspage.audit.changes import record_change, record_created, record_removed
from statuspage.audit.trail import SYSTEM, events
from statuspage.core.errors import InvalidInput
from statuspage.extensions import db
from statuspage.staff.accounts import create_user

FIELDS = ("name", "active")


def _user():
    user, _ = create_user("ann@example.com", "comms", name="Ann")
    return user


def test_a_change_records_the_fields_before_and_after():
    user = _user()
    with record_change(SYSTEM, "staff.edit", user, FIELDS, target_type="staff_user"):
        user.name = "Ann Lee"
    (entry,) = events(action="staff.edit")
    assert (entry.target_type, entry.target_id) == ("staff_user", str(user.id))
    assert entry.before == {"name": "Ann", "active": True}
    assert entry.after == {"name": "Ann Lee", "active": True}


def test_a_change_that_moved_nothing_is_still_recorded():
    user = _user()
    with record_change(SYSTEM, "staff.edit", user, FIELDS, target_type="staff_user"):
        pass
    (entry,) = events(action="staff.edit")
    assert entry.before == entry.after == {"name": "Ann", "active": True}


def test_a_refused_change_records_nothing():
    user = _user()
    with (
        pytest.raises(InvalidInput),
        record_change(SYSTEM, "staff.edit", user, FIELDS, target_type="staff_user"),
    ):
        raise InvalidInput("no")
    assert list(events(action="staff.edit")) == []


def test_a_block_that_makes_the_record_has_no_before_and_extras_join_the_after():
    with record_change(
        SYSTEM, "staff.save", None, FIELDS, target_type="staff_user", incident_id=None
    ) as change:
        change.obj = _user()
        change.extra["welcomed"] = True
    (entry,) = events(action="staff.save")
    assert entry.before is None
    assert entry.after == {"name": "Ann", "active": True, "welcomed": True}


def test_fields_may_be_a_function_and_the_target_another_record():
    user = _user()
    with record_change(
        SYSTEM,
        "staff.rename",
        user,
        lambda u: {"initial": u.name[0]},
        target_type="page",
        target_id="p1",
    ):
        user.name = "Bea"
    (entry,) = events(action="staff.rename")
    assert (entry.target_type, entry.target_id) == ("page", "p1")
    assert (entry.before, entry.after) == ({"initial": "A"}, {"initial": "B"})


def test_created_and_removed_records_have_one_side_each():
    user = _user()
    record_created(SYSTEM, "staff.create", user, FIELDS, target_type="staff_user")
    record_removed(SYSTEM, "staff.delete", user, FIELDS, target_type="staff_user", why="left")
    db.session.flush()
    created, removed = events()
    assert (created.before, created.after) == (None, {"name": "Ann", "active": True})
    assert (removed.before, removed.after) == ({"name": "Ann", "active": True, "why": "left"}, None)
