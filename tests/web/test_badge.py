"""Status badges: shields-style SVG per page and per component, from the public snapshot."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from statuspage.components.catalog import create_component, set_component_status
from statuspage.extensions import db
from statuspage.incidents.commands import PostUpdate
from statuspage.incidents.publishing import post_update
from statuspage.public.export import export_site

SVG_NS = "{http://www.w3.org/2000/svg}"
GREEN, YELLOW, ORANGE, RED, BLUE = "#1e7b34", "#8a6100", "#b34700", "#b3261e", "#1f5fbf"


def parse(data: bytes) -> ET.Element:
    svg = ET.fromstring(data)  # noqa: S314 - our own response, not untrusted input
    assert svg.tag == f"{SVG_NS}svg"
    return svg


def halves(svg: ET.Element) -> tuple[ET.Element, ET.Element]:
    """The label's and the message's background rectangles, inside the rounded clip."""
    shape = svg.find(f"{SVG_NS}g[@clip-path]")
    assert shape is not None
    label_rect, message_rect, _gloss = shape.findall(f"{SVG_NS}rect")
    return label_rect, message_rect


def read_badge(svg: ET.Element) -> tuple[str, str, str]:
    """(label, message, message colour) as a viewer of the badge sees them."""
    texts = [t.text for t in svg.iter(f"{SVG_NS}text") if t.get("aria-hidden") != "true"]
    label, message = texts
    _label_rect, message_rect = halves(svg)
    assert svg.findtext(f"{SVG_NS}title") == f"{label}: {message}"
    assert svg.get("aria-label") == f"{label}: {message}"
    return label, message, message_rect.get("fill") or ""


def test_the_page_badge_shows_the_overall_status(client, small_page):
    response = client.get("/badge.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    svg = parse(response.data)
    assert read_badge(svg) == ("status", "minor outage", YELLOW)
    assert svg.get("height") == "20"
    assert b"<script" not in response.data
    assert b"style" not in response.data  # presentation attributes only: a strict CSP holds


@pytest.mark.parametrize(
    ("status", "message", "colour"),
    [
        ("operational", "operational", GREEN),
        ("degraded_performance", "degraded performance", YELLOW),
        ("partial_outage", "partial outage", ORANGE),
        ("major_outage", "major outage", RED),
        ("under_maintenance", "under maintenance", BLUE),
    ],
)
def test_a_component_badge_shows_its_status_in_its_colour(
    client, small_page, status, message, colour
):
    set_component_status(small_page.api, status)
    db.session.commit()
    svg = parse(client.get(f"/components/{small_page.api.id}/badge.svg").data)
    assert read_badge(svg) == ("API", message, colour)


@pytest.mark.parametrize(
    ("eu_status", "message", "colour"),
    [
        ("partial_outage", "partial outage", ORANGE),
        ("major_outage", "major outage", RED),
        ("under_maintenance", "under maintenance", BLUE),
    ],
)
def test_the_page_badge_follows_the_indicator(client, small_page, eu_status, message, colour):
    # The open incident (minor impact) would keep the page at "minor": resolve it first.
    post_update(small_page.open_incident, PostUpdate("Fixed.", status="resolved"))
    set_component_status(small_page.eu, eu_status)
    db.session.commit()
    assert read_badge(parse(client.get("/badge.svg").data)) == ("status", message, colour)


def test_the_page_badge_is_green_when_all_is_well(client, small_page):
    post_update(small_page.open_incident, PostUpdate("Fixed.", status="resolved"))
    set_component_status(small_page.eu, "operational")
    db.session.commit()
    assert read_badge(parse(client.get("/badge.svg").data)) == ("status", "operational", GREEN)


def test_a_component_name_is_escaped(client, small_page):
    name = '<Edge> & "CDN" \'s'
    component = create_component(name)
    db.session.commit()
    response = client.get(f"/components/{component.id}/badge.svg")
    assert b"<Edge>" not in response.data
    assert b'"CDN"' not in response.data
    label, message, _ = read_badge(parse(response.data))
    assert (label, message) == (name, "operational")


def widths(svg: ET.Element) -> tuple[int, int, int]:
    label_rect, message_rect = halves(svg)
    return (
        int(svg.get("width") or 0),
        int(label_rect.get("width") or 0),
        int(message_rect.get("width") or 0),
    )


def test_the_width_follows_the_text(client, small_page):
    short = create_component("DB")
    long = create_component("Payments and invoicing")
    wide = create_component("WWWW")
    narrow = create_component("iiii")
    db.session.commit()
    sized = {
        c.name: widths(parse(client.get(f"/components/{c.id}/badge.svg").data))
        for c in (short, long, wide, narrow)
    }
    for total, label, message in sized.values():
        assert total == label + message  # the two halves fill the badge exactly
    assert sized["DB"][2] == sized["WWWW"][2]  # the same message, the same width
    assert sized["Payments and invoicing"][1] > sized["DB"][1] + 100
    assert sized["WWWW"][1] > sized["iiii"][1] * 2  # per-character widths, not a count
    # Text is laid out to the measured width, whatever font the viewer has.
    svg = parse(client.get(f"/components/{long.id}/badge.svg").data)
    lengths = {t.get("textLength") for t in svg.iter(f"{SVG_NS}text") if t.text == long.name}
    assert lengths == {str((sized["Payments and invoicing"][1] - 10) * 10)}


def test_an_unknown_component_is_not_found(client, small_page):
    response = client.get("/components/nosuchcomponent/badge.svg")
    assert response.status_code == 404
    assert "public" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("which", ["page", "component"])
def test_badges_carry_validators_and_answer_304(client, small_page, which):
    path = "/badge.svg" if which == "page" else f"/components/{small_page.eu.id}/badge.svg"
    first = client.get(path)
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert first.headers["Last-Modified"].endswith(" GMT")
    etag = first.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    set_component_status(small_page.eu, "major_outage")
    db.session.commit()
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert read_badge(parse(changed.data))[1] == "major outage"


def test_the_export_writes_every_badge(app, client, small_page, tmp_path):
    target = tmp_path / "site"
    export_site(app, target)
    assert (target / "badge.svg").read_bytes() == client.get("/badge.svg").data
    for component in (small_page.api, small_page.web, small_page.eu, small_page.standalone):
        exported = (target / f"components/{component.id}/badge.svg").read_bytes()
        assert read_badge(parse(exported))[0] == component.name
