"""Staff accounts as rows (tests/admin/staff_client.py's make_staff gives one that signs in)."""

from __future__ import annotations

from statuspage.extensions import db
from statuspage.models import Role, StaffUser

NO_SIGN_IN = "x"  # not a password hash: no password matches it


def staff_user(
    email: str,
    role: Role | str = Role.owner,
    *,
    active: bool = True,
    password_hash: str = NO_SIGN_IN,
) -> StaffUser:
    """A staff account, added and flushed, that nobody signs in as unless given a hash."""
    user = StaffUser(email=email, role=Role(role), password_hash=password_hash, active=active)
    db.session.add(user)
    db.session.flush()
    return user
