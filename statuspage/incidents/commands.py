"""What staff ask the incident services to write, one frozen value per kind of write.

The admin forms and the management API's body readers each build one of these, and the
services in `publishing` and `maintenance` take it whole: a new field is added in one place
instead of to every signature between a form and the database. The values carry what was
asked, not what is allowed: the services check them (statuses, lengths, components, windows)
in one place, against the incident they apply to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from statuspage.models import Component, ComponentStatus, Impact, IncidentStatus, Segment

# Affected components by id (or the component itself) and the status each takes.
ComponentStatuses = Mapping[Component | str, ComponentStatus | str]


class Translation(NamedTuple):
    """An update's title and message in one more language than the page's default.

    `title` None keeps the incident's name in that language as an earlier update gave it
    (else the default language's). A plain `(language, title, body)` tuple reads the same.
    """

    language: str
    title: str | None
    body: str


Translations = Sequence[Translation | tuple[str, str | None, str]]


@dataclass(frozen=True, slots=True)
class OpenIncident:
    """Open an incident with its first update (`publishing.create_incident`).

    `at` backfills: the incident, its first update and the status changes all happen then;
    `display_at` is when the update says it was posted. With `segments` the incident is
    private to them. `impact` None derives it from the components' statuses.
    """

    name: str
    body: str
    _: KW_ONLY
    status: IncidentStatus | str = IncidentStatus.investigating
    impact: Impact | str | None = None
    components: ComponentStatuses | None = None
    at: datetime | None = None
    display_at: datetime | None = None
    deliver_notifications: bool = True
    custom_tweet: str | None = None
    ack_window: timedelta | None = None
    segments: Sequence[Segment | int] = ()
    translations: Translations = ()


@dataclass(frozen=True, slots=True)
class PostUpdate:
    """Add an update to an incident or a maintenance window (`publishing.post_update`).

    `status` None keeps the incident's; `ack_window` asks recipients to acknowledge receipt
    within it (else the next contact point is tried). `translations` give the update in the
    page's other enabled languages (each optional; a reader's missing one falls back).
    """

    body: str
    _: KW_ONLY
    status: IncidentStatus | str | None = None
    components: ComponentStatuses | None = None
    impact: Impact | str | None = None
    at: datetime | None = None
    display_at: datetime | None = None
    deliver_notifications: bool = True
    custom_tweet: str | None = None
    ack_window: timedelta | None = None
    translations: Translations = ()


@dataclass(frozen=True, slots=True)
class ScheduleMaintenance:
    """Announce a maintenance window (`maintenance.schedule_maintenance`).

    Its `components` change status only when the window starts; `auto_start` and
    `auto_complete` let the sweep move it at its edges, `remind_prior` reminds before it.
    """

    name: str
    body: str
    _: KW_ONLY
    scheduled_for: datetime
    scheduled_until: datetime
    components: Sequence[Component | str] = ()
    at: datetime | None = None
    deliver_notifications: bool = True
    auto_start: bool = False
    auto_complete: bool = False
    remind_prior: bool = False
    segments: Sequence[Segment | int] = ()
    translations: Translations = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class EditIncident:
    """Change an incident's own fields without an update (`publishing.edit_incident`).

    Every field None is left as it is, so a PATCH or a form names only what it changes.
    """

    name: str | None = None
    impact: Impact | str | None = None
    scheduled_for: datetime | None = None
    scheduled_until: datetime | None = None
    auto_start: bool | None = None
    auto_complete: bool | None = None
    remind_prior: bool | None = None
