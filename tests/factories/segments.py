"""Segments and organizations as rows only: no audit entry, no page version, no re-resolved
subscribers (tests of those go through statuspage/audience/segments.py and organizations.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from statuspage.extensions import db
from statuspage.models import Organization, OrganizationDomain, OrganizationMember, Segment


def segment(name: str, **fields: Any) -> Segment:
    """A segment, added and flushed."""
    row = Segment(name=name, **fields)
    db.session.add(row)
    db.session.flush()
    return row


def organization(
    name: str,
    *,
    segments: Sequence[Segment] = (),
    domains: Sequence[str] = (),
    members: Sequence[str] = (),
    **fields: Any,
) -> Organization:
    """An organization in `segments`, claiming addresses at `domains` and the addresses in
    `members`; added and flushed."""
    row = Organization(name=name, segments=list(segments), **fields)
    row.domains += [OrganizationDomain(domain=domain) for domain in domains]
    row.members += [OrganizationMember(email=email) for email in members]
    db.session.add(row)
    db.session.flush()
    return row
