"""Organizations: their segments, mail domains, named members and API tokens."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, exists, false, or_, select, update
from sqlalchemy.orm import aliased

from statuspage.audience.membership import resolve_organizations
from statuspage.audience.segments import _segments, _text, _unused_name
from statuspage.audience.viewers import issue_organization_token, revoke_organization_token
from statuspage.audit.changes import record_change, record_created, record_removed
from statuspage.audit.trail import SYSTEM, Actor, record
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.extensions import db
from statuspage.models import (
    Channel,
    ContactPoint,
    Organization,
    OrganizationDomain,
    OrganizationMember,
    Segment,
    Subscriber,
)
from statuspage.subscribers.subscriptions import normalise_email

MAX_ORGANIZATION_NAME = 200
# Hostname labels joined by dots, ASCII only (an IDN is entered in its xn-- form).
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
# Addresses anyone can get: a domain rule for one would hand a customer's confidential
# notices to the whole world. Such people are added one by one, as explicit members.
SHARED_MAIL_DOMAINS = frozenset(
    {
        "aol.com", "gmail.com", "googlemail.com", "gmx.com", "gmx.de", "gmx.net", "hotmail.com",
        "icloud.com", "live.com", "mac.com", "mail.com", "mail.ru", "me.com", "msn.com",
        "outlook.com", "proton.me", "protonmail.com", "qq.com", "web.de", "yahoo.com",
        "yandex.ru", "zoho.com", "163.com",
    }
)  # fmt: skip


# --- organizations ---------------------------------------------------------------------------


def list_organizations() -> list[Organization]:
    return list(db.session.scalars(select(Organization).order_by(Organization.name)))


def get_organization(organization_id: int | str) -> Organization:
    try:
        number = int(organization_id)
    except (TypeError, ValueError):
        number = 0
    organization = db.session.get(Organization, number) if 0 < number < 2**31 else None
    if organization is None:
        raise NotFound(f"no organization {organization_id!r}")
    return organization


def _organization_values(organization: Organization) -> dict[str, Any]:
    return {"name": organization.name, "segments": [s.name for s in organization.segments]}


def create_organization(
    name: str, *, segments: Iterable[Segment | int | str] = (), actor: Actor = SYSTEM
) -> Organization:
    name = _text(name, "an organization name", MAX_ORGANIZATION_NAME, required=True)
    _unused_name(Organization, name, "an organization")
    organization = Organization(name=name, segments=_segments(segments))
    db.session.add(organization)
    db.session.flush()
    record_created(
        actor,
        "organization.create",
        organization,
        _organization_values,
        target_type="organization",
    )
    return organization


def update_organization(
    organization: Organization,
    *,
    name: str | None = None,
    segments: Iterable[Segment | int | str] | None = None,
    actor: Actor = SYSTEM,
) -> Organization:
    """Rename an organization, or make `segments` exactly the segments it belongs to (its
    people see, and receive, those segments' private notices from now on)."""
    with record_change(
        actor,
        "organization.update",
        organization,
        _organization_values,
        target_type="organization",
    ):
        if name is not None:
            name = _text(name, "an organization name", MAX_ORGANIZATION_NAME, required=True)
            _unused_name(Organization, name, "an organization", organization.id)
            organization.name = name
        if segments is not None:
            organization.segments = _segments(segments)
        db.session.flush()
    return organization


def delete_organization(organization: Organization, *, actor: Actor = SYSTEM) -> None:
    """Delete an organization with its domains and members; its subscribers are re-resolved
    (another organization may claim them by another rule)."""
    touched = _people_of(
        [d.domain for d in organization.domains], [m.email for m in organization.members]
    )
    record_removed(
        actor,
        "organization.delete",
        organization,
        _organization_values,
        target_type="organization",
        domains=[d.domain for d in organization.domains],
        members=len(organization.members),
    )
    db.session.execute(
        update(Subscriber)
        .where(Subscriber.organization_id == organization.id)
        .values(organization_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.delete(organization)
    db.session.flush()
    resolve_organizations(touched)


def clean_domain(raw: str) -> str:
    """A domain as a rule keeps it: lowercased, without "@" or a trailing dot; or InvalidInput."""
    domain = (raw or "").strip().lower().removeprefix("@").rstrip(".")
    if not _DOMAIN.match(domain):
        raise InvalidInput(f"{raw.strip()[:100]!r} is not a domain name like example.com")
    if domain in SHARED_MAIL_DOMAINS:
        raise InvalidInput(
            f"anyone can have an address at {domain}: add this customer's people as members "
            "one by one instead"
        )
    return domain


def add_domain(
    organization: Organization, domain: str, *, actor: Actor = SYSTEM
) -> OrganizationDomain:
    """Everyone with a verified address at `domain` belongs to the organization from now on.

    A domain belongs to one organization at most; asking for another's is an InvalidInput.
    """
    domain = clean_domain(domain)
    owner = db.session.scalars(
        select(OrganizationDomain).where(OrganizationDomain.domain == domain)
    ).one_or_none()
    if owner is not None:
        whose = "this" if owner.organization_id == organization.id else "another"
        raise InvalidInput(f"{domain} is already a domain of {whose} organization")
    row = OrganizationDomain(domain=domain)
    organization.domains.append(row)
    db.session.flush()
    resolved = resolve_organizations(_people_of([domain], []))
    record(
        actor,
        "organization.domain_add",
        target_type="organization",
        target_id=organization.id,
        after={"domain": domain, "subscribers_checked": resolved},
    )
    return row


def remove_domain(row: OrganizationDomain, *, actor: Actor = SYSTEM) -> None:
    organization_id, domain = row.organization_id, row.domain
    row.organization.domains.remove(row)  # delete-orphan: the row goes, the list agrees
    db.session.flush()
    resolved = resolve_organizations(_people_of([domain], []))
    record(
        actor,
        "organization.domain_remove",
        target_type="organization",
        target_id=organization_id,
        before={"domain": domain},
        after={"subscribers_checked": resolved},
    )


def get_domain(organization: Organization, domain_id: int) -> OrganizationDomain:
    row = db.session.get(OrganizationDomain, domain_id) if 0 < domain_id < 2**31 else None
    if row is None or row.organization_id != organization.id:
        raise NotFound(f"no domain {domain_id} in this organization")
    return row


def add_member(
    organization: Organization, email: str, *, actor: Actor = SYSTEM
) -> OrganizationMember:
    """`email` belongs to the organization from now on, whatever its domain."""
    _, email = normalise_email(email)
    if any(member.email == email for member in organization.members):
        raise InvalidInput(f"{email} is already a member of this organization")
    member = OrganizationMember(email=email)
    organization.members.append(member)
    db.session.flush()
    resolved = resolve_organizations(_people_of([], [email]))
    record(
        actor,
        "organization.member_add",
        target_type="organization",
        target_id=organization.id,
        after={"email": email, "subscribers_checked": resolved},
    )
    return member


def remove_member(member: OrganizationMember, *, actor: Actor = SYSTEM) -> None:
    organization_id, email = member.organization_id, member.email
    member.organization.members.remove(member)
    db.session.flush()
    resolved = resolve_organizations(_people_of([], [email]))
    record(
        actor,
        "organization.member_remove",
        target_type="organization",
        target_id=organization_id,
        before={"email": email},
        after={"subscribers_checked": resolved},
    )


def get_member(organization: Organization, member_id: int) -> OrganizationMember:
    member = db.session.get(OrganizationMember, member_id) if 0 < member_id < 2**31 else None
    if member is None or member.organization_id != organization.id:
        raise NotFound(f"no member {member_id} in this organization")
    return member


# --- whose subscribers a change touches ------------------------------------------------------


def _people_of(domains: Iterable[str], emails: Iterable[str]) -> ColumnElement[bool]:
    """Subscribers with an email contact point at one of `domains` or at one of `emails`."""
    email = aliased(ContactPoint)
    at = [email.address_key.like(f"%@{domain}") for domain in domains]  # no % or _ in domains
    emails = sorted(set(emails))
    if emails:
        at.append(email.address_key.in_(emails))
    if not at:
        return false()
    return exists().where(
        email.subscriber_id == Subscriber.id, email.channel == Channel.email, or_(*at)
    )


# --- an organization's private JSON API token ------------------------------------------------


def issue_api_token(organization: Organization, *, actor: Actor = SYSTEM) -> str:
    """A new private JSON API token for the organization (any previous one stops working).

    Returns the secret, to be shown once; Herald keeps its hash (audience.viewers).
    """
    replaced = organization.api_token_prefix
    secret = issue_organization_token(organization)
    record(
        actor,
        "organization.token_issue",
        target_type="organization",
        target_id=organization.id,
        before={"token_prefix": replaced} if replaced else None,
        after={"token_prefix": organization.api_token_prefix},
    )
    return secret


def revoke_api_token(organization: Organization, *, actor: Actor = SYSTEM) -> None:
    """The organization's API token stops working at once (nothing happens without one)."""
    if organization.api_token_hash is None:
        raise InvalidInput("this organization has no API token to revoke")
    prefix = organization.api_token_prefix
    revoke_organization_token(organization)
    record(
        actor,
        "organization.token_revoke",
        target_type="organization",
        target_id=organization.id,
        before={"token_prefix": prefix},
    )
