"""Private viewers' credentials (statuspage/audience/viewers.py) called directly: single-use
sign-in links, feed tokens and organization API tokens, and the segment labels a viewer reads.

Signing in, feeds and the JSON API over HTTP are in tests/web/test_private_viewers.py.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from statuspage.audience.membership import viewer_for
from statuspage.audience.viewers import (
    FEED_TOKEN_PREFIX,
    ORGANIZATION_TOKEN_PREFIX,
    LinkAlreadyUsed,
    create_feed_token,
    email_for_feed_token,
    feed_tokens,
    issue_organization_token,
    may_sign_in,
    new_sign_in,
    organization_for_token,
    revoke_feed_tokens,
    revoke_organization_token,
    segment_names,
    shared_with,
    sign_in_email,
    use_sign_in_link,
)
from statuspage.audience.visibility import PUBLIC, STAFF, Viewer
from statuspage.clock import utcnow
from statuspage.components.catalog import create_component
from statuspage.core.errors import InvalidInput
from statuspage.extensions import db
from statuspage.links import MAX_AGE
from statuspage.models import UsedSignInLink, ViewerFeedToken, Visibility
from tests.factories import organization, segment


def test_only_an_address_of_an_organization_may_sign_in():
    organization("Acme", domains=["acme.example"], members=["bob@partner.example"])
    assert may_sign_in("ann@acme.example")
    assert may_sign_in(" Bob@Partner.example ")
    assert not may_sign_in("eve@elsewhere.example")


def test_a_sign_in_link_works_once():
    payload = new_sign_in("  Ann@Acme.example ")
    assert payload["e"] == "ann@acme.example"
    assert len(payload["l"]) >= 16
    assert new_sign_in("ann@acme.example")["l"] != payload["l"]
    now = utcnow()

    assert sign_in_email(payload) == "ann@acme.example"
    assert use_sign_in_link(payload, now) == "ann@acme.example"

    assert sign_in_email(payload) is None
    with pytest.raises(LinkAlreadyUsed, match="used already"):
        use_sign_in_link(payload, now)
    assert issubclass(LinkAlreadyUsed, InvalidInput)  # the views answer it as bad input


@pytest.mark.parametrize(
    "payload", [None, "ann@acme.example", {}, {"e": "ann@acme.example"}, {"e": 1, "l": "x"},
                {"e": "ann@acme.example", "l": ""}, {"e": "ann@acme.example", "l": 7}],
)  # fmt: skip
def test_a_malformed_link_payload_signs_nobody_in(payload):
    assert sign_in_email(payload) is None
    if isinstance(payload, dict):
        with pytest.raises(LinkAlreadyUsed):
            use_sign_in_link(payload, utcnow())


def test_links_spent_longer_ago_than_a_link_lives_are_forgotten():
    now = utcnow()
    lifetime = timedelta(seconds=MAX_AGE["sign_in"])
    old, recent = new_sign_in("ann@acme.example"), new_sign_in("ann@acme.example")
    use_sign_in_link(old, now - lifetime - timedelta(minutes=1))
    use_sign_in_link(recent, now - lifetime + timedelta(minutes=1))

    use_sign_in_link(new_sign_in("ann@acme.example"), now)

    kept = set(db.session.scalars(select(UsedSignInLink.link_id)))
    assert old["l"] not in kept
    assert recent["l"] in kept


def test_a_feed_token_is_shown_once_kept_hashed_and_replaces_the_live_one():
    now = utcnow()
    first = create_feed_token(" Ann@Acme.example ", now)
    second = create_feed_token("ann@acme.example", now + timedelta(minutes=1))

    assert first.startswith(FEED_TOKEN_PREFIX)
    assert email_for_feed_token(second) == "ann@acme.example"
    assert email_for_feed_token(first) is None  # replaced
    (live,) = feed_tokens("ANN@acme.example")
    assert live.token_hash == hashlib.sha256(second.encode()).hexdigest()
    stored = db.session.scalars(select(ViewerFeedToken.token_hash)).all()
    assert first not in stored
    assert second not in stored


def test_revoking_stops_every_live_feed_token_of_the_address_only():
    now = utcnow()
    ann = create_feed_token("ann@acme.example", now)
    bob = create_feed_token("bob@acme.example", now)

    assert revoke_feed_tokens("ann@acme.example", now) == 1
    assert revoke_feed_tokens("ann@acme.example", now) == 0

    assert email_for_feed_token(ann) is None
    assert email_for_feed_token(bob) == "bob@acme.example"
    assert feed_tokens("ann@acme.example") == []


@pytest.mark.parametrize("secret", ["", "hfd_unknown", "not-a-feed-token", "hrdo_elsewhere"])
def test_an_unknown_feed_token_names_nobody(secret):
    create_feed_token("ann@acme.example", utcnow())
    assert email_for_feed_token(secret) is None


def test_an_organization_token_replaces_the_last_and_is_revoked():
    acme = organization("Acme")
    first = issue_organization_token(acme)
    second = issue_organization_token(acme)

    assert second.startswith(ORGANIZATION_TOKEN_PREFIX)
    assert acme.api_token_prefix == second[:12]
    assert acme.api_token_hash == hashlib.sha256(second.encode()).hexdigest()
    assert organization_for_token(second) is acme
    assert organization_for_token(first) is None
    assert organization_for_token(FEED_TOKEN_PREFIX + second) is None

    revoke_organization_token(acme)
    assert (acme.api_token_hash, acme.api_token_prefix) == (None, None)
    assert organization_for_token(second) is None


def test_a_viewer_reads_the_names_of_their_segments_only():
    eu, us, apac = segment("EU"), segment("US"), segment("APAC")
    organization("Acme", segments=[us, eu], domains=["acme.example"])

    assert segment_names(viewer_for("ann@acme.example")) == ["EU", "US"]
    assert segment_names(PUBLIC) == []
    assert segment_names(Viewer(segment_ids=frozenset({apac.id}))) == ["APAC"]


def test_shared_with_never_names_a_segment_the_viewer_is_not_in():
    eu, us = segment("EU"), segment("US")
    tenant_db = create_component("Tenant DB")
    tenant_db.visibility, tenant_db.segments = Visibility.segments, [eu, us]
    public = create_component("API")

    assert shared_with(Viewer(segment_ids=frozenset({eu.id})), tenant_db) == ["EU"]
    assert shared_with(STAFF, tenant_db) == ["EU", "US"]
    assert shared_with(PUBLIC, tenant_db) == []
    assert shared_with(STAFF, public) == []
