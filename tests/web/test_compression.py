"""The page on the wire: snapshots are stored compressed once, and a request only picks.

A real server on a port and `requests` in front of it: what a browser or a CDN receives,
decoded with Python's own gzip and brotli and compared with the plain body.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import brotli
import pytest
import requests
from flask import Flask

from statuspage import create_app
from statuspage.components.catalog import set_component_status
from statuspage.extensions import db
from statuspage.snapshots.encoding import choose
from statuspage.snapshots.store import STORE_KEY
from tests.live_server import LiveServer
from tests.queue import drain

DECODE = {"gzip": gzip.decompress, "br": brotli.decompress, None: lambda body: body}


@pytest.fixture
def served(app: Flask, small_page) -> Iterator[tuple[Flask, LiveServer]]:
    """A web process whose fast path may answer (the version is looked at once a minute)."""
    web = create_app({**app.config, "SNAPSHOT_VERSION_TTL": 60.0})
    live = LiveServer(web)
    yield web, live
    live.stop()
    with web.app_context():
        db.engine.dispose()


def fetch(url: str, accept_encoding: str | None, method: str = "GET", **headers: str):
    """The response as sent: its raw bytes, never decoded by the client."""
    sent = {"Accept-Encoding": accept_encoding, **headers}
    if accept_encoding is None:
        sent["Accept-Encoding"] = None  # requests then sends no such header at all
    response = requests.request(method, url, headers=sent, stream=True, timeout=10)
    response.raw_bytes = response.raw.read(decode_content=False)  # type: ignore[attr-defined]
    response.close()
    return response


def vary(response) -> list[str]:
    return [name.strip() for name in response.headers.get("Vary", "").split(",") if name.strip()]


NEGOTIATION = (
    (None, None),  # no header: no coding
    ("", None),
    ("gzip", "gzip"),
    ("x-gzip", "gzip"),
    ("br", "br"),
    ("gzip, deflate, br", "br"),  # equal weights: the smaller one
    ("br;q=0.5, gzip", "gzip"),  # q-values honoured
    ("gzip;q=0.2, identity;q=0.8", None),
    ("identity", None),
    ("deflate", None),  # a coding not on offer: identity
    ("*", "br"),
    ("*;q=0.5, gzip", "gzip"),
    ("br;q=0, *", "gzip"),  # br refused, gzip by the wildcard
    ("GZIP;Q=1.0", "gzip"),  # case-insensitive
    ("gzip;q=bogus, br", "br"),  # a malformed weight drops only its element
    ("gzip;q=0, br;q=0", None),
    ("*;q=0", None),  # everything refused: identity is sent all the same (§12.1)
)


@pytest.mark.parametrize("fast_path", [False, True], ids=["flask", "fast-path"])
def test_each_accept_encoding_gets_its_stored_representation(served, fast_path):
    web, live = served
    plain = fetch(live.url + "/", None)  # renders the snapshot: the fast path may answer next
    assert plain.status_code == 200
    assert "Content-Encoding" not in plain.headers
    # A conditional request with a tag that matches nothing always goes through Flask.
    through = {} if fast_path else {"If-None-Match": '"no-such-tag"'}
    for accept_encoding, coding in NEGOTIATION:
        response = fetch(live.url + "/", accept_encoding, **through)
        assert response.status_code == 200, accept_encoding
        assert response.headers.get("Content-Encoding") == coding, accept_encoding
        assert int(response.headers["Content-Length"]) == len(response.raw_bytes)
        assert DECODE[coding](response.raw_bytes) == plain.raw_bytes, accept_encoding
        # One Vary line, the language's names and the coding's merged (RFC 9110 §12.5.5).
        assert vary(response) == ["Accept-Language", "Cookie", "Accept-Encoding"]
        if coding is not None:
            assert len(response.raw_bytes) < len(plain.raw_bytes) / 4
    assert web.extensions[STORE_KEY].renders == 1  # compressed once, picked per request


def test_each_coding_has_its_own_etag_and_304s_keep_working(served):
    _, live = served
    url = live.url + "/"
    responses = {coding: fetch(url, coding) for coding in ("identity", "gzip", "br")}
    etags = {coding: r.headers["ETag"] for coding, r in responses.items()}
    assert len(set(etags.values())) == 3  # a validator per representation (RFC 9110 §8.8.3)
    assert all(etag.startswith('"') and not etag.startswith("W/") for etag in etags.values())

    same = fetch(url, "gzip", **{"If-None-Match": etags["gzip"]})
    assert same.status_code == 304
    assert same.raw_bytes == b""
    assert same.headers["ETag"] == etags["gzip"]
    assert "Accept-Encoding" in vary(same)
    # The plain body's tag does not validate the gzip representation, nor the other way.
    other = fetch(url, "gzip", **{"If-None-Match": etags["identity"]})
    assert other.status_code == 200
    assert other.headers["Content-Encoding"] == "gzip"
    assert fetch(url, None, **{"If-None-Match": etags["br"]}).status_code == 200
    assert fetch(url, "br", **{"If-None-Match": etags["br"]}).status_code == 304


def test_head_says_what_get_would_send(served):
    _, live = served
    got = fetch(live.url + "/", "gzip")
    head = fetch(live.url + "/", "gzip", method="HEAD")
    assert head.status_code == 200
    assert head.raw_bytes == b""
    for name in ("Content-Encoding", "Content-Length", "ETag", "Vary"):
        assert head.headers[name] == got.headers[name]


def test_feeds_and_the_json_api_are_stored_compressed_too(served):
    _, live = served
    for path in ("/api/v2/summary.json", "/history.atom"):
        plain = fetch(live.url + path, None).raw_bytes
        zipped = fetch(live.url + path, "gzip")
        assert zipped.headers["Content-Encoding"] == "gzip", path
        assert gzip.decompress(zipped.raw_bytes) == plain
        assert vary(zipped)[-1] == "Accept-Encoding"


def test_the_worker_stores_the_compressed_bytes_and_web_processes_only_read_them(
    app: Flask, small_page, queue
):
    web = create_app({**app.config, "SNAPSHOT_RENDER_GRACE": 60.0})  # another process
    client = web.test_client()
    client.get("/")
    set_component_status(small_page.api, "major_outage")  # bumps the version, enqueues the job
    db.session.commit()
    assert drain(queue) >= 1
    store = web.extensions[STORE_KEY]
    renders = store.renders
    plain = client.get("/", headers={"Accept-Encoding": "identity"})
    zipped = client.get("/", headers={"Accept-Encoding": "gzip"})
    squeezed = client.get("/", headers={"Accept-Encoding": "br"})
    assert store.renders == renders  # every coding read from the worker's file
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert squeezed.headers["Content-Encoding"] == "br"
    assert gzip.decompress(zipped.data) == plain.data == brotli.decompress(squeezed.data)
    with web.app_context():
        db.engine.dispose()


def test_choose_is_rfc_9110_negotiation():
    offered = ("br", "gzip")
    assert choose("gzip;q=0.001, identity;q=0", offered) == "gzip"
    assert choose("identity;q=0, *;q=0", offered) == "identity"  # nothing acceptable
    assert choose("br;q=1.5, gzip", offered) == "gzip"  # 1.5 is no qvalue
    assert choose("gzip", ()) == "identity"  # nothing stored compressed
    assert choose(" gzip ; q=0.9 , br ; q=0.8 ", offered) == "gzip"
