"""Choosing an audience: the segments to pick from, and the composer's live reach preview.

The preview is asked as a GET with the form's own field names (`audience`, `segment_ids`,
`component-<id>` selects or `components` checkboxes), so admin.js sends the form as it
stands and the page renders the same sentence before any script runs.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import abort, jsonify, request
from flask.wrappers import Response
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from admin.forms.audience import AudienceMixin
from admin.forms.incidents import COMPONENT_PREFIX
from statuspage.audience.reach import Reach, reach
from statuspage.audience.segments import list_segments
from statuspage.models import IncidentKind

NO_SEGMENT = _l("Choose at least one segment to see who this reaches.")


def _counted(n: int, one: str, many: str) -> str:
    return ngettext(one, many, n, count=format_number(n))


def reach_sentence(found: Reach) -> str:
    """The preview line, plurals and numbers by Babel in the staff member's language:
    "Reaches 1,204 people in 3 organizations through 1,180 contact points: EU, US."."""
    people = _counted(found.people, "%(count)s person", "%(count)s people")
    points = _counted(found.contact_points, "%(count)s contact point", "%(count)s contact points")
    if not found.segments:
        return _("Public: reaches %(people)s through %(points)s.", people=people, points=points)
    organizations = _counted(
        found.organizations, "%(count)s organization", "%(count)s organizations"
    )
    return _(
        "Reaches %(people)s in %(organizations)s through %(points)s: %(segments)s.",
        people=people,
        organizations=organizations,
        points=points,
        segments=", ".join(found.segments),
    )


def segment_choices() -> list[SelectChoice]:
    return [
        SelectChoice(str(s.id), f"{s.name} ({s.kind})" if s.kind else s.name)
        for s in list_segments()
    ]


def _ids(values: Iterable[str]) -> list[int]:
    """Segment ids as the form sends them; anything that cannot be one is not."""
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 9]


def preview(kind: IncidentKind | str, fields: MultiDict[str, str]) -> tuple[Reach | None, str]:
    """Who the form's audience would reach, and the sentence staff read; no Reach while a
    private audience has no segment yet (counting the public then would mislead)."""
    private = fields.get("audience") == "segments"
    segment_ids = _ids(fields.getlist("segment_ids")) if private else []
    if private and not segment_ids:
        return None, str(NO_SEGMENT)
    component_ids = fields.getlist("components") + [
        name.removeprefix(COMPONENT_PREFIX)
        for name, value in fields.items(multi=True)
        if name.startswith(COMPONENT_PREFIX) and value
    ]
    found = reach(segment_ids, component_ids, kind)
    return found, reach_sentence(found)


def form_preview(
    kind: IncidentKind | str, form: AudienceMixin, component_ids: Iterable[str]
) -> str:
    """The sentence for a composer or maintenance form as it stands (shown before any script
    runs, and again with a refused form)."""
    fields = MultiDict(
        [
            ("audience", form.audience.data or ""),
            *(("segment_ids", value) for value in form.segment_ids.data or []),
            *(("components", component_id) for component_id in component_ids),
        ]
    )
    return preview(kind, fields)[1]


def reach_json() -> Response:
    """GET ?kind=incident|maintenance&<the form's fields>: the composer's live preview."""
    kind = request.args.get("kind", IncidentKind.incident.value)
    if kind not in {k.value for k in IncidentKind}:
        abort(400)
    found, sentence = preview(kind, request.args)
    return jsonify(
        people=found.people if found else 0,
        organizations=found.organizations if found else 0,
        contact_points=found.contact_points if found else 0,
        segments=list(found.segments) if found else [],
        sentence=sentence,
    )
