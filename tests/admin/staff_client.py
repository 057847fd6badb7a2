"""A browser-like test client for the admin, and the staff accounts it signs in with.

CSRF protection stays on in tests: the client reads the token from the page it was served,
the way a browser submits a form, and sends it back with the POST.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash
from werkzeug.test import TestResponse

from statuspage.extensions import db
from statuspage.models import Role, StaffUser
from tests.factories import staff_user

PASSWORD = "correct horse battery staple"
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


@dataclass
class Staff:
    """A browser-like client: GETs the form's page for its token, then POSTs the form.

    Each request runs in an app context of its own, as in production. The test's own context
    would otherwise be shared by every request, and with it `g`, where Flask-Login keeps the
    signed-in user and Flask-WTF the CSRF token: two clients in one test would see each other.
    """

    client: FlaskClient
    user: StaffUser | None = None

    def open(self, method: str, url: str, **kwargs) -> TestResponse:
        db.session.commit()  # the request reads what the test wrote, on its own connection
        with self.client.application.app_context():
            return self.client.open(url, method=method, **kwargs)

    def get(self, url: str, **kwargs) -> TestResponse:
        return self.open("GET", url, **kwargs)

    def post(self, url: str, data: Mapping[str, object] | None = None) -> TestResponse:
        """A POST without a CSRF token, as a forged form would send it."""
        return self.open("POST", url, data=dict(data or {}))

    def token(self, page: str = "/admin/login") -> str:
        response = self.get(page)
        assert response.status_code == 200, (page, response.status_code)
        return csrf_from(response.get_data(as_text=True))

    def submit(
        self, url: str, data: Mapping[str, object] | None = None, *, page: str | None = None
    ) -> TestResponse:
        """POST `data` to `url` with the token from `page` (default: the dashboard or sign-in)."""
        default_page = "/admin/" if self.user is not None else "/admin/login"
        return self.post(url, {"csrf_token": self.token(page or default_page), **(data or {})})

    def login(self, email: str, password: str = PASSWORD) -> TestResponse:
        data = {"email": email, "password": password}
        return self.submit("/admin/login", data, page="/admin/login")


@functools.cache
def password_hash() -> str:
    """PASSWORD's scrypt hash, made once: a fresh hash per account would cost 0.2 s each."""
    return generate_password_hash(PASSWORD, method="scrypt")


def make_staff(role: Role | str, email: str | None = None) -> StaffUser:
    """A staff account whose password is PASSWORD (accounts made by the admin are tested
    through its forms; this is only the cast of a test)."""
    role = Role(role)
    user = staff_user(
        (email or f"{role.value}@example.com").lower(), role, password_hash=password_hash()
    )
    db.session.commit()
    return user


def signed_in(app: Flask, role: Role | str) -> Staff:
    user = make_staff(role)
    staff = Staff(app.test_client(), user)
    response = staff.login(user.email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return staff
