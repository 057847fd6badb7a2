"""Page settings (statuspage/page/settings.py) called directly: what each field keeps, what it
refuses, and the audit entry and page version a change writes.

The owner's settings form is in tests/admin/test_settings.py.
"""

from __future__ import annotations

import pytest

from statuspage.audit.trail import Actor, events
from statuspage.core.errors import InvalidInput
from statuspage.page.settings import MAX_FOOTER_LINKS, update_settings
from statuspage.page.state import ensure_page, page_version

OWNER = Actor("staff:1 owner@example.com", ip="198.51.100.7")


def test_every_field_is_saved_cleaned_and_the_change_audited_with_before_and_after():
    ensure_page("Herald Status")
    version = page_version()[1]

    page = update_settings(
        actor=OWNER,
        name="  Acme Status ",
        time_zone="America/New_York",
        description="  How Acme is doing.  ",
        homepage_url=" https://acme.example ",
        logo_url="https://acme.example/logo.svg",
        brand_color="#1E7B34",
        footer_links=[{"label": " Support ", "url": "https://acme.example/support"}],
    )

    assert (page.name, page.time_zone, page.description) == (
        "Acme Status",
        "America/New_York",
        "How Acme is doing.",
    )
    assert (page.homepage_url, page.logo_url, page.brand_color) == (
        "https://acme.example",
        "https://acme.example/logo.svg",
        "#1e7b34",
    )
    assert page.footer_links == [{"label": "Support", "url": "https://acme.example/support"}]
    assert page_version()[1] > version
    (entry,) = events(action="settings.update")
    assert (entry.actor, entry.ip, entry.target_type, entry.target_id) == (
        OWNER.label,
        OWNER.ip,
        "page",
        page.id,
    )
    assert entry.before["name"] == "Herald Status"
    assert entry.after["name"] == "Acme Status"
    assert entry.after["footer_links"] == page.footer_links


def test_blank_text_and_addresses_clear_them_and_fields_left_out_are_kept():
    update_settings(
        description="Ours.", homepage_url="https://acme.example", logo_url="http://x.example/l.png"
    )
    page = update_settings(description=" ", homepage_url="", logo_url="  ")
    assert (page.description, page.homepage_url, page.logo_url) == (None, None, None)
    update_settings(brand_color="#0b57d0")
    page = update_settings(name="Acme Status")
    assert page.brand_color == "#0b57d0"
    page = update_settings(footer_links=[])
    assert page.footer_links == []


def test_languages_are_stored_in_shipped_order_and_all_of_them_as_none():
    page = update_settings(default_language="de", languages=["ja", "de"])
    assert (page.default_language, page.languages) == ("de", ["de", "ja"])
    page = update_settings(languages=["en", "de", "fr", "es", "ja", "ar"])
    assert page.languages is None  # every shipped language, and any shipped later


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "a page name is required"),
        ({"name": "   "}, "a page name is required"),
        ({"name": "x" * 201}, "a page name is at most 200 characters"),
        ({"name": "Acme\x00"}, "may not contain NUL"),
        ({"description": "\ud800"}, "not valid Unicode"),
        ({"time_zone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"homepage_url": "acme.example"}, "the homepage must be an http"),
        ({"homepage_url": "https://acme.example/a b"}, "the homepage must be an http"),
        ({"logo_url": "https://x.example/" + "l" * 500}, "the logo must be an http"),
        ({"logo_url": "javascript:alert(1)"}, "the logo must be an http"),
        ({"brand_color": "#1e7b3"}, "brand colour"),
        ({"brand_color": "green"}, "brand colour"),
        ({"footer_links": [{"label": "", "url": "https://x.example"}]}, "needs a label"),
        ({"footer_links": [{"label": "x" * 61, "url": "https://x.example"}]}, "at most 60"),
        ({"homepage_url": "https://acme.example/\x00"}, "may not contain NUL"),
        ({"default_language": "xx"}, "'xx' is not a language Herald ships"),
        ({"languages": ["en", "klingon"]}, "'klingon' is not a language Herald ships"),
        ({"languages": ["de", "ja"]}, r"the default language \(English\) must be one of the"),
        ({"default_language": "fr", "languages": ["en", "de"]}, "must be one of the enabled"),
        ({"footer_links": [{"url": "https://x.example"}]}, "needs a label"),
        ({"footer_links": [{"label": "Help", "url": "mailto:help@x.example"}]}, "Help must be"),
        ({"footer_links": [{"label": "Help"}]}, "Help must be an http"),
        (
            {"footer_links": [{"label": "Link", "url": "https://x.example"}] * 11},
            f"at most {MAX_FOOTER_LINKS} footer links",
        ),
    ],
)
def test_a_bad_value_is_refused_with_what_is_wrong_and_nothing_audited(change, message):
    with pytest.raises(InvalidInput, match=message):
        update_settings(**change)
    assert list(events()) == []
