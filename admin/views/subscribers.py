"""Subscribers: the searchable list, one person's contact points and deliveries, CSV in and out."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import (
    Response,
    abort,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from admin.access import actor
from admin.forms.subscribers import (
    EndpointContactForm,
    SubscriberImportForm,
    SubscriberSearchForm,
)
from admin.layout import http_error
from admin.outcome import attempt, done, form_status
from statuspage.channels import registry
from statuspage.clock import utcnow
from statuspage.core.csv_safety import spreadsheet_cell
from statuspage.extensions import db
from statuspage.models import Channel
from statuspage.subscribers import endpoint_urls, endpoints, roster

MAX_ID = 2**63 - 1


def _before() -> int | None:
    value = request.args.get("before", "")
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
        abort(400)  # not an id: letters, "²", or past what a 64-bit column holds
    return int(value)


def index() -> tuple[str, int]:
    form = SubscriberSearchForm(request.args)
    if not form.validate():
        return render_template("admin/subscribers/index.html", form=form, page=None), 400
    query = (form.q.data or "").strip()
    page = roster.search_subscribers(query, before=_before())
    return render_template("admin/subscribers/index.html", form=form, page=page, q=query), 200


def show(subscriber_id: int, form: EndpointContactForm | None = None) -> str:
    person = roster.get_subscriber(subscriber_id)
    return render_template(
        "admin/subscribers/show.html",
        person=person,
        history=roster.delivery_history(person.id),
        limit=roster.HISTORY_LIMIT,
        endpoint_form=form or EndpointContactForm(formdata=None),
    )


def add_endpoint(subscriber_id: int) -> str | tuple[str, int] | Response:
    """A webhook or chat contact point for this person. A chat hook must take the welcome
    message; a webhook's signing secret is shown in this response only (as API keys are)."""
    person = roster.get_subscriber(subscriber_id)
    form = EndpointContactForm()
    if form.validate_on_submit():
        channel = Channel(form.channel.data)
        loopback = registry.allow_loopback()
        with attempt(form):
            contact, secret = endpoints.add_endpoint(
                person,
                channel,
                form.url.data,
                adapter=registry.endpoint_channel(channel),
                actor=actor(),
                now=utcnow(),
                notify_email=form.notify_email.data,
                allow_loopback=loopback,
            )
            label = endpoint_urls.LABELS[channel]
            if secret is None:
                return done(
                    _("%(label)s added; its welcome message was posted.", label=label),
                    "admin.subscriber",
                    subscriber_id=person.id,
                )
            db.session.commit()
            return render_template(
                "admin/secret.html",
                title=(
                    _("Webhook added for %(name)s", name=person.name)
                    if person.name
                    else _("Webhook added for subscriber #%(id)s", id=person.id)
                ),
                what=_("Signing secret"),
                secret=secret,
                note=_(
                    "Updates are POSTed to %(address)s, signed per Standard Webhooks with this "
                    "secret. Give it to whoever runs the endpoint: it is not shown again.",
                    address=contact.address,
                ),
                back_url=url_for("admin.subscriber", subscriber_id=person.id),
            )
    return show(subscriber_id, form), form_status()


def _import_page(form: SubscriberImportForm, report: roster.ImportReport | None = None) -> str:
    return render_template(
        "admin/subscribers/import.html", form=form, report=report, limit=roster.MAX_REPORTED
    )


def import_csv() -> str | tuple[str, int]:
    """Check (dry run) or import an uploaded CSV, read as a stream; the report shows either way."""
    form = SubscriberImportForm()
    if form.validate_on_submit():
        dry_run = not form.confirm.data
        text = io.TextIOWrapper(form.file.data.stream, encoding="utf-8-sig", newline="")
        try:
            with attempt(form):
                report = roster.import_subscribers(
                    text, opted_in=form.opted_in.data, dry_run=dry_run, actor=actor()
                )
                db.session.commit()  # a dry run wrote nothing: this commits nothing
                return _import_page(form, report)
        finally:
            text.detach()  # the upload's own stream is closed by the request, not by us
    return _import_page(form), form_status()


def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """An upload over MAX_CONTENT_LENGTH, refused before any view ran (CSRF reads the form)."""
    if request.endpoint != "admin.subscribers_import":
        return http_error(error)  # type: ignore[return-value]
    form = SubscriberImportForm(formdata=None)
    form.form_errors.append(_("the file is larger than 1 MB; split it and import each part"))
    return _import_page(form), 413


def _csv_lines(query: str) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in roster.export_rows(query):
        writer.writerow([spreadsheet_cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def export_csv() -> Response:
    """Every matching subscriber's email addresses, streamed; the export itself is audited."""
    query = request.args.get("q", "").strip()[:200]
    roster.record_export(actor(), query)
    db.session.commit()
    response = Response(
        stream_with_context(_csv_lines(query)), content_type="text/csv; charset=utf-8"
    )
    filename = f"herald-subscribers-{utcnow():%Y%m%d-%H%M}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
