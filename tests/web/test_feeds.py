"""Atom and RSS feeds, read by a real feed parser."""

from __future__ import annotations

from xml.etree import ElementTree

import feedparser
import pytest

from statuspage.extensions import db
from statuspage.incidents.commands import PostUpdate
from statuspage.incidents.publishing import post_update
from statuspage.page.state import get_page


def _parse(client, path: str) -> feedparser.FeedParserDict:
    response = client.get(path)
    assert response.status_code == 200
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


@pytest.mark.parametrize(
    ("path", "version"), [("/history.atom", "atom10"), ("/history.rss", "rss20")]
)
def test_the_page_feed_has_one_entry_per_update_newest_first(client, small_page, path, version):
    feed = _parse(client, path)
    assert feed.version == version
    titles = [e.title for e in feed.entries]
    assert titles[0] == "Slow EU requests — Investigating"
    assert titles[1] == "Switch replacement — Scheduled"
    assert "Database failover — Resolved" in titles
    assert len(feed.entries) == 4  # 1 maintenance + 1 open + 2 on the old incident
    published = [e.published_parsed for e in feed.entries]
    assert published == sorted(published, reverse=True)
    first = feed.entries[0]
    assert first.link == f"http://status.example.test/incidents/{small_page.open_incident.id}"


def test_entry_dates_are_timezone_aware(client, small_page):
    response = client.get("/history.atom")
    assert b"+00:00</updated>" in response.data
    rss = client.get("/history.rss").data
    assert b"+0000</pubDate>" in rss


def test_entry_ids_are_stable_across_renders(client, small_page):
    before = {e.id for e in _parse(client, "/history.atom").entries}
    post_update(small_page.open_incident, PostUpdate("Still looking.", status="identified"))
    db.session.commit()
    after = {e.id for e in _parse(client, "/history.atom").entries}
    assert before < after
    assert len(after - before) == 1


def test_update_bodies_are_rendered_html(client, small_page):
    feed = _parse(client, "/history.atom")
    entry = next(e for e in feed.entries if e.title.startswith("Slow EU requests"))
    assert "<strong>latency</strong>" in entry.content[0].value


@pytest.mark.parametrize("extension", ["atom", "rss"])
def test_a_component_feed_carries_only_its_incidents(client, small_page, extension):
    feed = _parse(client, f"/components/{small_page.eu.id}/history.{extension}")
    assert {e.title.split(" — ")[0] for e in feed.entries} == {"Slow EU requests"}
    assert "EU West" in feed.feed.title


def test_an_unknown_component_feed_is_404(client, small_page):
    assert client.get("/components/nope/history.atom").status_code == 404


def test_the_status_page_advertises_its_feeds(client, small_page):
    html = client.get("/").data
    assert b'type="application/atom+xml"' in html
    assert b'type="application/rss+xml"' in html


ATOM_NS = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize("path", ["/history.atom", "/components/{api}/history.atom"])
def test_every_atom_feed_names_its_author(client, small_page, path):
    """RFC 4287 §4.1.1: atom:feed MUST contain one or more atom:author elements, unless all
    of the atom:entry elements contain at least one. Read with the stdlib XML parser (the
    element itself) and feedparser (what a reader shows)."""
    path = path.format(api=small_page.api.id)
    response = client.get(path)
    root = ElementTree.fromstring(response.data)  # noqa: S314 (our own feed, not untrusted)
    authors = root.findall(f"{ATOM_NS}author")
    entries = root.findall(f"{ATOM_NS}entry")
    assert authors or all(e.find(f"{ATOM_NS}author") is not None for e in entries)
    assert [a.findtext(f"{ATOM_NS}name") for a in authors] == [get_page().name]
    assert _parse(client, path).feed.author == get_page().name


@pytest.mark.parametrize("path", ["/history.atom", "/history.rss"])
def test_control_characters_in_stored_text_still_make_a_well_formed_feed(client, small_page, path):
    """XML 1.0 (§2.2) has no place for NUL, ESC or the other C0 controls but tab, LF and CR;
    a title stored before core.validation refused them must not take the feed down for
    everyone."""
    incident = small_page.open_incident
    incident.name = "EU\x1b[31m requests\x01 slow\x0b"
    update = post_update(incident, PostUpdate("Still slow.", status="identified"))
    update.body = "Still \x1bslow\x08."  # as stored before the rule
    page = get_page()
    page.name = "Acme\x0c Status"
    db.session.commit()
    feed = _parse(client, path)  # 200 and not bozo: well-formed to feedparser's parser
    assert feed.entries[0].title == "EU[31m requests slow — Identified"
    assert "Acme Status" in feed.feed.title
