"""The public site: status page, incident pages, history, Statuspage API v2 and feeds.

The URL tables below are the whole public surface. The static export walks ROUTES (the
snapshots); PERSONAL_ROUTES are per-person pages (forms, signed links), never exported.
Some ROUTES are viewer-aware (public.viewing): a signed-in private viewer, or an organization's
API token, gets them rendered per request instead of the snapshot.
"""

from flask import Blueprint

from statuspage.incidents.cadence import public_next_update
from statuspage.public import (
    api_v2,
    badges,
    bounces,
    cors,
    embed,
    endpoints,
    feeds,
    language,
    pages,
    push,
    signin,
    sitemap,
    sms,
    subscriptions,
    viewing,
)
from statuspage.request_hygiene import posts_raw_text

bp = Blueprint("public", __name__)

# path, endpoint, view
ROUTES = [
    ("/", "index", pages.index),
    ("/incidents/<incident_id>", "incident", pages.incident),
    ("/history", "history", pages.history),
    ("/history/<int:year>/<int:month>", "history_month", pages.history_month),
    ("/maintenance", "maintenance", pages.maintenance),
    ("/brand.css", "brand_css", pages.brand_css),
    ("/api/v2/summary.json", "v2_summary", api_v2.summary),
    ("/api/v2/status.json", "v2_status", api_v2.status),
    ("/api/v2/components.json", "v2_components", api_v2.components),
    ("/api/v2/incidents.json", "v2_incidents", api_v2.incidents),
    ("/api/v2/incidents/unresolved.json", "v2_unresolved", api_v2.unresolved),
    ("/api/v2/scheduled-maintenances.json", "v2_maintenances", api_v2.maintenances),
    (
        "/api/v2/scheduled-maintenances/upcoming.json",
        "v2_upcoming_maintenances",
        api_v2.upcoming_maintenances,
    ),
    (
        "/api/v2/scheduled-maintenances/active.json",
        "v2_active_maintenances",
        api_v2.active_maintenances,
    ),
    ("/history.atom", "feed_atom", feeds.history_atom),
    ("/history.rss", "feed_rss", feeds.history_rss),
    ("/components/<component_id>/history.atom", "component_feed_atom", feeds.component_atom),
    ("/components/<component_id>/history.rss", "component_feed_rss", feeds.component_rss),
    ("/badge.svg", "badge", badges.page_badge),
    ("/components/<component_id>/badge.svg", "component_badge", badges.component_badge),
    ("/embed/status.js", "embed_js", embed.script),
    ("/embed/status.css", "embed_css", embed.stylesheet),
    ("/embed/status.html", "embed_html", embed.frame),
    ("/sw.js", "service_worker", push.service_worker),
    ("/push/key.json", "push_key", push.application_server_key),
    ("/sitemap.xml", "sitemap", sitemap.sitemap),
]

# path, endpoint, view: GET shows, POST acts. Private (no-store), never snapshotted.
PERSONAL_ROUTES = [
    ("/subscribe", "subscribe", subscriptions.subscribe),
    ("/subscriptions/confirm/<token>", "confirm_subscription", subscriptions.confirm_subscription),
    ("/subscriptions/manage/<token>", "manage_subscription", subscriptions.manage_subscription),
    ("/subscriptions/unsubscribe/<token>", "unsubscribe", subscriptions.unsubscribe),
    ("/ack/<token>", "ack", subscriptions.ack),
    # webhooks and chat channels (public/endpoints.py)
    (
        "/subscribe/<any(webhook, slack, teams, discord):channel>",
        "subscribe_endpoint",
        endpoints.subscribe_endpoint,
    ),
    ("/subscribe/webhook/verify/<token>", "verify_webhook", endpoints.verify_webhook),
    # private viewers (public/signin.py): magic-link sign-in, sign-out, their feed URL
    ("/signin", "sign_in", signin.sign_in),
    ("/signin/<token>", "follow_sign_in_link", signin.follow_sign_in_link),
    ("/signout", "sign_out", signin.sign_out),
    ("/access", "access", signin.access),
]

# path, endpoint, view: a private viewer's feed at its secret URL. GET only, private,
# never snapshotted; a revoked or unknown token is a 404.
PRIVATE_FEED_ROUTES = [
    ("/private/feed/<token>.atom", "private_feed_atom", feeds.private_atom),
    ("/private/feed/<token>.rss", "private_feed_rss", feeds.private_rss),
]

# path, endpoint, view: pages that read the query string (the history's filter and search).
# GET only, rendered per request and private: never a snapshot, whose view depends on the
# path alone (the snapshot fast path answers by path, so these must live on paths of their own).
QUERY_ROUTES = [
    ("/history/search", "history_search", pages.history_search),
    # the language picker: sets the reader's language cookie and goes back (public/language.py)
    ("/language", "choose_language", language.choose_language),
]

# path, endpoint, view: called by a provider, which signs each request or knows the secret
# in the path (checked in the view; CSRF-exempt). POST only, private, never snapshotted.
PROVIDER_ROUTES = [
    ("/sms/inbound", "sms_inbound", sms.inbound),
    # a mail provider's bounce webhook; the secret path authorises it (public/bounces.py)
    ("/bounces/inbound/<token>", "bounce_inbound", bounces.inbound),
]

# path, endpoint, view: JSON the status page's own script posts (web push). POST only,
# private, never snapshotted; push.py says why they need no CSRF token.
SCRIPT_ROUTES = [
    ("/push/subscriptions", "push_subscribe", push.subscribe),
    ("/push/unsubscribe", "push_unsubscribe", push.unsubscribe),
]

for _path, _endpoint, _view in ROUTES:
    bp.add_url_rule(_path, _endpoint, _view, methods=["GET"])
for _path, _endpoint, _view in [*PRIVATE_FEED_ROUTES, *QUERY_ROUTES]:
    bp.add_url_rule(_path, _endpoint, _view, methods=["GET"])
for _path, _endpoint, _view in PERSONAL_ROUTES:
    bp.add_url_rule(_path, _endpoint, _view, methods=["GET", "POST"])
for _path, _endpoint, _view in [*PROVIDER_ROUTES, *SCRIPT_ROUTES]:
    bp.add_url_rule(_path, _endpoint, _view, methods=["POST"])
for _path, _endpoint, _view in PROVIDER_ROUTES:
    posts_raw_text(_view)  # machine text (a raw bounce, an SMS), not a typed field
bp.after_request(cors.answer_preflight)
bp.before_app_request(viewing.forget_earlier_requests)
bp.after_request(viewing.keep_private)
bp.context_processor(viewing.template_context)
bp.add_app_template_global(viewing.shared_with_viewer, "shared_with")
bp.add_app_template_test(viewing.viewer_can_see, "can_see")
bp.add_app_template_global(public_next_update, "next_update_by")
bp.add_app_template_global(pages.HISTORY_IMPACTS, "history_impacts")
