"""Staff sign-in: one generic failure message, throttling, sign-out, and the sign-in gate."""

from __future__ import annotations

import pytest
from flask import Flask

from admin import ROUTES
from statuspage.extensions import db
from statuspage.staff.accounts import deactivate_staff
from tests.admin.staff_client import PASSWORD, Staff, make_staff, signed_in
from tests.admin.test_screens import url_of
from tests.admin.world import World

GENERIC = "Email or password is incorrect."


def test_staff_sign_in_with_email_and_password_and_land_on_the_dashboard(anonymous: Staff):
    user = make_staff("comms", "Ann@Example.com")
    response = anonymous.login("ann@example.com")
    assert response.status_code == 302
    assert response.location == "/admin/"
    dashboard = anonymous.get("/admin/")
    assert dashboard.status_code == 200
    assert "ann@example.com" in dashboard.get_data(as_text=True)
    db.session.refresh(user)
    assert user.last_login_at is not None


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ann@example.com", "wrong password here"),
        ("nobody@example.com", PASSWORD),
        ("", ""),
    ],
    ids=["wrong-password", "unknown-email", "empty"],
)
def test_a_failed_sign_in_never_says_which_part_was_wrong(anonymous: Staff, email, password):
    make_staff("comms", "ann@example.com")
    response = anonymous.login(email, password)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    if email:
        assert GENERIC in html
    for telltale in ("unknown", "no account", "not found", "wrong password", "does not exist"):
        assert telltale not in html.lower()
    assert anonymous.get("/admin/").status_code == 302  # still signed out


def test_a_deactivated_account_gets_the_same_message(anonymous: Staff):
    user = make_staff("comms", "gone@example.com")
    user.active = False
    db.session.commit()
    response = anonymous.login("gone@example.com")
    assert response.status_code == 422
    assert GENERIC in response.get_data(as_text=True)


def test_sign_in_is_throttled_per_client_address(anonymous: Staff):
    make_staff("owner", "boss@example.com")
    for attempt in range(5):
        response = anonymous.login(f"guess{attempt}@example.com", "nope nope nope")
        assert response.status_code == 422
    throttled = anonymous.login("boss@example.com")  # even the right password waits
    assert throttled.status_code == 429
    assert "Too many attempts" in throttled.get_data(as_text=True)
    assert "Retry-After" in throttled.headers


def test_sign_in_is_throttled_per_submitted_email_across_addresses(app: Flask):
    make_staff("owner", "boss@example.com")

    def attempt_from(address: str, email: str):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return Staff(client).login(email, "not the password")

    for n in range(5):
        assert attempt_from(f"198.51.100.{n}", "boss@example.com").status_code == 422
    assert attempt_from("198.51.100.99", "boss@example.com").status_code == 429
    assert attempt_from("198.51.100.99", "other@example.com").status_code == 422


def test_sign_out_is_a_post_with_a_csrf_token(app: Flask):
    staff = signed_in(app, "comms")
    assert staff.get("/admin/logout").status_code == 405
    assert staff.post("/admin/logout").status_code == 400  # no token
    assert staff.get("/admin/").status_code == 200
    response = staff.submit("/admin/logout")
    assert response.status_code == 302
    assert response.location == "/admin/login"
    assert staff.get("/admin/").status_code == 302


def test_a_session_cookie_kept_after_sign_out_signs_nobody_in(app: Flask):
    """Sign-out ends the session on the server: a saved copy of the cookie (a stolen one, or
    one left on a shared computer) no longer opens the admin."""
    staff = signed_in(app, "comms")
    name = app.config["SESSION_COOKIE_NAME"]
    saved = staff.client.get_cookie(name, path="/").value
    copy = Staff(app.test_client())  # its own app context per request, as in production
    copy.client.set_cookie(name, saved)
    assert copy.get("/admin/").status_code == 200  # the copy works while the session is on
    staff.submit("/admin/logout")
    response = copy.get("/admin/")
    assert response.status_code == 302
    assert response.location.startswith("/admin/login")


def test_deactivating_an_account_ends_its_sessions_for_good(app: Flask, owner: Staff):
    staff = signed_in(app, "comms")
    assert staff.user is not None
    deactivate_staff(staff.user)
    staff.user.active = True  # reactivated: it signs in again, its old sessions stay ended
    db.session.commit()
    assert staff.get("/admin/").status_code == 302


def test_every_admin_page_sends_anonymous_visitors_to_sign_in(anonymous: Staff, world: World):
    pages = [r for r in ROUTES if r.read]
    assert len(pages) > 20
    for route in pages:
        url = url_of(route.rule, world)
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert response.location.startswith("/admin/login"), url


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(anonymous: Staff):
    make_staff("comms", "ann@example.com")
    asked = anonymous.get("/admin/components")
    assert asked.location == "/admin/login?next=/admin/components"
    page = anonymous.get(asked.location).get_data(as_text=True)
    assert 'name="next" type="hidden" value="/admin/components"' in page
    response = anonymous.submit(
        "/admin/login",
        {"email": "ann@example.com", "password": PASSWORD, "next": "/admin/components"},
    )
    assert response.location == "/admin/components"

    other = Staff(anonymous.client.application.test_client())
    for off_site in ("https://evil.example/admin/", "//evil.example/admin/", "/\\evil.example"):
        response = other.submit(
            "/admin/login",
            {"email": "ann@example.com", "password": PASSWORD, "next": off_site},
        )
        assert response.location == "/admin/", off_site
        other.submit("/admin/logout", page="/admin/")


def test_a_deactivated_account_is_signed_out_at_its_next_request(app: Flask):
    staff = signed_in(app, "comms")
    assert staff.user is not None
    staff.user.active = False
    db.session.commit()
    response = staff.get("/admin/")
    assert response.status_code == 302
    assert response.location.startswith("/admin/login")


def test_admin_pages_are_never_cached_or_framed(owner: Staff):
    response = owner.get("/admin/")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_public_page_still_never_reads_the_session(owner: Staff):
    """The admin's context processor is the blueprint's alone: public snapshots stay cookie-free."""
    response = owner.get("/")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    # The language picker's cookie is the only cookie the page varies on (the session
    # would add a second `Cookie`); the content coding is the other thing it varies on.
    assert response.headers.get_all("Vary") == ["Accept-Language, Cookie, Accept-Encoding"]
    assert "Sign out" not in response.get_data(as_text=True)
