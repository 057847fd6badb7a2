"""Page access groups and users: Statuspage's shapes, field for field, and what they mean in
Herald (segments, their own organizations, explicit members, private components)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from statuspage.audience import page_access
from statuspage.audience.membership import viewer_for
from statuspage.audience.organizations import add_member, create_organization
from statuspage.audience.segments import create_segment
from statuspage.audience.visibility import PUBLIC
from statuspage.components.catalog import create_component, list_components
from statuspage.extensions import db
from statuspage.models import AuditEvent, Organization, OrganizationMember, Segment, Visibility
from tests.api.conftest import ROLES

GROUP_FIELDS = {
    "id", "page_id", "name", "external_identifier", "page_access_user_ids", "component_ids",
    "metric_ids", "created_at", "updated_at",
}  # fmt: skip
USER_FIELDS = {
    "id", "page_id", "email", "external_login", "page_access_group_ids", "created_at",
    "updated_at",
}  # fmt: skip


def _ok(response, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def _refused(response, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    return body["error"]


@pytest.fixture
def api(page_id):
    component = create_component("EU database")
    db.session.commit()
    return component


def test_a_group_is_created_with_statuspages_shape(client, owner, base, page_id, api):
    created = _ok(
        client.post(
            f"{base}/page_access_groups",
            headers=owner.oauth,
            json={"page_access_group": {"name": "Enterprise EU", "component_ids": [api.id],
                                        "external_identifier": "okta-42"}},
        ),
        201,
    )  # fmt: skip
    assert set(created) == GROUP_FIELDS
    assert created["page_id"] == page_id
    assert created["name"] == "Enterprise EU"
    assert created["component_ids"] == [api.id]
    assert (created["page_access_user_ids"], created["metric_ids"]) == ([], [])
    assert created["external_identifier"] is None  # accepted, not kept
    assert created["created_at"].endswith("Z")
    assert _ok(client.get(f"{base}/page_access_groups/{created['id']}", headers=owner.headers)) == (
        created
    )
    assert _ok(client.get(f"{base}/page_access_groups", headers=owner.headers)) == [created]


def test_a_group_is_a_segment_with_an_organization_of_its_own(client, owner, base, api):
    created = _ok(
        client.post(
            f"{base}/page_access_groups",
            headers=owner.headers,
            data={"page_access_group[name]": "Gold", "page_access_group[component_ids][]": api.id},
        ),
        201,
    )
    segment = db.session.get(Segment, int(created["id"]))
    organization = db.session.scalars(select(Organization).where(Organization.name == "Gold")).one()
    assert organization.segments == [segment]
    db.session.refresh(api)
    assert (api.visibility, api.segments) == (Visibility.segments, [segment])
    assert list_components(PUBLIC) == []  # the group's component left the public page


def test_a_user_added_to_a_group_sees_its_segment(client, owner, base, page_id):
    gold = _ok(
        client.post(f"{base}/page_access_groups", headers=owner.headers,
                    json={"page_access_group": {"name": "Gold"}}),
        201,
    )  # fmt: skip
    user = _ok(
        client.post(
            f"{base}/page_access_users",
            headers=owner.headers,
            json={"page_access_user": {"email": "Ann@Customer.example",
                                       "page_access_group_ids": [gold["id"]],
                                       "external_login": "ann", "subscribe_to_components": True}},
        ),
        201,
    )  # fmt: skip
    assert set(user) == USER_FIELDS
    assert user["email"] == "ann@customer.example"
    assert (user["page_id"], user["page_access_group_ids"]) == (page_id, [gold["id"]])
    assert user["external_login"] is None
    assert viewer_for("ann@customer.example").segment_ids == {int(gold["id"])}
    group = _ok(client.get(f"{base}/page_access_groups/{gold['id']}", headers=owner.headers))
    assert group["page_access_user_ids"] == [user["id"]]
    assert _ok(client.get(f"{base}/page_access_users/{user['id']}", headers=owner.headers)) == user
    listed = _ok(
        client.get(f"{base}/page_access_users?email=ANN@customer.example", headers=owner.headers)
    )
    assert listed == [user]
    assert (
        _ok(client.get(f"{base}/page_access_users?email=x@y.example", headers=owner.headers)) == []
    )


def test_patching_a_user_moves_it_between_groups_and_addresses(client, owner, base):
    gold, silver = (create_segment(n) for n in ("Gold", "Silver"))
    user = page_access.create_user("ann@customer.example", [gold.id])
    db.session.commit()
    path = f"{base}/page_access_users/{user.id}"
    moved = _ok(
        client.patch(
            path,
            headers=owner.headers,
            json={"page_access_user": {"page_access_group_ids": [str(silver.id)]}},
        )
    )
    assert moved["page_access_group_ids"] == [str(silver.id)]
    assert viewer_for("ann@customer.example").segment_ids == {silver.id}
    renamed = _ok(
        client.put(
            path, headers=owner.headers, json={"page_access_user": {"email": "ann@new.example"}}
        )
    )
    assert renamed["email"] == "ann@new.example"
    assert renamed["id"] != user.id  # the id follows the address
    assert viewer_for("ann@customer.example").is_public
    assert viewer_for("ann@new.example").segment_ids == {silver.id}
    assert client.get(path, headers=owner.headers).status_code == 404


def test_deleting_a_user_takes_its_access_away_but_not_other_memberships(client, owner, base):
    gold = create_segment("Gold")
    user = page_access.create_user("ann@customer.example", [gold.id])
    partner = create_organization("Partner", segments=[create_segment("Partners")])
    add_member(partner, "ann@customer.example")
    db.session.commit()
    response = client.delete(f"{base}/page_access_users/{user.id}", headers=owner.headers)
    assert response.status_code == 204
    assert response.data == b""
    assert viewer_for("ann@customer.example").segment_ids == {partner.segments[0].id}
    assert _ok(client.get(f"{base}/page_access_users", headers=owner.headers)) == []


def test_patching_a_group_renames_it_and_sets_exactly_its_users_and_components(
    client, owner, base, api
):
    web = create_component("Web")
    gold = page_access.create_group("Gold", component_ids=[api.id])
    ann = page_access.create_user("ann@customer.example", [gold.segment.id])
    bob = page_access.create_user("bob@customer.example", [gold.segment.id])
    db.session.commit()
    path = f"{base}/page_access_groups/{gold.segment.id}"
    patched = _ok(
        client.patch(
            path,
            headers=owner.headers,
            json={"page_access_group": {"name": "Platinum", "component_ids": [web.id],
                                        "page_access_user_ids": [bob.id]}},
        )
    )  # fmt: skip
    assert patched["name"] == "Platinum"
    assert patched["component_ids"] == [web.id]
    assert patched["page_access_user_ids"] == [bob.id]
    assert db.session.scalars(select(Organization.name)).all() == ["Platinum"]
    db.session.refresh(api)
    # out of its last group, the component stays private: never published by accident
    assert (api.visibility, api.segments) == (Visibility.segments, [])
    assert viewer_for("bob@customer.example").segment_ids == {gold.segment.id}
    assert viewer_for("ann@customer.example").is_public
    assert ann.id not in patched["page_access_user_ids"]


def test_deleting_a_group_returns_it_and_removes_segment_and_organization(client, owner, base, api):
    gold = page_access.create_group("Gold", component_ids=[api.id])
    page_access.create_user("ann@customer.example", [gold.segment.id])
    db.session.commit()
    deleted = _ok(
        client.delete(f"{base}/page_access_groups/{gold.segment.id}", headers=owner.headers)
    )
    assert deleted["name"] == "Gold"
    assert db.session.scalars(select(Segment)).all() == []
    assert db.session.scalars(select(OrganizationMember)).all() == []
    assert viewer_for("ann@customer.example").is_public
    db.session.refresh(api)
    assert api.visibility is Visibility.segments


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/page_access_groups", {"page_access_group": {}}, "a segment name is required"),
        ("/page_access_groups", {"page_access_group": {"name": "G", "metric_ids": ["m1"]}},
         "no metrics"),
        ("/page_access_groups", {"page_access_group": {"name": "G", "component_ids": ["nope"]}},
         "no component 'nope'"),
        ("/page_access_groups", {"page_access_group": {"name": "G",
                                                       "page_access_user_ids": ["nobody"]}},
         "no page access user 'nobody'"),
        ("/page_access_users", {"page_access_user": {"email": "a@b.example"}},
         "at least one page access group"),
        ("/page_access_users", {"page_access_user": {"email": "a@b.example",
                                                     "page_access_group_ids": ["999"]}},
         "no segment '999'"),
        ("/page_access_users", {"page_access_user": {"email": "nope",
                                                     "page_access_group_ids": ["999"]}},
         "valid email"),
    ],
)  # fmt: skip
def test_a_request_the_domain_refuses_is_a_422_that_says_why(
    client, owner, base, path, body, message
):
    error = _refused(client.post(base + path, headers=owner.headers, json=body), 422)
    assert message in error
    assert db.session.scalars(select(Segment)).all() == []


def test_the_same_user_twice_and_an_unknown_id_are_refused(client, owner, base):
    gold = create_segment("Gold")
    page_access.create_user("ann@customer.example", [gold.id])
    db.session.commit()
    body = {
        "page_access_user": {
            "email": "ann@customer.example",
            "page_access_group_ids": [str(gold.id)],
        }
    }
    assert "already a page access user" in _refused(
        client.post(f"{base}/page_access_users", headers=owner.headers, json=body), 422
    )
    for path in (
        "/page_access_users/nobody",
        "/page_access_groups/99999999999",
        "/page_access_groups/x",
    ):
        _refused(client.get(base + path, headers=owner.headers), 404)


def test_lists_are_paged_like_statuspages(client, owner, base):
    for name in ("A", "B", "C"):
        create_segment(name)
    db.session.commit()
    second = _ok(client.get(f"{base}/page_access_groups?page=2&per_page=2", headers=owner.headers))
    assert [g["name"] for g in second] == ["C"]
    _refused(client.get(f"{base}/page_access_groups?per_page=101", headers=owner.headers), 422)


# --- who may write ---------------------------------------------------------------------------

WRITES = [
    ("POST", "/page_access_groups", {"page_access_group": {"name": "New"}}),
    ("PATCH", "/page_access_groups/{group}", {"page_access_group": {"name": "Renamed"}}),
    ("PUT", "/page_access_groups/{group}", {"page_access_group": {"page_access_user_ids": []}}),
    ("DELETE", "/page_access_groups/{group}", None),
    ("POST", "/page_access_users",
     {"page_access_user": {"email": "new@customer.example", "page_access_group_ids": ["{group}"]}}),
    ("PATCH", "/page_access_users/{user}",
     {"page_access_user": {"email": "moved@customer.example"}}),
    ("DELETE", "/page_access_users/{user}", None),
]  # fmt: skip


def _everything() -> dict[str, list[tuple]]:
    return {
        table.name: sorted(map(tuple, db.session.execute(select(table)).all()), key=repr)
        for table in db.metadata.sorted_tables
        if table.name != "api_key"
    }


def _filled(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _filled(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, ids) for v in value]
    return value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_only_owners_decide_who_reads_private_notices(
    client, make_caller, base, role, method, path, body
):
    gold = page_access.create_group("Gold")
    user = page_access.create_user("ann@customer.example", [gold.segment.id])
    db.session.commit()
    ids = {"group": str(gold.segment.id), "user": user.id}
    headers = make_caller(role).headers
    before = _everything()
    response = client.open(
        base + _filled(path, ids), method=method, headers=headers, json=_filled(body, ids)
    )
    db.session.expire_all()
    if role == "owner":
        assert 200 <= response.status_code < 300, response.get_data(as_text=True)
        assert _everything()["audit_event"] != before["audit_event"], "the write is audited"
        return
    _refused(response, 403)
    assert _everything() == before


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_groups_and_users(client, make_caller, base, role):
    headers = make_caller(role).headers
    for path in ("/page_access_groups", "/page_access_users"):
        assert client.get(base + path, headers=headers).status_code == 200


def test_writes_are_audited_under_the_key(client, owner, base):
    _ok(
        client.post(f"{base}/page_access_groups", headers=owner.headers,
                    json={"page_access_group": {"name": "Gold"}}),
        201,
    )  # fmt: skip
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor == owner.audit_label)
    ).all()
    assert actions == ["segment.create", "organization.create"]
