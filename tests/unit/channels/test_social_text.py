"""Social post text: one function fits an update to each network's length rules, link kept."""

from __future__ import annotations

import pytest

from statuspage.channels.base import Message
from statuspage.channels.social_text import MASTODON_RULES, X_RULES, post_length, render_post

URL = "http://status.example.test/incidents/abc123"


def message(social_text: str | None = None, body: str = "We are looking into it.") -> Message:
    return Message(
        subject="",
        text="",
        html="",
        short_text="",
        url=URL,
        title="API down: Investigating",
        body_text=body,
        social_text=social_text,
    )


def test_the_default_post_is_the_title_the_words_and_the_link():
    assert render_post(message(), X_RULES) == (
        f"API down: Investigating\nWe are looking into it.\n{URL}"
    )


def test_staff_text_replaces_the_default_and_gets_the_link_when_it_has_none():
    assert render_post(message("Payments are back."), MASTODON_RULES) == (
        f"Payments are back.\n{URL}"
    )


def test_staff_text_that_places_the_link_itself_is_kept_as_written():
    own = f"Payments are back, details: {URL} — thanks for your patience."
    assert render_post(message(own), X_RULES) == own


def test_a_long_staff_text_with_the_link_inside_is_cut_and_the_link_moved_last():
    own = f"Details at {URL} " + "word " * 100
    text = render_post(message(own), X_RULES)
    assert post_length(text, X_RULES) <= 280
    assert text.startswith("Details at word word")
    assert text.endswith(f"…\n{URL}")
    assert text.count(URL) == 1


@pytest.mark.parametrize(("rules", "limit"), [(X_RULES, 280), (MASTODON_RULES, 500)])
def test_links_count_23_whatever_their_length(rules, limit):
    long_link = "https://docs.example.com/" + "a" * 200
    body = f"See {long_link} for the workaround. " + "x" * (limit - 23 - 60)
    text = render_post(message(body=body), rules)
    assert long_link in text  # a link is never cut in the middle
    assert post_length(text, rules) <= limit


def test_x_counts_a_bare_domain_as_a_link_at_least():
    assert post_length("see acme.io now", X_RULES) == len("see  now") + 23
    assert post_length("see acme.io now", MASTODON_RULES) == len("see acme.io now")
    assert post_length("ends with https://a.io/x.", X_RULES) == len("ends with .") + 23


def test_a_text_that_fits_is_not_cut():
    body = "x" * (500 - 23 - 1 - len("API down: Investigating\n"))
    text = render_post(message(body=body), MASTODON_RULES)
    assert "…" not in text
    assert post_length(text, MASTODON_RULES) == 500
