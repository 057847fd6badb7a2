"""Warnings of contact paths Herald cannot use as configured (crisis.reachability), flashed
beside the success message of the save or page that involved them."""

from __future__ import annotations

from collections.abc import Iterable

from flask import flash
from flask_babel import gettext as _
from flask_babel import ngettext

from statuspage.crisis.reachability import only_unreachable, unreachable_paths
from statuspage.models import ContactPoint, TeamMember

WARNING = "warning"  # the flash category base.html shows as an alert


def warn_unreachable_paths(points: Iterable[ContactPoint]) -> None:
    """One warning per saved path on a channel that is not configured."""
    for point in unreachable_paths(points):
        flash(
            _(
                "SMS is not configured: this path cannot be reached (%(address)s). It is "
                "saved; messages to it wait as “stuck: channel not configured”.",
                address=point.address,
            ),
            WARNING,
        )


def warn_stranded_members(members: Iterable[TeamMember]) -> None:
    """A warning naming the members a page or briefing just sent cannot reach at all."""
    stranded = only_unreachable(members)
    if stranded:
        flash(
            ngettext(
                "%(num)d member has only unreachable paths (SMS is not configured) and was "
                "not reached: %(names)s.",
                "%(num)d members have only unreachable paths (SMS is not configured) and were "
                "not reached: %(names)s.",
                len(stranded),
                names=", ".join(m.name for m in stranded),
            ),
            WARNING,
        )
