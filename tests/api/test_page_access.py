"""Page access groups and users: Statuspage's shapes, field for field, and what they mean in
Herald (segments, their own organizations, explicit members, private components)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
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
    "id", "page_id", "email", "external_login", "page_access_group_id", "page_access_group_ids",
    "created_at", "updated_at",
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
    assert created["external_identifier"] == "okta-42"
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
    assert user["page_access_group_id"] == gold["id"]  # Statuspage's single group
    assert user["external_login"] == "ann"
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
         "metrics are public"),
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


# --- what Statuspage keeps beside who sees what ------------------------------------------------

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _at(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_a_change_moves_updated_at_to_its_time(client, owner, base, method):
    with time_machine.travel(T0, tick=False):
        gold, silver = (page_access.create_group(n) for n in ("Gold", "Silver"))
        user = page_access.create_user("ann@customer.example", [gold.segment.id])
        db.session.commit()
    later = T0 + timedelta(hours=3)
    with time_machine.travel(later, tick=False):
        moved = _ok(
            client.open(
                f"{base}/page_access_users/{user.id}", method=method, headers=owner.headers,
                json={"page_access_user": {"page_access_group_ids": [str(silver.segment.id)]}},
            )
        )  # fmt: skip
        renamed = _ok(
            client.open(
                f"{base}/page_access_groups/{gold.segment.id}", method=method,
                headers=owner.headers, json={"page_access_group": {"name": "Platinum"}},
            )
        )  # fmt: skip
    assert (moved["created_at"], moved["updated_at"]) == (_at(T0), _at(later))
    assert (renamed["created_at"], renamed["updated_at"]) == (_at(T0), _at(later))
    # read back, not only answered
    read = _ok(client.get(f"{base}/page_access_users/{user.id}", headers=owner.headers))
    assert read["updated_at"] == _at(later)
    read = _ok(client.get(f"{base}/page_access_groups/{gold.segment.id}", headers=owner.headers))
    assert read["updated_at"] == _at(later)


def test_an_edit_of_the_external_login_alone_still_moves_updated_at(client, owner, base):
    with time_machine.travel(T0, tick=False):
        user = page_access.create_user("ann@customer.example", [create_segment("Gold").id])
        db.session.commit()
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        changed = _ok(
            client.patch(f"{base}/page_access_users/{user.id}", headers=owner.headers,
                         json={"page_access_user": {"external_login": "ann.okta"}})
        )  # fmt: skip
    assert changed["updated_at"] == _at(T0 + timedelta(minutes=5))


def test_external_login_and_identifier_are_kept_changed_and_cleared(client, owner, base):
    gold = _ok(
        client.post(f"{base}/page_access_groups", headers=owner.headers,
                    data={"page_access_group[name]": "Gold",
                          "page_access_group[external_identifier]": "okta-gold"}),
        201,
    )  # fmt: skip
    user = _ok(
        client.post(f"{base}/page_access_users", headers=owner.headers,
                    json={"page_access_user": {"email": "ann@customer.example",
                                               "page_access_group_ids": [gold["id"]],
                                               "external_login": " uid-1 "}}),
        201,
    )  # fmt: skip
    assert (gold["external_identifier"], user["external_login"]) == ("okta-gold", "uid-1")
    group_path = f"{base}/page_access_groups/{gold['id']}"
    # a PATCH that does not name the field leaves it alone
    _ok(client.patch(group_path, headers=owner.headers, json={"page_access_group": {"name": "G"}}))
    assert _ok(client.get(group_path, headers=owner.headers))["external_identifier"] == "okta-gold"
    moved = _ok(
        client.patch(f"{base}/page_access_users/{user['id']}", headers=owner.headers,
                     json={"page_access_user": {"email": "ann@new.example"}})
    )  # fmt: skip
    assert moved["external_login"] == "uid-1"  # it moves with the address
    cleared = _ok(
        client.put(f"{base}/page_access_users/{moved['id']}", headers=owner.headers,
                   json={"page_access_user": {"external_login": ""}})
    )  # fmt: skip
    assert cleared["external_login"] is None
    changed = _ok(
        client.put(group_path, headers=owner.headers,
                   json={"page_access_group": {"external_identifier": "okta-g2"}})
    )  # fmt: skip
    assert changed["external_identifier"] == "okta-g2"
    audited = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action.in_(["page_access_group.update", "page_access_user.update"]))
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.before, e.after) for e in audited] == [
        ("page_access_group.update", {"external_identifier": None},
         {"external_identifier": "okta-gold"}),
        ("page_access_user.update", {"external_login": None}, {"external_login": "uid-1"}),
        ("page_access_user.update", {"external_login": "uid-1"}, {"external_login": None}),
        ("page_access_group.update", {"external_identifier": "okta-gold"},
         {"external_identifier": "okta-g2"}),
    ]  # fmt: skip
    assert {e.actor for e in audited} == {owner.audit_label}


def test_a_user_made_again_does_not_inherit_what_an_earlier_one_left(client, owner, base):
    gold = create_segment("Gold")
    first = page_access.create_user("ann@customer.example", [gold.id], external_login="old")
    page_access.delete_user(first)
    again = page_access.create_user("ann@customer.example", [gold.id])
    db.session.commit()
    read = _ok(client.get(f"{base}/page_access_users/{again.id}", headers=owner.headers))
    assert read["external_login"] is None


@pytest.mark.parametrize(
    ("resource", "field"),
    [("page_access_user", "external_login"), ("page_access_group", "external_identifier")],
)
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a\x00b", "NUL"),
        ("a\x1bb", "control characters"),
        ("a\tb", "control characters"),
        ("a\nb", "control characters"),
        ("x" * 201, "at most 200 characters"),
        (42, "must be a string"),
    ],
    ids=["NUL", "ESC", "tab", "newline", "too long", "a number"],
)
def test_an_external_id_that_is_not_one_line_of_text_is_a_422(
    client, owner, base, resource, field, value, message
):
    gold = page_access.create_group("Gold")
    user = page_access.create_user("ann@customer.example", [gold.segment.id])
    db.session.commit()
    before = _everything()
    collection = f"/{resource}s"
    record = f"{collection}/{user.id if resource == 'page_access_user' else gold.segment.id}"
    patched = client.patch(base + record, headers=owner.headers, json={resource: {field: value}})
    assert message in _refused(patched, 422)
    created = client.post(
        base + collection,
        headers=owner.headers,
        json={resource: {"name": "New", "email": "new@customer.example",
                         "page_access_group_ids": [str(gold.segment.id)], field: value}},
    )  # fmt: skip
    assert message in _refused(created, 422)
    db.session.expire_all()
    assert _everything() == before


def test_page_access_group_id_is_the_users_one_group_and_sets_it_alone(client, owner, base):
    gold, silver = (create_segment(n) for n in ("Gold", "Silver"))
    db.session.commit()
    user = _ok(
        client.post(f"{base}/page_access_users", headers=owner.headers,
                    json={"page_access_user": {"email": "ann@customer.example",
                                               "page_access_group_id": str(gold.id)}}),
        201,
    )  # fmt: skip
    assert (user["page_access_group_id"], user["page_access_group_ids"]) == (
        str(gold.id), [str(gold.id)]
    )  # fmt: skip
    path = f"{base}/page_access_users/{user['id']}"
    both = _ok(
        client.patch(path, headers=owner.headers,
                     json={"page_access_user": {"page_access_group_ids": [str(gold.id),
                                                                          str(silver.id)]}})
    )  # fmt: skip
    assert both["page_access_group_id"] is None  # several groups: no single one to name
    moved = _ok(
        client.patch(path, headers=owner.headers,
                     data={"page_access_user[page_access_group_id]": str(silver.id)})
    )  # fmt: skip
    assert (moved["page_access_group_id"], moved["page_access_group_ids"]) == (
        str(silver.id), [str(silver.id)]
    )  # fmt: skip
    assert viewer_for("ann@customer.example").segment_ids == {silver.id}
    clash = client.patch(
        path, headers=owner.headers,
        json={"page_access_user": {"page_access_group_id": str(gold.id),
                                   "page_access_group_ids": [str(silver.id)]}},
    )  # fmt: skip
    assert "must be one of its page_access_group_ids" in _refused(clash, 422)
    unknown = client.patch(
        path, headers=owner.headers, json={"page_access_user": {"page_access_group_id": "999"}}
    )
    assert "no segment '999'" in _refused(unknown, 422)


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
    ("POST", "/page_access_groups/{group}/components", {"component_ids": ["{other}"]}),
    ("PATCH", "/page_access_groups/{group}/components", {"component_ids": ["{other}"]}),
    ("PUT", "/page_access_groups/{group}/components", {"component_ids": ["{other}"]}),
    ("DELETE", "/page_access_groups/{group}/components", {"component_ids": ["{component}"]}),
    ("DELETE", "/page_access_groups/{group}/components/{component}", None),
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
    component, other = create_component("EU database"), create_component("Web")
    gold = page_access.create_group("Gold", component_ids=[component.id])
    user = page_access.create_user("ann@customer.example", [gold.segment.id])
    db.session.commit()
    ids = {"group": str(gold.segment.id), "user": user.id, "component": component.id,
           "other": other.id}  # fmt: skip
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
