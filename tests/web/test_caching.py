"""Public responses come from a snapshot per page version, with ETag, Last-Modified and 304."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pytest
import time_machine

from statuspage import create_app
from statuspage.clock import utcnow
from statuspage.components.catalog import set_component_status
from statuspage.extensions import db
from statuspage.i18n import request_key, snapshot_key
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.public.caching import SnapshotFastPath, snapshot_store
from statuspage.snapshots.store import SnapshotStore

PUBLIC_PATHS = ["/", "/history", "/maintenance", "/api/v2/summary.json", "/history.atom"]


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_responses_carry_validators_and_public_cache_control(client, small_page, path):
    response = client.get(path)
    assert response.status_code == 200
    # Short: a browser or CDN holding a copy follows a publish within seconds (issue [9/14]).
    assert response.headers["Cache-Control"] == "public, max-age=3, stale-while-revalidate=2"
    etag = response.headers["ETag"]
    assert etag.startswith('"')
    assert not etag.startswith("W/")
    assert response.headers["Last-Modified"].endswith(" GMT")


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_a_matching_etag_gets_304_with_no_body(client, small_page, path):
    etag = client.get(path).headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"].startswith("public")


def test_if_modified_since_gets_304_only_when_the_page_is_strictly_older(client, small_page):
    last_modified = parsedate_to_datetime(client.get("/").headers["Last-Modified"])
    later = format_datetime(last_modified + timedelta(seconds=1), usegmt=True)
    same = format_datetime(last_modified, usegmt=True)
    assert client.get("/", headers={"If-Modified-Since": later}).status_code == 304
    # The same second is ambiguous (a second change may share it): the full page, never stale.
    assert client.get("/", headers={"If-Modified-Since": same}).status_code == 200
    with time_machine.travel(utcnow() + timedelta(seconds=5), tick=False):
        set_component_status(small_page.api, "major_outage")
        db.session.commit()
        assert client.get("/", headers={"If-Modified-Since": later}).status_code == 200


def test_a_change_gives_a_new_etag_and_new_content(client, small_page):
    first = client.get("/api/v2/status.json")
    set_component_status(small_page.api, "major_outage")
    db.session.commit()
    second = client.get("/api/v2/status.json", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert second.headers["ETag"] != first.headers["ETag"]
    assert second.get_json()["status"]["indicator"] == "critical"


def test_each_page_is_rendered_once_per_version(client, small_page):
    store = snapshot_store()
    client.get("/")  # render for this version
    before = store.renders
    for _ in range(5):
        client.get("/")
    assert store.renders == before
    set_component_status(small_page.api, "partial_outage")
    db.session.commit()
    client.get("/")
    client.get("/")
    assert store.renders == before + 1


def test_a_stale_etag_gets_the_full_body(client, small_page):
    response = client.get("/", headers={"If-None-Match": '"not-the-current-one"'})
    assert response.status_code == 200
    assert b"Acme Status" in response.data


def test_not_found_is_not_cached_as_public(client, small_page):
    response = client.get("/incidents/doesnotexist")
    assert response.status_code == 404
    assert "public" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_responses_never_touch_the_session(client, small_page, path):
    response = client.get(path)
    assert "Set-Cookie" not in response.headers
    # A page read in the reader's language varies on Accept-Language and on the language
    # picker's cookie, and on nothing else (the session would add another `Cookie`); the
    # feeds, JSON and badges vary on neither: their language is the URL's. A body stored
    # compressed too varies on Accept-Encoding (snapshots/encoding.py); a tiny one is not.
    vary = [part.strip() for part in response.headers.get_all("Vary") for part in part.split(",")]
    negotiated = [name for name in vary if name != "Accept-Encoding"]
    assert negotiated in ([], ["Accept-Language", "Cookie"])
    assert len(response.headers.get_all("Vary")) <= 1  # one merged line


def test_the_fast_path_answers_a_rendered_snapshot_with_flasks_bytes_and_headers(app, small_page):
    store = SnapshotStore(version_ttl=60, cache_control="public, max-age=30")
    snapshot = store.get(
        snapshot_key("/", "en"),
        lambda: (b"<p>ok</p>", "text/html; charset=utf-8"),
        alias=request_key("/", None, None, None),
    )
    reached_flask, started = [], []

    def flask_app(environ, start_response):
        reached_flask.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b""]

    fast = SnapshotFastPath(flask_app, store)
    body = fast({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, lambda *a: started.append(a))
    assert body == [b"<p>ok</p>"]
    assert started == [("200 OK", [*snapshot.headers, ("Content-Length", "9")])]
    assert reached_flask == []
    for environ in (
        {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_IF_NONE_MATCH": '"x"'},
        {"REQUEST_METHOD": "HEAD", "PATH_INFO": "/"},
        {"REQUEST_METHOD": "GET", "PATH_INFO": "/history"},
        {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_COOKIE": "session=abc"},
        {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_AUTHORIZATION": "Bearer x"},
        # Another language than the one stored: Flask renders (or finds) that one.
        {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"},
        {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "QUERY_STRING": "lang=fr"},
        {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_COOKIE": "herald_lang=ja"},
    ):
        fast(environ, lambda *a: None)
    assert reached_flask == ["/", "/", "/history", "/", "/", "/", "/", "/"]
    # The language picker's cookie alone is no sign-in: the fast path answers it.
    store.get(
        snapshot_key("/", "ja"),
        lambda: (b"<p>ja</p>", "text/html; charset=utf-8"),
        alias=request_key("/", None, "ja", None),
    )
    language_cookie = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_COOKIE": "herald_lang=ja"}
    body = fast(language_cookie, lambda *a: None)
    assert body == [b"<p>ja</p>"]
    assert fast({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, lambda *a: None) == [b"<p>ok</p>"]


def test_flask_and_the_fast_path_send_the_same_response(app, small_page):
    cached = create_app({**app.config, "SNAPSHOT_VERSION_TTL": 60.0})  # the fast path may serve
    client = cached.test_client()
    through_flask, fast = client.get("/"), client.get("/")
    assert cached.extensions["herald.snapshots"].renders == 1
    assert fast.data == through_flask.data
    assert sorted(fast.headers.items()) == sorted(through_flask.headers.items())
    german = {"Accept-Language": "de-CH, de;q=0.9, en;q=0.5"}
    through_flask, fast = client.get("/", headers=german), client.get("/", headers=german)
    assert cached.extensions["herald.snapshots"].renders == 2
    assert fast.data == through_flask.data
    assert sorted(fast.headers.items()) == sorted(through_flask.headers.items())
    assert fast.headers["Content-Language"] == "de"
    with cached.app_context():
        db.engine.dispose()  # this second app has its own pool; close it, not the GC


def test_a_backfilled_change_still_moves_last_modified_forward(client, small_page):
    before = client.get("/").headers["Last-Modified"]
    with time_machine.travel(utcnow() + timedelta(seconds=5), tick=False):
        at = utcnow() - timedelta(days=3)
        create_incident(OpenIncident("Old news", "Backfilled.", status="resolved", at=at))
        db.session.commit()
        after = client.get("/").headers["Last-Modified"]
    assert parsedate_to_datetime(after) > parsedate_to_datetime(before)
