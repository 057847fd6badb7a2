"""The Social accounts screen (owner only): credentials saved masked and audited, enable and
disable, a test post through the real adapter, removal; the composer's custom social text."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from statuspage.extensions import db
from statuspage.models import AuditEvent, Channel, ContactPoint, IncidentUpdate, SocialAccount
from statuspage.page.state import get_page
from statuspage.social import accounts
from tests.admin.staff_client import Staff, signed_in
from tests.admin.world import World
from tests.fakes.social import MASTODON_TOKEN

X_FORM = {
    "label": "@acmestatus",
    "consumer_key": "ck-AAAAAAAAAAAAAAAAAAAAAA-1111",
    "consumer_secret": "cs-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB-2222",
    "access_token": "at-CCCCCCCCCCCCCCCCCCCCCCCCCCCC-3333",
    "access_token_secret": "as-DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD-4444",
    "enabled": "y",
}
SECRETS = [v for k, v in X_FORM.items() if k not in ("label", "enabled")]


def save_x(owner: Staff, **change: str):
    return owner.submit("/admin/social/x", X_FORM | change, page="/admin/social")


def save_mastodon(owner: Staff, url: str, token: str = MASTODON_TOKEN, **change: str):
    data = {"label": "@acme@fake", "base_url": url, "access_token": token, "enabled": "y"}
    return owner.submit("/admin/social/mastodon", data | change, page="/admin/social")


def account(network: Channel) -> SocialAccount | None:
    db.session.commit()
    db.session.expire_all()
    return accounts.get_account(network)


def test_credentials_are_saved_shown_only_by_their_last_characters_and_audited(owner: Staff):
    response = save_x(owner)
    assert response.status_code == 302
    saved = account(Channel.x)
    assert saved.credentials["consumer_secret"] == X_FORM["consumer_secret"]
    assert saved.enabled

    html = owner.get("/admin/social").get_data(as_text=True)
    assert "X account saved." in html
    for secret in SECRETS:
        assert secret not in html
        assert f"…{secret[-4:]}" in html
    assert "@acmestatus" in html
    assert "Send a test post" in html

    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "social.save")).one()
    assert event.after["credentials_changed"] == sorted(
        ["access_token", "access_token_secret", "consumer_key", "consumer_secret"]
    )
    assert not any(secret in str(event.after) for secret in SECRETS)


def test_blank_secrets_keep_the_saved_ones(owner: Staff):
    save_x(owner)
    blank = {k: "" for k in ("consumer_key", "consumer_secret", "access_token_secret")}
    response = save_x(owner, access_token="at-rotated-5555", **blank)
    assert response.status_code == 302
    creds = account(Channel.x).credentials
    assert creds["access_token"] == "at-rotated-5555"
    assert creds["consumer_key"] == X_FORM["consumer_key"]


def test_missing_or_malformed_credentials_are_refused_on_the_form(owner: Staff, mastodon):
    response = save_x(owner, consumer_secret="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The consumer secret is required" in html
    assert not any(secret in html for secret in SECRETS)  # typed secrets are not sent back
    response = save_mastodon(owner, "mastodon.example/@acme")
    assert response.status_code == 422
    assert "The Mastodon server is its address" in response.get_data(as_text=True)
    assert account(Channel.x) is None
    assert account(Channel.mastodon) is None


def test_saving_an_account_makes_a_syndication_subscriber_and_disabling_stops_it(
    owner: Staff, world: World
):
    save_x(owner)
    contact = db.session.get(ContactPoint, account(Channel.x).contact_point_id)
    assert (contact.channel, contact.address, contact.active) == (Channel.x, "x:@acmestatus", True)
    assert contact.verified_at is not None
    assert contact.subscriber.kind.value == "syndication"
    assert contact.subscriber.all_components
    listing = owner.get("/admin/subscribers").get_data(as_text=True)
    assert "@acmestatus" not in listing  # the page's own account is not a person

    save_x(owner, enabled="")
    db.session.expire_all()
    assert not account(Channel.x).enabled
    assert not db.session.get(ContactPoint, contact.id).active
    assert "Disabled" in owner.get("/admin/social").get_data(as_text=True)

    save_x(owner)  # enabled again: the same contact point, active again
    db.session.expire_all()
    again = db.session.get(ContactPoint, account(Channel.x).contact_point_id)
    assert (again.id, again.active) == (contact.id, True)


def test_the_test_post_goes_through_the_adapter_and_shows_the_answer(owner: Staff, mastodon):
    save_mastodon(owner, mastodon.url)
    response = owner.submit("/admin/social/mastodon/test", page="/admin/social")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    (status,) = mastodon.posted
    assert f"Test post sent to Mastodon: post {status['id']}." in html
    (request,) = mastodon.requests
    assert request.text.startswith(f"Test post from {get_page().name}: status updates will")
    assert request.text.endswith("http://status.example.test")
    assert request.fields["visibility"] == "public"
    db.session.commit()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "social.test_post")
    ).one()
    assert event.after["outcome"] == "sent"


def test_a_failed_test_post_says_why(owner: Staff, x_api):
    save_x(owner)
    x_api.fail_next(401, {"title": "Unauthorized", "detail": "Unauthorized", "status": 401})
    response = owner.submit("/admin/social/x/test", page="/admin/social")
    html = response.get_data(as_text=True)
    assert "The test post failed (the network refused it)" in html
    assert "401 Unauthorized" in html
    assert len(x_api.requests) == 1


def test_a_test_post_needs_an_account(owner: Staff):
    response = owner.submit("/admin/social/x/test", page="/admin/social")
    assert response.status_code == 422
    assert "Save the X account&#39;s credentials first" in response.get_data(as_text=True)


def test_removing_an_account_forgets_its_credentials(owner: Staff):
    save_x(owner)
    contact_id = account(Channel.x).contact_point_id
    assert "Remove the X account" in owner.get("/admin/social").get_data(as_text=True)
    response = owner.submit("/admin/social/x/remove", page="/admin/social")
    assert response.status_code == 302
    assert account(Channel.x) is None
    assert not db.session.get(ContactPoint, contact_id).active
    assert "The X account was removed." in owner.get("/admin/social").get_data(as_text=True)
    assert owner.submit("/admin/social/mastodon/remove", page="/admin/social").status_code == 404


def test_an_unknown_network_is_not_found(owner: Staff):
    assert owner.submit("/admin/social/myspace", X_FORM, page="/admin/social").status_code == 404


@pytest.mark.parametrize("role", ["comms", "responder", "legal", "viewer"])
def test_only_owners_reach_the_screen(app: Flask, role: str):
    staff = signed_in(app, role)
    assert staff.get("/admin/social").status_code == 403
    assert staff.submit("/admin/social/x", X_FORM).status_code == 403
    assert staff.submit("/admin/social/x/test").status_code == 403
    assert "Social" not in staff.get("/admin/").get_data(as_text=True)
    assert account(Channel.x) is None


def test_the_owner_finds_the_screen_in_the_navigation(owner: Staff):
    assert 'href="/admin/social"' in owner.get("/admin/").get_data(as_text=True)


def test_the_composer_and_the_update_form_take_a_custom_social_text(owner: Staff, world: World):
    composer = owner.get("/admin/incidents/new").get_data(as_text=True)
    assert "Custom social text" in composer
    response = owner.submit(
        "/admin/incidents/new",
        {
            "name": "Card payments failing",
            "status": "investigating",
            "body": "Long technical words.",
            "social_text": "Card payments are failing; we are on it.",
        },
        page="/admin/incidents/new",
    )
    assert response.status_code == 302
    incident_url = response.location
    response = owner.submit(
        f"{incident_url}/updates",
        {"status": "identified", "body": "Found it.", "social_text": "Found the cause."},
        page=incident_url,
    )
    assert response.status_code == 302
    db.session.commit()
    texts = set(db.session.scalars(select(IncidentUpdate.custom_tweet)))
    assert {"Card payments are failing; we are on it.", "Found the cause."} <= texts
