"""API keys and staff accounts (owner only): secrets are shown once, and every change audited."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from statuspage.extensions import db
from statuspage.models import ApiKey, AuditEvent, StaffUser
from statuspage.staff.accounts import api_key_for
from tests.admin.staff_client import Staff
from tests.admin.world import World

SECRET = re.compile(r'value="(hrld_[A-Za-z0-9_-]+)"')


def test_an_api_key_secret_is_shown_once_and_works(owner: Staff, world: World):
    response = owner.submit("/admin/api-keys/new", {"name": "status-bot", "role": "comms"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    secret = SECRET.search(html).group(1)
    assert "shown only once" in html

    db.session.commit()
    key = api_key_for(secret)
    assert key is not None
    assert key.name == "status-bot"
    assert key.role.value == "comms"
    listing = owner.get("/admin/api-keys").get_data(as_text=True)
    assert "status-bot" in listing
    assert key.prefix in listing
    assert secret not in listing  # never again
    assert secret not in owner.get("/admin/audit").get_data(as_text=True)
    with owner.client.session_transaction() as session:
        assert secret not in str(dict(session))  # not flashed into the cookie either
    entry = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api_key.create"))
    assert entry.one().after["prefix"] == key.prefix


def test_revoke_an_api_key(owner: Staff, world: World):
    url = f"/admin/api-keys/{world.api_key.id}/revoke"
    assert "Every integration using it stops working" in owner.get(url).get_data(as_text=True)
    response = owner.submit(url, page=url)
    assert response.status_code == 302
    db.session.commit()
    key = db.session.get(ApiKey, world.api_key.id)
    assert key.revoked_at is not None
    assert "revoked" in owner.get("/admin/api-keys").get_data(as_text=True)


def test_an_api_key_needs_a_name(owner: Staff, world: World):
    response = owner.submit("/admin/api-keys/new", {"name": "", "role": "comms"})
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)


def test_create_a_staff_account_and_sign_in_with_the_password_shown_once(
    app: Flask, owner: Staff, world: World
):
    response = owner.submit(
        "/admin/staff/new", {"email": "Casey@Example.com", "name": "Casey", "role": "responder"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    password = re.search(r'id="secret"[^>]*value="([^"]+)"', html).group(1)
    assert len(password) >= 12
    assert password not in owner.get("/admin/staff").get_data(as_text=True)

    casey = Staff(app.test_client())
    assert casey.login("casey@example.com", password).status_code == 302
    page = casey.get("/admin/").get_data(as_text=True)
    assert "Casey" in page
    assert "responder" in page
    db.session.commit()
    entry = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "staff.create")).one()
    assert entry.after["email"] == "casey@example.com"
    assert password not in str(entry.after)


def test_a_duplicate_email_is_a_form_error(owner: Staff, world: World):
    response = owner.submit(
        "/admin/staff/new", {"email": "colleague@example.com", "role": "viewer"}
    )
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)


def test_deactivate_a_colleague_ends_their_session(app: Flask, owner: Staff, world: World):
    colleague = Staff(app.test_client(), world.colleague)
    assert colleague.login("colleague@example.com").status_code == 302
    url = f"/admin/staff/{world.colleague.id}/deactivate"
    response = owner.submit(url, page=url)
    assert response.status_code == 302
    db.session.commit()
    assert db.session.get(StaffUser, world.colleague.id).active is False
    assert colleague.get("/admin/").status_code == 302
    assert colleague.login("colleague@example.com").status_code == 422


def test_the_last_owner_cannot_be_deactivated(owner: Staff, world: World):
    url = f"/admin/staff/{owner.user.id}/deactivate"
    response = owner.submit(url, page=url)
    assert response.status_code == 422
    assert "The last active owner cannot be deactivated" in response.get_data(as_text=True)
