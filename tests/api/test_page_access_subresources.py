"""A page access group's and user's components and a user's metrics: Statuspage's sub-resources,
with its verbs (POST sets exactly, PUT and PATCH add, DELETE takes away), as Herald has them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from statuspage.audience import page_access
from statuspage.audience.membership import viewer_for
from statuspage.clock import utcnow
from statuspage.components.catalog import create_component
from statuspage.extensions import db
from statuspage.models import AuditEvent, Component, Visibility
from tests.api.conftest import ROLES


def _ok(response, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def _refused(response, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["error"]


@pytest.fixture
def world(page_id):
    """Three private-to-be components, a group holding the first, a user in that group."""
    database, web, mail = (create_component(n) for n in ("Database", "Web", "Mail"))
    gold = page_access.create_group("Gold", component_ids=[database.id])
    user = page_access.create_user("ann@customer.example", [gold.segment.id])
    db.session.commit()
    return {"database": database.id, "web": web.id, "mail": mail.id,
            "group": str(gold.segment.id), "user": user.id}  # fmt: skip


def test_a_groups_components_are_listed_in_full(client, owner, base, world):
    listed = _ok(client.get(f"{base}/page_access_groups/{world['group']}/components",
                            headers=owner.headers))  # fmt: skip
    assert [c["id"] for c in listed] == [world["database"]]
    assert {"id", "name", "status", "group_id"} <= set(listed[0])  # the component object
    paged = f"{base}/page_access_groups/{world['group']}/components?page=2"
    assert _ok(client.get(paged, headers=owner.headers)) == []


@pytest.mark.parametrize("verb", ["PATCH", "PUT"])
def test_put_and_patch_add_components_to_the_group(client, owner, base, world, verb):
    path = f"{base}/page_access_groups/{world['group']}/components"
    group = _ok(
        client.open(
            path, method=verb, headers=owner.headers, json={"component_ids": [world["web"]]}
        )
    )
    assert set(group["component_ids"]) == {world["database"], world["web"]}
    assert group["id"] == world["group"]  # the group object, as Statuspage answers
    assert "page_access_user_ids" in group
    assert viewer_for("ann@customer.example").segment_ids == {int(world["group"])}
    audited = db.session.scalars(
        select(AuditEvent).where(AuditEvent.actor == owner.audit_label)
    ).all()
    assert [(e.action, e.target_id) for e in audited] == [("component.audience", world["web"])]


def test_post_sets_exactly_the_groups_components(client, owner, base, world):
    path = f"{base}/page_access_groups/{world['group']}/components"
    group = _ok(
        client.post(
            path, headers=owner.headers, data={"component_ids[]": [world["web"], world["mail"]]}
        )
    )
    assert sorted(group["component_ids"]) == sorted([world["web"], world["mail"]])
    listed = _ok(client.get(path, headers=owner.headers))
    assert sorted(c["id"] for c in listed) == sorted([world["web"], world["mail"]])


def test_delete_takes_components_away_and_they_stay_private(client, owner, base, world):
    path = f"{base}/page_access_groups/{world['group']}/components"
    _ok(client.patch(path, headers=owner.headers, json={"component_ids": [world["web"]]}))
    group = _ok(
        client.delete(path, headers=owner.headers, json={"component_ids": [world["database"]]})
    )
    assert group["component_ids"] == [world["web"]]
    group = _ok(client.delete(f"{path}/{world['web']}", headers=owner.headers))
    assert group["component_ids"] == []
    again = _ok(client.delete(f"{path}/{world['web']}", headers=owner.headers))
    assert again["component_ids"] == []  # not the group's: nothing to take away
    for component_id in (world["database"], world["web"]):
        component = db.session.get(Component, component_id)
        assert (component.visibility, component.segments) == (Visibility.segments, [])


def test_group_component_writes_move_updated_at(client, owner, base, world):
    path = f"{base}/page_access_groups/{world['group']}/components"
    later = utcnow() + timedelta(days=3)
    with time_machine.travel(later, tick=False):
        after = _ok(client.patch(path, headers=owner.headers, json={"component_ids": []}))
    assert after["updated_at"] == later.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.mark.parametrize(
    ("verb", "suffix", "body", "status", "message"),
    [
        ("PATCH", "", {"component_ids": ["nope"]}, 422, "no component 'nope'"),
        ("POST", "", {}, 422, "the body needs component_ids"),
        ("PUT", "", {"component_ids": [1]}, 422, "component_ids must be a list of ids"),
        ("DELETE", "", {"component_ids": ["nope"]}, 422, "no component 'nope'"),
        ("DELETE", "/nope", None, 404, "no component 'nope'"),
    ],
)
def test_a_group_component_write_the_domain_refuses_says_why(
    client, owner, base, world, verb, suffix, body, status, message
):
    path = f"{base}/page_access_groups/{world['group']}/components{suffix}"
    error = _refused(client.open(path, method=verb, headers=owner.headers, json=body), status)
    assert message in error
    assert _refused(
        client.get(f"{base}/page_access_groups/99999/components", headers=owner.headers), 404
    )


def test_a_users_components_are_its_groups_and_are_changed_on_a_group(client, owner, base, world):
    path = f"{base}/page_access_users/{world['user']}/components"
    listed = _ok(client.get(path, headers=owner.headers))
    assert [c["id"] for c in listed] == [world["database"]]
    for verb in ("POST", "PUT", "PATCH", "DELETE"):
        error = _refused(
            client.open(path, method=verb, headers=owner.headers,
                        json={"component_ids": [world["web"]]}),
            422,
        )  # fmt: skip
        assert "grants components to page access groups" in error
    error = _refused(client.delete(f"{path}/{world['database']}", headers=owner.headers), 422)
    assert "grants components to page access groups" in error
    assert _refused(client.get(f"{base}/page_access_users/nobody/components",
                               headers=owner.headers), 404)  # fmt: skip


def test_a_user_has_no_metrics_and_naming_one_to_add_is_refused(client, owner, base, world):
    path = f"{base}/page_access_users/{world['user']}/metrics"
    assert _ok(client.get(path, headers=owner.headers)) == []
    user = _ok(client.get(f"{base}/page_access_users/{world['user']}", headers=owner.headers))
    for verb in ("POST", "PUT", "PATCH"):
        refused = client.open(path, method=verb, headers=owner.headers, json={"metric_ids": ["m"]})
        assert "metrics are public" in _refused(refused, 422)
        assert _ok(client.open(path, method=verb, headers=owner.headers,
                               json={"metric_ids": []})) == user  # fmt: skip
    assert _ok(client.delete(path, headers=owner.headers, json={"metric_ids": ["m"]})) == user
    assert _refused(client.get(f"{base}/page_access_users/nobody/metrics",
                               headers=owner.headers), 404)  # fmt: skip


USER_WRITES = [
    ("POST", "/components", {"component_ids": ["{web}"]}),
    ("PATCH", "/components", {"component_ids": ["{web}"]}),
    ("DELETE", "/components/{database}", None),
    ("PUT", "/metrics", {"metric_ids": []}),
    ("DELETE", "/metrics", {"metric_ids": []}),
]  # fmt: skip


@pytest.mark.parametrize("role", [r for r in ROLES if r != "owner"])
@pytest.mark.parametrize(("verb", "suffix", "body"), USER_WRITES,
                         ids=[f"{v} {s}" for v, s, _ in USER_WRITES])  # fmt: skip
def test_only_owners_may_write_a_users_components_or_metrics(
    client, make_caller, base, world, role, verb, suffix, body
):
    if body is not None:
        body = {k: [v.format(**world) for v in vs] for k, vs in body.items()}
    path = f"{base}/page_access_users/{world['user']}{suffix.format(**world)}"
    _refused(client.open(path, method=verb, headers=make_caller(role).headers, json=body), 403)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_sub_resources(client, make_caller, base, world, role):
    headers = make_caller(role).headers
    for path in (
        f"/page_access_groups/{world['group']}/components",
        f"/page_access_users/{world['user']}/components",
        f"/page_access_users/{world['user']}/metrics",
    ):
        assert client.get(base + path, headers=headers).status_code == 200
