"""Staff accounts, passwords and API keys."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from statuspage.core.errors import InvalidInput
from statuspage.extensions import db
from statuspage.models import AuditEvent, Role
from statuspage.staff.accounts import (
    api_key_for,
    authenticate,
    create_api_key,
    create_user,
    revoke_api_key,
)
from statuspage.staff.permissions import Action, Forbidden, allows, require


def test_a_generated_password_works_and_is_stored_hashed():
    user, password = create_user("Ann@Example.com", "owner")
    assert user.email == "ann@example.com"
    assert password not in user.password_hash
    assert user.password_hash.startswith("scrypt:")
    assert authenticate("ann@example.com", password) is user
    assert authenticate("ann@example.com", password + "x") is None
    assert authenticate("bob@example.com", password) is None


def test_inactive_accounts_cannot_sign_in():
    user, password = create_user("ann@example.com", "comms")
    user.active = False
    assert authenticate("ann@example.com", password) is None


@pytest.mark.parametrize(
    ("email", "role", "password", "message"),
    [
        ("not-an-email", "owner", None, "valid email"),
        ("ann@example.com", "emperor", None, "role must be one of"),
        ("ann@example.com", "owner", "short", "at least 12"),
    ],
)
def test_bad_accounts_are_refused(email, role, password, message):
    with pytest.raises(InvalidInput, match=message):
        create_user(email, role, password=password)


def test_one_account_per_address():
    create_user("ann@example.com", "owner")
    with pytest.raises(InvalidInput, match="already exists"):
        create_user("ANN@example.com", "viewer")


def test_api_keys_are_found_by_secret_and_stop_working_when_revoked():
    key, secret = create_api_key("deploy bot", "comms")
    assert secret not in key.key_hash
    assert api_key_for(secret) is key
    assert api_key_for(secret + "x") is None
    assert api_key_for("") is None
    revoke_api_key(key)
    assert api_key_for(secret) is None


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        (Role.owner, Action.manage_staff, True),
        (Role.comms, Action.publish, True),
        (Role.comms, Action.manage_staff, False),
        (Role.responder, Action.draft, True),
        (Role.responder, Action.publish, False),
        (Role.legal, Action.approve, True),
        (Role.legal, Action.publish, False),
        (Role.viewer, Action.read_admin, True),
        (Role.viewer, Action.draft, False),
    ],
)
def test_the_role_table(role, action, allowed):
    assert allows(role, action) is allowed
    if not allowed:
        with pytest.raises(Forbidden):
            require(role, action)


def test_cli_creates_users_and_keys(app):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-user", "owner@example.com", "--role", "owner"])
    assert made.exit_code == 0, made.output
    password = made.output.strip().splitlines()[-1].removeprefix("Password: ")
    assert authenticate("owner@example.com", password) is not None
    key = runner.invoke(args=["create-api-key", "ci-bot"])
    assert key.exit_code == 0, key.output
    assert api_key_for(key.output.strip().splitlines()[-1]) is not None
    bad = runner.invoke(args=["create-user", "x@example.com", "--role", "king"])
    assert bad.exit_code != 0
    assert "role must be one of" in bad.output
    recorded = db.session.execute(select(AuditEvent.actor, AuditEvent.action)).all()
    assert set(recorded) == {
        ("cli:create-user", "staff.create"),
        ("cli:create-api-key", "api_key.create"),
    }
