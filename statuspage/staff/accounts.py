"""Staff accounts and API keys: creation, password checks, key lookup."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from statuspage.audit.changes import record_change, record_created
from statuspage.audit.trail import SYSTEM, Actor
from statuspage.clock import utcnow
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.core.sessions import end_every_staff_session
from statuspage.core.validation import choice, email_address
from statuspage.extensions import db
from statuspage.i18n import LANGUAGES
from statuspage.i18n.zones import is_zone
from statuspage.models import ApiKey, Role, StaffUser

MIN_PASSWORD = 12
# Checked against when the address is unknown, so a miss costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("herald-timing-equaliser", method="scrypt")


def _role(value: Role | str) -> Role:
    return choice(Role, value, "role")


def _email(value: str) -> str:
    """Staff sign in by address in any case, so it is kept lowercased."""
    return email_address(value, problem="a valid email address is required").lower()


def create_user(
    email: str, role: Role | str, *, name: str = "", password: str | None = None
) -> tuple[StaffUser, str]:
    """Create a staff account; returns it with its password (generated when not given).

    Unaudited: tests and the audited `add_staff` build on it. Every surface that acts for
    someone (admin, CLI) calls `add_staff`.
    """
    email = _email(email)
    if db.session.scalar(select(StaffUser.id).where(StaffUser.email == email)):
        raise InvalidInput(f"a staff account for {email} already exists")
    password = password or secrets.token_urlsafe(15)
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password has at least {MIN_PASSWORD} characters")
    user = StaffUser(
        email=email,
        name=name.strip(),
        role=_role(role),
        password_hash=generate_password_hash(password, method="scrypt"),
    )
    db.session.add(user)
    db.session.flush()
    return user, password


def authenticate(email: str, password: str) -> StaffUser | None:
    """The active account with this email and password, or None (same time either way)."""
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == (email or "").lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def staff_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(StaffUser)))


def _key_hash(secret: str) -> str:
    # API keys are long random strings, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(
    name: str, role: Role | str, *, created_by: StaffUser | None = None
) -> tuple[ApiKey, str]:
    """Create an API key; returns it with the secret, which is shown once and never stored.

    Unaudited: surfaces that act for someone (admin, CLI) call `issue_api_key`.
    """
    name = (name or "").strip()
    if not name:
        raise InvalidInput("an API key needs a name")
    secret = "hrld_" + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name[:200],
        prefix=secret[:12],
        key_hash=_key_hash(secret),
        role=_role(role),
        created_by_id=created_by.id if created_by else None,
    )
    db.session.add(key)
    db.session.flush()
    return key, secret


def api_key_for(secret: str) -> ApiKey | None:
    """The live key with this secret, or None."""
    if not secret:
        return None
    key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == _key_hash(secret)))
    if key is None or key.revoked_at is not None:
        return None
    key.last_used_at = utcnow()
    return key


def revoke_api_key(key: ApiKey) -> None:
    key.revoked_at = key.revoked_at or utcnow()
    db.session.flush()


# Audited entry points for the admin panel (and the management API): the functions above
# stay as they are for the CLI and tests; these add who did it to the audit trail.
STAFF_FIELDS = ("email", "name", "role", "active")
API_KEY_FIELDS = ("name", "prefix", "role", "revoked_at")


def list_staff() -> list[StaffUser]:
    return list(db.session.scalars(select(StaffUser).order_by(StaffUser.email)))


def get_staff(user_id: int) -> StaffUser:
    user = db.session.get(StaffUser, user_id)
    if user is None:
        raise NotFound(f"no staff account {user_id!r}")
    return user


def add_staff(
    email: str, role: Role | str, *, name: str = "", actor: Actor = SYSTEM
) -> tuple[StaffUser, str]:
    """`create_user` with a generated password, audited; the password is never recorded."""
    user, password = create_user(email, role, name=name)
    record_created(actor, "staff.create", user, STAFF_FIELDS, target_type="staff_user")
    return user, password


def deactivate_staff(user: StaffUser, *, actor: Actor = SYSTEM) -> StaffUser:
    """Stop an account from signing in (its open sessions end at their next request).

    Refuses to deactivate the last active owner: nobody could then manage staff at all.
    """
    if not user.active:
        return user
    if user.role is Role.owner:
        owners = db.session.scalar(
            select(func.count())
            .select_from(StaffUser)
            .where(StaffUser.role == Role.owner, StaffUser.active.is_(True))
        )
        if owners <= 1:
            raise InvalidInput("the last active owner cannot be deactivated")
    with record_change(actor, "staff.deactivate", user, STAFF_FIELDS, target_type="staff_user"):
        user.active = False
        end_every_staff_session(user.id, utcnow())  # reactivating does not bring them back
        db.session.flush()
    return user


PREFERENCE_FIELDS = ("time_zone", "language")


def set_preferences(
    user: StaffUser, *, time_zone: str | None, language: str | None, actor: Actor = SYSTEM
) -> StaffUser:
    """Set a staff member's own zone and language, audited. Blank clears them: the admin then
    uses the page's zone and English. An unknown zone or language is refused."""
    time_zone = (time_zone or "").strip() or None
    language = (language or "").strip() or None
    if time_zone is not None and not is_zone(time_zone):
        raise InvalidInput(f"{time_zone!r} is not a time zone Herald knows")
    if language is not None and language not in LANGUAGES:
        raise InvalidInput(f"{language!r} is not a language Herald speaks")
    with record_change(
        actor, "staff.preferences", user, PREFERENCE_FIELDS, target_type="staff_user"
    ):
        user.time_zone, user.language = time_zone, language
        db.session.flush()
    return user


def list_api_keys() -> list[ApiKey]:
    """Every key, live ones first, newest first."""
    query = select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc())
    return list(db.session.scalars(query))


def get_api_key(key_id: int) -> ApiKey:
    key = db.session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"no API key {key_id!r}")
    return key


def issue_api_key(
    name: str, role: Role | str, *, created_by: StaffUser | None = None, actor: Actor = SYSTEM
) -> tuple[ApiKey, str]:
    """`create_api_key`, audited; the entry names the key by its prefix, never its secret."""
    key, secret = create_api_key(name, role, created_by=created_by)
    record_created(actor, "api_key.create", key, API_KEY_FIELDS, target_type="api_key")
    return key, secret


def withdraw_api_key(key: ApiKey, *, actor: Actor = SYSTEM) -> ApiKey:
    """`revoke_api_key`, audited; revoking a revoked key changes and records nothing."""
    if key.revoked_at is not None:
        return key
    with record_change(actor, "api_key.revoke", key, API_KEY_FIELDS, target_type="api_key"):
        revoke_api_key(key)
    return key
