"""Internal contact paths Herald cannot use as configured (an SMS number without Twilio): the
roster, regulator, call-out and briefing screens warn of them before anyone counts on them."""

from __future__ import annotations

from collections.abc import Iterable

from statuspage.channels import registry
from statuspage.crisis.notices import current_contacts
from statuspage.models import ContactPoint, TeamMember


def unreachable_paths(points: Iterable[ContactPoint]) -> list[ContactPoint]:
    """The active paths among `points` on a channel that is not configured: saved and kept,
    but every delivery to them is parked as "stuck: channel not configured"."""
    missing = registry.unconfigured()
    return [p for p in points if p.active and p.channel.value in missing]


def only_unreachable(members: Iterable[TeamMember]) -> list[TeamMember]:
    """The members whose every active path is on a channel that is not configured: a page or
    briefing reaches none of them until it is."""
    stranded = []
    for member in members:
        active = [p for p in current_contacts(member.subscriber) if p.active]
        if active and len(unreachable_paths(active)) == len(active):
            stranded.append(member)
    return stranded
