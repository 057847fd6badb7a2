"""Segments: the slices of customers a private notice or component is for (owners edit them)."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Table, func, select

from admin.access import actor
from admin.forms.audience import SegmentForm
from admin.forms.confirm import ConfirmForm
from admin.outcome import ViewResult, attempt, done, form_status
from statuspage.audience import segments
from statuspage.extensions import db
from statuspage.models import component_segment, incident_segment


def _uses(table: Table) -> dict[int, int]:
    """Per segment id: how many rows of `table` (components, incidents) are scoped to it."""
    return dict(
        db.session.execute(
            select(table.c.segment_id, func.count()).group_by(table.c.segment_id)
        ).all()
    )


def _list(form: SegmentForm) -> tuple[str, int]:
    return render_template(
        "admin/segments/index.html",
        form=form,
        segments=segments.list_segments(),
        components=_uses(component_segment),
        incidents=_uses(incident_segment),
    ), form_status()


def index() -> tuple[str, int]:
    return _list(SegmentForm(formdata=None))


def create() -> ViewResult:
    form = SegmentForm()
    if form.validate_on_submit():
        with attempt(form):
            segment = segments.create_segment(
                form.name.data,
                kind=form.kind.data or "",
                description=form.description.data or "",
                actor=actor(),
            )
            return done(_("Segment “%(name)s” created.", name=segment.name), "admin.segments")
    return _list(form)


def edit(segment_id: int) -> ViewResult:
    segment = segments.get_segment(segment_id)
    form = SegmentForm(obj=segment)
    if form.validate_on_submit():
        with attempt(form):
            segments.update_segment(
                segment,
                name=form.name.data,
                kind=form.kind.data or "",
                description=form.description.data or "",
                actor=actor(),
            )
            return done(_("Segment “%(name)s” saved.", name=segment.name), "admin.segments")
    return render_template("admin/segments/form.html", form=form, segment=segment), form_status()


def delete(segment_id: int) -> ViewResult:
    segment = segments.get_segment(segment_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = segment.name
        segments.delete_segment(segment, actor=actor())
        return done(_("Segment “%(name)s” deleted.", name=name), "admin.segments")
    private = _uses(incident_segment).get(segment.id, 0)
    return render_template(
        "admin/confirm.html",
        form=form,
        title=_("Delete segment “%(name)s”?", name=segment.name),
        message=ngettext(
            "Its organizations stay, in their other segments. Its %(num)d private incident "
            "and its private components stay private: to their other segments, or to staff "
            "alone where it was their only one. Nothing becomes public.",
            "Its organizations stay, in their other segments. Its %(num)d private incidents "
            "and its private components stay private: to their other segments, or to staff "
            "alone where it was their only one. Nothing becomes public.",
            private,
        ),
        confirm_label=_("Delete"),
        cancel_url=url_for("admin.segments"),
    )
