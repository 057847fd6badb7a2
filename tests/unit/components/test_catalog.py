"""The component catalog (statuspage/components/catalog.py) called directly: positions, the
status log, who sees what, refusals, and the audit entries and page versions it writes.

The before-and-after audit of component edits is in tests/unit/audit/test_audited_changes.py.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from statuspage.audience.visibility import PUBLIC, STAFF
from statuspage.audit.trail import Actor, events
from statuspage.clock import utcnow
from statuspage.components.catalog import (
    create_component,
    create_group,
    get_component,
    get_group,
    list_components,
    list_groups,
    reorder,
    set_component_status,
    set_start_date,
    update_component,
    update_group,
)
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.extensions import db
from statuspage.models import ComponentStatus, ComponentStatusChange, DailyUptime, Visibility
from statuspage.page.state import page_version
from tests.factories import segment

ANN = Actor("staff:1 ann@example.com", ip="198.51.100.7")


def _version() -> int:
    return page_version()[1]


def _log(component) -> list[tuple[ComponentStatus | None, ComponentStatus]]:
    """The component's status changes, oldest first: (old, new)."""
    query = (
        select(ComponentStatusChange.old_status, ComponentStatusChange.new_status)
        .where(ComponentStatusChange.component_id == component.id)
        .order_by(ComponentStatusChange.id)
    )
    return [(old, new) for old, new in db.session.execute(query)]


def test_groups_are_placed_last_unless_given_a_position_and_are_audited():
    core = create_group("  Core  ", description="The API and the web app.", actor=ANN)
    edge = create_group("Edge")
    early = create_group("Early", position=0)

    assert (core.name, core.position, edge.position, early.position) == ("Core", 1, 2, 0)
    assert [g.name for g in list_groups()] == ["Early", "Core", "Edge"]
    entry = next(events(action="component_group.create"))
    assert (entry.actor, entry.ip, entry.target_id) == (ANN.label, ANN.ip, core.id)
    assert entry.after == {
        "name": "Core",
        "description": "The API and the web app.",
        "position": 1,
    }


@pytest.mark.parametrize(
    ("name", "message"), [("", "a name is required"), ("   ", "a name is required"),
                          ("x" * 201, "at most 200 characters")],
)  # fmt: skip
def test_a_component_or_group_needs_a_name_of_sensible_length(name, message):
    with pytest.raises(InvalidInput, match=message):
        create_component(name)
    with pytest.raises(InvalidInput, match=message):
        create_group(name)
    assert list(events()) == []


def test_components_are_numbered_within_their_group_and_log_their_first_status():
    core = create_group("Core")
    api = create_component("API", group=core)
    web = create_component("Web", group=core, status=ComponentStatus.degraded_performance)
    billing = create_component("Billing", actor=ANN)

    assert [(c.group_id, c.position) for c in (api, web, billing)] == [
        (core.id, 1),
        (core.id, 2),
        (None, 1),
    ]
    assert _log(web) == [(None, ComponentStatus.degraded_performance)]
    created = list(events(action="component.create"))
    assert [(e.after["name"], e.actor) for e in created] == [
        ("API", "system"),
        ("Web", "system"),
        ("Billing", ANN.label),
    ]


def test_unknown_ids_are_not_found():
    with pytest.raises(NotFound, match="no component 'nope'"):
        get_component("nope")
    with pytest.raises(NotFound, match="no component group 'nope'"):
        get_group("nope")
    api = create_component("API")
    assert get_component(api.id) is api


def test_a_status_change_is_logged_once_and_bumps_the_public_page():
    api = create_component("API")
    before = _version()

    change = set_component_status(api, "partial_outage")

    assert (change.old_status, change.new_status) == (
        ComponentStatus.operational,
        ComponentStatus.partial_outage,
    )
    assert api.status is ComponentStatus.partial_outage
    assert _version() > before
    assert set_component_status(api, ComponentStatus.partial_outage) is None  # no change
    assert _log(api) == [
        (None, ComponentStatus.operational),
        (ComponentStatus.operational, ComponentStatus.partial_outage),
    ]
    with pytest.raises(InvalidInput, match="must be one of"):
        set_component_status(api, "on_fire")


def test_a_private_components_status_moves_no_public_snapshot():
    api = create_component("API")
    api.visibility, api.segments = Visibility.segments, [segment("EU")]
    before = _version()

    set_component_status(api, ComponentStatus.major_outage)

    assert _version() == before
    assert _log(api)[-1] == (ComponentStatus.operational, ComponentStatus.major_outage)


def test_the_list_is_in_page_order_and_shows_the_public_only_public_components():
    edge, core = create_group("Edge"), create_group("Core", position=0)
    cdn = create_component("CDN", group=edge)
    web, api = create_component("Web", group=core), create_component("API", group=core)
    billing = create_component("Billing")
    hidden = create_component("Tenant DB", group=core)
    hidden.visibility, hidden.segments = Visibility.segments, [segment("EU")]

    assert list_components(STAFF) == [billing, web, api, hidden, cdn]
    assert list_components(PUBLIC) == [billing, web, api, cdn]


def test_an_edit_moves_a_component_between_groups_and_clears_what_is_blank():
    core = create_group("Core")
    api = create_component("API", description="The REST API.", group=core)

    update_component(api, actor=ANN, group_id=None, description="  ", showcase=False)
    assert (api.group, api.description, api.showcase) == (None, None, False)
    with pytest.raises(InvalidInput, match="no component group 'gone'"):
        update_component(api, group_id="gone")
    update_component(api, group_id=core.id, position=5)
    assert (api.group, api.position) == (core, 5)

    entry = next(events(action="component.update"))
    assert entry.before["group_id"] == core.id
    assert entry.after["group_id"] is None
    assert entry.after["showcase"] is False


def test_a_start_date_is_set_and_cleared_through_an_audited_edit():
    api = create_component("API")
    set_start_date(api, date(2024, 1, 15), actor=ANN)
    assert api.start_date == date(2024, 1, 15)
    set_start_date(api, None)
    assert api.start_date is None
    assert [e.after["start_date"] for e in events(action="component.update")] == [
        "2024-01-15",
        None,
    ]


def test_a_group_edit_renames_it_and_ungroups_the_components_left_out():
    core = create_group("Core")
    api, web = create_component("API", group=core), create_component("Web", group=core)

    update_group(core, actor=ANN, name="Platform", description="", component_ids=[web.id])

    assert (core.name, core.description) == ("Platform", None)
    assert (web.group, web.position, api.group) == (core, 1, None)
    entry = next(events(action="component_group.update"))
    assert entry.before["components"] == [api.id, web.id]
    assert entry.after["components"] == [web.id]
    assert (entry.before["name"], entry.after["name"]) == ("Core", "Platform")
    with pytest.raises(NotFound):
        update_group(core, component_ids=["nope"])


def test_reorder_numbers_components_and_groups_in_the_order_given():
    core = create_group("Core")
    api, web = create_component("API"), create_component("Web")
    before = _version()

    reorder([web.id, core.id, api.id], actor=ANN)

    assert (web.position, core.position, api.position) == (1, 2, 3)
    assert _version() > before
    entry = next(events(action="components.reorder"))
    assert entry.after == {"ids": [web.id, core.id, api.id]}
    with pytest.raises(InvalidInput, match="no component or group 'nope'"):
        reorder([api.id, "nope"])


def test_a_component_created_in_the_past_counts_its_uptime_from_then():
    at = utcnow() - timedelta(days=3)
    api = create_component("API", at=at)
    days = db.session.scalars(
        select(DailyUptime.day).where(DailyUptime.component_id == api.id).order_by(DailyUptime.day)
    ).all()
    assert days == [at.date() + timedelta(days=n) for n in range(4)]
