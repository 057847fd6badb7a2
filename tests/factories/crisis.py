"""Crisis team members, through the roster service (audited, as the admin adds them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from statuspage.audit.trail import SYSTEM
from statuspage.crisis.roster import ContactLine, ensure_default_roles, save_member
from statuspage.extensions import db
from statuspage.models import CrisisRole, TeamMember


def crisis_role(name: str) -> CrisisRole:
    """One of the default roles, by name ("Comms lead", "Legal adviser", ...)."""
    ensure_default_roles()
    return db.session.scalars(select(CrisisRole).where(CrisisRole.name == name)).one()


def team_member(name: str, roles: list[str], *contacts: ContactLine, **extra: Any) -> TeamMember:
    """A member in the named default `roles`, reached on `contacts` in order; `extra` goes to
    save_member as it is (executive, timezone, quiet hours)."""
    return save_member(
        None,
        name=name,
        role_ids=[crisis_role(role).id for role in roles],
        contacts=list(contacts),
        actor=SYSTEM,
        **extra,
    )
