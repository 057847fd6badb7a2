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
  take its access away).

Not kept, so read back as null or empty: a group's `external_identifier` and `metric_ids`
(Herald has no metrics: naming any is refused), a user's `external_login`. Writes need the
owner role (`manage_segments`): they decide who reads confidential notices.
"""

from __future__ import annotations

from typing import Any

from flask import Response

from statuspage.api.auth import actor
from statuspage.api.bodies import Fields, body_references, query_int, query_text, read_body
from statuspage.api.pages import current_page
from statuspage.api.serializers import access_group_json, access_user_json
from statuspage.audience import page_access
from statuspage.audience.segments import MAX_SEGMENT_NAME
from statuspage.core.errors import InvalidInput
from statuspage.extensions import db

PER_PAGE = 100


def _page_of(items: list[Any]) -> list[Any]:
    """Statuspage's paging: `page` (from 1) of `per_page` items (at most 100)."""
    page = query_int("page", 1, low=1, high=10000)
    per_page = query_int("per_page", PER_PAGE, low=1, high=PER_PAGE)
    return items[(page - 1) * per_page : page * per_page]


def _group_fields() -> Fields:
    fields = Fields(read_body(), "page_access_group")
    fields.text("external_identifier", max_length=200)  # accepted, not kept
    if fields.ids("metric_ids"):
        raise InvalidInput("page_access_group[metric_ids]: Herald has no metrics")
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


def _user_fields() -> Fields:
    fields = Fields(read_body(), "page_access_user")
    fields.text("external_login", max_length=200)  # accepted, not kept
    fields.flag("subscribe_to_components")  # subscriptions are the subscriber's own choice
    return fields


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
            fields.ids("page_access_group_ids") or [],
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
            group_ids=fields.ids("page_access_group_ids"),
            actor=actor(),
        )
    db.session.commit()
    return access_user_json(updated, current_page().id)


def delete_user(page_access_user_id: str) -> Response:
    page_access.delete_user(page_access.get_user(page_access_user_id), actor=actor())
    db.session.commit()
    return Response(status=204)
