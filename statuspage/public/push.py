"""Web push on the public site: the service worker, the public key, subscribe and unsubscribe.

The status page is a snapshot shared by everyone, so its "Get browser notifications" control
carries no CSRF token. The two POSTs take JSON only instead: another site's page cannot send
`application/json` here without a CORS preflight, which Herald never answers, and a browser's
Origin and Sec-Fetch-Site headers, when sent, must name this site. They are rate limited like
/subscribe, per client and per endpoint.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Response, current_app, jsonify, request
from flask_babel import gettext as _

from statuspage.clock import utcnow
from statuspage.core.errors import InvalidInput
from statuspage.extensions import csrf, db, limiter
from statuspage.public.caching import snapshotted
from statuspage.public.subscriptions import SUBSCRIBE_PER_ADDRESS, SUBSCRIBE_PER_CLIENT
from statuspage.request_hygiene import reads_json
from statuspage.subscribers import push_subscriptions
from statuspage.subscribers.subscriptions import Preferences, reader_language, reader_zone
from statuspage.vapid import vapid_keys

MAX_BODY = 16 * 1024  # a subscription and a few hundred component ids
MAX_COMPONENTS = 500


@snapshotted
def service_worker() -> tuple[str, str]:
    """static/sw.js at the root, so its scope is the whole site (a worker under /static/ could
    only control /static/)."""
    worker = Path(current_app.static_folder or "static") / "sw.js"
    return worker.read_text(), "text/javascript; charset=utf-8"


@snapshotted
def application_server_key() -> tuple[str, str]:
    """The VAPID public key browsers bind their subscriptions to (base64url, uncompressed)."""
    config = current_app.config
    keys = vapid_keys(config["VAPID_PRIVATE_KEY"], Path(config["INSTANCE_PATH"]))
    return json.dumps({"application_server_key": keys.application_server_key}), "application/json"


def _answer(status: int, **body: Any) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _refusal(status: int, message: str) -> Response:
    names = {400: "Bad Request", 403: "Forbidden", 413: "Content Too Large", 415: "Unsupported"}
    return _answer(status, error=names[status], message=message)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _cross_site() -> Response | None:
    """A refusal for anything but this site's own script posting JSON, else None."""
    if not request.is_json:
        return _refusal(415, "Send JSON (Content-Type: application/json).")
    if (request.content_length or 0) > MAX_BODY:
        return _refusal(413, f"The request is larger than {MAX_BODY} bytes.")
    site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    ours = {_origin(request.host_url), _origin(current_app.config["BASE_URL"])}
    if (site and site != "same-origin") or (origin and origin.lower() not in ours):
        return _refusal(403, _("Only this status page can subscribe here."))
    return None


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object.")
    return body


def _preferences(body: dict[str, Any]) -> Preferences:
    """{"components": null (all) or [ids], "incidents": bool, "maintenance": bool,
    "language": "ja", "time_zone": "Asia/Tokyo"} (the last two optional: the page's)."""
    components = body.get("components")
    if components is not None and not (
        isinstance(components, list)
        and len(components) <= MAX_COMPONENTS
        and all(isinstance(c, str) and c for c in components)
    ):
        raise InvalidInput("components must be null (all of them) or a list of component ids.")
    flags = {name: body.get(name, True) for name in ("incidents", "maintenance")}
    if not all(isinstance(value, bool) for value in flags.values()):
        raise InvalidInput("incidents and maintenance must be true or false.")
    ids = None if components is None else tuple(dict.fromkeys(components))
    try:
        zone = reader_zone(body.get("time_zone"))
    except InvalidInput:
        zone = None  # a zone the browser named that this machine does not know: the page's
    return Preferences(
        ids,
        flags["incidents"],
        flags["maintenance"],
        language=reader_language(body.get("language")),
        time_zone=zone,
    )


def _submitted_endpoint() -> str:
    body = request.get_json(silent=True)
    subscription = body.get("subscription") if isinstance(body, dict) else None
    endpoint = subscription.get("endpoint") if isinstance(subscription, dict) else None
    if not isinstance(endpoint, str):
        endpoint = body.get("endpoint") if isinstance(body, dict) else None
    return "push:" + push_subscriptions.endpoint_key(endpoint if isinstance(endpoint, str) else "")


@limiter.limit(SUBSCRIBE_PER_CLIENT)
@limiter.limit(SUBSCRIBE_PER_ADDRESS, key_func=_submitted_endpoint)
def subscribe() -> Response:
    """POST {"subscription": PushSubscription.toJSON(), components, incidents, maintenance},
    or {"subscription": ..., "replaces": old endpoint} from the service worker."""
    refusal = _cross_site()
    if refusal is not None:
        return refusal
    try:
        body = _body()
        subscription = push_subscriptions.parse_subscription(
            body.get("subscription"), current_app.config["PUSH_SERVICES"]
        )
        replaces = body.get("replaces")
        if replaces is not None:  # the service worker renewing a subscription
            if not isinstance(replaces, str):
                raise InvalidInput("replaces must be the old subscription's endpoint.")
            push_subscriptions.renew_browser(replaces, subscription, utcnow())
        else:
            push_subscriptions.subscribe_browser(
                subscription,
                _preferences(body),
                utcnow(),
                user_agent=request.headers.get("User-Agent", ""),
            )
    except InvalidInput as exc:
        db.session.rollback()
        return _refusal(400, str(exc))
    db.session.commit()
    # Shown to the reader by herald.js: in their language (cookie, Accept-Language).
    return _answer(200, subscribed=True, message=_("Browser notifications are on."))


@limiter.limit(SUBSCRIBE_PER_CLIENT)
def unsubscribe() -> Response:
    """POST {"endpoint": ...}: the same answer whether or not the endpoint was subscribed."""
    refusal = _cross_site()
    if refusal is not None:
        return refusal
    try:
        endpoint = _body().get("endpoint")
        if not isinstance(endpoint, str) or not endpoint:
            raise InvalidInput("endpoint must be the push subscription's endpoint URL.")
    except InvalidInput as exc:
        return _refusal(400, str(exc))
    push_subscriptions.unsubscribe_browser(endpoint, utcnow())
    db.session.commit()
    return _answer(200, subscribed=False, message=_("Browser notifications are off."))


csrf.exempt(subscribe)
csrf.exempt(unsubscribe)
reads_json(subscribe)
reads_json(unsubscribe)
