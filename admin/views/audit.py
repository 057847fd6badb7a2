"""The audit trail: a filtered table, and CSV / JSON exports streamed straight from the database."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from itertools import islice
from typing import Any

from flask import Response, abort, render_template, request, stream_with_context

from admin.forms.audit import AuditFilterForm
from statuspage.audit.trail import events
from statuspage.clock import utcnow
from statuspage.core.csv_safety import spreadsheet_cell
from statuspage.i18n.web import current_zone
from statuspage.i18n.zones import local_to_utc, utc_to_local
from statuspage.models import AuditEvent

TABLE_ROWS = 500
DEFAULT_DAYS = 7
COLUMNS = (
    "id", "at", "actor", "ip", "action", "target_type", "target_id", "incident_id",
    "before", "after", "prev_hash", "hash",
)  # fmt: skip


def _filters(form: AuditFilterForm) -> dict[str, Any]:
    """The form's filters as `events` takes them; a period's last day is included. Days are
    the staff member's (their zone's midnights), as the table shows its times."""
    since, until = form.since.data, form.until.data
    zone = current_zone()
    return {
        "incident_id": (form.incident_id.data or "").strip() or None,
        "action": (form.action.data or "").strip() or None,
        "since": local_to_utc(datetime.combine(since, time.min), zone) if since else None,
        "until": (
            local_to_utc(datetime.combine(until + timedelta(days=1), time.min), zone)
            if until
            else None
        ),
    }


def _record(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in COLUMNS} | {"at": event.at.isoformat()}


def index() -> tuple[str, int]:
    form = AuditFilterForm(request.args)
    if not request.args:  # first visit: the last week, so the newest entries are on screen
        today = utc_to_local(utcnow(), current_zone()).date()
        form.since.data = today - timedelta(days=DEFAULT_DAYS - 1)
    if not form.validate():
        return render_template("admin/audit.html", form=form, rows=[], more=False), 400
    rows = list(islice(events(**_filters(form)), TABLE_ROWS + 1))
    return render_template(
        "admin/audit.html",
        form=form,
        rows=rows[:TABLE_ROWS],
        more=len(rows) > TABLE_ROWS,
        limit=TABLE_ROWS,
        query=_query(form),
    ), 200


def _query(form: AuditFilterForm) -> dict[str, str]:
    """The filters as query arguments, for the export links."""
    return {
        name: str(form[name].data)
        for name in ("incident_id", "action", "since", "until")
        if form[name].data
    }


def _filename(form: AuditFilterForm, extension: str) -> str:
    parts = ["herald-audit", *_query(form).values()]
    return re.sub(r"[^A-Za-z0-9._-]", "_", "-".join(parts))[:150] + "." + extension


def _export(extension: str, content_type: str, lines: Any) -> Response:
    form = AuditFilterForm(request.args)
    if not form.validate():
        abort(400)
    response = Response(stream_with_context(lines(_filters(form))), content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(form, extension)}"'
    return response


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else str(value)
    return spreadsheet_cell(text)


def _csv_lines(filters: dict[str, Any]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for event in events(**filters):
        writer.writerow([_cell(value) for value in _record(event).values()])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()  # the header alone when nothing matched


def _json_lines(filters: dict[str, Any]) -> Iterator[str]:
    yield "["
    for index, event in enumerate(events(**filters)):
        yield ("," if index else "") + "\n" + json.dumps(_record(event), sort_keys=True)
    yield "\n]\n"


def export_csv() -> Response:
    return _export("csv", "text/csv; charset=utf-8", _csv_lines)


def export_json() -> Response:
    return _export("json", "application/json", _json_lines)
