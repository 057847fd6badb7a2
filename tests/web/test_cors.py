"""CORS: other sites may read the public v2 JSON, badges and widget; nothing personal."""

from __future__ import annotations

import re

import pytest

from statuspage import create_app
from statuspage.extensions import db
from statuspage.public import PERSONAL_ROUTES, PROVIDER_ROUTES, ROUTES, SCRIPT_ROUTES

ORIGIN = "https://customer.example"
V2_PATHS = [path for path, _endpoint, _view in ROUTES if path.startswith("/api/v2/")]
# Read by scripts or fetched cross-origin besides the JSON (integrity="..." needs CORS).
OTHER_READABLE = ["/badge.svg", "/embed/status.js", "/embed/status.css"]


def test_the_v2_paths_come_from_the_url_table():
    assert "/api/v2/summary.json" in V2_PATHS
    assert len(V2_PATHS) >= 8


@pytest.mark.parametrize("path", V2_PATHS + OTHER_READABLE)
def test_public_machine_readable_responses_allow_any_origin(client, small_page, path):
    response = client.get(path, headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Expose-Headers"] == "ETag"
    # Public data, read without credentials; the same answer for every origin (it varies on
    # nothing but the content coding it is sent in, snapshots/encoding.py).
    assert "Access-Control-Allow-Credentials" not in response.headers
    vary = {name.strip() for name in response.headers.get("Vary", "").split(",") if name.strip()}
    assert vary <= {"Accept-Encoding"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"].startswith("public")


@pytest.mark.parametrize("path", V2_PATHS)
def test_a_revalidation_keeps_the_cors_headers(client, small_page, path):
    etag = client.get(path).headers["ETag"]
    again = client.get(path, headers={"Origin": ORIGIN, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    assert again.headers["Access-Control-Expose-Headers"] == "ETag"


@pytest.mark.parametrize("path", V2_PATHS)
def test_a_preflight_is_answered(client, small_page, path):
    response = client.options(
        path,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert response.status_code in (200, 204)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "HEAD"} <= methods
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "if-none-match" in allowed
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert response.data == b""


def _example(path: str) -> str:
    """A concrete URL for a rule: the first choice of `<any(...)>`, a junk value elsewhere."""
    path = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", path)
    return re.sub(r"<[^>]+>", "not-a-token", path)


def _personal_paths() -> list[str]:
    routes = [*PERSONAL_ROUTES, *PROVIDER_ROUTES, *SCRIPT_ROUTES]
    return [_example(path) for path, _endpoint, _view in routes]


@pytest.mark.parametrize("path", _personal_paths())
def test_personal_pages_are_never_shared_cross_origin(client, small_page, path):
    for response in (
        client.get(path, headers={"Origin": ORIGIN}),
        client.post(path, headers={"Origin": ORIGIN}),
        client.options(path, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}),
    ):
        assert "Access-Control-Allow-Origin" not in response.headers, response.status_code
        assert "Access-Control-Allow-Methods" not in response.headers


def test_private_answers_never_allow_other_origins(client, small_page):
    """Whatever route serves it: `Cache-Control: private` and CORS never go together."""
    checked = 0
    for path in [*_personal_paths(), "/api/v1/pages", "/admin/", "/admin/login"]:
        response = client.get(path, headers={"Origin": ORIGIN})
        cache_control = response.headers.get("Cache-Control", "")
        if "private" in cache_control or "no-store" in cache_control:
            checked += 1
            assert "Access-Control-Allow-Origin" not in response.headers, path
    assert checked >= len(PERSONAL_ROUTES)


@pytest.mark.parametrize("path", ["/", "/history", "/embed/status.html", "/history.atom"])
def test_html_pages_and_feeds_need_no_cors(client, small_page, path):
    assert "Access-Control-Allow-Origin" not in client.get(path).headers


@pytest.mark.parametrize("path", ["/api/v2/summary.json", "/badge.svg", "/embed/status.js"])
def test_the_fast_path_sends_the_same_cors_headers_as_flask(app, small_page, path):
    cached = create_app({**app.config, "SNAPSHOT_VERSION_TTL": 60.0})  # the fast path may serve
    client = cached.test_client()
    through_flask, fast = client.get(path), client.get(path)
    assert cached.extensions["herald.snapshots"].renders == 1  # the second never reached Flask
    assert fast.data == through_flask.data
    assert sorted(fast.headers.items()) == sorted(through_flask.headers.items())
    assert fast.headers["Access-Control-Allow-Origin"] == "*"
    with cached.app_context():
        db.engine.dispose()  # this second app has its own pool; close it, not the GC
