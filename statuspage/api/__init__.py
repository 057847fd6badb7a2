"""The management API: Statuspage v1-compatible, token-authenticated, rate-limited, described.

The URL table below is the whole surface, with the role action each route needs; the
OpenAPI document (openapi.py) describes the same table, and a test holds the two together.
Every request passes one guard, in this order: API key (401), role (403), page id (404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from flask import Blueprint, Response, request

from statuspage.api import (
    components,
    groups,
    incidents,
    integrations,
    metrics,
    openapi,
    page_access,
    pages,
    templates,
)
from statuspage.api.auth import authenticate, authorize, rate_limit, rate_limit_key
from statuspage.api.errors import register_error_handlers
from statuspage.core.errors import NotFound
from statuspage.extensions import limiter
from statuspage.staff.permissions import Action

bp = Blueprint("api", __name__)


class Route(NamedTuple):
    path: str
    endpoint: str
    view: Callable[..., Any]
    methods: tuple[str, ...]
    action: Action | None  # None: no API key (the document; alert intake, by its own secret)


READ, MANAGE, PUBLISH, TEMPLATES, SEGMENTS, SETTINGS = (
    Action.read_admin,
    Action.manage_components,
    Action.publish,
    Action.manage_templates,
    Action.manage_segments,
    Action.manage_settings,
)
GET, POST, PATCH_PUT, DELETE = ("GET",), ("POST",), ("PATCH", "PUT"), ("DELETE",)
WRITES = ("POST", "PATCH", "PUT")
PAGE = "/pages/<page_id>"
COMPONENT = f"{PAGE}/components/<component_id>"
GROUP = f"{PAGE}/component-groups/<group_id>"
INCIDENT = f"{PAGE}/incidents/<incident_id>"
ACCESS_GROUPS, ACCESS_USERS = f"{PAGE}/page_access_groups", f"{PAGE}/page_access_users"
ACCESS_GROUP = f"{ACCESS_GROUPS}/<page_access_group_id>"
ACCESS_USER = f"{ACCESS_USERS}/<page_access_user_id>"
GROUP_COMPONENTS, USER_COMPONENTS = f"{ACCESS_GROUP}/components", f"{ACCESS_USER}/components"
INTAKE = f"{PAGE}/integrations/<kind>"
PROVIDERS = f"{PAGE}/metrics_providers"
PROVIDER = f"{PROVIDERS}/<metrics_provider_id>"
METRIC = f"{PAGE}/metrics/<metric_id>"
# Metrics: owners set providers and metrics up (as in the admin); keys that may manage
# components (owner, comms) push data, as the services they watch report in.
PUSH = MANAGE

ROUTES = [
    Route("/openapi.json", "openapi", openapi.document, GET, None),
    Route("/pages", "pages", pages.index, GET, READ),
    Route(PAGE, "page", pages.show, GET, READ),
    Route(f"{PAGE}/components", "components", components.index, GET, READ),
    Route(f"{PAGE}/components", "create_component", components.create, POST, MANAGE),
    Route(COMPONENT, "component", components.show, GET, READ),
    Route(COMPONENT, "update_component", components.update, PATCH_PUT, MANAGE),
    Route(COMPONENT, "delete_component", components.delete, DELETE, MANAGE),
    Route(f"{PAGE}/component-groups", "groups", groups.index, GET, READ),
    Route(f"{PAGE}/component-groups", "create_group", groups.create, POST, MANAGE),
    Route(GROUP, "group", groups.show, GET, READ),
    Route(GROUP, "update_group", groups.update, PATCH_PUT, MANAGE),
    Route(GROUP, "delete_group", groups.delete, DELETE, MANAGE),
    Route(f"{PAGE}/incidents", "incidents", incidents.index, GET, READ),
    Route(f"{PAGE}/incidents", "create_incident", incidents.create, POST, PUBLISH),
    Route(f"{PAGE}/incidents/unresolved", "unresolved", incidents.unresolved, GET, READ),
    Route(f"{PAGE}/incidents/upcoming", "upcoming", incidents.upcoming, GET, READ),
    Route(f"{PAGE}/incidents/scheduled", "scheduled", incidents.scheduled, GET, READ),
    Route(f"{PAGE}/incidents/active_maintenance", "active", incidents.active, GET, READ),
    Route(INCIDENT, "incident", incidents.show, GET, READ),
    Route(INCIDENT, "update_incident", incidents.update, PATCH_PUT, PUBLISH),
    Route(INCIDENT, "delete_incident", incidents.delete, DELETE, PUBLISH),
    Route(f"{PAGE}/incident_templates", "templates", templates.index, GET, READ),
    Route(f"{PAGE}/incident_templates", "create_template", templates.create, POST, TEMPLATES),
    # audience-specific pages: groups are segments, users their organizations' members
    Route(ACCESS_GROUPS, "access_groups", page_access.groups, GET, READ),
    Route(ACCESS_GROUPS, "create_access_group", page_access.create_group, POST, SEGMENTS),
    Route(ACCESS_GROUP, "access_group", page_access.group, GET, READ),
    Route(ACCESS_GROUP, "update_access_group", page_access.update_group, PATCH_PUT, SEGMENTS),
    Route(ACCESS_GROUP, "delete_access_group", page_access.delete_group, DELETE, SEGMENTS),
    Route(ACCESS_USERS, "access_users", page_access.users, GET, READ),
    Route(ACCESS_USERS, "create_access_user", page_access.create_user, POST, SEGMENTS),
    Route(ACCESS_USER, "access_user", page_access.user, GET, READ),
    Route(ACCESS_USER, "update_access_user", page_access.update_user, PATCH_PUT, SEGMENTS),
    Route(ACCESS_USER, "delete_access_user", page_access.delete_user, DELETE, SEGMENTS),
    # their sub-resources, with Statuspage's verbs: POST sets exactly, PUT and PATCH add
    Route(GROUP_COMPONENTS, "access_group_components", page_access.group_components, GET, READ),
    Route(GROUP_COMPONENTS, "replace_access_group_components",
          page_access.replace_group_components, POST, SEGMENTS),
    Route(GROUP_COMPONENTS, "add_access_group_components", page_access.add_group_components,
          PATCH_PUT, SEGMENTS),
    Route(GROUP_COMPONENTS, "remove_access_group_components",
          page_access.remove_group_components, DELETE, SEGMENTS),
    Route(f"{GROUP_COMPONENTS}/<component_id>", "remove_access_group_component",
          page_access.remove_group_component, DELETE, SEGMENTS),
    Route(USER_COMPONENTS, "access_user_components", page_access.user_components, GET, READ),
    Route(USER_COMPONENTS, "change_access_user_components", page_access.change_user_components,
          (*WRITES, "DELETE"), SEGMENTS),
    Route(f"{USER_COMPONENTS}/<component_id>", "remove_access_user_component",
          page_access.change_user_components, DELETE, SEGMENTS),
    Route(f"{ACCESS_USER}/metrics", "access_user_metrics", page_access.user_metrics, GET, READ),
    Route(f"{ACCESS_USER}/metrics", "add_access_user_metrics", page_access.add_user_metrics,
          WRITES, SEGMENTS),
    Route(f"{ACCESS_USER}/metrics", "remove_access_user_metrics",
          page_access.remove_user_metrics, DELETE, SEGMENTS),
    # alert intake: the integration's secret, in the path or as a bearer token, is the key
    Route(f"{INTAKE}/<secret>", "alerts_by_path", integrations.receive, POST, None),
    Route(INTAKE, "alerts_by_bearer", integrations.receive, POST, None),
    # metrics: providers, their metrics, and the data points pushed to them
    Route(PROVIDERS, "metrics_providers", metrics.list_providers, GET, READ),
    Route(PROVIDERS, "create_metrics_provider", metrics.create_provider, POST, SETTINGS),
    Route(PROVIDER, "metrics_provider", metrics.show_provider, GET, READ),
    Route(PROVIDER, "update_metrics_provider", metrics.update_provider, PATCH_PUT, SETTINGS),
    Route(PROVIDER, "delete_metrics_provider", metrics.delete_provider, DELETE, SETTINGS),
    Route(f"{PROVIDER}/metrics", "provider_metrics", metrics.provider_metrics, GET, READ),
    Route(f"{PROVIDER}/metrics", "create_metric", metrics.create_metric, POST, SETTINGS),
    Route(f"{PAGE}/metrics", "metrics", metrics.list_metrics, GET, READ),
    Route(f"{PAGE}/metrics/data", "add_metrics_data", metrics.add_bulk_data, POST, PUSH),
    Route(METRIC, "metric", metrics.show_metric, GET, READ),
    Route(METRIC, "update_metric", metrics.update_metric, PATCH_PUT, SETTINGS),
    Route(METRIC, "delete_metric", metrics.delete_metric, DELETE, SETTINGS),
    Route(f"{METRIC}/data", "add_metric_data", metrics.add_data, POST, PUSH),
    Route(f"{METRIC}/data", "reset_metric_data", metrics.reset_data, DELETE, SETTINGS),
]  # fmt: skip
ACTIONS = {f"{bp.name}.{r.endpoint}": r.action for r in ROUTES}

for _route in ROUTES:
    bp.add_url_rule(_route.path, _route.endpoint, _route.view, methods=list(_route.methods))


@bp.before_request
def _guard() -> None:
    action = ACTIONS.get(request.endpoint or "")
    if action is None:
        return
    # Views never take the page id: it is checked here, once, after the key and its role.
    page_id = (request.view_args or {}).pop("page_id", None)
    authorize(authenticate(), action)
    if page_id is not None:
        pages.check_page(page_id)
    for value in (request.view_args or {}).values():
        if not _plausible_id(value):
            raise NotFound(f"no such id {value[:40]!r}")


@bp.after_request
def _private(response: Response) -> Response:
    """Keys see every notice, private ones too: no shared cache may keep an answer."""
    if request.endpoint != f"{bp.name}.openapi":
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _plausible_id(value: str) -> bool:
    """Ids are short and printable; anything else is refused before it reaches a query."""
    return 0 < len(value) <= 64 and value.isprintable() and value.isascii()


register_error_handlers(bp)
# One budget per key across the whole API (a shared limit), read from config per request.
limiter.shared_limit(
    rate_limit,
    scope="management-api",
    key_func=rate_limit_key,
    error_message=lambda: f"rate limit of {rate_limit()} exceeded; retry after Retry-After seconds",
)(bp)
