"""Page access groups and page access users, as Statuspage's audience-specific pages have them.

Herald maps them onto its own customers (audience.page_access):

- a page access group is a segment plus an organization of the same name that belongs to it
  (its own organization, made when first needed); `component_ids` are the components private
  to the segment. Naming a public component there makes it private to the group, as every
  component of an audience-specific page is; taking it out of its last group leaves it
  private, seen by staff alone. Deleting a group deletes the segment and its own
  organization; its private incidents and components stay private.
- a page access user is an email address that is an explicit member of the own organizations
  of its groups, so signing in with it (or receiving its notices) shows what those groups
  see. Its id is derived from the address; it belongs to one group at least (DELETE it to
  take its access away). `page_access_group_id` is its group when it has exactly one (null
  when it has several); sent alone, it sets exactly that group.
- a group's components (`/page_access_groups/{id}/components`): GET lists them, POST sets
  exactly these, PUT and PATCH add, DELETE takes `component_ids` (or one, by path) away;
  Statuspage's verbs, each answering the group. A user's components are its groups': GET
  lists them, and writes are refused (422), since Herald grants components to groups only.
- Herald's metrics are public (on the page for everyone, or hidden), never granted to a
  group or user: a group's `metric_ids` and a user's metrics read empty; naming a metric to
  add is refused (422), and adding or removing none answers the user unchanged.

A group's `external_identifier` and a user's `external_login` are kept (one line, at most 200
characters; "" clears them). Writes need the owner role (`manage_segments`): they decide who
reads confidential notices.
"""

from __future__ import annotations

from typing import Any

from flask import Response

from statuspage.api.auth import actor
from statuspage.api.bodies import Fields, body_references, query_int, query_text, read_body
from statuspage.api.pages import current_page
from statuspage.api.serializers import access_group_json, access_user_json, component_json
from statuspage.audience import page_access
from statuspage.audience.segments import MAX_SEGMENT_NAME
from statuspage.core.errors import InvalidInput
from statuspage.extensions import db

PER_PAGE = 100


NO_METRIC_GRANTS = "Herald's metrics are public, none are granted per group or user"


def _page_of(items: list[Any]) -> list[Any]:
    """Statuspage's paging: `page` (from 1) of `per_page` items (at most 100)."""
    page = query_int("page", 1, low=1, high=10000)
    per_page = query_int("per_page", PER_PAGE, low=1, high=PER_PAGE)
    return items[(page - 1) * per_page : page * per_page]


def _group_fields() -> Fields:
    fields = Fields(read_body(), "page_access_group")
    if fields.ids("metric_ids"):
        raise InvalidInput(f"page_access_group[metric_ids]: {NO_METRIC_GRANTS}")
    return fields


def groups() -> list[dict[str, Any]]:
    page_id = current_page().id
    return [access_group_json(g, page_id) for g in _page_of(page_access.list_groups())]


def group(page_access_group_id: str) -> dict[str, Any]:
    return access_group_json(page_access.get_group(page_access_group_id), current_page().id)


def create_group() -> tuple[dict[str, Any], int]:
    fields = _group_fields()
    with body_references():
        created = page_access.create_group(
            fields.text("name", max_length=MAX_SEGMENT_NAME) or "",
            component_ids=fields.ids("component_ids") or [],
            user_ids=fields.ids("page_access_user_ids") or [],
            external_identifier=fields.text("external_identifier"),
            actor=actor(),
        )
    db.session.commit()
    return access_group_json(created, current_page().id), 201


def update_group(page_access_group_id: str) -> dict[str, Any]:
    found = page_access.get_group(page_access_group_id)
    fields = _group_fields()
    with body_references():
        updated = page_access.update_group(
            found,
            name=fields.text("name", max_length=MAX_SEGMENT_NAME),
            component_ids=fields.ids("component_ids"),
            user_ids=fields.ids("page_access_user_ids"),
            external_identifier=fields.text("external_identifier"),
            actor=actor(),
        )
    db.session.commit()
    return access_group_json(updated, current_page().id)


def delete_group(page_access_group_id: str) -> dict[str, Any]:
    found = page_access.get_group(page_access_group_id)
    shaped = access_group_json(found, current_page().id)
    page_access.delete_group(found, actor=actor())
    db.session.commit()
    return shaped


# --- a group's components --------------------------------------------------------------------


def _component_ids() -> list[str]:
    """Statuspage names them at the top of the body: `{"component_ids": [...]}`."""
    ids = Fields(read_body(), None).ids("component_ids")
    if ids is None:
        raise InvalidInput("the body needs component_ids, a list of component ids")
    return ids


def group_components(page_access_group_id: str) -> list[dict[str, Any]]:
    found = page_access.get_group(page_access_group_id)
    return [component_json(c) for c in _page_of(page_access.group_components(found))]


def replace_group_components(page_access_group_id: str) -> dict[str, Any]:
    found = page_access.get_group(page_access_group_id)
    with body_references():
        updated = page_access.update_group(found, component_ids=_component_ids(), actor=actor())
    db.session.commit()
    return access_group_json(updated, current_page().id)


def add_group_components(page_access_group_id: str) -> dict[str, Any]:
    found = page_access.get_group(page_access_group_id)
    with body_references():
        updated = page_access.add_components(found, _component_ids(), actor=actor())
    db.session.commit()
    return access_group_json(updated, current_page().id)


def remove_group_components(page_access_group_id: str) -> dict[str, Any]:
    found = page_access.get_group(page_access_group_id)
    with body_references():
        updated = page_access.remove_components(found, _component_ids(), actor=actor())
    db.session.commit()
    return access_group_json(updated, current_page().id)


def remove_group_component(page_access_group_id: str, component_id: str) -> dict[str, Any]:
    found = page_access.get_group(page_access_group_id)
    updated = page_access.remove_components(found, [component_id], actor=actor())
    db.session.commit()
    return access_group_json(updated, current_page().id)


# --- users -----------------------------------------------------------------------------------


def _user_fields() -> Fields:
    fields = Fields(read_body(), "page_access_user")
    fields.flag("subscribe_to_components")  # subscriptions are the subscriber's own choice
    return fields


def _group_ids(fields: Fields) -> list[str] | None:
    """`page_access_group_ids`, or Statuspage's single `page_access_group_id` (that group
    alone); sent together, the one must be among the many."""
    many = fields.ids("page_access_group_ids")
    one = fields.text("page_access_group_id", max_length=64)
    if not one:
        return many
    if many is not None and one not in many:
        raise InvalidInput(
            "page_access_user[page_access_group_id] must be one of its page_access_group_ids"
        )
    return many if many is not None else [one]


def users() -> list[dict[str, Any]]:
    page_id = current_page().id
    found = page_access.list_users(query_text("email", max_length=254))
    return [access_user_json(u, page_id) for u in _page_of(found)]


def user(page_access_user_id: str) -> dict[str, Any]:
    return access_user_json(page_access.get_user(page_access_user_id), current_page().id)


def create_user() -> tuple[dict[str, Any], int]:
    fields = _user_fields()
    with body_references():
        created = page_access.create_user(
            fields.text("email", max_length=254) or "",
            _group_ids(fields) or [],
            external_login=fields.text("external_login"),
            actor=actor(),
        )
    db.session.commit()
    return access_user_json(created, current_page().id), 201


def update_user(page_access_user_id: str) -> dict[str, Any]:
    found = page_access.get_user(page_access_user_id)
    fields = _user_fields()
    with body_references():
        updated = page_access.update_user(
            found,
            email=fields.text("email", max_length=254),
            group_ids=_group_ids(fields),
            external_login=fields.text("external_login"),
            actor=actor(),
        )
    db.session.commit()
    return access_user_json(updated, current_page().id)


def delete_user(page_access_user_id: str) -> Response:
    page_access.delete_user(page_access.get_user(page_access_user_id), actor=actor())
    db.session.commit()
    return Response(status=204)


# --- a user's components and metrics ----------------------------------------------------------


def user_components(page_access_user_id: str) -> list[dict[str, Any]]:
    found = page_access.get_user(page_access_user_id)
    return [component_json(c) for c in _page_of(page_access.user_components(found))]


def change_user_components(page_access_user_id: str, component_id: str | None = None) -> None:
    """Refused: a user sees its groups' components, and Herald grants them to groups only (a
    grant to one user would have no audience to belong to)."""
    page_access.get_user(page_access_user_id)
    if component_id is None:
        _component_ids()  # a body that cannot be read is a 400 first, as everywhere
    raise InvalidInput(
        "Herald grants components to page access groups, not to one user: change the "
        "components of one of the user's groups (/page_access_groups/{id}/components)"
    )


def user_metrics(page_access_user_id: str) -> list[dict[str, Any]]:
    page_access.get_user(page_access_user_id)
    return []  # metrics are public: none are granted per user


def _metric_ids() -> list[str]:
    return Fields(read_body(), None).ids("metric_ids") or []


def add_user_metrics(page_access_user_id: str) -> dict[str, Any]:
    """Granting a metric is refused (metrics are public); adding none answers the user unchanged."""
    found = page_access.get_user(page_access_user_id)
    if _metric_ids():
        raise InvalidInput(f"metric_ids: {NO_METRIC_GRANTS}")
    return access_user_json(found, current_page().id)


def remove_user_metrics(page_access_user_id: str) -> dict[str, Any]:
    """There are none to remove: the user, unchanged."""
    found = page_access.get_user(page_access_user_id)
    _metric_ids()
    return access_user_json(found, current_page().id)
